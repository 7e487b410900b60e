"""The cascade (分解下达) over three levels, through the pages and the API: a province plan
gives an item to 各市人民政府; 云川市's coordinator receives it and splits it into a child plan
for a county and a department; the county reports; the city's plan progresses; the province
sees the parent assignment's completion change; the city claims the item with a composed
report and the province accepts it. 岚溪市, the other city, never sees any of 云川市's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from regions.models import Unit
from tasks_app.models import Assignment, ImportJob, ProgressReport, WorkPlan
from tasks_app.services import assignments as svc
from tasks_app.services.cascade import SplitItem, incoming_decompose
from tests.cascade_world import ON, Levels, build_levels, split_child
from tests.test_import_pages import review_post


@pytest.fixture
def levels(db) -> Levels:
    return build_levels()


def _client(client, user):
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_province_plan_reaches_both_city_governments(levels):
    assert levels.parent.due_date == dt.date(2026, 10, 31)
    assert Assignment.objects.filter(task__plan=levels.plan, unit__kind="government").count() == 2


def test_three_levels_through_pages_and_api(client, levels):
    w = levels
    with time_machine.travel(ON, tick=True):
        # the city's coordinator finds the item in 待办 and on 上级交办事项
        page = _client(client, w.city).get("/admin/")
        assert 'id="todo-incoming"' in page.content.decode()
        page = client.get("/admin/tasks_app/incoming/")
        assert page.status_code == 200 and "推进预算决算公开" in page.content.decode()
        # receive (签收), then split in the form
        assert (
            client.post("/admin/tasks_app/incoming/", {"receive": w.parent.pk}).status_code == 302
        )
        w.parent.refresh_from_db()
        assert w.parent.state == "in_progress"
        form = {
            "rows": "2",
            "title-0": "县区预算公开",
            "units-0": [str(w.county_unit.pk)],
            "title-1": "市级部门预算公开",
            "lead-1": str(w.dept_unit.pk),
            "due-1": "2026-09-30",
        }
        answer = client.post(f"/admin/tasks_app/incoming/{w.parent.pk}/decompose/", form)
        assert answer.status_code == 302
        child = WorkPlan.objects.get(parent_assignment=w.parent)
        assert child.region.code == "990100"
        mine = {a.unit_id: a for a in Assignment.objects.filter(task__plan=child)}
        assert set(mine) == {w.county_unit.pk, w.dept_unit.pk}
        assert mine[w.dept_unit.pk].due_date == dt.date(2026, 9, 30)
        assert mine[w.county_unit.pk].due_date == dt.date(2026, 10, 31)

        # the province sees 0 of 2 through the API and on the assignment's admin page
        province = _api(w.province)
        seen = province.get(f"/api/assignments/{w.parent.pk}/").json()["child_plan"]
        assert seen == {"id": child.pk, "total": 2, "done": 0, "progress": 0, "complete": False}

        # the county reports, the city accepts: the child plan progresses
        county_item = mine[w.county_unit.pk]
        svc.assignment_sign(user=w.county, assignment_id=county_item.pk)
        claim = svc.report_create(
            user=w.county,
            assignment_id=county_item.pk,
            text="县级预算已全部公开。",
            progress=100,
            completion=True,
        )
        # the province reads the child plan but may not decide in it
        assert (
            province.post(f"/api/reports/{claim.pk}/review/", {"accept": True}).status_code == 403
        )
        assert (
            _api(w.city).post(f"/api/reports/{claim.pk}/review/", {"accept": True}).status_code
            == 200
        )
        seen = province.get(f"/api/assignments/{w.parent.pk}/").json()["child_plan"]
        assert (seen["done"], seen["progress"]) == (1, 50)
        page = _client(client, w.province).get(f"/admin/tasks_app/assignment/{w.parent.pk}/change/")
        assert "已办结 1/2" in page.content.decode()
        listed = province.get("/api/assignments/", {"plan": w.plan.pk}).json()["results"]
        assert {r["id"]: r["child_plan"] for r in listed}[w.parent.pk]["done"] == 1

        # the city may not claim before its plan is done
        answer = _client(client, w.city).post(
            f"/admin/tasks_app/incoming/{w.parent.pk}/claim/", {"text": "x"}
        )
        w.parent.refresh_from_db()
        assert w.parent.state == "in_progress"

        dept_item = mine[w.dept_unit.pk]
        svc.assignment_sign(user=w.dept, assignment_id=dept_item.pk)
        claim = svc.report_create(
            user=w.dept,
            assignment_id=dept_item.pk,
            text="市级部门预算于 3 月公开。",
            progress=100,
            completion=True,
        )
        svc.report_review(user=w.city, report_id=claim.pk, accept=True)

        # the claim page drafts the report from both accepted claims, editable
        page = client.get(f"/admin/tasks_app/incoming/{w.parent.pk}/claim/").content.decode()
        assert "县级预算已全部公开。" in page and "市级部门预算于 3 月公开。" in page
        text = "经汇总:县区和市级部门预算均已公开。"
        answer = client.post(f"/admin/tasks_app/incoming/{w.parent.pk}/claim/", {"text": text})
        assert answer.status_code == 302
        w.parent.refresh_from_db()
        assert w.parent.state == "submitted"
        report = ProgressReport.objects.get(assignment=w.parent)
        assert report.text == text and report.author == w.city

        # the province accepts the city's claim as usual
        assert (
            province.post(f"/api/reports/{report.pk}/review/", {"accept": True}).status_code == 200
        )
        w.parent.refresh_from_db()
        assert w.parent.state == "done"
        seen = province.get(f"/api/assignments/{w.parent.pk}/").json()["child_plan"]
        assert seen["complete"] is True and seen["progress"] == 100


def test_other_city_and_its_users_never_see_yunchuan(client, levels):
    w = levels
    child = split_child(w)
    child_items = list(Assignment.objects.filter(task__plan=child).values_list("pk", flat=True))
    for user in (w.other_city, w.other_county):
        api = _api(user)
        for pk in [w.parent.pk, *child_items]:
            assert api.get(f"/api/assignments/{pk}/").status_code == 404
        ids = {r["id"] for r in api.get("/api/assignments/").json()["results"]}
        assert not ids & {w.parent.pk, *child_items}
    lx = _client(client, w.other_city)
    assert lx.get(f"/admin/tasks_app/workplan/{child.pk}/change/").status_code == 302
    assert lx.get(f"/admin/tasks_app/incoming/{w.parent.pk}/decompose/").status_code == 404
    assert lx.get(f"/admin/tasks_app/incoming/{w.parent.pk}/claim/").status_code == 404
    page = lx.get("/admin/tasks_app/incoming/").content.decode()
    assert str(w.other_parent.task.title) in page and f'data-id="{w.parent.pk}"' not in page
    # the province reads every plan below, read-only
    province = _client(client, w.province)
    page = province.get(f"/admin/tasks_app/workplan/{child.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert province.post(f"/admin/tasks_app/workplan/{child.pk}/change/", {}).status_code == 403
    assert province.get(f"/admin/tasks_app/incoming/{w.parent.pk}/decompose/").status_code == 404


def test_leaders_read_the_incoming_items_but_do_not_act(client, levels):
    w = levels
    page = _client(client, w.city_leader).get("/admin/tasks_app/incoming/").content.decode()
    assert f'data-id="{w.parent.pk}"' in page and 'name="receive"' not in page
    assert client.post("/admin/tasks_app/incoming/", {"receive": w.parent.pk}).status_code == 403
    assert client.get(f"/admin/tasks_app/incoming/{w.parent.pk}/decompose/").status_code == 403
    w.parent.refresh_from_db()
    assert w.parent.state == "assigned"


def test_a_split_is_all_or_nothing_and_checks_its_rows(levels):
    w = levels
    lanxi_dept = Unit.objects.get(region__code="990200", short_name="市财政局")
    cases = [
        ([], "至少填写一项"),
        ([SplitItem(title="x")], "至少一个责任单位"),
        ([SplitItem(title="", unit_ids=[w.dept_unit.pk])], "请填写任务内容"),
        ([SplitItem(title="x", unit_ids=[lanxi_dept.pk])], "单位不存在"),
        (
            [SplitItem(title="x", unit_ids=[w.dept_unit.pk], due_date=dt.date(2026, 11, 30))],
            "晚于上级交办的期限",
        ),
    ]
    from core.errors import ApplicationError

    for items, message in cases:
        with pytest.raises(ApplicationError, match=message):
            incoming_decompose(user=w.city, assignment_id=w.parent.pk, items=items)
    assert not WorkPlan.objects.filter(parent_assignment=w.parent).exists()
    w.parent.refresh_from_db()
    assert w.parent.state == "assigned"
    split_child(w)
    with pytest.raises(ApplicationError, match="已有分解方案"):
        split_child(w)


def test_a_child_plan_is_imported_from_the_citys_own_document(client, levels):
    w = levels
    city = _client(client, w.city)
    text = "云川市落实预算公开实施方案\n一、任务\n(一)公开部门预算。9月底前。(市财政局负责落实)\n"
    with time_machine.travel(ON, tick=True):
        start = f"/admin/tasks_app/workplan/import/?parent={w.parent.pk}"
        assert "import-parent" in city.get(start).content.decode()
        answer = city.post(
            "/admin/tasks_app/workplan/import/",
            {"region": w.city.region_id, "text": text, "parent": w.parent.pk},
        )
        assert answer.status_code == 302, answer.content.decode()[:2000]
        job = ImportJob.objects.get(parent_assignment=w.parent)
        answer = city.post(
            answer["Location"], review_post(job, confirm="1", plan_period_end="2026-10-31")
        )
        assert answer.status_code == 302
    child = WorkPlan.objects.get(parent_assignment=w.parent)
    assert Assignment.objects.filter(task__plan=child, unit=w.dept_unit).exists()
    # the other city cannot import against 云川市's item
    other = _client(client, w.other_city)
    assert other.get(f"/admin/tasks_app/workplan/import/?parent={w.parent.pk}").status_code == 404
    # and a second child plan for the same item is refused, saying why
    city = _client(client, w.city)
    again = city.post(
        "/admin/tasks_app/workplan/import/",
        {"region": w.city.region_id, "text": text, "parent": w.parent.pk},
    )
    assert "已有分解方案" in again.content.decode()
    assert ImportJob.objects.filter(parent_assignment=w.parent).count() == 1


def test_the_province_reads_the_child_plans_matrix_without_chasing(client, levels):
    w = levels
    child = split_child(w)
    matrix = f"/admin/tasks_app/workplan/{child.pk}/matrix/"
    page = _client(client, w.province).get(matrix)
    assert page.status_code == 200 and "matrix-chase" not in page.content.decode()
    assert "matrix-chase" in _client(client, w.city).get(matrix).content.decode()
    overdue = f"/admin/tasks_app/workplan/progress/overdue/?plan={child.pk}"
    assert _client(client, w.province).get(overdue).status_code == 200


def test_each_city_office_is_told_of_its_items_from_above(levels):
    from notify.models import Notification

    def titles(user):
        return list(Notification.objects.filter(user=user).values_list("notice__title", flat=True))

    expected = "上级交办:《江岭省2026年政务公开工作要点》有 1 项事项交给本级政府"
    assert titles(levels.city) == [expected]
    assert titles(levels.other_city) == [expected]
    assert titles(levels.province) == []
    notice = Notification.objects.get(user=levels.city).notice
    assert "推进预算决算公开" in notice.text and notice.link == "/admin/tasks_app/incoming/"


def test_the_incoming_api_lists_each_citys_items_with_their_child_plans(levels):
    w = levels
    child = split_child(w)

    def listed(user):
        return {r["id"]: r for r in _api(user).get("/api/incoming/").json()["results"]}

    mine = listed(w.city)
    assert set(mine) == {w.parent.pk}
    assert mine[w.parent.pk]["child_plan"] == {
        "id": child.pk,
        "total": 2,
        "done": 0,
        "progress": 0,
        "complete": False,
    }
    assert set(listed(w.city_leader)) == {w.parent.pk}
    assert set(listed(w.other_city)) == {w.other_parent.pk}
    assert listed(w.other_city)[w.other_parent.pk]["child_plan"] is None
    for user in (w.province, w.county, w.dept):
        assert listed(user) == {}
