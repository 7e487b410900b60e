"""Webhook deliveries a batch left unsent (a worker killed mid-batch took its task with it:
tasks are acknowledged when they start), queued again by beat — the rule of notify's
`deliveries_stale_enqueue`: unsent, not cancelled, and untouched for OUTBOX_STALE_AFTER
seconds plus, for one that failed, the backoff before the outbox task's own retry (left to
run first); one that failed more often than that task retries is left to an operator (its
error is on the row and in its attempts). Queueing a row twice is harmless: the outbox
claims with FOR UPDATE SKIP LOCKED and re-checks `sent_at`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hooks.models import WebhookDelivery
from notify.outbox import MAX_RETRIES, outbox_enqueue, retry_delay


@transaction.atomic
def webhooks_stale_enqueue(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    grace = dt.timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    untouched = Q()
    for attempts in range(MAX_RETRIES + 1):
        backoff = dt.timedelta(seconds=retry_delay(attempts - 1) if attempts else 0)
        untouched |= Q(attempts=attempts, updated_at__lt=now - grace - backoff)
    stale = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
        untouched, sent_at__isnull=True, cancelled_at__isnull=True
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(updated_at=now)
    transaction.on_commit(lambda: outbox_enqueue("webhook", ids))
    return len(ids)
