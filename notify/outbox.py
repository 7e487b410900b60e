"""The one outbox. Every outgoing message is a row of its kind's table (a reminder, a digest,
a bulletin's copy for a unit …); one loop sends them all:

claim the row with `SELECT … FOR UPDATE SKIP LOCKED` (a row another worker holds is left to
it), re-check it (sent, cancelled, or no longer true since it was queued: the kind decides),
send, and stamp it sent and log the mail in the same transaction — a chunk of OUTBOX_CHUNK
rows at a time: one claim query, one read of recipients, one update per outcome and one
insert into the mail log per chunk, whatever its size. A failure is stamped on the row and
its id returned, for `outbox_send_task` to retry with exponential backoff. A worker killed
mid-chunk leaves the chunk unsent (its transaction rolls back), and its batch is gone from
the queue (tasks are acknowledged when they start): the next run sends it — the next
morning's sweep for reminders and digests, beat's `deliveries_due_task` for notice
deliveries still unsent OUTBOX_STALE_AFTER seconds on. The one window left is a crash after
the far end (mail server, robot, gateway) accepted a chunk's messages and before its commit:
those go again (at-least-once there).

A kind is registered once, by the app that owns its table (`register`), so this module
imports no app that sends through it.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape

from core.queue import queue_task
from notify.channels import ChannelError, Post
from notify.mime import WireMail
from notify.models import MailLog

# What a mail server's refusal (or an unreachable one) raises, and a robot's or gateway's.
MAIL_ERRORS = (smtplib.SMTPException, OSError)
SEND_ERRORS = (*MAIL_ERRORS, ChannelError)

# `outbox_send_task` retries a batch's failures this many times, the n-th (from 0) after
# retry_delay(n) seconds: 1, 2, 4 … 32 minutes (OUTBOX_RETRY_BASE, 60 s, doubled each time).
MAX_RETRIES = 6


def retry_delay(retries: int) -> int:
    return settings.OUTBOX_RETRY_BASE * 2**retries


@dataclass
class Outgoing:
    """A message ready to go — a mail, or a robot's or SMS message (anything with `send()`)
    — and what the mail log records of a mail."""

    message: EmailMessage | Post
    region_id: int | None
    kind: str
    log: dict = field(default_factory=dict)  # MailLog links (reminder=…, digest=…)


class OutboxKind(Protocol):
    """How one kind of row is claimed, built and stamped."""

    name: str
    model: type[models.Model]
    related: tuple[str, ...]  # select_related when claiming
    deferred: tuple[str, ...]  # long texts the messages never use (a plan's whole document)

    def pending(self) -> models.Q:
        """What an unsent row of this kind looks like."""

    def prepare(self, rows: list) -> None:
        """Read once for a claimed chunk what its messages need (recipients, documents)."""

    def build(self, row) -> Outgoing | str:
        """The message for `row`, or the reason not to send it (the row is then cancelled)."""

    def cancel(self, rows: list, reason: str) -> None: ...

    def failed(self, rows: list, error: str) -> None: ...

    def sent(self, rows: list) -> None: ...


KINDS: dict[str, OutboxKind] = {}


def register(kind: OutboxKind) -> OutboxKind:
    KINDS[kind.name] = kind
    return kind


def outbox_send(kind: str | OutboxKind, ids: list[int]) -> list[int]:
    """Send each row once over one SMTP connection; returns the ids that failed (to retry).
    `kind` is a registered kind's name, or a kind itself (one built for a given day)."""
    if isinstance(kind, str):
        kind = KINDS[kind]
    size = settings.OUTBOX_CHUNK
    failed = []
    smtp = LazyConnection()
    try:
        for start in range(0, len(ids), size):
            failed += _send_chunk(kind, ids[start : start + size], smtp)
    finally:
        smtp.close()
    return failed


