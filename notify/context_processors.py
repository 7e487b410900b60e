"""The bell on every page: the unread count, read only when a page shows it."""

from django.utils.functional import SimpleLazyObject


def bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notify.selectors import unread_count

    return {"bell_unread": SimpleLazyObject(lambda: unread_count(user))}
