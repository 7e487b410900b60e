"""A published bulletin's copy for each unit concerned, sent through the outbox once each,
with the .docx attached."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

from notify.outbox import Outgoing, outbox_send, register, rows_update
from regions.selectors import unit_mail_recipients_many
from reporting.documents import bulletin_docx
from reporting.models import Bulletin, BulletinDelivery

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class BulletinMail:
    name = "bulletin"
    model = BulletinDelivery
    related = ("unit", "bulletin__plan")
    deferred = ("bulletin__plan__source_text",)

    def __init__(self) -> None:
        self._documents: dict[int, bytes] = {}  # one .docx per bulletin per batch

    def pending(self) -> Q:
        return Q(sent_at__isnull=True)

    def prepare(self, deliveries: list[BulletinDelivery]) -> None:
        self.units = unit_mail_recipients_many(d.unit_id for d in deliveries)

    def build(self, delivery: BulletinDelivery) -> Outgoing | str:
        to = self.units[delivery.unit_id]
        if not to:
            return "无收件人"
        bulletin = delivery.bulletin
        body = (
            f"{delivery.unit.full_name or delivery.unit.short_name}:\n\n"
            f"现将《{bulletin.title}》印发给你们,请对照通报内容抓好落实。通报全文见附件。\n\n"
            f"{bulletin.plan.issuer or '工作要点督办系统'}"
        )
        message = EmailMultiAlternatives(
            f"【通报】{bulletin.title}", body, settings.DEFAULT_FROM_EMAIL, to
        )
        if bulletin.pk not in self._documents:
            self._documents[bulletin.pk] = bulletin_docx(bulletin)
        message.attach(f"{bulletin.title}.docx", self._documents[bulletin.pk], DOCX)
        return Outgoing(message, region_id=bulletin.plan.region_id, kind="bulletin")

    def cancel(self, deliveries: list[BulletinDelivery], reason: str) -> None:
        # kept pending: a later delivery run sends it once the unit has an address
        rows_update(BulletinDelivery, deliveries, error=reason)

    def failed(self, deliveries: list[BulletinDelivery], error: str) -> None:
        rows_update(BulletinDelivery, deliveries, error=error)

    def sent(self, deliveries: list[BulletinDelivery]) -> None:
        rows_update(BulletinDelivery, deliveries, sent_at=timezone.now(), error="")


register(BulletinMail())


def bulletin_send(*, bulletin_id: int) -> list[int]:
    """Mail the published bulletin to each unit concerned, once each; returns the ids of the
    deliveries that failed (to retry)."""
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    pending = list(
        bulletin.deliveries.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    return outbox_send(BulletinMail(), pending)
