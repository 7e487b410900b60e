"""End to end (issue 15): notices through a real Celery worker over Redis — mails to a real
SMTP server, 钉钉, 企业微信 and SMS to local HTTP servers that check each signature
(tests/endpoints.py) — and a worker killed mid-batch, whose batch beat's own task sends
again: nothing lost, nothing twice but the documented window."""

from __future__ import annotations

import email
import json
import time
from collections import Counter
from email import policy
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app
from notify.models import Delivery, Notice, Notification, Preference
from notify.services.comments import comment_create
from notify.services.notices import Audience, notices_create
from regions.models import Unit, UnitContact, User
from tasks_app.models import Assignment
from tasks_app.parsing import parse_text
from tasks_app.services import assignments as svc
from tasks_app.services.imports import workplan_import
from tests.endpoints import DING_SECRET, SMS_KEY, endpoints_start
from tests.processes import MailWorker, celery_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]

SITE = "https://duban.example.gov.cn"
SECOND_PLAN = (
    "测试市2026年第二批政务公开工作要点\n一、深化公开\n"
    "(一)公开重大建设项目。9月底前完成。(市发改委牵头,市财政局负责落实)\n"
    "(二)公开收费目录清单。年底前完成。(市财政局负责落实)\n"
)


@pytest.fixture
def wire(redis_url, settings):
    """The far ends, and the worker's settings that point at them."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs DATABASE_URL on PostgreSQL")
    endpoints = endpoints_start()
    env = {"SITE_URL": SITE, "SMS_GATEWAY_URL": endpoints["sms"].url, "SMS_GATEWAY_KEY": SMS_KEY}
    yield endpoints, env
    for endpoint in endpoints.values():
        endpoint.close()


def reach(unit: Unit, endpoints, tag: str, n: int) -> None:
    """A contact of `unit` on every channel, each address marked with `tag`."""
    UnitContact.objects.create(
        unit=unit,
        name=f"联络员{tag}",
        email=f"{tag}@example.org",
        phone=f"139{n:08d}",
        dingtalk_webhook=f"{endpoints['dingtalk'].url}?access_token={tag}",
        dingtalk_secret=DING_SECRET,
        wecom_webhook=f"{endpoints['wecom'].url}?key={tag}",
    )


def delivery_key(delivery: Delivery) -> tuple[str, str]:
    """(channel, who): the mailbox or phone, or the robot's token."""
    if delivery.channel in ("dingtalk", "wecom"):
        query = parse_qs(urlsplit(delivery.address).query)
        return delivery.channel, (query.get("access_token") or query["key"])[0]
    return delivery.channel, delivery.address


def received(mail: MailWorker, endpoints) -> list[tuple[str, str, str]]:
    """Every message the far ends got: (channel, who, its text)."""
    found = []
    for recipients, message in list(mail.messages):
        parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
        body = parsed.get_body(("plain",)).get_content()
        found += [("email", to, f"{parsed['Subject']}\n{body}") for to in recipients]
    for channel, token in (("dingtalk", "access_token"), ("wecom", "key"), ("sms", None)):
        for request in list(endpoints[channel].requests):
            assert request["problem"] == "", (channel, request)
            who = request["json"]["phone"] if token is None else request["query"][token]
            found.append((channel, who, json.dumps(request["json"], ensure_ascii=False)))
    return found


def all_sent(mail: MailWorker, timeout: float = 90) -> None:
    """Wait until no delivery is left to send; fail with what is left and the worker's log."""
    deadline = time.monotonic() + timeout
    unsent = Delivery.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
    while unsent.exists():
        if time.monotonic() > deadline:
            left = list(unsent.values_list("channel", "address", "attempts", "last_error"))
            raise AssertionError(f"still unsent: {left}\n{mail.worker.output}")
        time.sleep(0.2)


def once_each(mail: MailWorker, endpoints) -> None:
    """Every delivery reached its far end exactly once, under its notice's title."""
    messages = received(mail, endpoints)
    deliveries = list(Delivery.objects.select_related("notice"))
    assert len(messages) == len(deliveries), messages
    for delivery in deliveries:
        channel, who = delivery_key(delivery)
        mine = [text for c, w, text in messages if (c, w) == (channel, who)]
        assert sum(delivery.notice.title in text for text in mine) == 1, (delivery, mine)
    assert not Delivery.objects.exclude(attempts=1).exists()


def texts(mail, endpoints, who: str, title: str) -> dict[str, str]:
    """channel → the message `who` got under `title` (once_each checked there is one)."""
    return {c: t for c, w, t in received(mail, endpoints) if w == who and title in t}


