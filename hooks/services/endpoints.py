"""Registering endpoints (coordinators, in the admin), queueing a test event, and disabling
an endpoint that keeps failing (its region's coordinators are told in the bell and on their
channels)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, NotFoundError
from hooks.addresses import Refused, target_resolve
from hooks.models import TEST_EVENT, Endpoint, EventType, WebhookDelivery
from notify.models import Event
from notify.outbox import outbox_enqueue
from notify.services.notices import Audience, notices_create
from regions.access import regions_for_user
from regions.models import User
from regions.selectors import region_coordinator_ids
from tasks_app.access import require_coordinator


def url_check(url: str) -> None:
    """ApplicationError if a webhook may not call `url` (see hooks.addresses)."""
    try:
        target_resolve(url)
    except Refused as exc:
        raise ApplicationError(str(exc)) from exc


def endpoints_for_user(user: User):
    return Endpoint.objects.filter(region__in=regions_for_user(user))


@transaction.atomic
def endpoint_save(*, user: User, endpoint: Endpoint) -> Endpoint:
    """Create or change an endpoint of the user's region (or below): a public http(s) URL,
    known event types, a secret (generated when left blank). Enabling a disabled endpoint
    starts its failure count again."""
    require_coordinator(user)
    if not regions_for_user(user).filter(pk=endpoint.region_id).exists():
        raise NotFoundError("区划不存在。")
    url_check(endpoint.url)
    known = set(EventType.values)
    endpoint.events = [e for e in EventType.values if e in set(endpoint.events or [])]
    if set(endpoint.events) - known:  # pragma: no cover - filtered just above
        raise ApplicationError("未知的事件类型。")
    if not endpoint.secret:
        endpoint.secret = secrets.token_hex(32)
    if endpoint.pk is None:
        endpoint.created_by = user
    elif endpoint.active and endpoint.disabled_at is not None:
        endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.consecutive_failures = 0
    endpoint._history_user = user
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoints_test(*, user: User, endpoint_ids: list[int]) -> int:
    """Queue a test event to each endpoint (enabled or not: a test is how one checks a fix)."""
    require_coordinator(user)
    endpoints = list(endpoints_for_user(user).filter(pk__in=endpoint_ids))
    now = timezone.now().isoformat()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=e,
            event=TEST_EVENT,
            payload={"event": TEST_EVENT, "occurred_at": now, "data": {"endpoint": e.pk}},
        )
        for e in endpoints
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: outbox_enqueue("webhook", ids))
    return len(ids)


def endpoints_disable_failing(endpoint_ids: set[int], error: str) -> list[Endpoint]:
    """Disable those of `endpoint_ids` that failed WEBHOOK_DISABLE_AFTER times in a row, and
    tell their regions' coordinators (one notice per endpoint). One query when none did."""
    limit = settings.WEBHOOK_DISABLE_AFTER
    failing = list(
        Endpoint.objects.select_for_update()
        .filter(pk__in=endpoint_ids, active=True, consecutive_failures__gte=limit)
        .order_by("pk")
    )
    now = timezone.now()
    for endpoint in failing:
        endpoint.active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = f"连续 {endpoint.consecutive_failures} 次投递失败:{error}"[:500]
        endpoint._change_reason = "连续投递失败,自动停用"
        endpoint.save(update_fields=["active", "disabled_at", "disabled_reason"])
        link = reverse("admin:hooks_endpoint_change", args=[endpoint.pk])
        audience = Audience(
            user_ids=region_coordinator_ids(endpoint.region_id),
            title=f"Webhook 端点已停用:{endpoint.url[:120]}",
            text=(
                f"端点 {endpoint.url} 连续 {endpoint.consecutive_failures} 次投递失败,"
                f"已自动停用。最近一次错误:{error[:300]}\n修复后请在后台重新启用。"
            ),
            link=link,
        )
        notices_create(
            event=Event.WEBHOOK_DISABLED, region_id=endpoint.region_id, audiences=[audience]
        )
    return failing
