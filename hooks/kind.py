"""Webhook deliveries as an outbox kind (notify.outbox): each row is one signed JSON POST.

The body is the row's payload; the headers say when (`X-Webhook-Timestamp`, unix seconds),
what (`X-Webhook-Event`), which delivery (`X-Webhook-Id`, the same on every retry, for the
receiver's idempotency) and prove who (`X-Webhook-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>" with the endpoint's secret>`). An answer other than 2xx, a refused
address or no answer at all is a failure, retried by the outbox with its backoff. Each try
is logged (status, latency, error); a chunk's outcomes are stamped in a constant number of
statements, and an endpoint that failed WEBHOOK_DISABLE_AFTER times in a row is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import Counter, defaultdict

from django.db.models import F
from django.utils import timezone

from hooks.addresses import post
from hooks.models import Endpoint, WebhookAttempt, WebhookDelivery
from hooks.services.endpoints import endpoints_disable_failing
from notify.channels import ChannelError
from notify.outbox import Outgoing, TrackedRows, register


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookPost:
    """One delivery's POST; what came of it is kept for the attempt log."""

    def __init__(self, delivery: WebhookDelivery) -> None:
        self.delivery = delivery
        self.status: int | None = None
        self.latency_ms: int | None = None
        self.error = ""

    def send(self) -> None:
        delivery = self.delivery
        body = body_of(delivery)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "duban-webhook/1",
            "X-Webhook-Event": delivery.event,
            "X-Webhook-Id": str(delivery.pk),
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": signature(delivery.endpoint.secret, timestamp, body),
        }
        started = time.monotonic()
        try:
            answer = post(delivery.endpoint.url, body, headers)
        except (OSError, ChannelError) as exc:
            self.latency_ms = round((time.monotonic() - started) * 1000)
            self.error = f"{type(exc).__name__}: {exc}"[:2000]
            raise
        self.status, self.latency_ms = answer.status, answer.latency_ms
        if not 200 <= answer.status < 300:
            self.error = f"HTTP {answer.status}"
            raise ChannelError(self.error)


class WebhookKind(TrackedRows):
    name = "webhook"
    model = WebhookDelivery
    cancel_reason_field = "cancel_reason"
    related = ("endpoint",)
    deferred = ()

    def prepare(self, rows: list[WebhookDelivery]) -> None:
        self.posts: dict[int, WebhookPost] = {}

    def build(self, delivery: WebhookDelivery) -> Outgoing | str:
        if not delivery.endpoint.active:
            return "端点已停用"
        message = WebhookPost(delivery)
        self.posts[delivery.pk] = message
        return Outgoing(message, region_id=delivery.endpoint.region_id, kind="webhook")

    def _record(self, rows: list[WebhookDelivery], error: str = "") -> None:
        """The attempts (one INSERT) and each row's latest outcome (one UPDATE)."""
        now = timezone.now()
        attempts = []
        for row in rows:
            message = self.posts[row.pk]
            attempts.append(
                WebhookAttempt(
                    delivery=row,
                    status_code=message.status,
                    latency_ms=message.latency_ms,
                    error=message.error or error,
                )
            )
            row.attempts += 1
            row.last_status, row.last_latency_ms = message.status, message.latency_ms
            row.last_error = message.error or error
            row.updated_at = now
            if not row.last_error:
                row.sent_at = now
        WebhookAttempt.objects.bulk_create(attempts)
        WebhookDelivery.objects.bulk_update(
            rows,
            ["attempts", "last_status", "last_latency_ms", "last_error", "updated_at", "sent_at"],
        )

    def failed(self, rows: list[WebhookDelivery], error: str) -> None:
        self._record(rows, error)
        by_count: dict[int, list[int]] = defaultdict(list)
        for endpoint_id, n in Counter(row.endpoint_id for row in rows).items():
            by_count[n].append(endpoint_id)
        for n, endpoint_ids in by_count.items():  # one UPDATE (a chunk seldom differs)
            Endpoint.objects.filter(pk__in=endpoint_ids).update(
                consecutive_failures=F("consecutive_failures") + n
            )
        endpoints_disable_failing({row.endpoint_id for row in rows}, error)

    def sent(self, rows: list[WebhookDelivery]) -> None:
        self._record(rows)
        Endpoint.objects.filter(
            pk__in={row.endpoint_id for row in rows}, consecutive_failures__gt=0
        ).update(consecutive_failures=0)


register(WebhookKind())
