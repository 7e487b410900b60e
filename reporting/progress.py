"""Progress figures, aggregated in SQL: per county (or any region's children), per unit,
per task, the plan matrix, the overdue list. One query per table, whatever the size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from regions.models import Region, Unit, User
from regions.selectors import (
    OWN_UNITS_ROW,
    child_regions_in_order,
    region_subtree_q,
    unit_order,
    units_below,
)
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment, Task
from tasks_app.selectors import assignments_with_status, done_in_time, overdue_q, today

State = Assignment.State


@dataclass(frozen=True)
class ProgressFilters:
    plan_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    as_of: dt.date | None = None  # the state of things at the end of that day, from history
    state: str = ""


NOTHING_DONE = "—"  # a share of nothing: 按时率 when nothing is done


def percent(part: int, whole: int) -> int | None:
    """A share in whole per cent, as the pages and their workbooks show it (Python's
    rounding, as the template tag `widthratio` did); None when there is nothing to share."""
    return round(part / whole * 100) if whole else None


@dataclass
class Row:
    key: int | None
    name: str
    total: int
    done: int
    done_on_time: int
    overdue: int
    returned: int
    missed_reports: int

    @property
    def completion_rate(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def on_time_rate(self) -> float:
        """Of what is done, the share done by its due date."""
        return self.done_on_time / self.done if self.done else 0.0

    @property
    def completion_percent(self) -> int:
        return percent(self.done, self.total) or 0

    @property
    def on_time_percent(self) -> int | None:
        """None when nothing is done: the pages and workbooks show "—", not 0%."""
        return percent(self.done_on_time, self.done)

    def as_dict(self) -> dict:
        return {
            "id": self.key,
            "name": self.name,
            "assignments": self.total,
            "done": self.done,
            "done_on_time": self.done_on_time,
            "overdue": self.overdue,
            "returned": self.returned,
            "missed_reports": self.missed_reports,
            "completion_rate": round(self.completion_rate, 4),
            "on_time_rate": round(self.on_time_rate, 4),
        }


FIGURES = {
    "total": Count("id"),
    "done": Count("id", filter=Q(state=State.DONE)),
    "done_on_time": Count("id", filter=done_in_time()),
    "overdue": Count("id", filter=Q(is_overdue=True)),
    "returned": Count("id", filter=Q(returns__gt=0)),
    "missed_reports": Count("id", filter=Q(missed_report=True)),
}


def _as_of(user: User, day: dt.date) -> QuerySet:
    """Each visible assignment as its history recorded it at the end of `day`."""
    history = Assignment.history.model
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    latest = (
        history.objects.filter(history_date__lt=end).values("id").annotate(last=Max("history_id"))
    )
    return (
        history.objects.filter(history_id__in=latest.values("last"))
        .exclude(history_type="-")
        .filter(id__in=assignments_for_user(user).values("pk"))
    )


def _visible(user: User, filters: ProgressFilters) -> QuerySet[Assignment]:
    """What the user may see, as it is (or was, `as_of`), filtered; without the flags."""
    queryset = _as_of(user, filters.as_of) if filters.as_of else assignments_for_user(user)
    if filters.plan_id:
        queryset = queryset.filter(task__plan_id=filters.plan_id)
    if filters.due_from:
        queryset = queryset.filter(due_date__gte=filters.due_from)
    if filters.due_to:
        queryset = queryset.filter(due_date__lte=filters.due_to)
    if filters.state in State.values:
        queryset = queryset.filter(state=filters.state)
    return queryset


FIGURE_FLAGS = ("is_overdue", "missed_report")  # what FIGURES count by


def _scoped(
    user: User, filters: ProgressFilters, on: dt.date, flags=FIGURE_FLAGS
) -> QuerySet[Assignment]:
    """Visible and filtered, with the computed flags (as of `filters.as_of` when given)."""
    return assignments_with_status(_visible(user, filters), on=filters.as_of or on, flags=flags)


def child_region_of(region: Region, prefix: str = "unit__region") -> Case:
    """The direct child of `region` that contains the unit's region (NULL: `region` itself)."""
    return Case(
        When(**{f"{prefix}__parent_id": region.pk}, then=F(f"{prefix}_id")),
        When(**{f"{prefix}__parent__parent_id": region.pk}, then=F(f"{prefix}__parent_id")),
        When(
            **{f"{prefix}__parent__parent__parent_id": region.pk},
            then=F(f"{prefix}__parent__parent_id"),
        ),
        default=None,
        output_field=IntegerField(),
    )


