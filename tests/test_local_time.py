"""Everything people read shows local time (Asia/Shanghai), whatever the process's zone.

A report filed at 07:30 on 2 March in Shanghai is 23:30 on 1 March in UTC: the ledger,
the bulletin, the history pages, the implementation report and the assessment must all
say 2 March."""

import csv
import datetime as dt
import io
import os
import time
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
import time_machine

from reporting.services.assessment import assessment
from reporting.services.bulletins import bulletin_figures
from reporting.services.implementation_report import implementation_report_docx
from tasks_app.models import Assignment
from tasks_app.services import assignments as svc

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI)  # 2026-03-01 23:30 UTC


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def early_report(world):
    """市财政局 signs, reports and claims 一/(二) at 07:30 on 2 March; it is accepted at 07:45.
    The item was due on 1 March, so it was done one day late."""
    with at(MORNING - dt.timedelta(days=30)):
        svc.assignment_change_due_date(
            user=world.coordinator,
            assignment_id=world.czj_own.pk,
            due_date=dt.date(2026, 3, 1),
            reason="按文件",
        )
        svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    with at(MORNING):
        report = svc.report_create(
            user=world.czj,
            assignment_id=world.czj_own.pk,
            text="已完成",
            progress=100,
            completion=True,
        )
    with at(MORNING + dt.timedelta(minutes=15)):
        svc.report_review(user=world.coordinator, report_id=report.pk, accept=True)
    # and 市发改委 reports on 一/(一) at the same moment, without finishing it
    with at(MORNING - dt.timedelta(days=1)):
        svc.assignment_sign(user=world.fgw, assignment_id=world.fgw_lead.pk)
    with at(MORNING):
        svc.report_create(
            user=world.fgw, assignment_id=world.fgw_lead.pk, text="推进中", progress=30
        )
    return world


def _ledger_row(rows, unit):
    return next(r for r in rows if r[4] == unit)


def test_ledger_xlsx_and_csv_show_local_report_time_and_done_date(client, early_report):
    world = early_report
    client.force_login(world.coordinator)
    url = f"/admin/tasks_app/workplan/{world.plan.pk}/ledger/"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    czj = next(r for r in rows if r[0] == "一/(二)")
    assert czj[8] == "2026-03-02 07:30"  # not 2026-03-01 23:30 (UTC)
    assert czj[10] == "2026-03-02"
    text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    czj = next(r for r in csv.reader(io.StringIO(text)) if r[0] == "一/(二)")
    assert (czj[8], czj[10]) == ("2026-03-02 07:30", "2026-03-02")


def test_bulletin_overdue_list_shows_the_local_day_of_the_last_report(early_report):
    world = early_report
    figures = bulletin_figures(
        plan=world.plan,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        on=dt.date(2026, 12, 31),
    )
    fgw = next(i for i in figures["overdue"] if i["unit"] == "市发改委")
    assert fgw["last_report"] == "2026-03-02"


def test_history_page_shows_local_time_to_the_minute(client, early_report):
    world = early_report
    client.force_login(world.coordinator)
    page = client.get(f"/admin/tasks_app/assignment/{world.czj_own.pk}/history/").content.decode()
    assert "2026-03-02 07:30" in page  # submitted_at and last_report_at, as changed
    assert "+00:00" not in page and "23:30:00" not in page
    assert "已办结" in page and "待审核" in page  # states by their labels, not "done"


@pytest.fixture
def process_in_utc():
    """The process's own time zone set to UTC (a worker started without TZ, say)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_implementation_report_gives_the_local_done_date(early_report, process_in_utc):
    world = early_report
    data = implementation_report_docx(user=world.coordinator, plan=world.plan, unit=world.czj_unit)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "已于2026年3月2日办结" in text


def test_assessment_does_not_depend_on_the_process_time_zone(early_report, process_in_utc):
    world = early_report
    _counties, units = assessment(
        user=world.coordinator, region=world.region, year=2026, on=dt.date(2026, 12, 31)
    )
    czj = next(s for s in units if s.name == "市财政局")
    # done on 2 March local time, due 1 March: one working day late, not on time
    own = Assignment.objects.get(pk=world.czj_own.pk)
    assert own.done_at.astimezone(dt.UTC).date() == dt.date(2026, 3, 1)
    assert czj.done_on_time == 0
    assert czj.overdue_workdays >= 1


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), "2026-03-02 07:30"),
        (dt.datetime(2026, 12, 31, 16, 5, tzinfo=dt.UTC), "2027-01-01 00:05"),
        (dt.datetime(2026, 7, 9, 8, 0, tzinfo=SHANGHAI), "2026-07-09 08:00"),
        (None, ""),
    ],
)
def test_minute_text_is_the_local_minute_zero_padded(instant, text):
    from core.localtime import minute_text

    assert minute_text(instant) == text
