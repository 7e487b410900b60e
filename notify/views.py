"""The notification centre: a person's notifications, read and unread, each opening its
object."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.errors import NotFoundError
from notify.selectors import notifications_for_user, unread_count
from notify.services.inbox import notification_open, notifications_read_all

PER_PAGE = 50


@login_required
def notification_list(request):
    page = Paginator(notifications_for_user(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/notifications.html",
        {"page": page, "unread": unread_count(request.user)},
    )


@login_required
def notification_go(request, notification_id: int):
    """Mark it read and open what it is about."""
    try:
        notification = notification_open(user=request.user, notification_id=notification_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    link = notification.notice.link
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=None) or not link.startswith("/"):
        return redirect("notifications")
    return redirect(link)


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_read_all(user=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读。")
    return redirect("notifications")
