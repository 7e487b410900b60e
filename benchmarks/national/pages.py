"""Rows 3 to 9: pages, the API and the ledger, each against its raw baseline."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from benchmarks.national.config import (
    COUNTIES,
    PROVINCE_COUNTIES,
)
from benchmarks.national.measure import Table, raw, raw_all, yes
from benchmarks.national.procs import EXPORT, PLAIN_READ, run_child
from benchmarks.national.raw_sql import (
    ASSESSMENT,
    ASSIGNMENT_COUNT,
    ASSIGNMENT_PAGE,
    BULLETIN_COUNTIES,
    BULLETIN_OVERDUE,
    BULLETIN_OVERDUE_COUNT,
    LEDGER,
    MATRIX,
    MATRIX_NAMES,
    MATRIX_TASKS,
    OVERDUE_LIST,
    REGION_PROGRESS,
)
from benchmarks.national.web import Browser
from regions.models import Region
from reporting.models import ExportJob
from tasks_app.models import WorkPlan
from tasks_app.workdays import add_workdays, workdays_between


def workday_calendar(year: int, on: dt.date) -> tuple[list[dt.date], list[int]]:
    """Every day of the year (and on to today), with its cumulative working-day number
    (workdays_between(1 January, day)), for the raw assessment."""
    base = dt.date(year, 1, 1)
    end = max(dt.date(year + 1, 1, 1), on + dt.timedelta(days=1))
    days = [base + dt.timedelta(days=i) for i in range((end - base).days)]
    return days, [workdays_between(base, d) for d in days]


def ledger_rows(table: Table, user, plan: WorkPlan, region: Region) -> None:
    """Row 9: the national ledger, CSV and xlsx, each built in a fresh process."""
    plain = run_child(PLAIN_READ, json.dumps({"plan": plan.pk, "p": region.pk}), stdin=LEDGER)
    for fmt in ("csv", "xlsx"):
        job = ExportJob.objects.create(user=user, plan=plan, format=fmt)
        try:
            built = run_child(EXPORT, str(job.pk))
        except RuntimeError as exc:
            table.add(f"9. ledger {fmt} export", f"error: {exc}"[:80], "", "", "", "—")
            continue
        peak_mb = built["peak_kb"] / 1024
        ratio = built["seconds"] / plain["seconds"]
        table.add(
            f"9. ledger {fmt} ({plain['rows']:,} rows)",
            f"{built['seconds']:.1f} s, peak {peak_mb:,.0f} MB, {built['bytes'] / 1e6:.1f} MB file"
            + ("" if built["status"] == "done" else f" [{built['status']}: {built['error']}]"),
            f"{plain['seconds']:.1f} s read, peak {plain['peak_kb'] / 1024:,.0f} MB",
            f"{ratio:.1f}×",
            "≤ 2× read, peak < 200 MB",
            f"{yes(ratio <= 2)} / {yes(peak_mb < 200)}",
        )


def http_rows(table: Table, browser: Browser, province_browser: Browser, seeded: dict) -> None:
    national, plan = seeded["national"], seeded["plan"]
    province = seeded["province"]
    on = timezone.localdate()
    year = plan.period_end.year  # the seeded plan's due dates
    p = {"p": national.pk, "plan": plan.pk, "today": on}

    days, ords = workday_calendar(year, on)
    assessment = {
        **p,
        "days": days,
        "ords": ords,
        "since": timezone.make_aware(dt.datetime.combine(on, dt.time.min)),
        "year_start": dt.date(year, 1, 1),
        "year_end": dt.date(year, 12, 31),
    }
    table.http(
        f"3. assessment page ({year})",
        lambda: browser.get(
            f"/admin/tasks_app/workplan/assessment/?region={national.pk}&year={year}"
        ),
        raw(ASSESSMENT, assessment),
        20,
    )
    soon = add_workdays(on, 5)
    table.http(
        "4. matrix page (HTML)",
        lambda: browser.get(f"/admin/tasks_app/workplan/{plan.pk}/matrix/"),
        raw_all((MATRIX, {**p, "soon": soon}), (MATRIX_NAMES, p), (MATRIX_TASKS, p)),
        50,
    )
    table.http(
        f"5. 逾期事项 page (1,000 of {seeded['overdue']:,})",
        lambda: browser.get(f"/admin/tasks_app/workplan/progress/overdue/?region={national.pk}"),
        raw(OVERDUE_LIST, {**p, "limit": 1000}),
        50,
    )
    bulletin = seeded["bulletin"]
    period = {
        **p,
        "start": bulletin.period_start,
        "end": bulletin.period_end,
        "today": min(bulletin.period_end, on),
    }
    table.http(
        f"6. bulletin draft {bulletin.period_start:%Y-%m} (change page)",
        lambda: browser.get(f"/admin/reporting/bulletin/{bulletin.pk}/change/"),
        raw_all(
            (BULLETIN_COUNTIES, period),
            (BULLETIN_OVERDUE, period),
            (BULLETIN_OVERDUE_COUNT, period),
        ),
        50,
    )
    table.http(
        "7. admin assignment list, page 1",
        lambda: browser.get("/admin/tasks_app/assignment/"),
        raw_all((ASSIGNMENT_COUNT, p), (ASSIGNMENT_PAGE, p)),
        0,
        hard_ms=150,
    )
    for label, who, region, counties in (
        ("province", province_browser, province, PROVINCE_COUNTIES),
        ("national", browser, national, COUNTIES),
    ):
        table.http(
            f"8. region progress API, {label} ({counties:,} counties)",
            lambda who=who, region=region: who.get(f"/api/progress/regions/?region={region.pk}"),
            raw(REGION_PROGRESS, {"p": region.pk, "today": on}),
            20,
        )