def unit_within(region: Region) -> Case:
    """True for assignments of units in `region` or below: the subtree condition behind a
    CASE, so PostgreSQL does not estimate it. Read directly, four ORs over the parent chain
    look 10% selective when they keep every row of the region; on that estimate the planner
    sorts every overdue item of the country instead of reading them in due-date order."""
    return Case(
        When(region_subtree_q(region, prefix="unit__region__"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _rows(grouped, key: str, names: dict) -> list[Row]:
    return [
        Row(
            key=row[key],
            name=names.get(row[key], OWN_UNITS_ROW),
            **{name: row[name] for name in FIGURES},
        )
        for row in grouped
    ]


def progress_by_region(
    *, user: User, region: Region, filters: ProgressFilters, on: dt.date | None = None
) -> list[Row]:
    """Per direct child of `region` (its counties, for a city); units of `region` itself
    form one row of their own, the first. In official order (children by code), which the
    pages re-sort when asked. Three queries: the children's names; the units at or below
    `region`, each with its child; the figures per unit, summed here per child.

    The figures' query names the units: PostgreSQL estimates a list of units from its
    statistics, and reads a province's 169 units' assignments through the unit index but
    the country's 2,884 whole (in parallel). Joined up the region chain instead, the
    subtree was four ORs it could not estimate: it read the country unit by unit."""
    on = on or today()
    names = child_regions_in_order(region)
    column = {  # each unit's child of `region` (None: a unit of `region` itself)
        pk: r if r in names else p if p in names else g if g in names else None
        for pk, r, p, g in units_below(region=region)
        .order_by()
        .values_list("pk", "region_id", "region__parent_id", "region__parent__parent_id")
    }
    grouped = (
        _scoped(user, filters, on)
        .filter(unit_id__in=list(column))
        .values("unit_id")
        .annotate(**FIGURES)
        .order_by()  # hashed, not sorted: the rows are summed and sorted here
    )
    sums: dict[int | None, dict[str, int]] = {}
    for row in grouped:
        into = sums.setdefault(column[row["unit_id"]], dict.fromkeys(FIGURES, 0))
        for figure in FIGURES:
            into[figure] += row[figure]
    # the region's own units first, then every child (with zeros when it has nothing)
    zeros = dict.fromkeys(FIGURES, 0)
    ordered = ([None] if None in sums else []) + list(names)
    return _rows(({"child": k, **sums.get(k, zeros)} for k in ordered), "child", names)


def progress_by_unit(
    *,
    user: User,
    region: Region | None,
    filters: ProgressFilters,
    kind: str = "",
    on: dt.date | None = None,
) -> list[Row]:
    on = on or today()
    queryset = _scoped(user, filters, on)
    if region is not None:
        queryset = queryset.filter(region_subtree_q(region, prefix="unit__region__"))
    if kind:
        queryset = queryset.filter(unit__kind=kind)
    grouped = (
        queryset.values("unit_id", "unit__short_name")
        .annotate(**FIGURES)
        .order_by(*unit_order("unit__"))  # official order; the pages re-sort when asked
    )
    return [
        Row(key=row["unit_id"], name=row["unit__short_name"], **{n: row[n] for n in FIGURES})
        for row in grouped
    ]


def progress_by_task(
    *, user: User, filters: ProgressFilters, on: dt.date | None = None
) -> list[Row]:
    on = on or today()
    grouped = (
        _scoped(user, filters, on)
        .values("task_id", "task__ref", "task__title")
        .annotate(**FIGURES)
        .order_by("task__plan_id", "task__position")
    )
    return [
        Row(
            key=row["task_id"],
            name=f"{row['task__ref']} {row['task__title']}",
            **{n: row[n] for n in FIGURES},
        )
        for row in grouped
    ]


OVERDUE_FIELDS = ("id", "due_date", "state", "last_report_at", "task__ref", "task__title")


def overdue_list(*, user: User, filters: ProgressFilters, on: dt.date | None = None):
    """The overdue items, earliest first: only what the lists show (unit, item, due date,
    state, last report), filtered on the overdue condition itself, without the other flags."""
    on = filters.as_of or on or today()
    return (
        _visible(user, filters)
        .filter(overdue_q(on))
        .select_related("task", "unit")
        .only(*OVERDUE_FIELDS, "unit__short_name")
        .order_by("due_date", *unit_order("unit__"), "id")
    )


def _driver_rows(queryset: QuerySet) -> list[tuple]:
    """A values_list query's rows as the database driver gives them (integers, a Decimal
    for an average), without the ORM's converter call on every value: ~10,000 rows of 9
    values for a national matrix, 66,500 calls."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class Cell:
    """One task × one column: a single assignment, or (by county) all of a county's."""

    total: int
    done: int
    overdue: int
    unsigned: int
    due_soon: int
    progress: int
    assignment_id: int | None  # when the cell is exactly one assignment

    @property
    def light(self) -> str:
        if self.done == self.total:
            return "blue"
        if self.overdue:
            return "red"
        if self.unsigned:
            return "grey"
        if self.due_soon:
            return "yellow"
        return "green"


@dataclass
class Matrix:
    columns: list[tuple[int, str]]
    rows: list[tuple[object, list[Cell | None]]]  # (task, one cell per column)
    column_totals: list[Row]


OWN_UNITS_COLUMN = 0  # by county: the region's own units, one column before the counties


def _matrix_column(region: Region, by: str):
    """What a matrix column groups by: the county (the region's own units: OWN_UNITS_COLUMN),
    or the unit."""
    if by == "county":
        return Coalesce(child_region_of(region), Value(OWN_UNITS_COLUMN))
    return F("unit_id")


def plan_matrix(
    *, user: User, plan_id: int, region: Region, by: str = "county", on: dt.date | None = None
) -> Matrix:
    """Tasks down, counties (or units) across — by county, the region's own units are one
    column (本级部门及单位) before the counties; each cell aggregated in SQL with its light.
    Three queries: the cells, the column names, the tasks."""
    on = on or today()
    column = _matrix_column(region, by)
    grouped = (
        _scoped(user, ProgressFilters(plan_id=plan_id), on, flags=("is_overdue", "is_due_soon"))
        .annotate(column=column)
        .filter(column__isnull=False)
        .values_list("task_id", "column")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(state=State.DONE)),
            overdue=Count("id", filter=Q(is_overdue=True)),
            unsigned=Count("id", filter=Q(state=State.ASSIGNED)),
            due_soon=Count("id", filter=Q(is_due_soon=True)),
            mean=Avg("progress"),
            first=Min("id"),
        )
        .order_by()
    )
    cells: dict[tuple[int, int], Cell] = {
        (task_id, key): Cell(*counts, round(float(mean or 0)), first if counts[0] == 1 else None)
        for task_id, key, *counts, mean, first in _driver_rows(grouped)
    }
    keys = {c for _t, c in cells}
    if by == "county":
        names = {OWN_UNITS_COLUMN: OWN_UNITS_ROW, **child_regions_in_order(region)}
    else:
        names = dict(
            Unit.objects.filter(pk__in=keys).order_by(*unit_order()).values_list("pk", "short_name")
        )
    columns = [(k, n) for k, n in names.items() if k in keys]  # official order
    tasks = (
        Task.objects.filter(pk__in={t for t, _c in cells})
        .only("id", "ref", "title", "position")  # what the matrix shows (not the text)
        .order_by("position")
    )
    rows = [(task, [cells.get((task.pk, key)) for key, _n in columns]) for task in tasks]
    sums = [[0, 0, 0] for _ in columns]  # total, done, overdue per column
    for _task, row in rows:
        for column_sums, c in zip(sums, row, strict=True):
            if c is not None:
                column_sums[0] += c.total
                column_sums[1] += c.done
                column_sums[2] += c.overdue
    totals = [
        Row(key, name, total, done, 0, overdue, 0, 0)
        for (key, name), (total, done, overdue) in zip(columns, sums, strict=True)
    ]
    return Matrix(columns=columns, rows=rows, column_totals=totals)


def matrix_overdue(
    *,
    user: User,
    plan_id: int,
    region: Region,
    by: str,
    columns: list[int],
    on: dt.date | None = None,
) -> QuerySet:
    """The ids of the overdue assignments of the plan in the matrix's `columns` (counties or
    units) that `user` may see — what a bulk 催办 from the matrix chases — as a subquery."""
    column = _matrix_column(region, by)
    return (
        _scoped(user, ProgressFilters(plan_id=plan_id), on or today(), flags=("is_overdue",))
        .annotate(column=column)
        .filter(column__in=columns, is_overdue=True)
        .order_by()
        .values("pk")
    )
