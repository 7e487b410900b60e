"""Webhooks (issue 17): the signature, the SSRF rule at registration and at send time, the
failure count (disabling and its notice, a 2xx resetting it), the admin's scoping, the events
that become deliveries, and a batch's queries not growing with its deliveries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError
from hooks.models import Endpoint, EventType, WebhookAttempt, WebhookDelivery
from hooks.services.endpoints import endpoint_save
from notify.models import Notification
from notify.outbox import outbox_send
from notify.services.comments import comment_create
from reporting.models import Bulletin
from reporting.services.bulletins import bulletin_publish
from reporting.services.public_plans import plan_publish
from tasks_app.services import assignments as svc
from tests.endpoints import Endpoint as Server

SECRET = "whsec-test-0123456789"
REFUSED = [
    "http://127.0.0.1/hook",
    "http://[::1]:8080/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:8080/hook",  # a host name that resolves to loopback
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
    "http://0.0.0.0/hook",
    "ftp://93.184.215.14/hook",
    "file:///etc/passwd",
]


@pytest.fixture
def server():
    """A local receiver recording each request (headers and body) and answering 200."""
    endpoint = Server(lambda *a: "")
    yield endpoint
    endpoint.close()


def hook(world, url: str, events=(EventType.COMMENT_CREATED,), region=None) -> Endpoint:
    """An endpoint written straight to the table (registration's check is tested apart)."""
    return Endpoint.objects.create(
        region=region or world.region, url=url, secret=SECRET, events=list(events)
    )


def delivery(endpoint: Endpoint, n: int = 1) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event="test", payload={"event": "test", "data": {"n": n, "名": "值"}}
    )


def send(*deliveries: WebhookDelivery) -> list[int]:
    return outbox_send("webhook", [d.pk for d in deliveries])


def test_the_signature_is_an_hmac_of_timestamp_dot_body(world, server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    d = delivery(hook(world, server.url))
    before = int(time.time())
    assert send(d) == []
    (request,) = server.requests
    headers, body = request["headers"], request["body"]
    timestamp = headers["X-Webhook-Timestamp"]
    assert before <= int(timestamp) <= int(time.time())
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert headers["X-Webhook-Signature"] == "sha256=" + expected.hexdigest()
    assert headers["X-Webhook-Event"] == "test"
    assert headers["X-Webhook-Id"] == str(d.pk)
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"event": "test", "data": {"n": 1, "名": "值"}}
    d.refresh_from_db()
    assert d.sent_at is not None and (d.attempts, d.last_status) == (1, 200)
    (attempt,) = WebhookAttempt.objects.filter(delivery=d)
    assert attempt.status_code == 200 and attempt.latency_ms is not None and attempt.error == ""


