"""Telling people: one notice per audience per event, its in-app copies and its deliveries.

`notices_create` takes every audience of one event at once — after an import, thousands of
units — and writes them in a constant number of statements: the notices, then who reads them
in the bell, then each channel's copy for the outbox, queued after the commit. An audience
is a unit (its active users, and its contacts on every channel they have) or named people
(a region's coordinators, someone mentioned). A person's settings (notify.Preference) choose
their channels and the events they want outside the bell, and hold IM and SMS messages back
through their quiet hours. Nobody is told of what they did themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notify.models import Channel, Delivery, Event, Notice, Notification, Preference
from notify.outbox import MAX_RETRIES, outbox_enqueue, retry_delay
from regions.models import UnitContact, User

# items a notice lists by name; beyond them it says how many more
LISTED = 20


@dataclass
class Audience:
    """Who one notice is for, and what it says to them."""

    title: str
    text: str
    link: str
    unit_id: int | None = None  # a unit: its users and contacts
    user_ids: list[int] = field(default_factory=list)  # or these people
    assignment_id: int | None = None


def listing(lines: list[str], total: int | None = None) -> str:
    """Up to LISTED lines, then "等 N 项" for the rest."""
    total = len(lines) if total is None else total
    shown = "\n".join(f"{i}. {line}" for i, line in enumerate(lines[:LISTED], 1))
    return shown + (f"\n…… 等共 {total} 项" if total > LISTED else "")


def quiet_until(preference: Preference | None, now: dt.datetime) -> dt.datetime | None:
    """When the person's quiet hours (local time) end, if `now` falls in them."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    local = timezone.localtime(now)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside or start == end:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return until if until > local else until + dt.timedelta(days=1)


@transaction.atomic
def notices_create(
    *, event: str, region_id: int, audiences: Iterable[Audience], actor: User | None = None
) -> list[Notice]:
    """One notice per audience, in a constant number of queries however many there are."""
    audiences = [a for a in audiences if a.unit_id or a.user_ids]
    if not audiences:
        return []
    Event(event)  # a known event, or ValueError
    actor_id = actor.pk if actor is not None else None
    notices = Notice.objects.bulk_create(
        Notice(
            event=event,
            region_id=region_id,
            unit_id=a.unit_id,
            actor_id=actor_id,
            assignment_id=a.assignment_id,
            title=a.title[:255],
            text=a.text,
            link=a.link[:255],
        )
        for a in audiences
    )
    unit_ids = {a.unit_id for a in audiences if a.unit_id}
    named = {pk for a in audiences for pk in a.user_ids}
    users = {
        user.pk: user
        for user in User.objects.filter(is_active=True)
        .filter(Q(unit_id__in=unit_ids, role=User.Role.UNIT_USER) | Q(pk__in=named))
        .select_related("notify_preference")
    }
    users.pop(actor_id, None)
    by_unit: dict[int, list[User]] = defaultdict(list)
    for user in users.values():
        if user.unit_id and user.role == User.Role.UNIT_USER:
            by_unit[user.unit_id].append(user)
    contacts: dict[int, list[UnitContact]] = defaultdict(list)
    for contact in UnitContact.objects.filter(unit_id__in=unit_ids, role=UnitContact.Role.CONTACT):
        contacts[contact.unit_id].append(contact)

    now = timezone.now()
    notifications, deliveries = [], []
    for notice, audience in zip(notices, audiences, strict=True):
        readers = [
            *by_unit.get(audience.unit_id, ()),
            *(users[pk] for pk in audience.user_ids if pk in users),
        ]
        seen_readers: set[int] = set()
        addresses: dict[tuple[str, str], tuple[str, dt.datetime | None]] = {}
        for user in readers:
            if user.pk in seen_readers:
                continue
            seen_readers.add(user.pk)
            notifications.append(Notification(notice=notice, user=user))
            for key, value in user_channels(user, event, now).items():
                addresses.setdefault(key, value)
        for contact in contacts.get(audience.unit_id, ()):
            for key, secret in contact_channels(contact).items():
                addresses.setdefault(key, (secret, None))
        for (channel, address), (secret, not_before) in addresses.items():
            deliveries.append(
                Delivery(
                    notice=notice,
                    channel=channel,
                    address=address,
                    secret=secret,
                    not_before=not_before,
                )
            )
    # one INSERT each, however many (the backend splits them only where it must: SQLite)
    Notification.objects.bulk_create(notifications)
    Delivery.objects.bulk_create(deliveries)
    due = [d.pk for d in deliveries if d.not_before is None]
    transaction.on_commit(lambda: outbox_enqueue("delivery", due))
    return notices


