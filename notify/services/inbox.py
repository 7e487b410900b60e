"""A person's own notifications (marking them read) and notification settings."""

from __future__ import annotations

from django.utils import timezone

from core.errors import NotFoundError
from notify.models import Notification, Preference
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


def preference_for(user: User) -> Preference:
    """The user's settings (unsaved defaults if they never set any)."""
    return Preference.objects.filter(user_id=user.pk).first() or Preference(user=user)


def preference_save(*, user: User, form) -> Preference:
    """Save a valid PreferenceForm bound to `preference_for(user)`: one's own, only."""
    preference = form.save(commit=False)
    preference.user = user
    preference.save()
    return preference
