"""The one outbox. Every outgoing message is a row of its kind's table (a reminder, a digest,
a bulletin's copy for a unit …); one loop sends them all:

claim the row with `SELECT … FOR UPDATE SKIP LOCKED` (a row another worker holds is left to
it), re-check it (sent, cancelled, or no longer true since it was queued: the kind decides),
send, and stamp it sent and log the mail in the same transaction. A failure is stamped on the
row and its id returned, for `outbox_send_task` to retry with exponential backoff. A worker
killed mid-batch leaves its unsent rows for the next run; the one window left is a crash
after the mail server accepted a mail and before the commit (at-least-once there).

A kind is registered once, by the app that owns its table (`register`), so this module
imports no app that sends through it.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.queue import queue_task
from notify.models import MailLog

# What a mail server's refusal (or an unreachable one) raises.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@dataclass
class Outgoing:
    """A message ready to go, and what the mail log records of it."""

    message: EmailMessage
    region_id: int | None
    kind: str
    log: dict = field(default_factory=dict)  # MailLog links (reminder=…, digest=…)


class OutboxKind(Protocol):
    """How one kind of row is claimed, built and stamped."""

    name: str
    model: type[models.Model]
    related: tuple[str, ...]  # select_related when claiming

    def pending(self) -> models.Q:
        """What an unsent row of this kind looks like."""

    def build(self, row) -> Outgoing | str:
        """The message for `row`, or the reason not to send it (the row is then cancelled)."""

    def cancel(self, row, reason: str) -> None: ...

    def failed(self, row, error: str) -> None: ...

    def sent(self, row) -> None: ...


KINDS: dict[str, OutboxKind] = {}


def register(kind: OutboxKind) -> OutboxKind:
    KINDS[kind.name] = kind
    return kind


def outbox_send(kind: str | OutboxKind, ids: list[int]) -> list[int]:
    """Send each row once over one SMTP connection; returns the ids that failed (to retry).
    `kind` is a registered kind's name, or a kind itself (one built for a given day)."""
    if isinstance(kind, str):
        kind = KINDS[kind]
    failed = []
    with get_connection() as smtp:
        for pk in ids:
            with transaction.atomic():
                row = (
                    kind.model.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related(*kind.related)
                    .filter(kind.pending(), pk=pk)
                    .first()
                )
                if row is None:
                    continue  # sent or cancelled already, or another worker holds it
                outgoing = kind.build(row)
                if isinstance(outgoing, str):
                    kind.cancel(row, outgoing)
                    continue
                if not _deliver(kind, row, outgoing, smtp):
                    failed.append(pk)
    return failed


def outbox_enqueue(kind_name: str, ids: list[int]) -> None:
    """Queue the sending of `ids` in batches of REMINDER_BATCH_SIZE (call after commit)."""
    size = settings.REMINDER_BATCH_SIZE
    for start in range(0, len(ids), size):
        queue_task("notify.tasks.outbox_send_task", kind_name, ids[start : start + size])


def _deliver(kind: OutboxKind, row, outgoing: Outgoing, smtp) -> bool:
    message = outgoing.message
    message.connection = smtp
    try:
        message.send()
    except MAIL_ERRORS as exc:
        kind.failed(row, f"{type(exc).__name__}: {exc}"[:2000])
        return False
    kind.sent(row)
    MailLog.objects.create(
        region_id=outgoing.region_id,
        kind=outgoing.kind,
        recipients=", ".join(message.to),
        subject=message.subject,
        body=message.body,
        **outgoing.log,
    )
    return True


# --- building messages -------------------------------------------------------------------


def site_link(name: str, *args) -> str:
    """An absolute link into the site for a mail."""
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def templated_mail(template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    """A mail from `mail/<template>_subject.txt`, `.txt` and `.html`, in Chinese."""
    with translation.override("zh-hans"):
        subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
        text = render_to_string(f"mail/{template}.txt", context)
        html = render_to_string(f"mail/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message


class TrackedRows:
    """The stamping shared by rows with `sent_at`, `cancelled_at`, `attempts`, `last_error`."""

    def pending(self) -> models.Q:
        return models.Q(sent_at__isnull=True, cancelled_at__isnull=True)

    def cancel(self, row, reason: str) -> None:
        row.cancelled_at = timezone.now()
        fields = ["cancelled_at", "updated_at"]
        if hasattr(row, "cancel_reason"):
            row.cancel_reason = reason
            fields.append("cancel_reason")
        row.save(update_fields=fields)

    def failed(self, row, error: str) -> None:
        row.attempts += 1
        row.last_error = error
        row.save(update_fields=["attempts", "last_error", "updated_at"])

    def sent(self, row) -> None:
        row.attempts += 1
        row.sent_at = timezone.now()
        row.save(update_fields=["sent_at", "attempts", "updated_at"])
