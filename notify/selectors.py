"""Reads of the bell: a person's notifications, newest first, and how many are unread."""

from __future__ import annotations

from django.db.models import QuerySet

from notify.models import Notification
from regions.models import User


def notifications_for_user(user: User) -> QuerySet[Notification]:
    """The user's own notifications (nobody reads another's), with their notice."""
    return Notification.objects.filter(user_id=user.pk).select_related("notice").order_by("-id")


def unread_count(user: User) -> int:
    """One query, on the partial index of unread rows."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
