"""Telling people (issue 15): one notice per unit per event, in the bell and on every channel
the unit and its people have; the robots and the SMS gateway are real local HTTP servers that
check each request's signature, as 钉钉, 企业微信 and the gateway would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ApplicationError
from notify.models import Delivery, Event, MailLog, Notice, Notification, Preference
from notify.outbox import outbox_send
from notify.services.notices import (
    Audience,
    deliveries_due_enqueue,
    deliveries_stale_enqueue,
    notices_create,
)
from regions.models import UnitContact, User
from regions.services import user_upsert
from tasks_app.models import Assignment
from tasks_app.services import assignments as svc
from tests.endpoints import DING_SECRET, SMS_KEY, endpoints_start

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def endpoints(settings):
    found = endpoints_start()
    settings.SMS_GATEWAY_URL = found["sms"].url
    settings.SMS_GATEWAY_KEY = SMS_KEY
    settings.SITE_URL = "http://example.test:8123"
    yield found
    for endpoint in found.values():
        endpoint.close()


def send_all() -> list[int]:
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    return outbox_send("delivery", ids)


def contact_everywhere(unit, endpoints) -> UnitContact:
    return UnitContact.objects.create(
        unit=unit,
        name="联络员",
        email="contact@example.org",
        phone="13800000000",
        dingtalk_webhook=endpoints["dingtalk"].url + "?access_token=t",
        dingtalk_secret=DING_SECRET,
        wecom_webhook=endpoints["wecom"].url + "?key=k",
    )


def test_an_import_tells_each_unit_once_listing_its_items(world):
    units = set(Assignment.objects.filter(task__plan=world.plan).values_list("unit_id", flat=True))
    notices = Notice.objects.filter(event="assigned", region=world.region)
    assert sorted(notices.values_list("unit_id", flat=True)) == sorted(units)
    notice = notices.get(unit=world.czj_unit)
    items = Assignment.objects.filter(task__plan=world.plan, unit=world.czj_unit)
    assert notice.title == f"你单位有 {items.count()} 项新交办事项"
    for assignment in items.select_related("task"):
        assert assignment.task.title in notice.text
    assert Notification.objects.filter(notice=notice, user=world.czj).exists()
    # the coordinator who imported is not told of what they did
    assert not Notification.objects.filter(user=world.coordinator).exists()


def test_each_channel_gets_one_signed_message_and_only_once(world, endpoints):
    contact_everywhere(world.czj_unit, endpoints)
    Delivery.objects.all().delete()
    svc.assignments_chase(
        user=world.coordinator, assignment_ids=[world.czj_own.pk], message="本周内反馈"
    )
    assert set(Delivery.objects.values_list("channel", flat=True)) == {
        "email",
        "sms",
        "dingtalk",
        "wecom",
    }
    assert send_all() == []
    assert send_all() == []  # sent once: a second run finds nothing pending
    for name, endpoint in endpoints.items():
        assert len(endpoint.requests) == 1, name
        assert endpoint.requests[0]["problem"] == "", name
    ding = endpoints["dingtalk"].requests[0]["json"]["markdown"]
    assert ding["title"] == "催办:你单位有 1 项事项请抓紧办理"  # the event named once
    assert "本周内反馈" in ding["text"] and "http://example.test:8123/tasks/" in ding["text"]
    assert "本周内反馈" in endpoints["wecom"].requests[0]["json"]["markdown"]["content"]
    sms = endpoints["sms"].requests[0]["json"]
    assert sms["phone"] == "13800000000" and sms["text"].startswith("【政务公开办】催办")
    (message,) = mail.outbox
    assert message.to == ["contact@example.org"] and "本周内反馈" in message.body
    assert message.subject == "【催办】你单位有 1 项事项请抓紧办理"  # the event named once
    assert not Delivery.objects.filter(sent_at__isnull=True).exists()


def test_a_refusal_is_stamped_with_its_reason_and_returned_for_retry(world, endpoints):
    contact_everywhere(world.czj_unit, endpoints)
    Delivery.objects.all().delete()
    endpoints["dingtalk"].answer = (200, {"errcode": 310000, "errmsg": "keywords not in content"})
    svc.assignments_chase(user=world.coordinator, assignment_ids=[world.czj_own.pk])
    failed = send_all()
    ding = Delivery.objects.get(channel="dingtalk")
    assert failed == [ding.pk]
    assert ding.sent_at is None and ding.attempts == 1
    assert "errcode 310000" in ding.last_error
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 3
    endpoints["dingtalk"].answer = (200, {"errcode": 0})
    assert outbox_send("delivery", failed) == []
    assert len(endpoints["dingtalk"].requests) == 2 and len(endpoints["wecom"].requests) == 1


def test_an_unreachable_mail_server_fails_the_mails_not_the_robots(world, endpoints, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    contact_everywhere(world.czj_unit, endpoints)
    Delivery.objects.all().delete()
    svc.assignments_chase(user=world.coordinator, assignment_ids=[world.czj_own.pk])
    failed = send_all()
    assert failed == [Delivery.objects.get(channel="email").pk]
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 3


def test_a_returned_claim_tells_the_unit_why_and_a_claim_tells_the_coordinators(world):
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    report = svc.report_create(
        user=world.czj, assignment_id=world.czj_own.pk, text="已完成", progress=100, completion=True
    )
    waiting = Notice.objects.get(event="claim_submitted")
    assert list(waiting.notifications.values_list("user", flat=True)) == [world.coordinator.pk]
    svc.report_review(user=world.coordinator, report_id=report.pk, accept=False, comment="缺佐证")
    returned = Notice.objects.get(event="claim_returned")
    assert returned.unit == world.czj_unit and "退回理由:缺佐证" in returned.text
    assert returned.link == f"/tasks/{world.czj_own.pk}/"


def test_a_refused_extension_tells_the_reason(world):
    request = svc.extension_request_create(
        user=world.czj,
        assignment_id=world.czj_own.pk,
        requested_due_date=world.czj_own.due_date + dt.timedelta(days=30),
        reason="需要协调",
    )
    assert Notice.objects.filter(event="extension_requested").count() == 1
    svc.extension_request_decide(
        user=world.coordinator, request_id=request.pk, approve=False, comment="不符合条件"
    )
    refused = Notice.objects.get(event="extension_refused", unit=world.czj_unit)
    assert "理由:不符合条件" in refused.text


def test_a_mail_of_every_event_is_logged_under_its_event(world):
    """The mail log's kind holds 24 characters: the longest event's name must fit (PostgreSQL
    refuses a longer value, and with it the whole chunk)."""
    world.coordinator.email = "coord@example.org"
    world.coordinator.save()
    svc.extension_request_create(
        user=world.czj,
        assignment_id=world.czj_own.pk,
        requested_due_date=world.czj_own.due_date + dt.timedelta(days=30),
        reason="需要协调",
    )
    delivery = Delivery.objects.get(notice__event="extension_requested")
    assert outbox_send("delivery", [delivery.pk]) == []
    assert MailLog.objects.get(recipients="coord@example.org").kind == "extension_requested"
    longest = max(len(value) for value, _label in Event.choices)
    assert longest <= MailLog._meta.get_field("kind").max_length


def test_a_leader_cannot_chase(world):
    with pytest.raises(ApplicationError):
        svc.assignments_chase(user=world.leader, assignment_ids=[world.czj_own.pk])


def test_settings_mute_an_event_and_hold_im_through_quiet_hours(world, endpoints):
    world.czj.email = "czj@example.org"
    world.czj.save()
    Preference.objects.create(user=world.czj, muted_events=["chased"])
    Delivery.objects.all().delete()
    svc.assignments_chase(user=world.coordinator, assignment_ids=[world.czj_own.pk])
    assert not Delivery.objects.exists()  # muted: no message, but still in the bell
    assert Notification.objects.filter(user=world.czj, notice__event="chased").exists()

    Preference.objects.filter(user=world.czj).update(
        muted_events=[],
        wecom_webhook=endpoints["wecom"].url,
        quiet_start=dt.time(0, 0),
        quiet_end=dt.time(23, 59),
    )
    svc.assignments_chase(user=world.coordinator, assignment_ids=[world.czj_own.pk])
    held = Delivery.objects.get(channel="wecom")
    assert held.not_before is not None and held.not_before > timezone.now()
    assert Delivery.objects.get(channel="email").not_before is None  # mail is not held
    assert send_all() == [] and endpoints["wecom"].requests == []  # not pending yet
    assert deliveries_due_enqueue(now=held.not_before + dt.timedelta(minutes=1)) == 1
    held.refresh_from_db()
    assert held.not_before is None
    send_all()
    assert len(endpoints["wecom"].requests) == 1


def test_beat_queues_again_what_a_killed_batch_left_and_only_that(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.OUTBOX_STALE_AFTER = 600
    queued: list[int] = []
    monkeypatch.setattr(
        "notify.services.notices.outbox_enqueue", lambda kind, ids: queued.extend(ids)
    )
    now = dt.datetime(2026, 10, 8, 9, 0, tzinfo=dt.UTC)
    notice = Notice.objects.create(event="chased", region=world.region, title="t", text="x")

    def row(name: str, minutes_ago: float, **fields) -> int:
        pk = Delivery.objects.create(notice=notice, channel="email", address=name, **fields).pk
        Delivery.objects.filter(pk=pk).update(updated_at=now - dt.timedelta(minutes=minutes_ago))
        return pk

    lost = row("lost", 11)  # queued 11 minutes ago, never tried: its batch is gone
    row("recent", 9)  # its batch may still be waiting in the queue
    row("sent", 60, sent_at=now, attempts=1)
    row("cancelled", 60, cancelled_at=now)
    row("held", 60, not_before=now - dt.timedelta(minutes=1))  # deliveries_due_enqueue's
    row("retrying", 10.5, attempts=1)  # celery retries it 1 minute after it failed
    overdue = row("retry-lost", 12, attempts=1)  # that retry is 1 minute overdue
    row("third-retry", 13, attempts=3)  # retried 4 minutes after its third failure
    row("gave-up", 24 * 60, attempts=7)  # failed more often than celery retries: an operator's
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_stale_enqueue(now=now) == 2
    assert queued == [lost, overdue]
    stamped = Delivery.objects.filter(pk__in=queued).values_list("updated_at", flat=True)
    assert set(stamped) == {now}
    # five minutes on, the others' time has come, and the two just queued are left alone
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_stale_enqueue(now=now + dt.timedelta(minutes=5)) == 3
    addresses = Delivery.objects.filter(pk__in=queued[2:]).values_list("address", flat=True)
    assert sorted(addresses) == ["recent", "retrying", "third-retry"]
    with django_capture_on_commit_callbacks(execute=True):  # still unsent after the grace
        assert deliveries_stale_enqueue(now=now + dt.timedelta(minutes=12)) == 2
    assert queued[5:] == [lost, overdue]


def test_telling_many_units_costs_the_same_queries_as_one(world, region_units):
    def tell(units) -> int:
        audiences = [Audience(unit_id=u.pk, title="t", text="x", link="/tasks/") for u in units]
        with CaptureQueriesContext(connection) as queries:
            notices_create(event="chased", region_id=world.region.pk, audiences=audiences)
        return len(queries.captured_queries)

    units = region_units(30)
    assert tell(units[:1]) == tell(units)


@pytest.fixture
def region_units(world):
    from regions.models import Unit

    def make(n: int):
        units = []
        for i in range(n):
            unit = Unit.objects.create(
                region=world.region, short_name=f"测试单位{i}", kind="department"
            )
            user_upsert(username=f"u{i}", password="pw-123456", role="unit_user", unit=unit)
            UnitContact.objects.create(unit=unit, email=f"u{i}@example.org")
            units.append(unit)
        return units

    return make


def test_the_bell_costs_the_same_for_1_and_500_notifications(client, world):
    notice = Notice.objects.create(
        event="chased", region=world.region, title="t", text="x", link="/"
    )
    client.force_login(world.czj)
    Notification.objects.filter(user=world.czj).delete()

    def count(path) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return len(queries.captured_queries)

    Notification.objects.create(notice=notice, user=world.czj)
    count("/tasks/")  # warm: the first request fills per-process caches
    one = [count("/tasks/"), count("/notifications/")]
    notices = Notice.objects.bulk_create(
        Notice(event="chased", region=world.region, title=f"t{i}", text="x", link="/")
        for i in range(499)
    )
    Notification.objects.bulk_create(Notification(notice=n, user=world.czj) for n in notices)
    page = client.get("/tasks/").content.decode()
    assert '<span class="badge">500</span>' in page
    assert [count("/tasks/"), count("/notifications/")] == one


def test_a_notification_opens_its_object_once_read_and_another_users_is_not_found(client, world):
    notice = Notice.objects.create(
        event="chased", region=world.region, title="t", text="x", link="/tasks/"
    )
    mine = Notification.objects.create(notice=notice, user=world.czj)
    theirs = Notification.objects.create(notice=notice, user=world.coordinator)
    client.force_login(world.czj)
    response = client.get(f"/notifications/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_comment_tells_the_other_side_and_the_mentioned(world):
    from notify.services.comments import comment_create

    world.coordinator.last_name = "王协调"
    world.coordinator.save()
    comment_create(user=world.czj, assignment_id=world.czj_own.pk, text="请问 @王协调 如何报送?")
    told = Notice.objects.filter(event="comment")
    assert [n.notifications.get().user for n in told] == [world.coordinator]
    mention = Notice.objects.get(event="mention")
    assert mention.notifications.get().user == world.coordinator
    comment_create(user=world.coordinator, assignment_id=world.czj_own.pk, text="按模板报送")
    reply = Notice.objects.filter(event="comment").latest("pk")
    assert reply.unit == world.czj_unit
    assert list(reply.notifications.values_list("user", flat=True)) == [world.czj.pk]


def test_no_unit_user_is_told_of_another_units_notice(world):
    other = User.objects.get(username="czj")
    assert not Notification.objects.filter(user=other).exclude(notice__unit=world.czj_unit).exists()


def test_a_coordinator_chases_selected_items_from_the_admin_list(client, world):
    url = "/admin/tasks_app/assignment/"
    picked = {"action": "chase_selected", "_selected_action": [world.czj_own.pk]}
    client.force_login(world.coordinator)
    asked = client.post(url, picked)
    assert asked.status_code == 200 and "督办意见(可选)" in asked.content.decode()
    done = client.post(url, {**picked, "apply": "1", "comment": "周五前报送"})
    assert done.status_code == 302
    notice = Notice.objects.get(event="chased")
    assert notice.unit == world.czj_unit and "督办意见:周五前报送" in notice.text
    client.force_login(world.leader)
    assert "chase_selected" not in client.get(url).content.decode()


def test_a_person_sets_channels_events_and_quiet_hours(client, world):
    client.force_login(world.czj)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200 and "免打扰时段" in page.content.decode()
    half = client.post("/notifications/settings/", {"email": "on", "quiet_start": "22:00"})
    assert "同时填写开始和结束时间" in half.content.decode()
    assert not Preference.objects.filter(user=world.czj).exists()
    saved = client.post(
        "/notifications/settings/",
        {
            "sms": "on",
            "wecom_webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            "muted_events": ["comment"],
            "quiet_start": "22:00",
            "quiet_end": "07:30",
        },
    )
    assert saved.status_code == 302
    preference = Preference.objects.get(user=world.czj)
    assert (preference.email, preference.sms, preference.muted_events) == (
        False,
        True,
        ["comment"],
    )
    assert preference.quiet_end == dt.time(7, 30)
