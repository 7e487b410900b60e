"""Invitations: a one-time link by mail for a user to set their own password.

The mail goes through notify's outbox (kind "invitation", registered by notify.mails): this
app may not import notify, so it queues the outbox's task by name (core.queue), which is all
`notify.outbox.outbox_enqueue` does for one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.errors import ApplicationError, NotFoundError
from core.queue import queue_task
from regions.models import Invitation, User

OUTBOX_KIND = "invitation"
_SALT = "regions.Invitation"


class InvitationGone(ApplicationError):
    """The link was real but is used or expired (HTTP 410)."""

    status_code = 410


def invitation_token(invitation: Invitation) -> str:
    """The link's token, rebuilt from the row's nonce under SECRET_KEY."""
    return salted_hmac(_SALT, invitation.nonce, algorithm="sha256").hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitations_create(*, users: list[User], enqueue: bool = True) -> list[Invitation]:
    """A new invitation for each user (valid INVITATION_DAYS days), each user's earlier ones
    expired and their unsent mails cancelled; the mails are queued after commit."""
    now = timezone.now()
    with transaction.atomic():
        open_ones = Invitation.objects.filter(user__in=users, used_at__isnull=True)
        open_ones.filter(expires_at__gt=now).update(expires_at=now, updated_at=now)
        open_ones.filter(sent_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=now, updated_at=now
        )
        expires = now + dt.timedelta(days=settings.INVITATION_DAYS)
        invitations = []
        for user in users:
            invitation = Invitation(user=user, nonce=secrets.token_hex(16), expires_at=expires)
            invitation.token_hash = _hash(invitation_token(invitation))
            invitations.append(invitation)
        Invitation.objects.bulk_create(invitations)
        if enqueue and invitations:
            ids = list(
                Invitation.objects.filter(nonce__in=[i.nonce for i in invitations]).values_list(
                    "pk", flat=True
                )
            )
            transaction.on_commit(lambda: _enqueue(ids))
    return invitations


def _enqueue(ids: list[int]) -> None:
    size = settings.REMINDER_BATCH_SIZE  # notify.outbox.outbox_enqueue's batches
    for start in range(0, len(ids), size):
        queue_task("notify.tasks.outbox_send_task", OUTBOX_KIND, ids[start : start + size])


def invitation_create(*, user: User, enqueue: bool = True) -> Invitation:
    return invitations_create(users=[user], enqueue=enqueue)[0]


def invitation_get_valid(*, token: str) -> Invitation:
    """The invitation behind a link, if it can still be used: NotFoundError for an unknown
    token, InvitationGone for a used or expired one (or a deactivated user's)."""
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=_hash(token)).first()
        if token
        else None
    )
    if invitation is None:
        raise NotFoundError("邀请链接无效。")
    if (
        invitation.used_at is not None
        or invitation.expires_at <= timezone.now()
        or not invitation.user.is_active
    ):
        raise InvitationGone("该邀请链接已使用或已过期。")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited user's password (Django's validators apply) and use up the link."""
    invitation = invitation_get_valid(token=token)
    # two tabs posting at once: the second waits here and finds the link used
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise InvitationGone("该邀请链接已使用或已过期。")
    user = User.objects.get(pk=invitation.user_id)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(used_at=now, updated_at=now)
    return user
