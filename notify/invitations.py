"""The invitation mail (set your password), as an outbox kind: regions creates the rows and
queues them under this kind's name."""

from __future__ import annotations

from django.utils import timezone

from core.localtime import chinese_date_text, local_date
from notify.outbox import Outgoing, TrackedRows, register, site_link, templated_mail
from regions.models import Invitation
from regions.services.invitations import OUTBOX_KIND, invitation_token


class InvitationMail(TrackedRows):
    name = OUTBOX_KIND
    model = Invitation
    related = ("user__unit", "user__region")
    deferred = ()

    def prepare(self, invitations: list[Invitation]) -> None:
        self.now = timezone.now()

    def build(self, invitation: Invitation) -> Outgoing | str:
        user = invitation.user
        if invitation.used_at is not None or invitation.expires_at <= self.now:
            return "已失效"
        if not user.is_active or not user.email:
            return "无收件人"
        unit = user.unit
        context = {
            "name": user.get_full_name() or user.username,
            "username": user.username,
            "unit_name": (unit.full_name or unit.short_name) if unit else "",
            "link": site_link("invitation_accept", invitation_token(invitation)),
            "expires_text": chinese_date_text(local_date(invitation.expires_at)),
        }
        region_id = unit.region_id if unit else user.region_id
        return Outgoing(
            templated_mail("invitation", context, [user.email]),
            region_id=region_id,
            kind=OUTBOX_KIND,
        )


register(InvitationMail())
