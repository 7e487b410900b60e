"""The 督办驾驶舱 (dashboard) of a plan, for coordinators and leaders: reads only, each
figure in SQL, a fixed number of queries whatever the plan's size, all "as of" a given day.

- the weekly series: completion and on-time rates at the end of each week, from the
  assignments' history (one query for all the weeks);
- the counties ranked (the progress pages' figures, reused);
- the units with the most overdue items;
- what changed in the last 7 days (done, claims returned, extensions decided, new overdue);
- the items due in the next 10 working days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Lead, TruncDate
from django.utils import timezone

from regions.models import User
from regions.selectors import unit_order
from reporting.progress import ProgressFilters, Row, progress_by_region
from tasks_app.access import (
    assignments_for_user,
    extension_requests_for_user,
    plans_for_user,
    reports_for_user,
)
from tasks_app.models import Assignment, ExtensionRequest, ProgressReport, WorkPlan
from tasks_app.selectors import overdue_q
from tasks_app.workdays import add_workdays

State = Assignment.State
WEEKS = 12
DUE_WORKDAYS = 10
CHANGE_DAYS = 7


def _day_end(day: dt.date) -> dt.datetime:
    """The start of the next local day: "by the end of `day`" is before it."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def dashboard_plan(*, user: User, plan_id: int | None) -> WorkPlan | None:
    """The plan asked for, if the user may see it (None: not found); without one, the
    latest plan of the user's region — its own work points before the splits of items from
    above (child plans), which are parts of a plan above — else the latest the user may see
    (None: none)."""
    plans = plans_for_user(user).select_related("region")
    if plan_id is not None:
        return plans.filter(pk=plan_id).first()
    latest = ("-period_start", "-created_at", "-id")
    own = (
        plans.filter(region_id=user.region_id)
        .order_by(F("parent_assignment").asc(nulls_first=True), *latest)
        .first()
    )
    return own or plans.order_by(*latest).first()


def _plan_assignments(user: User, plan: WorkPlan) -> QuerySet[Assignment]:
    return assignments_for_user(user).filter(task__plan_id=plan.pk)


# --- the weekly series, from the history -----------------------------------------------


