"""Reads of plans, tasks and assignments, with the computed status (never stored)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.db.models.lookups import LessThan
from django.utils import timezone

from core.people import display_name
from regions.models import Unit, User
from regions.selectors import unit_order
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment, ExtensionRequest, ProgressReport, ReportCycle, Task
from tasks_app.workdays import add_workdays

State = Assignment.State
LIGHTS = {
    "blue": "已办结",
    "red": "已逾期",
    "grey": "未签收",
    "yellow": "即将到期",
    "green": "正常推进",
}


def today() -> dt.date:
    return timezone.localdate()


def _day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def reporting_days(cycle: str, day: int, on: dt.date) -> tuple[dt.date, dt.date]:
    """The last reporting day on or before `on`, and the one before it."""
    months = (
        (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) if cycle == ReportCycle.MONTHLY else (3, 6, 9, 12)
    )
    found = []
    for year in (on.year, on.year - 1):
        for month in reversed(months):
            candidate = dt.date(year, month, day)
            if candidate <= on:
                found.append(candidate)
            if len(found) == 2:
                return found[0], found[1]
    return found[0], found[1]


class _PlusDays(Func):
    """A timestamp plus a whole number of days, each 24 hours (so the session's time zone
    does not matter): `+ n * INTERVAL '86400 seconds'` on PostgreSQL, SQLite's datetime()
    modifier on the UTC text Django stores."""

    arity = 2
    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        (start, start_params), (days, days_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"({start} + {days} * INTERVAL '86400 seconds')", [*start_params, *days_params]

    def as_sqlite(self, compiler, connection, **extra_context):
        (start, start_params), (days, days_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"datetime({start}, '+' || ({days}) || ' days')", [*start_params, *days_params]


def _report_since_bases(cycle: str, on: dt.date) -> tuple[tuple[int, dt.datetime], ...]:
    """For one cycle: when a report must have come since, for each reporting day d, is
    base + d days (24 h each), with base the same over runs of consecutive days: one run
    for a quarterly cycle between quarter ends, two otherwise (days up to today's use this
    month's base, later ones last month's), more only where the clock moves (DST) inside a
    run. Returns ((last day of the run, base), …), derived from `reporting_days` itself;
    computed once per cycle, day and time zone (every status query asks)."""
    return _bases(cycle, on, timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=32)
def _bases(cycle: str, on: dt.date, _zone: str) -> tuple[tuple[int, dt.datetime], ...]:
    runs: list[tuple[int, dt.datetime]] = []
    for day in range(1, 29):
        _last, before = reporting_days(cycle, day, on)
        base = _day_end(before).astimezone(dt.UTC) - dt.timedelta(days=day)
        if runs and runs[-1][1] == base:
            runs[-1] = (day, base)
        else:
            runs.append((day, base))
    return tuple(runs)


def _report_since(on: dt.date) -> Case:
    """The start of the local day after the reporting day before the last one, for each
    assignment's cycle and its plan's reporting day (NULL without a cycle): a report (or
    the assignment's creation) before it means a periodic report was missed. A fixed
    expression of a few branches, whatever the calendar: the day enters as arithmetic."""
    day = F("task__plan__report_day")
    whens = []
    for cycle in (ReportCycle.MONTHLY, ReportCycle.QUARTERLY):
        *runs, (_end, last_base) = _report_since_bases(cycle, on)
        base = Case(
            *(When(**{"task__plan__report_day__lte": end}, then=Value(b)) for end, b in runs),
            default=Value(last_base),
            output_field=DateTimeField(),
        )
        whens.append(When(cycle=cycle, then=_PlusDays(base, day)))
    return Case(*whens, default=None, output_field=DateTimeField())


def _missed_report(on: dt.date) -> Case:
    """True when a periodic report was due and none came since the reporting day before
    (the assignment existed before then, and its last report, if any, is older)."""
    latest = Greatest("created_at", Coalesce("last_report_at", "created_at"))
    return Case(
        When(LessThan(latest, _report_since(on)), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def claimed_in_time() -> Q:
    """A completion claim filed by the due date (local day) and waiting for review: the unit
    has done its part on time, so the item is neither overdue nor chased while it waits."""
    return Q(state=State.SUBMITTED, submitted_at__date__lte=F("due_date"))


def overdue_q(on: dt.date) -> Q:
    """Open, past its due date, and not a completion claim filed in time: the condition
    behind `is_overdue`, for filtering without computing the other flags."""
    return ~Q(state=State.DONE) & Q(due_date__lt=on) & ~claimed_in_time()


def done_in_time() -> Q:
    """Done, and claimed (or, without a claim on record, finished) by the due date: a late
    review does not make the unit late."""
    return Q(state=State.DONE) & (
        Q(submitted_at__date__lte=F("due_date"))
        | Q(submitted_at__isnull=True, done_at__date__lte=F("due_date"))
    )


STATUS_FLAGS = ("light", "is_overdue", "is_due_soon", "is_stalled", "missed_report")


def assignments_with_status(
    queryset: QuerySet[Assignment],
    on: dt.date | None = None,
    *,
    flags: Collection[str] = STATUS_FLAGS,
):
    """Annotate the traffic light and the computed flags: overdue, due soon, stalled,
    missed periodic report. Precedence of the light: done (blue), overdue (red),
    not signed (grey), due within N working days (yellow), else on track (green).
    A claim waiting for review is never "due soon", and not overdue if it was filed in time.
    `flags`: only those (an aggregate over 300,000 rows needs two; each costs building).
    """
    on = on or today()
    soon = add_workdays(on, settings.DUE_SOON_WORKDAYS)
    open_ = ~Q(state=State.DONE)
    late = Q(due_date__lt=on) & ~claimed_in_time()
    waiting = Q(state=State.SUBMITTED)
    made = {
        "cycle": lambda: Coalesce(
            NullIf("task__report_cycle", Value("")), NullIf("task__plan__report_cycle", Value(""))
        ),
        "light": lambda: Case(
            When(state=State.DONE, then=Value("blue")),
            When(late, then=Value("red")),
            When(state=State.ASSIGNED, then=Value("grey")),
            When(Q(due_date__lte=soon) & ~waiting, then=Value("yellow")),
            default=Value("green"),
            output_field=CharField(),
        ),
        "is_overdue": lambda: Case(When(overdue_q(on), then=Value(True)), default=Value(False)),
        "is_due_soon": lambda: Case(
            When(open_ & ~waiting & Q(due_date__gte=on, due_date__lte=soon), then=Value(True)),
            default=Value(False),
        ),
        "is_stalled": lambda: _stalled(),
    }
    first = {name: make() for name, make in made.items() if name == "cycle" or name in flags}
    queryset = queryset.annotate(**first)
    if "missed_report" not in flags:
        return queryset
    return queryset.annotate(
        missed_report=Case(
            When(Q(state=State.DONE) | waiting, then=Value(False)),
            default=_missed_report(on),
            output_field=BooleanField(),
        )
    )


def _stalled() -> Case:
    stalled_before = timezone.now() - dt.timedelta(days=settings.STALLED_AFTER_DAYS)
    return Case(
        When(
            Q(state=State.IN_PROGRESS)
            & Q(
                Q(last_report_at__lt=stalled_before)
                | Q(last_report_at__isnull=True, signed_at__lt=stalled_before)
            ),
            then=Value(True),
        ),
        default=Value(False),
    )


@dataclass(frozen=True)
class AssignmentFilters:
    plan_id: int | None = None
    state: str = ""
    due_soon: bool = False
    overdue: bool = False
    search: str = ""
    mine_only: bool = False


def assignment_list(*, user: User, filters: AssignmentFilters) -> QuerySet[Assignment]:
    """The assignments a user may see, filtered, with their status; one query for any count."""
    queryset = assignments_with_status(assignments_for_user(user)).select_related(
        "task__plan", "unit"
    )
    if filters.mine_only and user.unit_id:
        queryset = queryset.filter(unit_id=user.unit_id)
    if filters.plan_id:
        queryset = queryset.filter(task__plan_id=filters.plan_id)
    if filters.state in State.values:
        queryset = queryset.filter(state=filters.state)
    if filters.due_soon:
        queryset = queryset.filter(is_due_soon=True)
    if filters.overdue:
        queryset = queryset.filter(is_overdue=True)
    if filters.search:
        queryset = queryset.filter(
            Q(task__title__icontains=filters.search)
            | Q(task__ref__icontains=filters.search)
            | Q(task__text__icontains=filters.search)
        )
    return queryset.order_by("due_date", "task__plan_id", "task__position", "id")


def unit_assignment_counts(*, unit: Unit) -> dict[str, int]:
    """How many of the unit's assignments are in each state, in one query."""
    rows = Assignment.objects.filter(unit=unit).values("state").annotate(n=Count("id"))
    counts = dict.fromkeys(Assignment.State.values, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def task_ancestors(task: Task) -> list[Task]:
    """The headings above a task, outermost first, in one query."""
    parts = task.ref.split("/")
    refs = ["/".join(parts[:i]) for i in range(1, len(parts))]
    found = {t.ref: t for t in Task.objects.filter(plan_id=task.plan_id, ref__in=refs)}
    return [found[ref] for ref in refs if ref in found]


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    actor: str
    kind: str  # "state", "report", "review", "extension", "decision", "due", "created"
    text: str
    report: ProgressReport | None = None


def assignment_timeline(assignment: Assignment) -> list[Event]:
    """What happened to an assignment, oldest first: from its history, reports, extensions."""
    events: list[Event] = []
    records = list(
        assignment.history.select_related("history_user__unit").order_by(
            "history_date", "history_id"
        )
    )
    previous = None
    for record in records:
        actor = _name(record.history_user)
        reason = record.history_change_reason or ""
        if previous is None:
            events.append(Event(record.history_date, actor, "created", reason or "交办"))
        elif record.history_change_reason and not reason.startswith(
            ("反馈进展", "提交办结申请", "退回", "审核通过")
        ):
            events.append(Event(record.history_date, actor, "state", reason))
        previous = record
    reports = (
        ProgressReport.objects.filter(assignment=assignment)
        .select_related("author__unit", "reviewed_by__unit")
        .prefetch_related("evidence")
        .order_by("created_at")
    )
    for report in reports:
        label = "申请办结" if report.kind == ProgressReport.Kind.COMPLETION else "反馈进展"
        events.append(
            Event(
                report.created_at,
                _name(report.author),
                "report",
                f"{label}({report.progress}%)",
                report,
            )
        )
        if report.reviewed_at:
            verdict = "审核通过,已办结" if report.review_status == "accepted" else "退回"
            comment = f":{report.review_comment}" if report.review_comment else ""
            events.append(
                Event(report.reviewed_at, _name(report.reviewed_by), "review", verdict + comment)
            )
    for request in ExtensionRequest.objects.filter(assignment=assignment).select_related(
        "requested_by__unit", "decided_by__unit"
    ):
        events.append(
            Event(
                request.created_at,
                _name(request.requested_by),
                "extension",
                f"申请延期至 {request.requested_due_date:%Y-%m-%d}:{request.reason}",
            )
        )
        if request.decided_at:
            comment = f":{request.decision_comment}" if request.decision_comment else ""
            events.append(
                Event(
                    request.decided_at,
                    _name(request.decided_by),
                    "decision",
                    f"{request.get_status_display()}延期{comment}",
                )
            )
    return sorted(events, key=lambda e: e.at)


def last_return(assignment: Assignment) -> ProgressReport | None:
    """The returned claim (with its reason, reviewer and date) an item in progress was sent
    back with, if it was: what the unit has to fix before claiming again."""
    if assignment.state != Assignment.State.IN_PROGRESS or not assignment.returns:
        return None
    return (
        assignment.reports.filter(review_status=ProgressReport.Review.RETURNED)
        .select_related("reviewed_by")
        .order_by("-reviewed_at", "-pk")
        .first()
    )


def last_reported_progress(assignment: Assignment) -> int:
    """The percent the unit last reported (a returned claim's 100% does not count), else 0.

    Without a return that is the assignment's own progress (each report sets it): no query."""
    if not assignment.returns:
        return assignment.progress
    report = (
        assignment.reports.exclude(review_status=ProgressReport.Review.RETURNED)
        .order_by("-created_at", "-pk")
        .values_list("progress", flat=True)
        .first()
    )
    return report or 0


def _name(user: User | None) -> str:
    if user is None:
        return "系统"
    unit = f"({user.unit})" if getattr(user, "unit_id", None) else ""
    return f"{display_name(user)}{unit}"


def lead_unit_view(assignment: Assignment, user: User) -> QuerySet[Assignment] | None:
    """For a lead unit's user: the other units' assignments of the same task, with status."""
    if user.unit_id != assignment.unit_id or assignment.role != "lead":
        return None
    return (
        assignments_with_status(Assignment.objects.filter(task_id=assignment.task_id))
        .exclude(pk=assignment.pk)
        .select_related("unit")
        .order_by(*unit_order("unit__"))
    )
