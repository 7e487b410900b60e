"""考核's rules: the page defaults to the plan's year; equal scores share a rank (1, 2, 2, 4);
a past year's open items are late up to that year's 31 December, not to today; 按时率 is
"—" (page and workbook) when nothing is done. Fixed dates throughout, never today."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from regions.models import Unit
from reporting.services.assessment import assessment
from tasks_app.models import Assignment, Task, WorkPlan
from tasks_app.workdays import workdays_between


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=10))


def item(world, unit, due: dt.date, n: int, *, done: str = "", state: str = "in_progress"):
    """One item of the world's plan for `unit`, due `due`: open, or done (claimed) on `done`."""
    task = Task.objects.create(
        plan=world.plan, ref=f"七/{n}", title=f"考核事项{n}", due_date=due, position=300 + n
    )
    return Assignment.objects.create(
        task=task,
        unit=unit,
        due_date=due,
        state="done" if done else state,
        progress=100 if done else 30,
        signed_at=None if state == "assigned" and not done else at("2025-01-06"),
        submitted_at=at(done) if done else None,
        done_at=at(done) if done else None,
    )


@pytest.fixture
def counties(world):
    """Four county governments of the city, in official order, with nothing due in 2025."""
    units = Unit.objects.filter(region__parent=world.region).select_related("region")
    by_region = {}
    for unit in units.order_by("region__code", "position", "pk"):
        by_region.setdefault(unit.region_id, unit)
    return list(by_region.values())[:4]


def _scores(world, year: int, on: dt.date) -> dict:
    county_scores, _units = assessment(
        user=world.coordinator, region=world.region, year=year, on=on
    )
    return {s.name: s for s in county_scores}


def test_equal_scores_share_a_rank_and_the_next_counts_them(world, counties):
    a, b, c, d = counties
    due = dt.date(2025, 6, 30)
    item(world, a, due, 1, done="2025-06-20")  # on time: 100
    item(world, b, due, 2, done="2025-06-10")  # on time too: the same score
    item(world, c, due, 3, done="2025-06-10")  # once on time, once late: lower
    item(world, c, due, 4, done="2025-07-15")
    item(world, d, due, 5, done="2025-08-15")  # late, and later: lowest
    ranked, _units = assessment(
        user=world.coordinator, region=world.region, year=2025, on=dt.date(2026, 3, 2)
    )
    scores = [(s.name, s.score, s.rank) for s in ranked]
    assert [s for _n, s, _r in scores] == sorted((s for _n, s, _r in scores), reverse=True)
    assert [r for _n, _s, r in scores] == [1, 1, 3, 4], scores
    assert scores[0][1] == scores[1][1] > scores[2][1] > scores[3][1]
    names = [a.region.name, b.region.name]
    assert [n for n, _s, _r in scores[:2]] == names  # equal scores in official order


def test_a_past_years_open_items_are_late_to_its_31_december_only(world, counties):
    a, b, *_ = counties
    item(world, a, dt.date(2025, 12, 1), 1)  # still open
    item(world, b, dt.date(2025, 12, 1), 2, done="2026-01-20")  # done in the next year
    to_year_end = workdays_between(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    for on in (dt.date(2025, 12, 31), dt.date(2026, 3, 2), dt.date(2027, 6, 1)):
        scores = _scores(world, 2025, on)
        assert scores[a.region.name].overdue_workdays == to_year_end, on
        late = workdays_between(dt.date(2025, 12, 1), dt.date(2026, 1, 20))
        assert scores[b.region.name].overdue_workdays == late  # to its claim, as before
    during = _scores(world, 2025, dt.date(2025, 12, 15))[a.region.name].overdue_workdays
    assert during == workdays_between(dt.date(2025, 12, 1), dt.date(2025, 12, 15)) < to_year_end


def test_assessment_page_defaults_to_the_plans_year(client, world):
    client.force_login(world.coordinator)
    url = reverse("admin:tasks_app_assessment")
    start = world.plan.period_start
    assert f"{start.year} 年度考核" in client.get(url).content.decode()
    WorkPlan.objects.filter(pk=world.plan.pk).update(period_start=dt.date(2024, 1, 1))
    page = client.get(url).content.decode()
    assert "2024 年度考核" in page and 'name="year" value="2024"' in page
    assert "2024 年度考核" in client.get(f"{url}?plan={world.plan.pk}").content.decode()
    assert "2023 年度考核" in client.get(f"{url}?plan={world.plan.pk}&year=2023").content.decode()


def test_on_time_rate_is_a_dash_when_nothing_is_done(client, world, counties):
    a, b, *_ = counties
    item(world, a, dt.date(2025, 6, 30), 1)  # nothing done
    item(world, b, dt.date(2025, 6, 30), 2, done="2025-06-20")  # done on time
    client.force_login(world.coordinator)
    url = reverse("admin:tasks_app_assessment") + "?year=2025"
    page = client.get(url).content.decode()
    rows = dict(_page_rows(page))
    assert rows[a.region.name][-4] == "—" and rows[b.region.name][-4] == "100%"
    book = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    on_time = header.index("按时率(%)")
    assert cells[a.region.name][on_time] == "—" and cells[b.region.name][on_time] == 100
    assert cells[a.region.name][header.index("办结率(%)")] == 0


def _page_rows(page: str):
    """(name, cells) of the score tables' rows: 按时率 is the fourth cell from the end."""
    for row in re.findall(r"<tr><td>\d+</td>(.*?)</tr>", page):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row)]
        yield cells[0], cells
