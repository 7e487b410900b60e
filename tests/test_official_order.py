"""Regions and units in official order everywhere, on the Taiyuan directory: counties by their
GB/T 2260 code (小店区 140105, 迎泽区 140106, 杏花岭区 140107 …, not 万柏林区, 古交市, 娄烦县
as character codes would have it), units by the directory's own order, and the city's own
units (本级部门及单位) one row, always first."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from regions.models import Unit
from reporting.ledger import ledger_queryset, ledger_rows
from reporting.progress import plan_matrix
from reporting.services.bulletins import bulletin_figures
from tasks_app.models import Assignment
from tests.conftest import add_assignments

OFFICIAL = ["小店区", "迎泽区", "杏花岭区"]
BY_NAME = ["万柏林区", "古交市", "娄烦县"]  # what character order would put first
OWN = "本级部门及单位"
ON = dt.date(2026, 11, 20)  # before the counties' item is due: their figures are all equal
PROGRESS = "/admin/tasks_app/workplan/progress/"


@pytest.fixture
def plan(world):
    """The world's plan (一/(三) to each of the ten county governments; 市发改委 and 市财政局 on
    一/(一)), with an item for 市住建委 too: by the directory 市发改委, 市住建委, 市财政局; by
    name 市住建委 would come first."""
    add_assignments(world, Unit.objects.get(short_name="市住建委"), 1)
    return world


def _table(html: str) -> list[str]:
    """The first cells of the progress table's rows."""
    table = html.split('id="progress-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td>", table)


def _chart(html: str) -> list[str]:
    """The bars' labels of the progress chart, top to bottom."""
    chart = html.split('id="progress-chart"', 1)[1].split("</svg>", 1)[0]
    return re.findall(r"<title>(\S+) ", chart)


def test_the_directory_numbers_units_in_its_own_order(taiyuan):
    city = list(Unit.objects.filter(region=taiyuan).values_list("short_name", flat=True))
    assert city[:6] == ["市政府办公厅", "市发改委", "市经信委", "市住建委", "市农委", "市财政局"]
    governments = Unit.objects.filter(region__parent=taiyuan, kind="government")
    assert [u.region.name for u in governments][:3] == OFFICIAL


def test_region_progress_page_and_chart(client, plan):
    client.force_login(plan.coordinator)
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 10)), tick=False):
        html = client.get(PROGRESS, {"plan": plan.plan.pk}).content.decode()
    rows = _table(html)
    assert rows[:4] == [OWN, *OFFICIAL] and len(rows) == 11
    assert rows.index("娄烦县") > rows.index("杏花岭区")
    assert _chart(html)[:4] == [OWN, *OFFICIAL]


def test_explicit_sorts_still_sort_and_keep_the_own_units_first(client, plan):
    """娄烦县 done: by completion rate it leads the counties, the equal rest in official order;
    by name the character order. The city's own units stay the first row either way."""
    at = timezone.make_aware(dt.datetime(2026, 11, 2, 10))
    Assignment.objects.filter(unit__short_name="娄烦县政府").update(
        state="done", signed_at=at, done_at=at, progress=100
    )
    client.force_login(plan.coordinator)
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 10)), tick=False):
        get = lambda sort: _table(  # noqa: E731
            client.get(PROGRESS, {"plan": plan.plan.pk, "sort": sort}).content.decode()
        )
        assert get("completion")[:5] == [OWN, "娄烦县", *OFFICIAL]
        assert get("name")[:4] == [OWN, *BY_NAME]


def test_unit_progress_page(client, plan):
    client.force_login(plan.coordinator)
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 10)), tick=False):
        html = client.get(f"{PROGRESS}units/", {"plan": plan.plan.pk}).content.decode()
    assert _table(html) == ["市发改委", "市住建委", "市财政局"]