@pytest.mark.django_db(transaction=True)
def test_import_return_and_comments_reach_every_channel_once(world, wire, redis_url, settings):
    endpoints, env = wire
    reach(world.fgw_unit, endpoints, "fgw", 1)
    reach(world.czj_unit, endpoints, "czj", 2)
    coordinator = world.coordinator
    User.objects.filter(pk=coordinator.pk).update(
        email="coord@example.org", phone="13700000000", last_name="王协调"
    )
    Preference.objects.create(
        user=coordinator,
        sms=True,
        dingtalk_webhook=f"{endpoints['dingtalk'].url}?access_token=coord",
        dingtalk_secret=DING_SECRET,
        wecom_webhook=f"{endpoints['wecom'].url}?key=coord",
    )
    Delivery.objects.all().delete()  # the world's own import reached no one outside the bell
    czj_phone, fgw_phone = "13900000002", "13900000001"

    with MailWorker(redis_url, settings.DATABASES["default"], **env) as mail:
        # an import: each unit told once on each channel, listing its items
        plan = workplan_import(
            outline=parse_text(SECOND_PLAN), region=world.region, user=coordinator
        ).plan
        all_sent(mail)
        once_each(mail, endpoints)
        for unit, tag, phone in (
            (world.fgw_unit, "fgw", fgw_phone),
            (world.czj_unit, "czj", czj_phone),
        ):
            items = Assignment.objects.filter(task__plan=plan, unit=unit).select_related("task")
            title = f"你单位有 {items.count()} 项新交办事项"
            got = texts(mail, endpoints, tag, title) | texts(mail, endpoints, phone, title)
            got |= texts(mail, endpoints, f"{tag}@example.org", title)
            assert set(got) == {"email", "sms", "dingtalk", "wecom"}, got
            for channel in ("email", "dingtalk", "wecom"):  # the SMS template: title and link
                assert all(a.task.title in got[channel] for a in items), got[channel]
        assert not [m for m in received(mail, endpoints) if "coord" in m[1]]  # the importer

        # a claim returned: the unit hears why, on each channel
        assignment = Assignment.objects.get(task__plan=plan, task__ref="一/(二)")
        svc.assignment_sign(user=world.czj, assignment_id=assignment.pk)
        report = svc.report_create(
            user=world.czj,
            assignment_id=assignment.pk,
            text="已公开",
            progress=100,
            completion=True,
        )
        svc.report_review(
            user=coordinator, report_id=report.pk, accept=False, comment="缺少公开网址截图"
        )
        all_sent(mail)
        once_each(mail, endpoints)
        got = texts(mail, endpoints, "czj", "办结申请被退回")
        got |= texts(mail, endpoints, "czj@example.org", "办结申请被退回")
        got |= texts(mail, endpoints, czj_phone, "办结申请被退回")
        assert set(got) == {"email", "sms", "dingtalk", "wecom"}, got
        assert all("缺少公开网址截图" in got[c] for c in ("email", "dingtalk", "wecom")), got
        assert len(texts(mail, endpoints, "coord", "提交了办结申请")) == 2  # 钉钉, 企业微信

        # a comment from the unit: the coordinators, in the bell and on their channels
        comment_create(user=world.czj, assignment_id=assignment.pk, text="截图已补充,请再审。")
        # and the reply: the unit
        comment_create(user=coordinator, assignment_id=assignment.pk, text="已收到。")
        all_sent(mail)
        once_each(mail, endpoints)
        asked, answered = Notice.objects.filter(event="comment").order_by("pk")
        assert list(Notification.objects.filter(notice=asked).values_list("user", flat=True)) == [
            coordinator.pk
        ]
        assert Notification.objects.filter(notice=answered, user=world.czj).exists()
        got = texts(mail, endpoints, "coord", asked.title)
        got |= texts(mail, endpoints, "coord@example.org", asked.title)
        got |= texts(mail, endpoints, "13700000000", asked.title)
        assert set(got) == {"email", "sms", "dingtalk", "wecom"}, got
        assert "截图已补充" in got["dingtalk"] and "截图已补充" in got["email"]
        assert len(texts(mail, endpoints, "czj", answered.title)) == 2
        assert not texts(mail, endpoints, "fgw", asked.title)  # not the other unit


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_the_window(
    taiyuan, wire, redis_url, settings
):
    endpoints, env = wire
    units = []
    for n in range(12):
        unit = Unit.objects.create(region=taiyuan, short_name=f"测试单位{n}", kind="department")
        reach(unit, endpoints, f"u{n}", n)
        units.append(unit)
    settings.REMINDER_BATCH_SIZE = 1000  # one batch, one task: the one the worker takes
    endpoints["wecom"].hold_request = 5  # the 5th unit's robot: in the 3rd chunk of 8

    with MailWorker(redis_url, settings.DATABASES["default"], OUTBOX_CHUNK="8", **env) as mail:
        audiences = [
            Audience(unit_id=u.pk, title=f"催办{u.short_name}", text="请抓紧办理", link="/tasks/")
            for u in units
        ]
        notices_create(event="chased", region_id=taiyuan.pk, audiences=audiences)
        assert endpoints["wecom"].held.wait(timeout=90), mail.worker.output
        arrived = Counter((c, w) for c, w, _t in received(mail, endpoints))
        mail.worker.proc.kill()  # SIGKILL, mid-chunk: the solo pool is this one process
        mail.worker.proc.wait()
        endpoints["wecom"].release.set()

        deliveries = list(Delivery.objects.all())
        unsent = {delivery_key(d) for d in deliveries if d.sent_at is None}
        window = {key for key in arrived if key in unsent}  # reached, never stamped
        assert ("wecom", "u4") in window and len(deliveries) == 48
        assert 0 < len(deliveries) - len(unsent) < 48  # earlier chunks were committed

        # a new worker; beat's own task finds the lost batch (grace 0 here, 10 minutes live)
        mail.worker = celery_worker({**mail.env, "OUTBOX_STALE_AFTER": "0"}, queue_name=mail.queue)
        task = BEAT_SCHEDULE["held-deliveries"]["task"]
        result = celery_app.send_task(task).get(timeout=60)
        assert result == {"released": 0, "requeued": len(unsent)}, mail.worker.output
        all_sent(mail)

    times = Counter((c, w) for c, w, _t in received(mail, endpoints))
    assert set(times) == {delivery_key(d) for d in deliveries}  # nothing lost
    twice = {key for key, count in times.items() if count > 1}
    assert twice <= window and max(times.values()) == 2, times  # only the window, once more
    assert not Delivery.objects.exclude(attempts=1).exists()  # each stamped sent once
