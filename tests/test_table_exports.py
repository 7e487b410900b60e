"""Every table page (各地进展, 各单位进展, 矩阵, 逾期事项, 考核) exports the rows it shows: the
page's "导出 Excel" link, followed as a user would, gives a workbook whose rows are the
page's tables' rows, in the same order, with the same figures; its query count does not
grow with the rows. The pages are taken from `TABLE_PAGES`, so a new one is covered."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.models import Unit
from reporting.views_tables import OVERDUE_PAGE_ROWS, TABLE_PAGES
from tasks_app.models import Assignment, Task
from tasks_app.services import assignments as svc


class _Tables(HTMLParser):
    """The body and footer rows of the page's `export-table`s, as the cells' text. Cells
    holding a form control (the chase ticks), the print-only caption and the "nothing
    here" rows are not data."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.depth = 0  # inside an export table
        self.section = ""
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.control = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth or "export-table" in (attrs.get("class") or "").split():
                self.depth += 1
                if self.depth == 1:
                    self.tables.append([])
            return
        if not self.depth:
            return
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr" and self.section in ("tbody", "tfoot"):
            skip = {"print-caption", "empty"} & set((attrs.get("class") or "").split())
            self.row = None if skip else []
        elif tag in ("td", "th") and self.row is not None:
            self.cell, self.control = [], False
        elif tag == "input" and self.cell is not None:
            self.control = True

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            if not self.control:
                self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_tables(content: bytes) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(content.decode())
    return parser.tables


def _same(value) -> str:
    """A cell as text both sides agree on: a number as a number (100.0 is 100), a date as
    its ISO day, a share without its % sign."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    text = str(value).strip().removesuffix("%")
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def workbook_tables(data: bytes) -> list[list[list[str]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert not [c for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
    return [
        [[_same(v) for v in row] for row in s.iter_rows(min_row=2, values_only=True)] for s in book
    ]


def export_href(content: bytes) -> str:
    found = re.findall(r'class="export-link" href="([^"]+)"', content.decode())
    assert len(found) == 1, found
    return html.unescape(found[0])


def more_work(world, units, count: int, tag: str) -> None:
    """`count` more overdue tasks (due 2 March 2026) of the world's plan for each unit."""
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=world.plan,
                ref=f"{tag}/{u}/{n}",
                title=f"事项{tag}{u}-{n}",
                due_date=dt.date(2026, 3, 2),
                position=1000 + u * count + n,
            )
            for u in range(len(units))
            for n in range(count)
        ]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(task=t, unit=units[i // count], due_date=t.due_date)
            for i, t in enumerate(tasks)
        ]
    )


@pytest.fixture
def busy(world):
    """Figures of every kind: done on time and late, overdue, returned, in the city's units
    and a county's; a second county unit with work; one item the coordinator signed and
    one with a report (the overdue list's 最近反馈)."""
    county2 = Unit.objects.filter(region__parent=world.region).exclude(pk=world.county_unit.pk)[0]
    more_work(world, [county2, world.fgw_unit], 3, "八")
    Assignment.objects.filter(task__plan=world.plan).update(due_date=dt.date(2026, 3, 2))
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    svc.report_create(user=world.czj, assignment_id=world.czj_own.pk, text="进展", progress=40)
    Assignment.objects.filter(pk=world.fgw_lead.pk).update(
        state="done",
        signed_at=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC),
        done_at=dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC),
        progress=100,
    )
    Assignment.objects.filter(pk=world.county_own.pk).update(
        state="done",
        signed_at=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC),
        done_at=dt.datetime(2026, 4, 1, 2, tzinfo=dt.UTC),
        progress=100,
        returns=1,
    )
    return world


def table_page_urls(world) -> dict[str, str]:
    """Each table page with a query a user would have: a plan, a sort, a view, a year."""
    plan = world.plan.pk
    urls = {
        "tasks_app_progress_regions": f"{reverse('admin:tasks_app_progress_regions')}"
        f"?plan={plan}&sort=overdue",
        "tasks_app_progress_units": f"{reverse('admin:tasks_app_progress_units')}"
        f"?plan={plan}&sort=completion&kind=",
        "tasks_app_progress_matrix": f"{reverse('admin:tasks_app_progress_matrix', args=[plan])}"
        "?by=unit",
        "tasks_app_progress_overdue": f"{reverse('admin:tasks_app_progress_overdue')}?plan={plan}",
        "tasks_app_assessment": f"{reverse('admin:tasks_app_assessment')}?year=2026",
    }
    assert set(urls) == set(TABLE_PAGES), "a new table page needs a query here"
    return urls


