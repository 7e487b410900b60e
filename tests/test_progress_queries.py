"""Every progress page and endpoint answers in the same number of queries for a city of 2
counties and one of 50: aggregation happens in SQL."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from regions.models import Region, Unit
from regions.services import user_upsert
from tasks_app.models import Assignment, Task, WorkPlan


def city(code: str, counties: int):
    """A city with `counties` counties, a plan of 3 tasks each given to every county
    government and to 2 city departments, some done, some late; and its coordinator."""
    region = Region.objects.create(code=code, name=f"市{code}", level="prefecture")
    governments = []
    for i in range(counties):
        county = Region.objects.create(
            code=f"{code[:4]}{i + 1:02d}", name=f"县{code}-{i}", level="county", parent=region
        )
        governments.append(
            Unit.objects.create(region=county, short_name=f"县{code}-{i}政府", kind="government")
        )
    departments = [
        Unit.objects.create(region=region, short_name=f"局{code}-{n}", kind="department")
        for n in range(2)
    ]
    plan = WorkPlan.objects.create(
        title=f"要点{code}",
        region=region,
        period_start="2026-01-01",
        period_end="2026-12-31",
        status="active",
    )
    for t in range(3):
        task = Task.objects.create(
            plan=plan, ref=str(t + 1), title=f"任务{t}", due_date=dt.date(2026, 12, 31), position=t
        )
        for n, unit in enumerate(governments + departments):
            late = dt.date(2026, 1, 31) if n % 3 == 0 else task.due_date
            done = n % 4 == 0
            Assignment.objects.create(
                task=task,
                unit=unit,
                due_date=late,
                state="done" if done else "assigned",
                progress=100 if done else 0,
                signed_at="2026-01-01T00:00Z" if done else None,
                done_at="2026-01-15T00:00Z" if done else None,
            )
    coordinator = user_upsert(
        username=f"c{code}", password="pw-123456", role="coordinator", region=region
    )
    return region, plan, coordinator


PAGES = [
    "/admin/tasks_app/workplan/progress/",
    "/admin/tasks_app/workplan/progress/units/",
    "/admin/tasks_app/workplan/progress/overdue/",
    "/admin/tasks_app/workplan/{plan}/matrix/",
    "/admin/tasks_app/workplan/{plan}/matrix/?by=unit",
    "/admin/tasks_app/workplan/{plan}/ledger/",
]
APIS = [
    "/api/progress/regions/",
    "/api/progress/units/",
    "/api/progress/tasks/",
    "/api/progress/overdue/",
    "/api/progress/matrix/{plan}/",
    "/api/progress/regions/?as_of=2026-11-01",
]


# Exact counts (the same on SQLite and PostgreSQL); see tests/test_query_counts.py.
PINNED = {
    # +1 for the regions' progress: the units below the region, listed to the figures'
    # query (see test_region_figures_name_the_units_and_join_no_region)
    "/admin/tasks_app/workplan/progress/": 11,
    "/admin/tasks_app/workplan/progress/units/": 9,
    "/admin/tasks_app/workplan/progress/overdue/": 9,
    "/admin/tasks_app/workplan/{plan}/matrix/": 10,
    "/admin/tasks_app/workplan/{plan}/matrix/?by=unit": 10,
    "/admin/tasks_app/workplan/{plan}/ledger/": 9,
    "/api/progress/regions/": 3,
    "/api/progress/units/": 1,
    "/api/progress/tasks/": 1,
    "/api/progress/overdue/": 2,
    "/api/progress/matrix/{plan}/": 4,
    "/api/progress/regions/?as_of=2026-11-01": 3,
}


@pytest.mark.parametrize("path", PAGES + APIS)
def test_same_queries_for_2_and_50_counties(client, db, path):
    counts = []
    for code, counties in (("960100", 2), ("950100", 50)):
        _region, plan, coordinator = city(code, counties)
        url = path.format(plan=plan.pk)
        if url.startswith("/api/"):
            api = APIClient()
            api.force_authenticate(coordinator)
            get = api.get
        else:
            client.force_login(coordinator)
            get = client.get
        get(url)  # warm the per-process caches (content types, permissions) first
        with CaptureQueriesContext(connection) as queries:
            response = get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(queries.captured_queries))
    assert counts == [PINNED.get(path)] * 2, (path, counts)


def _top_level_tables(sql: str) -> int:
    """The tables a statement joins itself (FROM and each JOIN outside parentheses), not
    those of its subqueries."""
    depth, flat = 0, []
    for char in sql:
        depth += char == "("
        flat.append(char if depth == 0 else " ")
        depth -= char == ")"
    return "".join(flat).count(" JOIN ") + 1


@pytest.mark.parametrize("path", ["/api/progress/regions/", "/api/progress/matrix/{plan}/"])
def test_progress_by_county_joins_few_enough_tables_for_postgresql_to_order_them(db, path):
    """Past eight joined tables (join_collapse_limit) PostgreSQL joins them in the order
    written: assignment, task, plan first, and a province's figures read every assignment
    of the country. The access check on the plan's region is a subquery, not four joins."""
    _region, plan, coordinator = city("960100", 2)
    api = APIClient()
    api.force_authenticate(coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path.format(plan=plan.pk)).status_code == 200
    (figures,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert _top_level_tables(figures) <= 8, figures


def test_region_figures_name_the_units_and_join_no_region(db):
    """The figures per child region are summed from figures per unit, the units listed:
    PostgreSQL estimates a list of units (a province's few read by the unit index, the
    country's all read whole), never the four ORs up a joined region chain."""
    region, _plan, coordinator = city("960100", 3)
    api = APIClient()
    api.force_authenticate(coordinator)
    with CaptureQueriesContext(connection) as queries:
        rows = api.get(f"/api/progress/regions/?region={region.pk}").json()["results"]
    (figures,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert '"unit_id" IN (' in figures and "regions_region" not in figures.split("IN (SELECT")[0]
    assert sorted(r["assignments"] for r in rows) == [3, 3, 3, 6]  # 3 counties, the city's