def test_api(plan):
    api = APIClient()
    api.force_authenticate(plan.coordinator)
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 10)), tick=False):
        regions = api.get("/api/progress/regions/", {"region": plan.region.pk}).json()
        units = api.get("/api/progress/units/", {"region": plan.region.pk}).json()
        matrix = api.get(f"/api/progress/matrix/{plan.plan.pk}/").json()
    assert [r["name"] for r in regions["results"]][:4] == [OWN, *OFFICIAL]
    assert [r["name"] for r in units["results"]][:3] == ["市发改委", "市住建委", "市财政局"]
    # the region's own units are one column, before the counties (its id: null, not a region)
    assert [c["name"] for c in matrix["columns"]][:4] == [OWN, *OFFICIAL]
    assert matrix["columns"][0]["id"] is None


def test_matrix_by_county_and_by_unit(plan):
    args = {"user": plan.coordinator, "plan_id": plan.plan.pk, "region": plan.region, "on": ON}
    counties = [name for _k, name in plan_matrix(**args).columns]
    assert counties[:4] == [OWN, *OFFICIAL] and len(counties) == 11
    units = [name for _k, name in plan_matrix(**args, by="unit").columns]
    assert units[:5] == ["市发改委", "市住建委", "市财政局", "小店区政府", "迎泽区政府"]


def test_ledger_rows(plan):
    rows = list(ledger_rows(ledger_queryset(user=plan.coordinator, plan_id=plan.plan.pk)))
    shared = [r[4] for r in rows if r[0] == "一/(一)"]
    counties = [r[4] for r in rows if r[0] == "一/(三)"]
    assert shared == ["市发改委", "市财政局"]
    assert counties[:3] == [f"{name}政府" for name in OFFICIAL]


def test_bulletin_tables_rank_equals_in_official_order(plan):
    figures = bulletin_figures(
        plan=plan.plan, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), on=ON
    )
    counties = [r["name"] for r in figures["counties"]]
    assert counties[:3] == OFFICIAL and len(counties) == 10
    assert [r["rank"] for r in figures["counties"]][:3] == [1, 2, 3]
    # 市发改委 and 市财政局 both overdue on 一/(一) (6月底前), 市住建委 not: it ranks first
    assert [r["name"] for r in figures["units"]] == ["市住建委", "市发改委", "市财政局"]


def test_assessment_page_ranks_equals_in_official_order(client, plan):
    client.force_login(plan.coordinator)
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 10)), tick=False):
        html = client.get("/admin/tasks_app/workplan/assessment/", {"year": 2026}).content.decode()
    tables = [
        re.findall(r"<tr><td>\d+</td><td>([^<]+)</td>", part.split("</table>", 1)[0])
        for part in html.split('<table class="scores')[1:]
    ]
    counties, units = tables
    assert counties[:3] == OFFICIAL and len(counties) == 10
    assert units == ["市发改委", "市住建委", "市财政局"]  # all three score 0: equal


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_units_in_the_order_they_were_loaded():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    before = migrate([("regions", "0005_unit_contact_long_webhooks")])
    try:
        region_model, unit_model = (
            before.get_model("regions", "Region"),
            before.get_model("regions", "Unit"),
        )
        city = region_model.objects.create(code="990100", name="甲市", level="prefecture")
        county = region_model.objects.create(code="990101", name="乙区", level="county")
        for region, name in [(city, "市乙局"), (county, "乙区政府"), (city, "市甲局")]:
            unit_model.objects.create(region=region, short_name=name, kind="department")
    finally:  # every app back to its latest (going back unapplied the apps that need regions)
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert list(Unit.objects.values_list("short_name", "position")) == [
        ("市乙局", 1),
        ("市甲局", 2),
        ("乙区政府", 1),
    ]


def test_a_unit_added_later_goes_after_its_regions_units(world):
    from regions.models import Unit
    from regions.selectors import unit_order

    added = Unit.objects.create(region=world.region, short_name="市新设局", kind="department")
    in_order = list(
        Unit.objects.filter(region=world.region)
        .order_by(*unit_order())
        .values_list("short_name", flat=True)
    )
    assert in_order[-1] == "市新设局" and added.position > 1
