"""The ledger is streamed: one query for its rows (the latest report joined, not looked up per
row), written to disk as the rows come, and the same file as before, cell for cell.

The expected data is built here by the implementation before streaming (a subquery per row
for the latest report, every row in a list, the file in memory), kept as it was."""

import csv
import datetime as dt
import io
import tempfile
import tracemalloc
import zipfile

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.localtime import date_text, minute_text
from core.spreadsheets import Sheet, csv_safe, xlsx_bytes, xlsx_write
from regions.models import Region, Unit
from regions.services import user_upsert
from reporting.ledger import HEADERS, ledger_queryset, ledger_rows
from reporting.models import ExportJob
from reporting.services.exports import export_job_run
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment, ProgressReport, Responsibility, Task, WorkPlan

# --- the implementation before streaming, kept as the expected data --------------------------


def old_ledger_rows(*, user, plan_id) -> list[list]:
    latest = ProgressReport.objects.filter(assignment=OuterRef("pk")).order_by("-created_at", "-id")
    assignments = list(
        assignments_for_user(user)
        .filter(task__plan_id=plan_id)
        .select_related("task", "unit")
        .annotate(last_report_text=Subquery(latest.values("text")[:1]))
        .order_by("task__position", "unit__region__code", "unit__position", "unit__id")
    )
    names: dict[tuple[int, str], list[str]] = {}
    for task_id, role, name in (
        Responsibility.objects.filter(task_id__in={a.task_id for a in assignments})
        .order_by("id")
        .values_list("task_id", "role", "name_as_written")
    ):
        names.setdefault((task_id, role), []).append(name)
    return [
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
        for a in assignments
    ]


def old_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([h for h, _w in HEADERS])
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def old_xlsx(rows, title: str) -> bytes:
    """openpyxl's write-only workbook, every cell through openpyxl, strings forced to text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    for index, (_header, width) in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for name, _width in HEADERS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    sheet.append(header)

    def text(value):
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell

    count = 0
    for row in rows:
        sheet.append([text(value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{count + 1}"
    workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_contents(data: bytes) -> dict:
    """What a reader sees: every cell's value and type, widths, pane, filter, header style."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header = sheet["A1"]
    return {
        "title": book.properties.title,
        "sheets": book.sheetnames,
        "cells": [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()],
        "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
        "pane": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "header": (header.font.b, header.fill.fgColor.rgb, header.alignment.horizontal),
    }


# --- a plan whose reports test "latest": ties, late entries, long and awkward text ----------


def _at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))  # Asia/Shanghai


@pytest.fixture
def ledger_world(world):
    def report(assignment, text, when):
        with time_machine.travel(when, tick=False):
            return ProgressReport.objects.create(
                assignment=assignment, author=world.coordinator, text=text, progress=10
            )

    # 市财政局's own item: the report entered last is not the latest (an earlier time)
    report(world.czj_own, "第一次", _at(2026, 3, 1, 10))
    report(world.czj_own, "第二次 & <更新>\r\n续", _at(2026, 3, 5, 7, 30))
    report(world.czj_own, "补录的旧反馈", _at(2026, 3, 3, 10))
    # 市发改委's lead item: two reports at the same instant, the later id is the latest
    report(world.fgw_lead, "甲", _at(2026, 4, 1, 9))
    report(world.fgw_lead, " 乙\u3000", _at(2026, 4, 1, 9))
    # 小店区: a long report that starts like a formula (cut at 500, neutralised in CSV); done
    report(world.county_own, "=" + "长" * 600, _at(2026, 5, 1, 8))
    Assignment.objects.filter(pk=world.czj_own.pk).update(
        state="in_progress", signed_at=_at(2026, 3, 1, 9), last_report_at=_at(2026, 3, 5, 7, 30)
    )
    Assignment.objects.filter(pk=world.county_own.pk).update(
        state="done",
        progress=100,
        signed_at=_at(2026, 4, 1, 9),
        done_at=_at(2026, 5, 2, 7, 30),  # 2 May in Shanghai, 1 May in UTC
        last_report_at=_at(2026, 5, 1, 8),
    )
    return world