def user_channels(
    user: User, event: str, now: dt.datetime
) -> dict[tuple[str, str], tuple[str, dt.datetime | None]]:
    """(channel, address) → (signing secret, held until) for one person and event."""
    preference = getattr(user, "notify_preference", None)
    if preference is not None and event in (preference.muted_events or []):
        return {}
    found = {}
    if (preference is None or preference.email) and user.email:
        found[(Channel.EMAIL, user.email)] = ("", None)
    if preference is None:
        return found
    held = quiet_until(preference, now)
    if preference.sms and user.phone:
        found[(Channel.SMS, user.phone)] = ("", held)
    if preference.dingtalk_webhook:
        found[(Channel.DINGTALK, preference.dingtalk_webhook)] = (
            preference.dingtalk_secret,
            held,
        )
    if preference.wecom_webhook:
        found[(Channel.WECOM, preference.wecom_webhook)] = ("", held)
    return found


def contact_channels(contact: UnitContact) -> dict[tuple[str, str], str]:
    """A unit contact's addresses, on every channel it has: (channel, address) → secret."""
    found = {}
    if contact.email:
        found[(Channel.EMAIL, contact.email)] = ""
    for channel, name in (
        (Channel.SMS, "phone"),
        (Channel.DINGTALK, "dingtalk_webhook"),
        (Channel.WECOM, "wecom_webhook"),
    ):
        address = getattr(contact, name)
        if address:
            found[(channel, address)] = (
                contact.dingtalk_secret if channel == Channel.DINGTALK else ""
            )
    return found


@transaction.atomic
def deliveries_due_enqueue(now: dt.datetime | None = None) -> int:
    """Queue the unsent deliveries whose quiet hours are over (beat, every five minutes).
    They are released (`not_before` cleared), so from here a failure is retried like any."""
    now = now or timezone.now()
    held = Delivery.objects.select_for_update(skip_locked=True).filter(
        sent_at__isnull=True,
        cancelled_at__isnull=True,
        not_before__isnull=False,
        not_before__lte=now,
    )
    ids = list(held.values_list("pk", flat=True))
    # released now: the grace of deliveries_stale_enqueue counts from here
    Delivery.objects.filter(pk__in=ids).update(not_before=None, updated_at=now)
    transaction.on_commit(lambda: outbox_enqueue("delivery", ids))
    return len(ids)


@transaction.atomic
def deliveries_stale_enqueue(now: dt.datetime | None = None) -> int:
    """Queue again the deliveries a batch left unsent (beat, every five minutes): a worker
    killed mid-batch took its task with it (tasks are acknowledged when they start), and
    nothing else would send them. Stale is unsent, not cancelled, not held, and untouched
    (created, released, re-queued or tried) for OUTBOX_STALE_AFTER seconds — plus, for one
    that failed, the backoff before `outbox_send_task`'s own retry, which is left to run
    first; one that failed more often than that task retries is left to an operator (its
    error is on the row), or a message that can never go would be tried forever.

    Queueing a row twice is harmless — the outbox claims with FOR UPDATE SKIP LOCKED and
    re-checks `sent_at` — and rows a worker is sending now are locked, so skipped here. Each
    row queued is stamped, so a slow queue is not flooded with the same rows every run."""
    now = now or timezone.now()
    grace = dt.timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    untouched = Q()
    for attempts in range(MAX_RETRIES + 1):
        backoff = dt.timedelta(seconds=retry_delay(attempts - 1) if attempts else 0)
        untouched |= Q(attempts=attempts, updated_at__lt=now - grace - backoff)
    stale = Delivery.objects.select_for_update(skip_locked=True).filter(
        untouched, sent_at__isnull=True, cancelled_at__isnull=True, not_before__isnull=True
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(updated_at=now)
    transaction.on_commit(lambda: outbox_enqueue("delivery", ids))
    return len(ids)
