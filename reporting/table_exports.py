"""The progress pages' tables as .xlsx: the rows each page shows, in its order, with its
figures, through the one streamed writer (core.spreadsheets: text is never a formula).

Each builder takes what the page's view computed (the rows, the matrix, the overdue items)
so the page and its workbook cannot drift apart; tests read both back and compare them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

from core.spreadsheets import XLSX_TYPE, Sheet, xlsx_bytes
from reporting.progress import NOTHING_DONE
from tasks_app.models import Assignment
from tasks_app.workdays import workdays_between


def day_label(day: dt.date) -> str:
    """2026年3月5日: the date as the pages print it (数据截至 …) and files are named."""
    return f"{day.year}年{day.month}月{day.day}日"


def xlsx_response(sheets: list[Sheet], *, title: str, on: dt.date) -> HttpResponse:
    """The workbook as a download named after the page (with its plan, when filtered by
    one) and the day the figures are from."""
    name = f"{title}-{day_label(on)}"
    response = HttpResponse(xlsx_bytes(sheets, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.xlsx"
    return response


PROGRESS_COLUMNS = [
    ("交办", 8),
    ("办结", 8),
    ("按时办结", 10),
    ("逾期", 8),
    ("被退回", 8),
    ("未按期反馈", 12),
    ("办结率(%)", 10),
    ("按时率(%)", 10),
]


def progress_sheet(rows, *, first_column: str) -> Sheet:
    """各地进展 / 各单位进展: one row per `reporting.progress.Row`, as the page lists them."""

    def cells(r) -> list:
        on_time = r.on_time_percent
        return [
            r.name,
            r.total,
            r.done,
            r.done_on_time,
            r.overdue,
            r.returned,
            r.missed_reports,
            r.completion_percent,
            NOTHING_DONE if on_time is None else on_time,
        ]

    return Sheet("进展", [(first_column, 20), *PROGRESS_COLUMNS], map(cells, rows))


def matrix_cell(c) -> str:
    """A matrix cell's text: one assignment's progress, or a county's done / total."""
    if c is None:
        return ""
    if c.assignment_id:
        return f"{c.progress}%"
    return f"{c.done}/{c.total}"


def matrix_sheet(matrix) -> Sheet:
    """Tasks down, the columns across; the last row is each column's done / total."""

    def rows() -> Iterator[list]:
        for task, cells in matrix.rows:
            yield [f"{task.ref} {task.title}", *map(matrix_cell, cells)]
        yield ["办结 / 交办", *(f"{t.done}/{t.total}" for t in matrix.column_totals)]

    columns = [("任务", 40), *((name, 12) for _key, name in matrix.columns)]
    return Sheet("矩阵", columns, rows())


OVERDUE_SHEET_COLUMNS = [
    ("单位", 18),
    ("事项", 50),
    ("期限", 12),
    ("逾期(工作日)", 12),
    ("状态", 10),
    ("最近反馈", 12),
]
_STATES = {value: str(label) for value, label in Assignment.State.choices}


def overdue_sheet(items: Iterable, *, on: dt.date) -> Sheet:
    """Every overdue item (values_list rows of `rendering.OVERDUE_COLUMNS`), streamed:
    all that match, not only the page's first ones."""
    zone = timezone.get_current_timezone()

    def rows() -> Iterator[list]:
        late: dict[dt.date, int] = {}  # working days overdue, once per due date
        for a in items:
            if a.due_date not in late:
                late[a.due_date] = -workdays_between(on, a.due_date)
            last = a.last_report_at.astimezone(zone).date() if a.last_report_at else "未反馈"
            yield [
                a.unit__short_name,
                f"{a.task__ref} {a.task__title}",
                a.due_date,
                late[a.due_date],
                _STATES.get(a.state, a.state),
                last,
            ]

    return Sheet("逾期事项", OVERDUE_SHEET_COLUMNS, rows(), filters=True)