@pytest.mark.parametrize("who", ["coordinator", "leader", "fgw", "county", "other_coordinator"])
def test_rows_equal_the_previous_implementation(ledger_world, who):
    user = getattr(ledger_world, who)
    expected = old_ledger_rows(user=user, plan_id=ledger_world.plan.pk)
    rows = list(ledger_rows(ledger_queryset(user=user, plan_id=ledger_world.plan.pk)))
    assert rows == expected
    if who == "coordinator":
        assert len(rows) == 13
        by_unit = {(r[0], r[4]): r for r in rows}
        assert by_unit["一/(二)", "市财政局"][8:10] == ["2026-03-05 07:30", "第二次 & <更新>\r\n续"]
        assert by_unit["一/(一)", "市发改委"][9] == " 乙\u3000"
        assert by_unit["一/(三)", "小店区政府"][9:] == ["=" + "长" * 499, "2026-05-02"]


def test_files_equal_the_previous_ones_on_the_page_and_from_a_job(
    client, ledger_world, settings, tmp_path
):
    world = ledger_world
    settings.MEDIA_ROOT = tmp_path
    rows = old_ledger_rows(user=world.coordinator, plan_id=world.plan.pk)
    expected = {"csv": old_csv(rows), "xlsx": old_xlsx(rows, world.plan.title)}
    client.force_login(world.coordinator)
    url = f"/admin/tasks_app/workplan/{world.plan.pk}/ledger/"
    for fmt in ("csv", "xlsx"):
        page = client.get(url, {"format": fmt}).content
        job = ExportJob.objects.create(user=world.coordinator, plan=world.plan, format=fmt)
        job = export_job_run(job_id=job.pk)
        with job.file.open("rb") as stored:
            from_job = stored.read()
        if fmt == "csv":
            assert page == from_job == expected["csv"]
            assert "'=" + "长" * 499 in page.decode("utf-8-sig")
        else:
            contents = workbook_contents(expected["xlsx"])
            assert workbook_contents(page) == workbook_contents(from_job) == contents
            assert contents["filter"] == "A1:K14" and contents["pane"] == "A2"


def test_the_latest_report_is_joined_not_looked_up_per_row(ledger_world):
    world = ledger_world
    queryset = ledger_queryset(user=world.coordinator, plan_id=world.plan.pk)
    with CaptureQueriesContext(connection) as queries:
        rows = list(ledger_rows(queryset))
    assert len(rows) == 13
    [select] = [q["sql"] for q in queries.captured_queries if '"ref"' in q["sql"]]
    select = select[select.index("SELECT") :]  # on PostgreSQL: DECLARE … CURSOR FOR SELECT
    select_list = select.split(" FROM ", 1)[0]
    assert "SELECT" not in select_list[len("SELECT") :]  # no subquery per row among the columns
    assert len(queries.captured_queries) == 2  # the rows, and the lead/responsible names
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + select)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        assert "SubPlan" not in plan and "Anti Join" in plan, plan


def _big_plan(code: str, units: int, tasks: int = 15):
    """`tasks` tasks each given to `units` county governments, each with a report."""
    region = Region.objects.create(code=code, name=f"市{code}", level="prefecture")
    governments = Unit.objects.bulk_create(
        [
            Unit(region=region, short_name=f"县{code}-{n:03d}政府", kind="government")
            for n in range(units)
        ]
    )
    plan = WorkPlan.objects.create(
        title=f"要点{code}",
        region=region,
        period_start="2026-01-01",
        period_end="2026-12-31",
        status="active",
    )
    task_rows = Task.objects.bulk_create(
        [
            Task(
                plan=plan,
                ref=str(t + 1),
                title=f"任务{t}",
                due_date=dt.date(2026, 12, 31),
                position=t,
            )
            for t in range(tasks)
        ]
    )
    assignments = Assignment.objects.bulk_create(
        [Assignment(task=t, unit=u, due_date=t.due_date) for t in task_rows for u in governments]
    )
    coordinator = user_upsert(
        username=f"c{code}", password="pw-123456", role="coordinator", region=region
    )
    ProgressReport.objects.bulk_create(
        [
            ProgressReport(assignment=a, author=coordinator, text="进展", progress=0)
            for a in assignments
        ]
    )
    return plan, coordinator