@dataclass(frozen=True)
class WeekPoint:
    week_end: dt.date
    total: int  # assignments that existed at the end of the week
    done: int  # of them, done by then
    done_on_time: int  # of the done, claimed (or finished) by their due date

    @property
    def completion_rate(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.done_on_time / self.done if self.done else 0.0


def week_ends(on: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """`on` and the `weeks - 1` days a whole number of weeks before it, oldest first."""
    return [on - dt.timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]


def weekly_series(
    *, user: User, plan: WorkPlan, on: dt.date, weeks: int = WEEKS
) -> list[WeekPoint]:
    """Each assignment of the plan as its history recorded it at the end of each week
    (ending on `on`), counted: one query for all the weeks (portable SQL: PostgreSQL and the
    embedded SQLite). Each history record holds from its date until the next record's (a
    window function: one pass over the plan's history), and counts in the weeks that end
    within that span.
    Weeks before the plan had any assignment are left out. "On time" is
    `tasks_app.selectors.done_in_time` on the recorded state, in local days."""
    ends = week_ends(on, weeks)
    zone = timezone.get_current_timezone()
    records = Assignment.history.model.objects.filter(
        id__in=_plan_assignments(user, plan).order_by().values("pk")
    ).annotate(
        # the date the next record of the same assignment replaced this one
        replaced=Window(Lead("history_date"), partition_by=[F("id")], order_by="history_id"),
        submitted_day=TruncDate("submitted_at", tzinfo=zone),
        done_day=TruncDate("done_at", tzinfo=zone),
    )
    done = Q(state=State.DONE)
    in_time = done & (
        Q(submitted_day__lte=F("due_date"))
        | Q(submitted_at__isnull=True, done_day__lte=F("due_date"))
    )
    figures = {}
    for k, end in enumerate(ends):
        until = _day_end(end)
        held = (
            Q(history_date__lt=until)
            & (Q(replaced__isnull=True) | Q(replaced__gte=until))
            & ~Q(history_type="-")  # a deletion ends the item; it is not a state
        )
        figures[f"t{k}"] = Count("history_id", filter=held)
        figures[f"d{k}"] = Count("history_id", filter=held & done)
        figures[f"o{k}"] = Count("history_id", filter=held & in_time)
    counted = records.order_by().aggregate(**figures)
    found = {
        end: WeekPoint(end, counted[f"t{k}"], counted[f"d{k}"], counted[f"o{k}"])
        for k, end in enumerate(ends)
    }
    points = [found.get(end, WeekPoint(end, 0, 0, 0)) for end in ends]
    while points and points[0].total == 0:
        points.pop(0)
    return points


# --- counties ranked, overdue by unit ----------------------------------------------------


def counties_ranked(*, user: User, plan: WorkPlan, on: dt.date) -> list[Row]:
    """The plan region's counties (its direct children) with the progress pages' figures,
    best first: completion rate, then on-time rate; ties keep the official order."""
    rows = progress_by_region(
        user=user, region=plan.region, filters=ProgressFilters(plan_id=plan.pk), on=on
    )
    counties = [row for row in rows if row.key is not None and row.total]
    return sorted(counties, key=lambda r: (-r.completion_rate, -r.on_time_rate))


@dataclass(frozen=True)
class UnitOverdue:
    unit_id: int
    name: str
    overdue: int


def overdue_by_unit(*, user: User, plan: WorkPlan, on: dt.date, top: int = 10) -> list[UnitOverdue]:
    """The `top` units with the most overdue items of the plan on `on` (ties: official
    order)."""
    rows = (
        _plan_assignments(user, plan)
        .filter(overdue_q(on))
        .values("unit_id", "unit__short_name", *unit_order("unit__"))
        .annotate(n=Count("id"))
        .order_by("-n", *unit_order("unit__"))[:top]
    )
    return [UnitOverdue(r["unit_id"], r["unit__short_name"], r["n"]) for r in rows]


# --- what changed this week --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str  # "done", "returned", "extension", "overdue"
    label: str
    at: dt.date
    assignment_id: int
    ref: str
    title: str
    unit: str
    detail: str = ""


def _change(kind: str, label: str, at: dt.date, a: Assignment, detail: str = "") -> Change:
    return Change(kind, label, at, a.pk, a.task.ref, a.task.title, a.unit.short_name, detail)


def week_changes(*, user: User, plan: WorkPlan, on: dt.date) -> list[Change]:
    """The last 7 days up to the end of `on`, newest first: claims accepted (done) and
    returned, extension requests decided, items that fell overdue. Three queries."""
    since_day = on - dt.timedelta(days=CHANGE_DAYS - 1)
    since, until = _day_end(since_day - dt.timedelta(days=1)), _day_end(on)
    reviews = (
        reports_for_user(user)
        .filter(
            assignment__task__plan_id=plan.pk,
            reviewed_at__gte=since,
            reviewed_at__lt=until,
            review_status__in=[ProgressReport.Review.ACCEPTED, ProgressReport.Review.RETURNED],
        )
        .select_related("assignment__task", "assignment__unit")
        .only(
            "reviewed_at",
            "review_status",
            "review_comment",
            "assignment__task__ref",
            "assignment__task__title",
            "assignment__unit__short_name",
        )
    )
    changes = [
        _change("done", "办结", timezone.localdate(r.reviewed_at), r.assignment)
        if r.review_status == ProgressReport.Review.ACCEPTED
        else _change(
            "returned", "退回", timezone.localdate(r.reviewed_at), r.assignment, r.review_comment
        )
        for r in reviews
    ]
    decided = (
        extension_requests_for_user(user)
        .filter(assignment__task__plan_id=plan.pk, decided_at__gte=since, decided_at__lt=until)
        .exclude(status=ExtensionRequest.Status.PENDING)
        .select_related("assignment__task", "assignment__unit")
    )
    for e in decided:
        label = "同意延期" if e.status == ExtensionRequest.Status.APPROVED else "不同意延期"
        detail = f"申请延期至 {e.requested_due_date:%Y-%m-%d}"
        changes.append(
            _change("extension", label, timezone.localdate(e.decided_at), e.assignment, detail)
        )
    fell_overdue = (
        _plan_assignments(user, plan)
        .filter(overdue_q(on), due_date__gte=since_day - dt.timedelta(days=1))
        .select_related("task", "unit")
    )
    for a in fell_overdue:  # due on day d: overdue from the next day
        changes.append(
            Change(
                "overdue",
                "新增逾期",
                a.due_date + dt.timedelta(days=1),
                a.pk,
                a.task.ref,
                a.task.title,
                a.unit.short_name,
                f"期限 {a.due_date:%Y-%m-%d}",
            )
        )
    return sorted(changes, key=lambda c: (c.at, c.assignment_id), reverse=True)


# --- due in the next working days --------------------------------------------------------


def due_soon(
    *, user: User, plan: WorkPlan, on: dt.date, workdays: int = DUE_WORKDAYS
) -> QuerySet[Assignment]:
    """The open items of the plan due from `on` to the `workdays`-th working day after it,
    by due date (then official order)."""
    return (
        _plan_assignments(user, plan)
        .exclude(state=State.DONE)
        .filter(due_date__gte=on, due_date__lte=add_workdays(on, workdays))
        .select_related("task", "unit")
        .only("id", "due_date", "state", "task__ref", "task__title", "unit__short_name")
        .order_by("due_date", *unit_order("unit__"), "id")
    )
