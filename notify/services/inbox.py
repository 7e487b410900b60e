"""Marking one's own notifications read."""

from __future__ import annotations

from django.utils import timezone

from core.errors import NotFoundError
from notify.models import Notification
from regions.models import User


def notification_open(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; another's is "not found"."""
    try:
        notification = Notification.objects.select_related("notice").get(
            pk=notification_id, user_id=user.pk
        )
    except (Notification.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise NotFoundError("通知不存在。") from exc
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user: User) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
