"""Webhooks end to end (issue 17): an event in this process, a real Celery worker over Redis
sending it through the outbox, and local HTTP servers checking each signature as a receiver
would (tests/endpoints.py) — one answers at once, the other fails twice with 500 first, so
the outbox's retries (backoff shortened to seconds here) deliver it on the third attempt."""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection

from hooks.models import Endpoint, EventType, WebhookAttempt, WebhookDelivery
from notify.services.comments import comment_create
from tests.endpoints import Endpoint as Server
from tests.endpoints import webhook_check
from tests.processes import MailWorker

pytestmark = [pytest.mark.services, pytest.mark.slow]

SECRETS = {"steady": "whsec-steady-0123", "flaky": "whsec-flaky-4567"}


@pytest.fixture
def servers():
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs DATABASE_URL on PostgreSQL")
    started = {name: Server(webhook_check(secret)) for name, secret in SECRETS.items()}
    yield started
    for server in started.values():
        server.close()


def delivered(timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    pending = WebhookDelivery.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
    while pending.exists():
        if time.monotonic() > deadline:
            raise AssertionError(list(pending.values("endpoint__url", "attempts", "last_error")))
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_comment_reaches_both_receivers_signed_the_flaky_one_after_two_retries(
    world, servers, redis_url, settings
):
    endpoints = {
        name: Endpoint.objects.create(
            region=world.region,
            url=server.url,
            secret=SECRETS[name],
            events=[EventType.COMMENT_CREATED],
        )
        for name, server in servers.items()
    }
    servers["flaky"].answers = [(500, {"error": "busy"}), (500, {"error": "busy"})]
    env = {"WEBHOOK_ALLOW_PRIVATE": "True", "OUTBOX_RETRY_BASE": "1"}  # local servers; quick

    with MailWorker(redis_url, settings.DATABASES["default"], **env) as mail:
        comment = comment_create(user=world.czj, assignment_id=world.czj_own.pk, text="材料已上传")
        try:
            delivered()
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{mail.worker.output}") from exc

    for name, server in servers.items():
        d = WebhookDelivery.objects.get(endpoint=endpoints[name])
        requests = server.requests
        assert [r["problem"] for r in requests] == [""] * len(requests)  # every one signed
        assert {r["headers"]["X-Webhook-Id"] for r in requests} == {str(d.pk)}
        assert {r["headers"]["X-Webhook-Event"] for r in requests} == {"comment.created"}
        body = json.loads(requests[-1]["body"])
        assert body["event"] == "comment.created"
        assert body["data"]["comment"] == {
            "id": comment.pk,
            "text": "材料已上传",
            "created_at": comment.created_at.isoformat(),
        }
        attempts = list(
            WebhookAttempt.objects.filter(delivery=d)
            .order_by("pk")
            .values_list("status_code", flat=True)
        )
        expected = [200] if name == "steady" else [500, 500, 200]
        assert attempts == expected and len(requests) == len(expected)
        assert (d.attempts, d.last_status, d.last_error) == (len(expected), 200, "")
        assert all(a.latency_ms is not None for a in WebhookAttempt.objects.filter(delivery=d))
        endpoints[name].refresh_from_db()
        assert endpoints[name].consecutive_failures == 0 and endpoints[name].active