def test_an_export_jobs_queries_do_not_grow_with_its_assignments(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    counts = []
    for code, units in (("960100", 2), ("950100", 100)):  # 30 and 1,500 assignments
        plan, coordinator = _big_plan(code, units)
        job = ExportJob.objects.create(user=coordinator, plan=plan, format="csv")
        with CaptureQueriesContext(connection) as queries:
            job = export_job_run(job_id=job.pk)
        assert job.status == "done" and job.progress == 100
        with job.file.open("rb") as stored:
            assert stored.read().decode("utf-8-sig").count("\r\n") == 1 + 15 * units
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts  # progress too: at most ten updates, not one per 1,000


ROWS = 20_000
TEXT = "进展情况" * 100  # 400 characters: ~30 MB of CSV in all


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_job_writes_to_disk_as_rows_come_with_flat_memory(
    world, settings, tmp_path, monkeypatch, fmt
):
    """Rows reach a file on disk while later ones are still being produced, and the job's
    memory stays far below the size of the file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    on_disk_before_the_last_row = []

    def rows(*args, **kwargs):
        for i in range(ROWS):
            if i == ROWS - 1:
                on_disk_before_the_last_row.append(
                    sum(f.stat().st_size for f in scratch.rglob("*") if f.is_file())
                )
            yield [str(i), "任务", "", "", "单位", "2026-12-31", "办理中", i % 100, "", TEXT, ""]

    monkeypatch.setattr("reporting.services.exports.ledger_rows", rows)
    job = ExportJob.objects.create(user=world.coordinator, plan=world.plan, format=fmt)
    tracemalloc.start()
    try:
        job = export_job_run(job_id=job.pk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert job.status == "done"
    assert job.file.size > 1_000_000 and peak < 10_000_000, (job.file.size, peak)
    if fmt == "csv":
        assert on_disk_before_the_last_row[0] > 5_000_000
        assert job.file.size > 20_000_000  # the file is many times the memory used
    else:  # deflated as it is written: the sheet's XML is many times the memory used
        assert on_disk_before_the_last_row[0] > 1_000_000
        with job.file.open("rb") as stored, zipfile.ZipFile(stored) as package:
            assert package.getinfo("xl/worksheets/sheet1.xml").file_size > 20_000_000


# --- the xlsx writer: openpyxl's XML for text and numbers, written as the rows come ----------

AWKWARD = [
    "=1+2",
    "#N/A",
    "+86 351",
    " leading",
    "trailing ",
    "全角空格\u3000",
    "a & b <c> d",
    "line\r\nbreak\ttab",
    "",
    None,
    0,
    -2,
    2.5,
    1 / 3,
    10**17,
    True,
    False,
    "\u200b零宽",
    "x" * 40_000,
]


def test_xlsx_cells_read_back_as_openpyxl_wrote_them():
    from decimal import Decimal

    rows = [AWKWARD, [Decimal("1.10"), "正常文字", None, "尾"], ["only one"]]
    sheets = [Sheet("台账", [(f"h{i}", None) for i in range(len(AWKWARD))], rows)]
    ours = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(sheets, title="t")))
    theirs_book = openpyxl.Workbook(write_only=True)
    theirs_sheet = theirs_book.create_sheet("台账")
    theirs_sheet.append([h for h, _w in sheets[0].columns])
    for row in rows:
        cells = []
        for value in row:
            cell = openpyxl.cell.WriteOnlyCell(theirs_sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        theirs_sheet.append(cells)
    buffer = io.BytesIO()
    theirs_book.save(buffer)
    theirs = openpyxl.load_workbook(buffer)

    def cells(book):
        return [[(c.value, c.data_type) for c in row] for row in book.active.iter_rows()]

    assert cells(ours) == cells(theirs)
    assert ours.active["A2"].value == "=1+2" and ours.active["A2"].data_type == "s"


def test_xlsx_drops_the_control_characters_xml_cannot_carry():
    """openpyxl refuses them (the whole export would fail for one pasted report); they are
    dropped, tab and line breaks kept."""
    data = xlsx_bytes([Sheet("s", [("a", None)], [["bell\x07 \x0bvt\x00", "tab\tline\r\n"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [sheet["A2"].value, sheet["B2"].value] == ["bell vt", "tab\tline\r\n"]


def test_xlsx_rows_are_written_while_they_are_produced(tmp_path):
    target = tmp_path / "out.xlsx"
    written = []

    def rows():
        for i in range(5000):
            if i == 4999:
                written.append(target.stat().st_size)
            yield [i, f"{i}{TEXT}"]

    xlsx_write(target, [Sheet("s", [("n", 8), ("text", 40)], rows())])
    assert written[0] > 50_000  # thousands of rows already deflated into the file
    with zipfile.ZipFile(target) as package:
        assert package.testzip() is None
        assert package.getinfo("xl/worksheets/sheet1.xml").file_size > 5_000_000
    sheet = openpyxl.load_workbook(target, read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == 5001
