"""Progress figures per county and per unit, by hand on a small plan; constant queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regions.models import Region, Unit
from reporting.progress import ProgressFilters, plan_matrix, progress_by_region, progress_by_unit
from tasks_app.models import Assignment
from tasks_app.services import assignments as svc
from tasks_app.workdays import warm_calendar

ON = dt.date(2026, 11, 20)


@pytest.fixture
def history(world):
    """Known history: of the ten county assignments of 一/(三) (due 2026-12-31),
    小店区 done on time, 迎泽区 done late (after a due date moved back), 杏花岭区 returned once,
    尖草坪区 overdue; 市财政局 done on time on 一/(二)."""
    plan = world.plan
    county = {
        u.region.name: Assignment.objects.get(task__plan=plan, task__ref="一/(三)", unit=u)
        for u in Unit.objects.filter(kind="government", region__parent=world.region)
    }
    from regions.services import user_upsert

    def finish(assignment, when):
        """Signed, claimed and accepted at `when` (the clock set there, not today's)."""
        user = user_upsert(
            username=f"u{assignment.unit_id}",
            password="pw-123456",
            role="unit_user",
            unit=assignment.unit,
        )
        with time_machine.travel(when, tick=False):
            svc.assignment_sign(user=user, assignment_id=assignment.pk)
            report = svc.report_create(
                user=user, assignment_id=assignment.pk, text="done", progress=100, completion=True
            )
            svc.report_review(user=world.coordinator, report_id=report.pk, accept=True)
        return user

    finish(county["小店区"], timezone.make_aware(dt.datetime(2026, 11, 1, 10)))
    finish(county["迎泽区"], timezone.make_aware(dt.datetime(2026, 11, 10, 10)))
    Assignment.objects.filter(pk=county["迎泽区"].pk).update(due_date=dt.date(2026, 11, 5))
    user = user_upsert(
        username="xhl", password="pw-123456", role="unit_user", unit=county["杏花岭区"].unit
    )
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 12, 10)), tick=False):
        svc.assignment_sign(user=user, assignment_id=county["杏花岭区"].pk)
        report = svc.report_create(
            user=user, assignment_id=county["杏花岭区"].pk, text="x", progress=100, completion=True
        )
        svc.report_review(user=world.coordinator, report_id=report.pk, accept=False, comment="补充")
    Assignment.objects.filter(pk=county["尖草坪区"].pk).update(due_date=dt.date(2026, 11, 1))
    finish(world.czj_own, timezone.make_aware(dt.datetime(2026, 3, 1, 10)))
    return county


def test_per_county_figures_agree_with_a_hand_count(world, history):
    rows = {
        r.name: r
        for r in progress_by_region(
            user=world.coordinator,
            region=world.region,
            filters=ProgressFilters(plan_id=world.plan.pk),
            on=ON,
        )
    }
    assert len(rows) == 11  # ten counties and the city's own departments
    xd, yz, xhl, jcp = rows["小店区"], rows["迎泽区"], rows["杏花岭区"], rows["尖草坪区"]
    assert (xd.total, xd.done, xd.done_on_time, xd.overdue) == (1, 1, 1, 0)
    assert (yz.total, yz.done, yz.done_on_time) == (1, 1, 0)
    assert (xhl.done, xhl.returned, xhl.overdue) == (0, 1, 0)
    assert (jcp.overdue, jcp.completion_rate) == (1, 0.0)
    assert (xd.completion_rate, xd.on_time_rate, yz.on_time_rate) == (1.0, 1.0, 0.0)
    city = rows["本级部门及单位"]  # 市发改委 ×1 and 市财政局 ×2 (一/(一) due 6月底前: overdue)
    assert (city.total, city.done, city.overdue) == (3, 1, 2)


def test_per_unit_figures(world, history):
    rows = {
        r.name: r
        for r in progress_by_unit(
            user=world.coordinator,
            region=world.region,
            filters=ProgressFilters(plan_id=world.plan.pk),
            kind="department",
            on=ON,
        )
    }
    assert set(rows) == {"市发改委", "市财政局"}
    assert (rows["市财政局"].total, rows["市财政局"].done, rows["市财政局"].done_on_time) == (
        2,
        1,
        1,
    )


def test_other_regions_coordinator_sees_nothing(world, history):
    rows = progress_by_region(
        user=world.other_coordinator, region=world.region, filters=ProgressFilters(), on=ON
    )
    assert sum(r.total for r in rows) == 0