@pytest.mark.parametrize("name", TABLE_PAGES)
def test_table_page_exports_the_rows_it_shows(client, busy, name):
    client.force_login(busy.coordinator)
    url = table_page_urls(busy)[name]
    page = client.get(url)
    assert page.status_code == 200
    shown = page_tables(page.content)
    assert shown and all(shown), "each table has rows"

    href = export_href(page.content)
    asked, kept = parse_qs(urlsplit(url).query), parse_qs(href.lstrip("?"))
    assert kept.pop("format") == ["xlsx"] and kept == asked  # the page's own query
    answer = client.get(urlsplit(url).path + href)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    filename = unquote(disposition.split("''", 1)[1])
    assert filename.endswith(".xlsx") and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", filename)

    exported = workbook_tables(answer.content)
    shown = [[[_same(c) for c in row] for row in table] for table in shown]
    assert exported == shown


def test_export_keeps_the_sort_asked_for(client, busy):
    client.force_login(busy.coordinator)
    base = reverse("admin:tasks_app_progress_units") + f"?plan={busy.plan.pk}&kind="
    rows = {}
    for sort in ("", "name", "total"):
        rows[sort] = workbook_tables(client.get(f"{base}&sort={sort}&format=xlsx").content)[0]
    totals = [int(r[1]) for r in rows["total"]]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) > 1
    assert [r[0] for r in rows["name"]] == sorted(r[0] for r in rows[""])
    assert rows["total"] != rows[""]  # the official order is another one


def test_plan_title_is_in_the_export_filename(client, busy):
    client.force_login(busy.coordinator)
    url = reverse("admin:tasks_app_progress_regions") + f"?plan={busy.plan.pk}&format=xlsx"
    disposition = client.get(url)["Content-Disposition"]
    assert unquote(disposition).count(busy.plan.title) == 1
    assert unquote(disposition).split("''")[1].startswith(f"{busy.region.name}各地进展-")


def test_overdue_export_has_every_item_not_only_the_page(client, world):
    more_work(world, [world.fgw_unit], OVERDUE_PAGE_ROWS + 5, "九")
    Assignment.objects.filter(task__plan=world.plan).update(due_date=dt.date(2026, 3, 2))
    total = Assignment.objects.filter(task__plan=world.plan).count()
    client.force_login(world.coordinator)
    url = reverse("admin:tasks_app_progress_overdue")
    page = client.get(url)
    shown = page_tables(page.content)[0]
    assert len(shown) == OVERDUE_PAGE_ROWS and "含全部逾期事项" in page.content.decode()
    exported = workbook_tables(client.get(url + "?format=xlsx").content)[0]
    assert len(exported) == total > OVERDUE_PAGE_ROWS
    assert exported[:OVERDUE_PAGE_ROWS] == [[_same(c) for c in row] for row in shown]


EXPORT_QUERIES = {  # pinned: the same with 4 assignments as with 100
    "tasks_app_progress_regions": 9,
    "tasks_app_progress_units": 7,
    "tasks_app_progress_matrix": 9,
    "tasks_app_progress_overdue": 7,
    "tasks_app_assessment": 8,
}


@pytest.mark.parametrize("name", TABLE_PAGES)
def test_export_query_count_does_not_grow_with_rows(client, world, name):
    client.force_login(world.coordinator)
    url = table_page_urls(world)[name] + "&format=xlsx"
    Assignment.objects.filter(task__plan=world.plan).update(due_date=dt.date(2026, 3, 2))
    client.get(url)  # warm: the process-wide caches (calendar, content types) filled once
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as queries:
            cells = workbook_tables(client.get(url).content)
        counts.append((len(queries), cells))
        more_work(world, [*Unit.objects.filter(region__parent=world.region)[:4]], 24, f"九{_round}")
    (before, few), (after, many) = counts
    assert many != few  # 96 more assignments counted (or listed)
    assert before == after == EXPORT_QUERIES[name]