@pytest.mark.parametrize("url", REFUSED)
def test_registration_refuses_private_addresses_and_other_schemes(world, url):
    endpoint = Endpoint(region=world.region, url=url, events=[EventType.COMMENT_CREATED])
    with pytest.raises(ApplicationError):
        endpoint_save(user=world.coordinator, endpoint=endpoint)
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://localhost/x", "ftp://a.example/"])
def test_the_admin_form_refuses_them_with_a_form_error(client, world, url):
    client.force_login(world.coordinator)
    response = client.post(
        "/admin/hooks/endpoint/add/",
        {"region": world.region.pk, "url": url, "secret": "", "events": ["comment.created"]},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["url"]
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("url", [u for u in REFUSED if not u.startswith("file:")])
def test_sending_refuses_them_too_and_never_connects(world, url):
    """An endpoint whose address became private (DNS changed, or written around the form):
    refused right before connecting, logged as a failed attempt without a status."""
    d = delivery(hook(world, url))
    assert send(d) == [d.pk]
    d.refresh_from_db()
    assert d.sent_at is None and d.attempts == 1 and d.last_status is None
    assert d.last_error.startswith("Refused")
    (attempt,) = WebhookAttempt.objects.filter(delivery=d)
    assert attempt.status_code is None and attempt.error.startswith("Refused")


def test_the_setting_allows_private_addresses(world, server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    endpoint = endpoint_save(
        user=world.coordinator,
        endpoint=Endpoint(region=world.region, url=server.url, events=["comment.created"]),
    )
    assert len(endpoint.secret) == 64 and endpoint.created_by == world.coordinator
    assert send(delivery(endpoint)) == [] and len(server.requests) == 1
    settings.WEBHOOK_ALLOW_PRIVATE = False
    d = delivery(endpoint, 2)
    assert send(d) == [d.pk] and len(server.requests) == 1


def test_no_redirect_is_followed(world, server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server.answer = (302, {"location": "http://169.254.169.254/"})
    d = delivery(hook(world, server.url))
    assert send(d) == [d.pk]
    d.refresh_from_db()
    assert (d.last_status, d.last_error, len(server.requests)) == (302, "HTTP 302", 1)


def test_n_failures_in_a_row_disable_the_endpoint_and_tell_its_coordinators(
    world, server, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_DISABLE_AFTER = 3
    server.answer = (500, {"error": "boom"})
    endpoint = hook(world, server.url)
    for n in range(2):
        send(delivery(endpoint, n))
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 2)
    assert not Notification.objects.filter(notice__event="webhook_disabled").exists()
    send(delivery(endpoint, 3))
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None
    assert "HTTP 500" in endpoint.disabled_reason
    told = Notification.objects.filter(notice__event="webhook_disabled")
    assert [n.user for n in told] == [world.coordinator]
    assert server.url in told[0].notice.title + told[0].notice.text
    assert told[0].notice.link == f"/admin/hooks/endpoint/{endpoint.pk}/change/"
    # a disabled endpoint is sent nothing more: its deliveries are cancelled
    later = delivery(endpoint, 4)
    assert send(later) == [] and len(server.requests) == 3
    later.refresh_from_db()
    assert later.cancelled_at is not None and later.cancel_reason == "端点已停用"
    # enabling it again (a coordinator fixed the receiver) starts the count afresh
    endpoint.active = True
    endpoint_save(user=world.coordinator, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert (endpoint.disabled_at, endpoint.consecutive_failures) == (None, 0)


def test_a_2xx_resets_the_failure_count(world, server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_DISABLE_AFTER = 3
    endpoint = hook(world, server.url)
    server.answers = [(500, {}), (503, {})]
    for n in range(3):
        send(delivery(endpoint, n))
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 0)
    server.answers = [(500, {}), (500, {})]
    for n in range(2):
        send(delivery(endpoint, n))
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 2)
    statuses = list(WebhookAttempt.objects.order_by("pk").values_list("status_code", flat=True))
    assert statuses == [500, 503, 200, 500, 500]


def test_a_batch_is_sent_in_the_same_queries_whatever_its_size(world, server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_DISABLE_AFTER = 100

    def queries(size: int, status: int) -> int:
        server.answer = (status, {})
        rows = [delivery(hook(world, server.url), n) for n in range(size)]
        with CaptureQueriesContext(connection) as captured:
            outbox_send("webhook", [d.pk for d in rows])
        return len(captured.captured_queries)

    assert queries(2, 200) == queries(7, 200)
    assert queries(2, 500) == queries(7, 500)


# --- the admin ----------------------------------------------------------------------------


def test_a_coordinator_registers_an_endpoint_and_sends_a_test(client, world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(world.coordinator)
    response = client.post(
        "/admin/hooks/endpoint/add/",
        {
            "region": world.region.pk,
            "url": "https://93.184.215.14/hook",
            "secret": "",
            "events": ["comment.created", "report.created"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["report.created", "comment.created"]
    assert endpoint.created_by == world.coordinator and endpoint.secret
    assert endpoint.history.count() == 1
    response = client.post(
        "/admin/hooks/endpoint/",
        {"action": "send_test", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 302
    assert list(WebhookDelivery.objects.values_list("endpoint", "event")) == [(endpoint.pk, "test")]


def test_other_regions_do_not_see_an_endpoint_and_leaders_only_read(client, world):
    endpoint = hook(world, "https://93.184.215.14/hook")
    change = f"/admin/hooks/endpoint/{endpoint.pk}/change/"
    client.force_login(world.coordinator)
    assert SECRET in client.get(change).content.decode()
    client.force_login(world.other_coordinator)
    assert client.get(change)["Location"] == "/admin/"
    assert endpoint.url not in client.get("/admin/hooks/endpoint/").content.decode()
    client.post(
        "/admin/hooks/endpoint/", {"action": "send_test", "_selected_action": [endpoint.pk]}
    )
    assert not WebhookDelivery.objects.exists()
    client.force_login(world.leader)
    page = client.get(change)
    assert page.status_code == 200 and endpoint.url in page.content.decode()
    assert SECRET not in page.content.decode()  # a reader cannot sign events
    history = client.get(f"/admin/hooks/endpoint/{endpoint.pk}/history/")
    assert history.status_code == 200 and SECRET not in history.content.decode()
    record = endpoint.history.latest()
    version = client.get(f"/admin/hooks/endpoint/{endpoint.pk}/history/{record.history_id}/")
    assert version.status_code == 200 and SECRET not in version.content.decode()
    assert not hasattr(record, "secret")  # the signing key is never kept in the history
    assert client.post(change, {"url": "https://93.184.215.15/x"}).status_code == 403
    listing = client.get("/admin/hooks/endpoint/")
    assert "send_test" not in listing.content.decode()
    client.post(
        "/admin/hooks/endpoint/", {"action": "send_test", "_selected_action": [endpoint.pk]}
    )
    assert not WebhookDelivery.objects.exists()
    with pytest.raises(ApplicationError):
        endpoint_save(user=world.leader, endpoint=endpoint)
    endpoint.region = world.region
    endpoint.url = "https://93.184.215.15/x"
    with pytest.raises(ApplicationError):  # a region not theirs: "not found"
        endpoint_save(user=world.other_coordinator, endpoint=endpoint)
    assert Endpoint.objects.get().url == "https://93.184.215.14/hook"


# --- events -------------------------------------------------------------------------------


def test_events_become_deliveries_for_the_subscribed_endpoints_of_the_region(world):
    from regions.models import Region

    every = hook(world, "https://93.184.215.14/all", events=EventType.values)
    comments = hook(world, "https://93.184.215.14/comments")
    elsewhere = hook(
        world,
        "https://93.184.215.14/x",
        events=EventType.values,
        region=Region.objects.get(code="990100"),
    )
    comment_create(user=world.czj, assignment_id=world.czj_own.pk, text="已完成初稿")
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    svc.report_create(
        user=world.czj, assignment_id=world.czj_own.pk, text="已办结", progress=100, completion=True
    )
    report = world.czj_own.reports.get(kind="completion")
    svc.report_review(user=world.coordinator, report_id=report.pk, accept=True)
    bulletin = Bulletin.objects.create(
        plan=world.plan,
        title="通报",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
    )
    bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk, enqueue=False)
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=dt.date(2026, 7, 1))
    events = list(
        WebhookDelivery.objects.filter(endpoint=every)
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == [
        "comment.created",
        "report.created",
        "assignment.state_changed",
        "assignment.state_changed",
        "bulletin.published",
        "plan.published",
    ]
    published = every.deliveries.get(event="plan.published").payload["data"]
    assert published["public_url"].endswith(f"/public/{page.token}/")
    assert list(comments.deliveries.values_list("event", flat=True)) == ["comment.created"]
    assert not elsewhere.deliveries.exists()
    payload = comments.deliveries.get().payload
    assert payload["event"] == "comment.created"
    assert payload["data"]["comment"]["text"] == "已完成初稿"
    assert payload["data"]["assignment"]["unit"] == {"id": world.czj_unit.pk, "name": "市财政局"}
    states = [
        d.payload["data"]["assignment"]["state"]
        for d in every.deliveries.filter(event="assignment.state_changed").order_by("pk")
    ]
    assert states == ["submitted", "done"]


@pytest.mark.django_db
def test_migrate_gives_existing_role_groups_the_webhook_permissions():
    from django.contrib.auth.models import Group, Permission
    from django.core.management.sql import emit_post_migrate_signal

    from regions.services import roles_setup

    groups = roles_setup()
    hooks_perms = Permission.objects.filter(content_type__app_label="hooks")
    custom = Permission.objects.get(codename="add_group")  # an operator's own grant stays
    for group in groups.values():  # as before webhooks existed
        group.permissions.remove(*hooks_perms)
    groups["领导"].permissions.add(custom)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    coordinator, leader = Group.objects.get(name="协调员"), Group.objects.get(name="领导")
    assert set(coordinator.permissions.filter(content_type__app_label="hooks")) == set(hooks_perms)
    assert {p.codename for p in leader.permissions.filter(content_type__app_label="hooks")} == {
        "view_endpoint",
        "view_historicalendpoint",
        "view_webhookdelivery",
        "view_webhookattempt",
    }
    assert leader.permissions.filter(pk=custom.pk).exists()


def test_beat_queues_again_what_a_killed_worker_left_unsent(world, settings):
    from hooks.services.stale import webhooks_stale_enqueue

    settings.OUTBOX_STALE_AFTER = 600
    settings.OUTBOX_RETRY_BASE = 60
    endpoint = hook(world, "https://93.184.215.14/hook")
    now = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

    def row(name: str, minutes: float, **fields) -> WebhookDelivery:
        d = WebhookDelivery.objects.create(endpoint=endpoint, event="test", payload={"n": name})
        when = now - dt.timedelta(minutes=minutes)
        WebhookDelivery.objects.filter(pk=d.pk).update(updated_at=when, **fields)
        return d

    row("recent", 5)
    lost = row("lost", 11)
    row("retrying", 10.5, attempts=1)  # the outbox task retries it 1 minute after it failed
    overdue = row("retry-lost", 12, attempts=1)
    row("sent", 60, sent_at=now)
    row("cancelled", 60, cancelled_at=now)
    row("gave-up", 24 * 60, attempts=7)  # failed more often than the task retries
    assert webhooks_stale_enqueue(now) == 2
    stamped = WebhookDelivery.objects.filter(updated_at=now)
    assert set(stamped.values_list("pk", flat=True)) == {lost.pk, overdue.pk}
    assert webhooks_stale_enqueue(now) == 0  # stamped: not queued again at once


def test_the_admin_lists_and_a_delivery_page_do_not_grow_with_their_rows(client, world):
    from tests.test_query_counts import ADMIN_LISTS, count

    client.force_login(world.coordinator)

    def rows(n: int) -> WebhookDelivery:
        for i in range(n):
            d = delivery(hook(world, f"https://93.184.215.14/{n}-{i}"), i)
            WebhookAttempt.objects.bulk_create(
                WebhookAttempt(delivery=d, status_code=500, latency_ms=3) for _ in range(n)
            )
        return d

    pages = ["/admin/hooks/endpoint/", "/admin/hooks/webhookdelivery/"]
    last = rows(1)
    one = [count(client.get, url) for url in pages]
    one.append(count(client.get, f"/admin/hooks/webhookdelivery/{last.pk}/change/"))
    last = rows(8)
    many = [count(client.get, url) for url in pages]
    many.append(count(client.get, f"/admin/hooks/webhookdelivery/{last.pk}/change/"))
    assert one == many
    assert one[:2] == [ADMIN_LISTS[url] for url in pages]