def test_matrix_has_a_cell_per_county_and_task(world, history):
    matrix = plan_matrix(user=world.coordinator, plan_id=world.plan.pk, region=world.region, on=ON)
    # the city's own units one column first, then official order (GB/T 2260 codes), not
    # the names' character order
    names = [name for _k, name in matrix.columns]
    assert names[:4] == ["本级部门及单位", "小店区", "迎泽区", "杏花岭区"]
    assert len(matrix.columns) == 11
    # the departments' tasks are rows too (their only cell: 本级); the counties' task has
    # a cell in every county column
    assert [task.ref for task, _cells in matrix.rows] == ["一/(一)", "一/(二)", "一/(三)"]
    (_first, first_cells), _second, (_county_task, cells) = matrix.rows
    assert first_cells[0].total == 2 and not any(first_cells[1:])  # 市发改委, 市财政局
    assert cells[0] is None and all(cells[1:])
    lights = {matrix.columns[i][1]: c.light for i, c in enumerate(cells) if c}
    assert lights["小店区"] == "blue" and lights["尖草坪区"] == "red"


def test_region_progress_takes_the_same_queries_for_2_and_50_counties(
    world, django_assert_num_queries
):
    def count(region):
        warm_calendar()  # loaded once a minute, not per request
        with CaptureQueriesContext(connection) as queries:
            progress_by_region(
                user=world.coordinator, region=region, filters=ProgressFilters(), on=ON
            )
        return len(queries.captured_queries)

    small = Region.objects.create(
        code="140200", name="小市", level="prefecture", parent=world.region.parent
    )
    big = Region.objects.create(
        code="140300", name="大市", level="prefecture", parent=world.region.parent
    )
    from tasks_app.models import Task

    task = Task.objects.create(
        plan=world.plan, ref="九", title="各地", due_date=dt.date(2026, 12, 31), position=99
    )
    for parent, n in ((small, 2), (big, 50)):
        for i in range(n):
            county = Region.objects.create(
                code=f"{parent.code[:4]}{i + 1:02d}",
                name=f"{parent.name}县{i}",
                level="county",
                parent=parent,
            )
            unit = Unit.objects.create(
                region=county, short_name=f"{county.name}政府", kind="government"
            )
            late = dt.date(2026, 11, 1) if i % 2 else task.due_date
            Assignment.objects.create(task=task, unit=unit, due_date=late)
    world.coordinator.region = world.region.parent  # the province: sees both
    world.coordinator.save()
    assert count(small) == count(big)
    rows = progress_by_region(user=world.coordinator, region=big, filters=ProgressFilters(), on=ON)
    assert len(rows) == 50 and sum(r.overdue for r in rows) == 25


def test_pages_show_the_figures_and_chart_to_coordinator_and_leader(client, world, history):
    for user in (world.coordinator, world.leader):
        client.force_login(user)
        page = client.get("/admin/tasks_app/workplan/progress/", {"plan": world.plan.pk})
        assert page.status_code == 200
        body = page.content.decode()
        assert 'id="progress-chart"' in body and "<rect" in body and "小店区" in body
        rows = {r.name: r for r in page.context["rows"]}
        assert rows["小店区"].done == 1
        units = client.get("/admin/tasks_app/workplan/progress/units/", {"plan": world.plan.pk})
        assert "市财政局" in units.content.decode()
        matrix = client.get(f"/admin/tasks_app/workplan/{world.plan.pk}/matrix/")
        assert matrix.status_code == 200 and "尖草坪区" in matrix.content.decode()
        overdue = client.get("/admin/tasks_app/workplan/progress/overdue/").content.decode()
        assert "尖草坪区政府" in overdue


def test_pages_are_not_found_for_units_and_other_regions(client, world):
    client.force_login(world.other_coordinator)
    assert client.get(f"/admin/tasks_app/workplan/{world.plan.pk}/matrix/").status_code == 404
    client.force_login(world.czj)
    assert client.get("/admin/tasks_app/workplan/progress/").status_code == 302  # not staff


