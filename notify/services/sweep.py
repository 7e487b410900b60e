"""The reminder sweep: decide what is due today and record it; `notify.mails` sends it.

The sweep is set-based: a handful of queries per reminder rule whatever the number of
assignments, each writing rows under the unique (assignment, kind, day) constraint with
ignore_conflicts, so two sweeps at once, or one run twice, create each reminder once.
Sending happens in Celery after commit, through the outbox (`notify.outbox`): each row is
claimed with skip_locked, re-checked against the assignment as the sweep saw it (not done,
not reassigned, not extended), sent and stamped in one transaction.

While a completion claim waits for review (待审核) the unit is not chased: no reminder,
overdue notice, escalation or periodic-report reminder, and the item leaves its weekly
digest. The coordinators are reminded to review instead: their daily summary lists the
claims waiting, oldest first, beside the overdue items.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from core.bulk import insert_select
from notify.models import Digest, Reminder, ReminderPolicy
from notify.outbox import outbox_enqueue
from regions.models import Unit, User
from tasks_app.models import Assignment, ReportCycle
from tasks_app.workdays import add_workdays, is_workday

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

    def unrecorded(kind: str) -> QuerySet:
        """The open assignments less those with today's reminder of `kind`: a re-run reads past
        what it recorded (the overdue and escalation rules exclude it in their own terms)."""
        recorded = Reminder.objects.filter(
            assignment=OuterRef("pk"), kind=kind, scheduled_for=today
        )
        return open_.exclude(Exists(recorded))

    rules: list[tuple[str, QuerySet]] = []
    for days in policy.before_days:
        start, end = _between(today, days)
        rules.append(
            (
                Kind.BEFORE_DUE,
                unrecorded(Kind.BEFORE_DUE).filter(due_date__gte=start, due_date__lt=end),
            )
        )
    if policy.on_due_date:
        # due today, or on the holidays right after it (no mail goes out on those)
        due_today = unrecorded(Kind.DUE_TODAY)
        rules.append(
            (
                Kind.DUE_TODAY,
                due_today.filter(due_date__gte=today, due_date__lt=add_workdays(today, 1)),
            )
        )
    # these two exclude what they recorded earlier, today's included (today > every)
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
        cycled = unrecorded(Kind.PERIODIC_REPORT).annotate(
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
        now = timezone.now()
        for policy, scope in _policy_groups():
            for kind, queryset in _rule_querysets(today, policy, scope):
                # one INSERT … SELECT per rule; a re-run only adds what is new
                rows = (
                    queryset.order_by("pk")  # index pages filled in order, not at random
                    .annotate(s_assignment=F("pk"), **_constants(now, kind, today))
                    .values(*REMINDER_COLUMNS.values())
                )
                created = insert_select(Reminder, rows, REMINDER_COLUMNS)
                result.created[kind] = result.created.get(kind, 0) + created
        _digests_record(today, now)
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
    outbox_enqueue("reminder", reminder_ids)
    outbox_enqueue("digest", digest_ids)


def _digests_record(today: dt.date, now: dt.datetime) -> None:
    """A weekly digest per unit with open work (keyed by the week's Monday, so one a week
    however many sweeps run), and a daily overdue summary per coordinator: one INSERT …
    SELECT each, one row per unit or coordinator."""
    monday = today - dt.timedelta(days=today.weekday())
    open_work = Assignment.objects.filter(unit=OuterRef("pk"), task__plan__status="active").exclude(
        state__in=WAITING_OR_DONE
    )
    this_week = Digest.objects.filter(
        kind=Digest.Kind.UNIT_WEEKLY, scheduled_for=monday, unit__isnull=False
    ).values("unit_id")
    # units less those with this week's digest (NOT IN: a hashed set, however stale the
    # statistics), then each probed for open work by index: not every open assignment read
    # and made DISTINCT, and a re-run reads next to nothing
    units = (
        Unit.objects.exclude(pk__in=this_week)
        .filter(Exists(open_work))
        .order_by()
        .annotate(unit_id=F("pk"), **_constants(now, Digest.Kind.UNIT_WEEKLY, monday))
        .values(*UNIT_DIGEST_COLUMNS.values())
    )
    insert_select(Digest, units, UNIT_DIGEST_COLUMNS)
    coordinators = (
        User.objects.filter(role=User.Role.COORDINATOR, is_active=True, region__isnull=False)
        .exclude(email="")
        .order_by()
        .annotate(s_user=F("pk"), **_constants(now, Digest.Kind.COORDINATOR_DAILY, today))
        .values(*USER_DIGEST_COLUMNS.values())
    )
    insert_select(Digest, coordinators, USER_DIGEST_COLUMNS)


# What the sweep writes: each field of the row ← the name the SELECT gives it.
_STAMPS = {
    "kind": "s_kind",
    "scheduled_for": "s_day",
    "created_at": "s_now",
    "updated_at": "s_now2",
    "attempts": "s_zero",
    "last_error": "s_blank",
}
REMINDER_COLUMNS = {
    "assignment": "s_assignment",
    "unit": "unit_id",
    "due_date": "due_date",
    **_STAMPS,
    "cancel_reason": "s_blank2",
}
UNIT_DIGEST_COLUMNS = {"unit": "unit_id", **_STAMPS}
USER_DIGEST_COLUMNS = {"user": "s_user", **_STAMPS}


def _constants(now: dt.datetime, kind: str, day: dt.date) -> dict:
    return {
        "s_kind": Value(kind, output_field=CharField()),
        "s_day": Value(day, output_field=DateField()),
        "s_now": Value(now, output_field=DateTimeField()),
        "s_now2": Value(now, output_field=DateTimeField()),
        "s_zero": Value(0, output_field=IntegerField()),
        "s_blank": Value("", output_field=CharField()),
        "s_blank2": Value("", output_field=CharField()),
    }
