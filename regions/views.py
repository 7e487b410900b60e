"""The invitation page: an invited user sets their password through a one-time link."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from core.errors import ApplicationError, NotFoundError
from regions.services.invitations import InvitationGone, invitation_accept, invitation_get_valid


@never_cache
@csrf_protect
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """Anonymous. An unknown link is 404, a used or expired one 410; neither says whose it
    was or whether that user exists."""
    try:
        invitation = invitation_get_valid(token=token)
    except NotFoundError:
        return render(request, "registration/invitation_invalid.html", status=404)
    except InvitationGone:
        return render(request, "registration/invitation_invalid.html", {"gone": True}, status=410)

    error = ""
    if request.method == "POST":
        password = request.POST.get("password1", "")
        if password != request.POST.get("password2", ""):
            error = "两次输入的密码不一致。"
        else:
            try:
                invitation_accept(token=token, password=password)
            except InvitationGone:
                return render(
                    request, "registration/invitation_invalid.html", {"gone": True}, status=410
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(request, "密码已设置,请用新密码登录。")
                return redirect("login")
    context = {"username": invitation.user.username, "error": error}
    return render(request, "registration/invitation.html", context)