def test_progress_pages_take_the_same_queries_for_few_and_many_counties(client, world):
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.coordinator)

    def count():
        warm_calendar()  # loaded once a minute, not per request
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/tasks_app/workplan/progress/").status_code == 200
        return len(queries.captured_queries)

    before = count()
    for i in range(30):
        county = Region.objects.create(
            code=f"1401{50 + i}", name=f"新县{i}", level="county", parent=world.region
        )
        Unit.objects.create(region=county, short_name=f"新县{i}政府", kind="government")
    assert count() == before


# --- the reporting API --------------------------------------------------------------------


def _api(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_region_figures_agree_with_the_page(client, world, history):
    api = _api(world.coordinator)
    body = api.get("/api/progress/regions/", {"plan": world.plan.pk}).json()
    by_name = {r["name"]: r for r in body["results"]}
    assert body["count"] == 11
    assert (by_name["小店区"]["done"], by_name["小店区"]["on_time_rate"]) == (1, 1.0)
    assert by_name["尖草坪区"]["overdue"] == 1 and by_name["杏花岭区"]["returned"] == 1
    client.force_login(world.coordinator)
    page_rows = {
        r.name: r
        for r in client.get("/admin/tasks_app/workplan/progress/", {"plan": world.plan.pk}).context[
            "rows"
        ]
    }
    for name, row in by_name.items():
        assert (row["assignments"], row["done"], row["overdue"]) == (
            page_rows[name].total,
            page_rows[name].done,
            page_rows[name].overdue,
        )


def test_api_as_of_gives_the_state_of_things_then(world, history):
    api = _api(world.coordinator)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    now = {
        r["name"]: r
        for r in api.get(
            "/api/progress/regions/", {"plan": world.plan.pk, "as_of": tomorrow}
        ).json()["results"]
    }
    assert now["小店区"]["done"] == 1
    before = {
        r["name"]: r
        for r in api.get(
            "/api/progress/regions/", {"plan": world.plan.pk, "as_of": "2020-01-01"}
        ).json()["results"]
    }
    assert sum(r["assignments"] for r in before.values()) == 0  # nothing existed yet


def test_api_units_tasks_matrix_overdue(world, history):
    api = _api(world.coordinator)
    units = api.get("/api/progress/units/", {"plan": world.plan.pk, "kind": "department"}).json()
    assert {r["name"] for r in units["results"]} == {"市发改委", "市财政局"}
    tasks = api.get("/api/progress/tasks/", {"plan": world.plan.pk}).json()["results"]
    assert [t["name"].split()[0] for t in tasks] == ["一/(一)", "一/(二)", "一/(三)"]
    matrix = api.get(f"/api/progress/matrix/{world.plan.pk}/").json()
    assert len(matrix["columns"]) == 11 and len(matrix["rows"]) == 3
    overdue = api.get("/api/progress/overdue/", {"plan": world.plan.pk}).json()
    assert "尖草坪区政府" in {i["unit"] for i in overdue["results"]}


def test_api_scoping_and_auth(world):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/progress/regions/").status_code == 401
    other = _api(world.other_coordinator)
    assert other.get("/api/progress/regions/", {"region": world.region.pk}).status_code == 404
    assert other.get(f"/api/progress/matrix/{world.plan.pk}/").status_code == 404
    unit_user = _api(world.czj)
    assert unit_user.get("/api/progress/regions/").status_code == 404  # no region of its own


def test_api_region_progress_same_queries_for_2_and_50_counties(world):
    from tasks_app.models import Task

    task = Task.objects.create(
        plan=world.plan, ref="九", title="各地", due_date=dt.date(2026, 12, 31), position=99
    )
    regions = {}
    for code, n in (("140200", 2), ("140300", 50)):
        parent = Region.objects.create(
            code=code, name=f"市{code}", level="prefecture", parent=world.region.parent
        )
        regions[n] = parent
        for i in range(n):
            county = Region.objects.create(
                code=f"{code[:4]}{i + 1:02d}", name=f"县{code}{i}", level="county", parent=parent
            )
            unit = Unit.objects.create(
                region=county, short_name=f"县{code}{i}政府", kind="government"
            )
            Assignment.objects.create(task=task, unit=unit, due_date=task.due_date)
    world.coordinator.region = world.region.parent
    world.coordinator.save()
    api = _api(world.coordinator)

    def count(n):
        warm_calendar()  # loaded once a minute, not per request
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/progress/regions/", {"region": regions[n].pk}).status_code == 200
        return len(queries.captured_queries)

    assert count(2) == count(50)


# --- the ledger ----------------------------------------------------------------------------


def test_ledger_xlsx_has_the_headers_and_rows_expected(client, world, history):
    import io

    import openpyxl

    client.force_login(world.coordinator)
    response = client.get(f"/admin/tasks_app/workplan/{world.plan.pk}/ledger/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "任务", "牵头单位", "责任单位", "承办单位", "期限")
    assert len(rows) - 1 == Assignment.objects.filter(task__plan=world.plan).count() == 13
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    first = next(r for r in rows[1:] if r[0] == "一/(一)" and r[4] == "市发改委")
    assert first[2] == "市发改委" and first[3] == "市财政局"
    done = next(r for r in rows[1:] if r[4] == "小店区政府")
    assert (done[6], done[7], done[9], done[10]) == ("已办结", 100, "done", "2026-11-01")


def test_ledger_csv_starts_with_a_bom_and_matches_the_api(client, world, history):
    import csv
    import io

    client.force_login(world.coordinator)
    data = client.get(
        f"/admin/tasks_app/workplan/{world.plan.pk}/ledger/", {"format": "csv"}
    ).content
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    overdue_units = {r[4] for r in rows[1:] if r[6] != "已办结" and r[5] < ON.isoformat()}
    api = _api(world.coordinator).get("/api/progress/overdue/", {"plan": world.plan.pk}).json()
    assert overdue_units >= {"尖草坪区政府"} and "尖草坪区政府" in {
        i["unit"] for i in api["results"]
    }


def test_large_ledger_is_built_by_a_job_with_progress_then_downloaded(
    client, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    from reporting.models import ExportJob
    from reporting.services.exports import export_job_run

    settings.LEDGER_SYNC_MAX_ROWS = 5
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(f"/admin/tasks_app/workplan/{world.plan.pk}/ledger/")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and len(queued) == 1
    assert "正在生成" in client.get(response["Location"]).content.decode()
    export_job_run(job_id=job.pk)  # what the queued task does
    page = client.get(response["Location"]).content.decode()
    assert "下载台账" in page
    download = client.get(response["Location"], {"download": "1"})
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    client.force_login(world.leader)
    assert client.get(response["Location"]).status_code == 404  # another user's export


def test_hand_count_api_page_and_export_agree_per_county(client, world, history):
    import csv
    import io

    api = {
        r["name"]: r
        for r in _api(world.coordinator)
        .get("/api/progress/regions/", {"plan": world.plan.pk})
        .json()["results"]
    }
    client.force_login(world.coordinator)
    page = {
        r.name: r
        for r in client.get("/admin/tasks_app/workplan/progress/", {"plan": world.plan.pk}).context[
            "rows"
        ]
    }
    data = client.get(
        f"/admin/tasks_app/workplan/{world.plan.pk}/ledger/", {"format": "csv"}
    ).content
    ledger = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    hand = {
        "小店区": (1, 1),
        "迎泽区": (1, 1),
        "杏花岭区": (1, 0),
        "尖草坪区": (1, 0),
    }  # (assignments, done)
    for county, (total, done) in hand.items():
        rows = [r for r in ledger if r["承办单位"] == f"{county}政府"]
        from_export = (len(rows), sum(r["状态"] == "已办结" for r in rows))
        assert (
            from_export
            == (total, done)
            == (api[county]["assignments"], api[county]["done"])
            == (page[county].total, page[county].done)
        ), county


def test_overdue_api_pages_through_ties_without_repeating_or_skipping(world):
    """Items of one unit due the same day tie on (due date, unit): the id breaks the tie, so
    paging the list gives each item exactly once, and the page shows them in that order."""
    from tests.conftest import add_assignments

    add_assignments(world, world.county_unit, 25)
    Assignment.objects.filter(task__ref__startswith="九/").update(due_date=dt.date(2026, 10, 9))
    api = _api(world.coordinator)
    seen = []
    for page in range(1, 40):
        body = api.get("/api/progress/overdue/", {"page_size": 2, "page": page}).json()
        seen += [item["id"] for item in body["results"]]
        if not body["next"]:
            break
    expected = Assignment.objects.filter(task__ref__startswith="九/").values_list("pk", flat=True)
    assert len(seen) == len(set(seen)) == body["count"]
    assert set(expected) <= set(seen)
    tied = [pk for pk in seen if pk in set(expected)]
    assert tied == sorted(tied)
