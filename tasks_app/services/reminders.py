"""Reminders: decide what is due today (the sweep), then send each mail once (the sender).

The sweep is set-based: a handful of queries per reminder rule whatever the number of
assignments, each writing rows under the unique (assignment, kind, day) constraint with
ignore_conflicts, so two sweeps at once, or one run twice, create each reminder once.
Sending happens in Celery after commit. The sender locks a row with skip_locked, checks
the assignment is still as the sweep saw it (not done, not reassigned, not extended),
sends, and stamps sent_at in the same transaction: a worker killed mid-batch leaves its
unsent rows for the next sweep. The one window left is a crash after the SMTP server has
accepted a mail and before the commit; that mail would go twice (at-least-once there).

While a completion claim waits for review (待审核) the unit is not chased: no reminder,
overdue notice, escalation or periodic-report reminder, and the item leaves its weekly
digest. The coordinators are reminded to review instead: their daily summary lists the
claims waiting, oldest first, beside the overdue items.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.localtime import local_date
from regions.models import UnitContact, User
from regions.selectors import region_subtree_q
from tasks_app.models import (
    Assignment,
    Digest,
    MailLog,
    Reminder,
    ReminderPolicy,
    ReportCycle,
)
from tasks_app.selectors import assignments_with_status
from tasks_app.workdays import add_workdays, is_workday, workdays_between

logger = logging.getLogger(__name__)
Kind = Reminder.Kind
State = Assignment.State
# nothing to chase the unit for: done, or its completion claim waits for review
WAITING_OR_DONE = (State.DONE, State.SUBMITTED)


@dataclass(frozen=True)
class Policy:
    before_days: tuple[int, ...] = (5, 1)
    on_due_date: bool = True
    overdue_every: int = 2
    escalate_after: int = 5
    periodic_before: int = 2

    @classmethod
    def of(cls, row: ReminderPolicy) -> Policy:
        days = tuple(
            sorted(
                {
                    int(d)
                    for d in row.before_days.replace("，", ",").split(",")
                    if d.strip().isdigit() and int(d) > 0
                }
            )
        )
        return cls(
            days, row.on_due_date, row.overdue_every, row.escalate_after, row.periodic_before
        )


@dataclass
class SweepResult:
    day: dt.date
    workday: bool
    created: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    digests_queued: int = 0
    reminder_ids: list[int] = field(default_factory=list)
    digest_ids: list[int] = field(default_factory=list)


def _policy_groups() -> list[tuple[Policy, Q]]:
    """Plans grouped by their reminder policy: (policy, Q on assignments) pairs."""
    plans_by_policy: dict[Policy, list[int]] = defaultdict(list)
    for row in ReminderPolicy.objects.all():
        plans_by_policy[Policy.of(row)].append(row.plan_id)
    groups = []
    default = Policy()
    default_q = Q(task__plan__reminder_policy__isnull=True)
    if default in plans_by_policy:
        default_q |= Q(task__plan_id__in=plans_by_policy.pop(default))
    groups.append((default, default_q))
    groups += [(policy, Q(task__plan_id__in=plans)) for policy, plans in plans_by_policy.items()]
    return groups


def _between(day: dt.date, workdays: int) -> tuple[dt.date, dt.date]:
    """Due dates that are exactly `workdays` working days after `day` fall in [start, end)."""
    return add_workdays(day, workdays), add_workdays(day, workdays + 1)


def _rule_querysets(today: dt.date, policy: Policy, scope: Q) -> list[tuple[str, QuerySet]]:
    open_ = (
        Assignment.objects.filter(scope)
        .exclude(state__in=WAITING_OR_DONE)
        .filter(task__plan__status="active")
    )
    rules: list[tuple[str, QuerySet]] = []
    for days in policy.before_days:
        start, end = _between(today, days)
        rules.append((Kind.BEFORE_DUE, open_.filter(due_date__gte=start, due_date__lt=end)))
    if policy.on_due_date:
        # due today, or on the holidays right after it (no mail goes out on those)
        rules.append(
            (Kind.DUE_TODAY, open_.filter(due_date__gte=today, due_date__lt=add_workdays(today, 1)))
        )
    every = add_workdays(today, -policy.overdue_every)
    recent_overdue = Reminder.objects.filter(
        assignment=OuterRef("pk"), kind=Kind.OVERDUE, scheduled_for__gt=every
    )
    rules.append((Kind.OVERDUE, open_.filter(due_date__lte=every).exclude(Exists(recent_overdue))))
    escalated = Reminder.objects.filter(assignment=OuterRef("pk"), kind=Kind.ESCALATION)
    rules.append(
        (
            Kind.ESCALATION,
            open_.filter(due_date__lte=add_workdays(today, -policy.escalate_after)).exclude(
                Exists(escalated)
            ),
        )
    )
    periodic = _periodic_q(today, policy.periodic_before)
    if periodic is not None:
        cycled = open_.annotate(
            cycle=Coalesce(
                NullIf("task__report_cycle", Value("")),
                NullIf("task__plan__report_cycle", Value("")),
            )
        )
        rules.append((Kind.PERIODIC_REPORT, cycled.filter(periodic)))
    return rules


def _periodic_q(today: dt.date, before: int) -> Q | None:
    """Assignments whose next reporting day is `before` working days away and who have not
    reported since the reporting day before it; one condition per (cycle, day) that fits."""
    start, end = _between(today, before)
    conditions = Q()
    found = False
    cycles = ((ReportCycle.MONTHLY, 1), (ReportCycle.QUARTERLY, 3))
    for cycle, step in cycles:
        months = range(step, 13, step)
        for day in range(1, 29):
            for year in (today.year, today.year + 1):
                for month in months:
                    upcoming = dt.date(year, month, day)
                    if not start <= upcoming < end:
                        continue
                    found = True
                    previous = _months_before(upcoming, step)
                    since = timezone.make_aware(
                        dt.datetime.combine(previous + dt.timedelta(days=1), dt.time.min)
                    )
                    conditions |= Q(cycle=cycle, task__plan__report_day=day) & (
                        Q(last_report_at__isnull=True) | Q(last_report_at__lt=since)
                    )
    return conditions if found else None


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, day.day)


def reminders_sweep(*, today: dt.date | None = None, enqueue: bool = True) -> SweepResult:
    """Record today's reminders and digests, then queue their sending after commit."""
    today = today or timezone.localdate()
    result = SweepResult(day=today, workday=is_workday(today))
    if not result.workday:
        return result  # nothing goes out on a non-working day
    with transaction.atomic():
        for policy, scope in _policy_groups():
            for kind, queryset in _rule_querysets(today, policy, scope):
                recorded = Reminder.objects.filter(
                    assignment=OuterRef("pk"), kind=kind, scheduled_for=today
                )
                queryset = queryset.exclude(Exists(recorded))  # a re-run only adds what is new
                rows = [
                    Reminder(
                        assignment_id=pk,
                        kind=kind,
                        scheduled_for=today,
                        unit_id=unit_id,
                        due_date=due,
                    )
                    for pk, unit_id, due in queryset.values_list(
                        "pk", "unit_id", "due_date"
                    ).iterator(chunk_size=2000)
                ]
                Reminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
                result.created[kind] = result.created.get(kind, 0) + len(rows)
        _digests_record(today)
        pending = list(
            Reminder.objects.filter(
                scheduled_for=today, sent_at__isnull=True, cancelled_at__isnull=True
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        digests = list(
            Digest.objects.filter(
                scheduled_for__gte=today - dt.timedelta(days=6),
                sent_at__isnull=True,
                cancelled_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        result.queued, result.digests_queued = len(pending), len(digests)
        result.reminder_ids, result.digest_ids = pending, digests
        if enqueue:
            transaction.on_commit(lambda: _enqueue(pending, digests))
    return result


def _enqueue(reminder_ids: list[int], digest_ids: list[int]) -> None:
    from tasks_app.tasks import digests_send_task, reminders_send_task

    size = settings.REMINDER_BATCH_SIZE
    for start in range(0, len(reminder_ids), size):
        reminders_send_task.delay(reminder_ids[start : start + size])
    for start in range(0, len(digest_ids), size):
        digests_send_task.delay(digest_ids[start : start + size])


def _digests_record(today: dt.date) -> None:
    """A weekly digest per unit with open work (keyed by the week's Monday, so one a week
    however many sweeps run), and a daily overdue summary per coordinator."""
    monday = today - dt.timedelta(days=today.weekday())
    units = (
        Assignment.objects.exclude(state__in=WAITING_OR_DONE)
        .filter(task__plan__status="active")
        .values_list("unit_id", flat=True)
        .distinct()
    )
    Digest.objects.bulk_create(
        [Digest(kind=Digest.Kind.UNIT_WEEKLY, unit_id=pk, scheduled_for=monday) for pk in units],
        batch_size=1000,
        ignore_conflicts=True,
    )
    coordinators = User.objects.filter(
        role=User.Role.COORDINATOR, is_active=True, region__isnull=False
    ).exclude(email="")
    Digest.objects.bulk_create(
        [
            Digest(kind=Digest.Kind.COORDINATOR_DAILY, user_id=pk, scheduled_for=today)
            for pk in coordinators.values_list("pk", flat=True)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


# --- sending -----------------------------------------------------------------------------

MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _unit_recipients(unit_id: int, *, digest: bool = False) -> list[str]:
    users = User.objects.filter(unit_id=unit_id, is_active=True).exclude(email="")
    if digest:
        users = users.filter(receives_digests=True)
    contacts = UnitContact.objects.filter(unit_id=unit_id, role=UnitContact.Role.CONTACT)
    return sorted(
        {*users.values_list("email", flat=True), *contacts.values_list("email", flat=True)}
    )


def _escalation_recipients(assignment: Assignment) -> list[str]:
    leaders = UnitContact.objects.filter(unit_id=assignment.unit_id, role=UnitContact.Role.LEADER)
    coordinators = User.objects.filter(
        role=User.Role.COORDINATOR, is_active=True, region_id=assignment.task.plan.region_id
    ).exclude(email="")
    return sorted(
        {*leaders.values_list("email", flat=True), *coordinators.values_list("email", flat=True)}
    )


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _message(template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    with translation.override("zh-hans"):
        subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
        text = render_to_string(f"mail/{template}.txt", context)
        html = render_to_string(f"mail/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message


def _why_not(reminder: Reminder) -> str:
    assignment = reminder.assignment
    if assignment.state == State.DONE:
        return "已办结"
    if assignment.state == State.SUBMITTED:
        return "待审核"
    if assignment.unit_id != reminder.unit_id:
        return "已改派"
    if assignment.due_date != reminder.due_date:
        return "期限已调整"
    return ""


def reminders_send(reminder_ids: list[int]) -> list[int]:
    """Send each reminder once; returns the ids whose sending failed (to retry)."""
    with get_connection() as smtp:  # one SMTP connection for the batch
        return _reminders_send(reminder_ids, smtp)


def _reminders_send(reminder_ids: list[int], smtp) -> list[int]:
    failed = []
    for pk in reminder_ids:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("assignment__task__plan", "assignment__unit")
                .filter(pk=pk, sent_at__isnull=True, cancelled_at__isnull=True)
                .first()
            )
            if reminder is None:
                continue  # sent or cancelled already, or another worker holds it
            reason = _why_not(reminder)
            assignment = reminder.assignment
            to = (
                _escalation_recipients(assignment)
                if reminder.kind == Kind.ESCALATION
                else _unit_recipients(assignment.unit_id)
            )
            if not reason and not to:
                reason = "无收件人"
            if reason:
                reminder.cancelled_at, reminder.cancel_reason = timezone.now(), reason
                reminder.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
                continue
            # the mail speaks of the day it was due to go out (today, unless retried late)
            days = workdays_between(reminder.scheduled_for, assignment.due_date)
            context = {
                "reminder": reminder,
                "kind": reminder.get_kind_display(),
                "a": assignment,
                "task": assignment.task,
                "plan": assignment.task.plan,
                "workdays_left": days,
                "workdays_overdue": -days,
                "link": _link("assignment_detail", assignment.pk),
            }
            message = _message("reminder", context, to)
            if not _deliver(
                reminder,
                message,
                smtp,
                region_id=assignment.task.plan.region_id,
                kind=reminder.kind,
                reminder=reminder,
            ):
                failed.append(pk)
    return failed


def digests_send(digest_ids: list[int], *, today: dt.date | None = None) -> list[int]:
    with get_connection() as smtp:
        return _digests_send(digest_ids, today or timezone.localdate(), smtp)


def _digests_send(digest_ids: list[int], today: dt.date, smtp) -> list[int]:
    failed = []
    for pk in digest_ids:
        with transaction.atomic():
            digest = (
                Digest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("unit__region", "user__region")
                .filter(pk=pk, sent_at__isnull=True, cancelled_at__isnull=True)
                .first()
            )
            if digest is None:
                continue
            if digest.kind == Digest.Kind.UNIT_WEEKLY:
                items = _to_do(Assignment.objects.filter(unit_id=digest.unit_id))
                claims = Assignment.objects.none()
                to = _unit_recipients(digest.unit_id, digest=True)
                region_id, template = digest.unit.region_id, "unit_digest"
            else:
                user = digest.user
                mine = Assignment.objects.filter(
                    region_subtree_q(user.region, prefix="task__plan__region__"),
                    task__plan__status="active",
                )
                items = (
                    assignments_with_status(mine, on=today)
                    .filter(is_overdue=True)
                    .select_related("task__plan", "unit")
                    .order_by("due_date", "task__position")
                )
                claims = (
                    mine.filter(state=State.SUBMITTED)
                    .select_related("task__plan", "unit")
                    .order_by("submitted_at")
                )
                to = [user.email] if user.receives_digests and user.email else []
                region_id, template = user.region_id, "coordinator_digest"
            # totals are counted; the mail lists the first DIGEST_LISTED of each
            total, claims_total = items.count(), claims.count()
            items, claims = list(items[:DIGEST_LISTED]), list(claims[:DIGEST_LISTED])
            if not (items or claims) or not to:
                digest.cancelled_at = timezone.now()
                digest.save(update_fields=["cancelled_at", "updated_at"])
                continue
            for item in items:
                item.workdays_left = workdays_between(today, item.due_date)
                item.workdays_overdue = -item.workdays_left
                item.link = _link("assignment_detail", item.pk)
            for claim in claims:
                claim.waited = workdays_between(local_date(claim.submitted_at), today)
                claim.link = (
                    settings.SITE_URL.rstrip("/")
                    + reverse("admin:tasks_app_progressreport_changelist")
                    + "?review_status__exact=pending"
                )
            context = {
                "digest": digest,
                "items": items,
                "total": total,
                "claims": claims,
                "claims_total": claims_total,
                "today": today,
                "link": _link("my_tasks"),
            }
            message = _message(template, context, to)
            if not _deliver(
                digest, message, smtp, region_id=region_id, kind=digest.kind, digest=digest
            ):
                failed.append(pk)
    return failed


def _deliver(row, message: EmailMultiAlternatives, smtp, *, region_id, kind: str, **log) -> bool:
    """Send one mail for a reminder or digest row and record it; False if SMTP refused."""
    message.connection = smtp
    row.attempts += 1
    try:
        message.send()
    except MAIL_ERRORS as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.save(update_fields=["attempts", "last_error", "updated_at"])
        return False
    row.sent_at = timezone.now()
    row.save(update_fields=["sent_at", "attempts", "updated_at"])
    MailLog.objects.create(
        region_id=region_id,
        kind=kind,
        recipients=", ".join(message.to),
        subject=message.subject,
        body=message.body,
        **log,
    )
    return True


DIGEST_LISTED = 500


def _to_do(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """What a unit still has to do, most urgent first (a claim waiting for review is not)."""
    return (
        queryset.exclude(state__in=WAITING_OR_DONE)
        .filter(task__plan__status="active")
        .select_related("task__plan", "unit")
        .order_by("due_date", "task__position")
    )
