"""The conversation's one page action: post a comment (the thread itself is shown on the
assignment page and its admin page, by the `comments` template tags)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, ForbiddenError, NotFoundError
from notify.services.comments import comment_create


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
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("assignment_detail", args=[assignment_id])
    return redirect(f"{back}#comments")