class LazyConnection:
    """One SMTP connection for a run, opened by its first mail (a run of robot messages
    never connects); a server that could not be reached fails each mail of the run at
    once, not after a timeout each."""

    def __init__(self) -> None:
        self.connection = None
        self.error: Exception | None = None

    def get(self):
        if self.error is not None:
            raise self.error
        if self.connection is None:
            connection = get_connection()
            try:
                connection.open()
            except MAIL_ERRORS as exc:
                self.error = exc
                raise
            self.connection = connection
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _send_chunk(kind: OutboxKind, ids: list[int], smtp: LazyConnection) -> list[int]:
    """One transaction: claim the chunk's unsent rows that no other worker holds (one
    query), send each, stamp the chunk (one update per outcome) and log what went."""
    with transaction.atomic():
        rows = list(
            kind.model.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(*kind.related)
            .defer(*kind.deferred)
            .filter(kind.pending(), pk__in=ids)
            .order_by("pk")
        )
        if not rows:
            return []  # sent or cancelled already, or another worker holds them
        with translation.override("zh-hans"):
            kind.prepare(rows)
            outgoing_rows = [(row, kind.build(row)) for row in rows]
        sent, logs = [], []
        cancelled: dict[str, list] = defaultdict(list)
        failed: dict[str, list] = defaultdict(list)
        for row, outgoing in outgoing_rows:
            if isinstance(outgoing, str):
                cancelled[outgoing].append(row)
                continue
            message = outgoing.message
            try:
                if isinstance(message, EmailMessage):
                    message.connection = smtp.get()
                message.send()
            except SEND_ERRORS as exc:
                failed[f"{type(exc).__name__}: {exc}"[:2000]].append(row)
                continue
            sent.append(row)
            if not isinstance(message, EmailMessage):
                continue
            logs.append(
                MailLog(
                    region_id=outgoing.region_id,
                    kind=outgoing.kind,
                    recipients=", ".join(message.to),
                    subject=message.subject,
                    body=message.body,
                    **outgoing.log,
                )
            )
        for reason, group in cancelled.items():
            kind.cancel(group, reason)
        for error, group in failed.items():
            kind.failed(group, error)
        if sent:
            kind.sent(sent)
        if logs:
            MailLog.objects.bulk_create(logs)
    return [row.pk for group in failed.values() for row in group]


def outbox_enqueue(kind_name: str, ids: list[int]) -> None:
    """Queue the sending of `ids` in batches of REMINDER_BATCH_SIZE (call after commit)."""
    size = settings.REMINDER_BATCH_SIZE
    for start in range(0, len(ids), size):
        queue_task("notify.tasks.outbox_send_task", kind_name, ids[start : start + size])


# --- building messages -------------------------------------------------------------------


def site_link(name: str, *args) -> str:
    """An absolute link into the site for a mail."""
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def templated_mail(template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    """A mail from `mail/<template>_subject.txt`, `.txt` and `.html` (the outbox renders a
    chunk's mails in Chinese)."""
    return _mail(*_render(template, context), to)


def _render(template: str, context: dict) -> tuple[str, str, str]:
    """The subject, text and HTML of `mail/<template>…` for `context`."""
    return tuple(
        render_to_string(f"mail/{template}{suffix}", context)
        for suffix in ("_subject.txt", ".txt", ".html")
    )


def _mail(subject: str, text: str, html: str, to: list[str]) -> EmailMultiAlternatives:
    message = WireMail(" ".join(subject.split()), text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message


class MailRenderer:
    """`templated_mail` for a run of mails that differ only in values the templates print as
    they are (never test, filter or loop over): each distinct rest of the context is rendered
    once, with a slot for each such value, and every mail fills its slots in — a chunk of a
    task's reminders to many units is rendered once, not once per unit. Values are escaped
    as the template would have escaped them, so the mail is the same either way (tested)."""

    def __init__(self, template: str, personal: tuple[str, ...]) -> None:
        self.template = template
        self.slots = {name: f"\ue000{name}\ue000" for name in personal}
        self.rendered: dict[tuple, tuple[str, ...]] = {}

    def mail(self, context: dict, to: list[str]) -> EmailMultiAlternatives:
        shared = tuple(sorted((k, v) for k, v in context.items() if k not in self.slots))
        parts = self.rendered.get(shared)
        if parts is None:
            if len(self.rendered) >= 256:  # a long run of different shapes: start again
                self.rendered.clear()
            parts = _render(self.template, {**dict(shared), **self.slots})
            self.rendered[shared] = parts
        for name, slot in self.slots.items():
            value = str(conditional_escape(context[name]))
            parts = tuple(part.replace(slot, value) for part in parts)
        return _mail(*parts, to)


def rows_update(model: type[models.Model], rows: list, **values) -> int:
    """Stamp a chunk's rows of one outcome: one UPDATE."""
    return model.objects.filter(pk__in=[row.pk for row in rows]).update(**values)


class TrackedRows:
    """The stamping shared by rows with `sent_at`, `cancelled_at`, `attempts`, `last_error`
    (and the reason of a cancellation where the kind keeps one): one UPDATE per chunk and
    outcome."""

    cancel_reason_field: str | None = None

    def pending(self) -> models.Q:
        return models.Q(sent_at__isnull=True, cancelled_at__isnull=True)

    def _update(self, rows: list, **values) -> None:
        rows_update(self.model, rows, updated_at=timezone.now(), **values)

    def cancel(self, rows: list, reason: str) -> None:
        why = {self.cancel_reason_field: reason} if self.cancel_reason_field else {}
        self._update(rows, cancelled_at=timezone.now(), **why)

    def failed(self, rows: list, error: str) -> None:
        self._update(rows, attempts=models.F("attempts") + 1, last_error=error)

    def sent(self, rows: list) -> None:
        self._update(rows, attempts=models.F("attempts") + 1, sent_at=timezone.now())
