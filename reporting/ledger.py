"""The ledger (台账): one row per assignment, as .xlsx or .csv (UTF-8 with BOM for Excel)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import OuterRef, Subquery

from core.localtime import date_text, minute_text
from core.spreadsheets import Sheet, csv_bytes, xlsx_bytes
from regions.models import User
from tasks_app.access import assignments_for_user
from tasks_app.models import ProgressReport, Responsibility

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


def ledger_queryset(*, user: User, plan_id: int):
    latest = ProgressReport.objects.filter(assignment=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        assignments_for_user(user)
        .filter(task__plan_id=plan_id)
        .select_related("task", "unit")
        .annotate(last_report_text=Subquery(latest.values("text")[:1]))
        .order_by("task__position", "unit__short_name")
    )


def ledger_rows(queryset, progress: Callable[[int], None] | None = None) -> list[list]:
    """Rows in the ledger's column order; two more queries for the lead/responsible names."""
    assignments = list(queryset)
    task_ids = {a.task_id for a in assignments}
    names: dict[tuple[int, str], list[str]] = {}
    for task_id, role, name in (
        Responsibility.objects.filter(task_id__in=task_ids)
        .order_by("id")
        .values_list("task_id", "role", "name_as_written")
    ):
        names.setdefault((task_id, role), []).append(name)
    rows = []
    for i, a in enumerate(assignments, start=1):
        rows.append(
            [
                a.task.ref,
                a.task.title,
                "、".join(names.get((a.task_id, "lead"), [])),
                "、".join(names.get((a.task_id, "responsible"), [])),
                a.unit.short_name,
                a.due_date.isoformat(),
                a.get_state_display(),
                a.progress,
                minute_text(a.last_report_at),
                (a.last_report_text or "")[:500],
                date_text(a.done_at),
            ]
        )
        if progress and i % 1000 == 0:
            progress(int(90 * i / len(assignments)))
    return rows


def ledger_xlsx(rows: list[list], title: str) -> bytes:
    return xlsx_bytes([Sheet("台账", HEADERS, rows, filters=True)], title=title)


def ledger_csv(rows: list[list]) -> bytes:
    return csv_bytes([h for h, _w in HEADERS], rows)


def ledger_bytes(rows: list[list], fmt: str, title: str) -> bytes:
    return ledger_xlsx(rows, title) if fmt == "xlsx" else ledger_csv(rows)
