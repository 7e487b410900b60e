"""The notification centre (a person's notifications, read and unread, each opening its
object) and the conversation's one page action: post a comment (the thread itself is shown
on the assignment page and its admin page, by the `comments` template tags)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, ForbiddenError, NotFoundError
from core.params import posted_next
from notify.forms import PreferenceForm
from notify.selectors import notifications_for_user, unread_count
from notify.services.comments import comment_create
from notify.services.inbox import (
    notification_open,
    notifications_read_all,
    preference_for,
    preference_save,
)

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


@login_required
def notification_settings(request):
    """Which channels, which events, quiet hours for IM and SMS (one's own settings)."""
    form = PreferenceForm(request.POST or None, instance=preference_for(request.user))
    if request.method == "POST" and form.is_valid():
        preference_save(user=request.user, form=form)
        messages.success(request, "已保存通知设置。")
        return redirect("notification_settings")
    return render(request, "notify/settings.html", {"form": form})


@login_required
@require_POST
def comment_post(request, assignment_id: int):
    try:
        comment_create(
            user=request.user, assignment_id=assignment_id, text=request.POST.get("text", "")
        )
        messages.success(request, "留言已发布。")
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ForbiddenError as exc:  # visible to them (a leader), but not theirs to write in
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    back = posted_next(request, reverse("assignment_detail", args=[assignment_id]))
    return redirect(f"{back}#comments")
