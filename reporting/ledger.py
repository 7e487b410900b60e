"""The ledger (台账): one row per assignment, as .xlsx or .csv (UTF-8 with BOM for Excel).

Rows are read with one query — each assignment with its latest report joined in (the report
no later report of the same assignment outdoes: an anti-join, not a subquery run per row) —
through a server-side cursor, and written to the file as they come: a national ledger takes
the time of that read and flat memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings
from django.db import connections
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet

from core.localtime import date_text, minute_text
from core.spreadsheets import Sheet, csv_write_binary, xlsx_write
from regions.models import User
from regions.selectors import unit_order
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment, ProgressReport, Responsibility

HEADERS = [
    ("编号", 10),
    ("任务", 40),
    ("牵头单位", 24),
    ("责任单位", 30),
    ("承办单位", 18),
    ("期限", 12),
    ("状态", 8),
    ("进度(%)", 8),
    ("最近反馈时间", 18),
    ("最近反馈", 40),
    ("办结日期", 12),
]
REPORT_TEXT_MAX = 500  # characters of the latest report in its cell
CHUNK_ROWS = 2000  # rows fetched from the server-side cursor at a time
PROGRESS_STEPS = 10  # a background export reports its progress this many times at most


def ledger_queryset(*, user: User, plan_id: int) -> QuerySet[Assignment]:
    """The plan's assignments the user may see, in the ledger's order (count it to choose
    between answering now and a background job): by item, then units in official order."""
    return (
        assignments_for_user(user)
        .filter(task__plan_id=plan_id)
        .order_by("task__position", *unit_order("unit__"), "id")
    )


def with_latest_report(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """The assignments joined to their latest report (by time, then id), or to none: one row
    each. The join keeps every report; NOT EXISTS drops those a later one outdoes, which
    PostgreSQL runs as a hash anti-join and SQLite through the report index."""
    later = ProgressReport.objects.filter(assignment_id=OuterRef("pk")).filter(
        Q(created_at__gt=OuterRef("latest_report_at"))
        | Q(created_at=OuterRef("latest_report_at"), pk__gt=OuterRef("latest_report_id"))
    )
    return assignments.annotate(
        latest_report_at=F("reports__created_at"),
        latest_report_id=F("reports__id"),
        latest_report_text=F("reports__text"),
    ).filter(~Exists(later))


def _unit_names(assignments: QuerySet[Assignment]) -> dict[tuple[int, str], str]:
    """The lead and the responsible units of the assignments' tasks, as written, by role."""
    names: dict[tuple[int, str], list[str]] = {}
    for task_id, role, name in (
        Responsibility.objects.filter(task_id__in=assignments.order_by().values("task_id"))
        .order_by("id")
        .values_list("task_id", "role", "name_as_written")
    ):
        names.setdefault((task_id, role), []).append(name)
    return {key: "、".join(values) for key, values in names.items()}


class _LocalText(Func):
    """PostgreSQL: a date, or an instant in the installation's time zone, as text (to_char):
    the ledger's dates and times come formatted, not parsed, converted and formatted per row
    in Python (a third of a national ledger's time)."""

    output_field = CharField()

    def __init__(self, expression: str, pattern: str, *, instant: bool) -> None:
        super().__init__(F(expression))
        self.pattern, self.instant = pattern, instant

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if not self.instant:
            return f"to_char({sql}, %s)", (*params, self.pattern)
        return f"to_char({sql} AT TIME ZONE %s, %s)", (*params, settings.TIME_ZONE, self.pattern)


def _as_text(rows: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """PostgreSQL formats the due date, the latest report's minute and the day it was done;
    elsewhere they are read as values and formatted per row."""
    if connections[rows.db].vendor != "postgresql":
        return rows
    return rows.annotate(
        due_text=_LocalText("due_date", "YYYY-MM-DD", instant=False),
        report_at_text=_LocalText("last_report_at", "YYYY-MM-DD HH24:MI", instant=True),
        done_text=_LocalText("done_at", "YYYY-MM-DD", instant=True),
    )


def ledger_rows(
    assignments: QuerySet[Assignment], progress: Callable[[int], None] | None = None
) -> Iterator[list]:
    """The rows in the ledger's column order, as they are read: the rows query and one for the
    units' names (and a count when `progress` is given, called with 0-90 at most
    PROGRESS_STEPS times)."""
    names = _unit_names(assignments)
    states = {value: str(label) for value, label in Assignment.State.choices}
    total = assignments.count() if progress else 0
    marks = {-(-total * step // PROGRESS_STEPS) for step in range(1, PROGRESS_STEPS + 1)}
    rows = _as_text(with_latest_report(assignments))
    formatted = "due_text" in rows.query.annotations
    rows = rows.values_list(
        "task__ref",
        "task__title",
        "task_id",
        "unit__short_name",
        "due_text" if formatted else "due_date",
        "state",
        "progress",
        "report_at_text" if formatted else "last_report_at",
        "latest_report_text",
        "done_text" if formatted else "done_at",
    )
    for i, (ref, title, task_id, unit, due, state, percent, report_at, text, done_at) in enumerate(
        rows.iterator(chunk_size=CHUNK_ROWS), start=1
    ):
        yield [
            ref,
            title,
            names.get((task_id, "lead"), ""),
            names.get((task_id, "responsible"), ""),
            unit,
            due if formatted else due.isoformat(),
            states.get(state, state),
            percent,
            (report_at or "") if formatted else minute_text(report_at),
            (text or "")[:REPORT_TEXT_MAX],
            (done_at or "") if formatted else date_text(done_at),
        ]
        if progress and i in marks:
            progress(min(90, 90 * i // total))


def ledger_write(target: IO[bytes], rows: Iterator[list], fmt: str, title: str) -> None:
    """The ledger file, .xlsx or .csv, written into a binary file as the rows come."""
    if fmt == "xlsx":
        xlsx_write(target, [Sheet("台账", HEADERS, rows, filters=True)], title=title)
    else:
        csv_write_binary(target, [h for h, _w in HEADERS], rows)


def ledger_bytes(rows: Iterator[list], fmt: str, title: str) -> bytes:
    """The file in memory, for a ledger small enough to answer at once."""
    buffer = io.BytesIO()
    ledger_write(buffer, rows, fmt, title)
    return buffer.getvalue()
