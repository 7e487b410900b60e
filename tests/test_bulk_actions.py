"""Bulk 改派, 调整期限 and 催办 from the admin's assignment list: the confirmation page, the
change, each item's history reason, the notices, the refusals, and the query counts.

Atomicity, as chosen: a refusal of the change itself (no reason, a unit outside the scope, a
date before the plan starts) applies nothing; items that cannot take it (已办结, a unit that
already has the task …) are skipped and named in a warning, the rest applied together."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError, NotFoundError
from notify.models import Notice
from regions.models import Region, Unit
from tasks_app.models import Assignment, Task, WorkPlan
from tasks_app.services.assignments import assignment_reassign, assignments_chase
from tasks_app.services.bulk import assignments_change_due_date_many, assignments_reassign_many
from tasks_app.services.creation import assignment_create
from tasks_app.workdays import warm_calendar
from tests.conftest import add_assignments

pytestmark = pytest.mark.django_db

LIST = "/admin/tasks_app/assignment/"
REASSIGN, REDATE = "reassign_selected", "change_due_date_selected"


def _done(assignment: Assignment) -> None:
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    Assignment.objects.filter(pk=assignment.pk).update(
        state=Assignment.State.DONE, progress=100, signed_at=at, submitted_at=at, done_at=at
    )


def _reason(assignment: Assignment) -> str:
    return assignment.history.order_by("-history_id").first().history_change_reason


def _elsewhere_unit() -> Unit:
    return Unit.objects.create(
        region=Region.objects.get(code="990100"), short_name="别市财政局", kind="department"
    )


# --- 改派 -----------------------------------------------------------------------------------


def test_reassign_asks_on_a_page_listing_the_items_then_applies_with_the_reason(client, world):
    w = world
    client.force_login(w.coordinator)
    picked = {"action": REASSIGN, "_selected_action": [w.czj_own.pk, w.county_own.pk]}
    page = client.post(LIST, picked)
    html = page.content.decode()
    assert page.status_code == 200 and "改派原因" in html and "共 2 项" in html
    assert str(w.czj_own) in html and str(w.county_own) in html
    assert "/admin/autocomplete/" in html  # the unit is picked with the list's autocomplete

    told = Notice.objects.filter(event="assigned", unit=w.fgw_unit).count()
    done = client.post(
        LIST, {**picked, "apply": "1", "unit": w.fgw_unit.pk, "reason": "职能调整"}, follow=True
    )
    assert "改派:2 项。" in done.content.decode()
    for item in (w.czj_own, w.county_own):
        item.refresh_from_db()
        assert item.unit == w.fgw_unit and item.state == Assignment.State.ASSIGNED
    assert _reason(w.czj_own) == "改派:市财政局 → 市发改委(职能调整)"
    assert _reason(w.county_own) == "改派:小店区政府 → 市发改委(职能调整)"
    assert _reason(w.czj_own) in [e.text for e in _timeline(w.czj_own)]
    assert Notice.objects.filter(event="assigned", unit=w.fgw_unit).count() == told + 1
    notice = Notice.objects.filter(event="assigned", unit=w.fgw_unit).latest("pk")
    assert "你单位有 2 项新交办事项" in notice.title and "一/(二)" in notice.text


def _timeline(assignment):
    from tasks_app.selectors import assignment_timeline

    return assignment_timeline(assignment)


def test_reassign_skips_done_and_held_items_naming_them(client, world):
    w = world
    _done(w.county_own)
    client.force_login(w.coordinator)
    ids = [w.czj_own.pk, w.county_own.pk, w.czj_shared.pk]  # fgw already leads 一/(一)
    answer = client.post(
        LIST,
        {"action": REASSIGN, "_selected_action": ids, "apply": "1"}
        | {"unit": w.fgw_unit.pk, "reason": "职能调整"},
        follow=True,
    )
    html = answer.content.decode()
    assert "改派:1 项。" in html and "未改派 2 项" in html
    assert "一/(三) 小店区政府:已办结的事项不能改派" in html
    assert "一/(一) 市财政局:市发改委已有该任务的交办事项,不能重复交办" in html
    assert Assignment.objects.get(pk=w.czj_own.pk).unit == w.fgw_unit
    assert Assignment.objects.get(pk=w.county_own.pk).unit == w.county_unit
    assert Assignment.objects.get(pk=w.czj_shared.pk).unit == w.czj_unit


def test_reassign_refuses_an_empty_reason_and_a_unit_outside_the_scope(client, world):
    w = world
    elsewhere = _elsewhere_unit()
    told = Notice.objects.count()
    client.force_login(w.coordinator)
    picked = {"action": REASSIGN, "_selected_action": [w.czj_own.pk], "apply": "1"}
    empty = client.post(LIST, {**picked, "unit": w.fgw_unit.pk, "reason": "  "})
    assert empty.status_code == 200 and "该字段是必填项" in empty.content.decode()
    outside = client.post(LIST, {**picked, "unit": elsewhere.pk, "reason": "调整"})
    assert outside.status_code == 200 and "单位不存在。" in outside.content.decode()
    assert Assignment.objects.get(pk=w.czj_own.pk).unit == w.czj_unit
    assert Notice.objects.count() == told
    # the service alike, called directly
    mine = {"user": w.coordinator, "assignment_ids": [w.czj_own.pk]}
    with pytest.raises(NotFoundError, match="单位不存在"):
        assignments_reassign_many(**mine, unit_id=elsewhere.pk, reason="调整")
    with pytest.raises(ApplicationError, match="请填写改派原因"):
        assignments_reassign_many(**mine, unit_id=w.fgw_unit.pk, reason=" ")
    assert w.czj_own.history.count() == 1  # created; nothing since


# --- 调整期限 -------------------------------------------------------------------------------


def test_due_date_asks_on_a_page_then_moves_each_item_with_the_reason(client, world):
    w = world
    client.force_login(w.coordinator)
    ids = [w.czj_own.pk, w.czj_shared.pk, w.county_own.pk]
    picked = {"action": REDATE, "_selected_action": ids}
    page = client.post(LIST, picked)
    html = page.content.decode()
    assert page.status_code == 200 and "新的期限" in html and "顺延工作日数" in html
    assert "共 3 项" in html
    old = {a.pk: a.due_date for a in Assignment.objects.filter(pk__in=ids)}
    done = client.post(
        LIST, {**picked, "apply": "1", "due_date": "2026-11-30", "reason": "统一安排"}, follow=True
    )
    assert "调整期限:3 项。" in done.content.decode()
    for item in Assignment.objects.filter(pk__in=ids):
        assert item.due_date == dt.date(2026, 11, 30)
        assert _reason(item) == f"调整期限:{old[item.pk]:%Y-%m-%d} → 2026-11-30(统一安排)"
    czj = Notice.objects.get(event="due_changed", unit=w.czj_unit)  # one per unit
    assert "2 项" in czj.title and "原因:统一安排" in czj.text and "2026年11月30日" in czj.text
    assert Notice.objects.get(event="due_changed", unit=w.county_unit)


def test_due_date_shifted_by_working_days_from_each_items_own_date(client, world):
    w = world
    Assignment.objects.filter(pk=w.czj_own.pk).update(due_date=dt.date(2026, 6, 26))  # a Friday
    Assignment.objects.filter(pk=w.county_own.pk).update(due_date=dt.date(2026, 9, 30))
    client.force_login(w.coordinator)
    client.post(
        LIST,
        {"action": REDATE, "_selected_action": [w.czj_own.pk, w.county_own.pk], "apply": "1"}
        | {"workdays": "3", "reason": "顺延"},
    )
    assert Assignment.objects.get(pk=w.czj_own.pk).due_date == dt.date(2026, 7, 1)
    # 国庆 (Oct 1–7 2026 off, Oct 10 a working Saturday): Sep 30 + 3 is Oct 8, 9, 10
    assert Assignment.objects.get(pk=w.county_own.pk).due_date == dt.date(2026, 10, 10)


def test_a_single_item_redated_is_told_as_the_single_change_tells_it(world):
    w = world
    old = w.czj_own.due_date
    assignments_change_due_date_many(
        user=w.coordinator,
        assignment_ids=[w.czj_own.pk],
        due_date=dt.date(2026, 8, 3),
        reason="会议推迟",
    )
    notice = Notice.objects.get(event="due_changed")
    assert notice.title == "期限调整" and notice.assignment_id == w.czj_own.pk
    assert "2026年8月3日" in notice.text and "原因:会议推迟" in notice.text
    assert old != dt.date(2026, 8, 3)


def test_due_date_refusals_apply_nothing(client, world):
    w = world
    _done(w.county_own)
    client.force_login(w.coordinator)
    ids = [w.czj_own.pk, w.county_own.pk]
    before = dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "due_date"))
    picked = {"action": REDATE, "_selected_action": ids, "apply": "1"}
    start = w.plan.period_start
    early = client.post(
        LIST, {**picked, "due_date": str(start - dt.timedelta(days=1)), "reason": "提前"}
    )
    assert early.status_code == 200
    assert f"新的期限早于工作要点的起始日期 {start:%Y-%m-%d}" in early.content.decode()
    no_reason = client.post(LIST, {**picked, "due_date": "2026-11-30", "reason": ""})
    assert "该字段是必填项" in no_reason.content.decode()
    neither = client.post(LIST, {**picked, "reason": "调整"})
    assert "二选一" in neither.content.decode()
    both = client.post(LIST, {**picked, "due_date": "2026-11-30", "workdays": "2", "reason": "x"})
    assert "二选一" in both.content.decode()
    assert dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "due_date")) == before
    assert not Notice.objects.filter(event="due_changed").exists()
    # a done item is skipped, named; the other moves
    skipped = client.post(LIST, {**picked, "due_date": "2026-11-30", "reason": "调整"}, follow=True)
    assert "未调整期限 1 项:一/(三) 小店区政府:已办结的事项不能调整期限" in (
        skipped.content.decode()
    )
    assert Assignment.objects.get(pk=w.county_own.pk).due_date == before[w.county_own.pk]
    assert Assignment.objects.get(pk=w.czj_own.pk).due_date == dt.date(2026, 11, 30)


def test_one_item_whose_plan_starts_later_refuses_the_whole_change(world):
    w = world
    later = WorkPlan.objects.create(
        title="下半年要点",
        region=w.region,
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 12, 31),
        status=WorkPlan.Status.ACTIVE,
    )
    task = Task.objects.create(
        plan=later, ref="一", title="下半年事项", due_date=dt.date(2026, 12, 31)
    )
    late = assignment_create(
        user=w.coordinator, task_id=task.pk, unit_id=w.czj_unit.pk, due_date=task.due_date
    )
    ids = [w.czj_own.pk, w.county_own.pk, late.pk]
    before = dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "due_date"))
    with pytest.raises(ApplicationError, match="早于工作要点的起始日期 2026-07-01"):
        assignments_change_due_date_many(
            user=w.coordinator, assignment_ids=ids, due_date=dt.date(2026, 6, 30), reason="x"
        )
    assert dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "due_date")) == before
    assert w.czj_own.history.count() == 1


def test_a_single_change_with_a_long_reason_is_kept_cut_to_the_history_column(world):
    reassigned = assignment_reassign(
        user=world.coordinator,
        assignment_id=world.czj_own.pk,
        unit_id=world.fgw_unit.pk,
        reason="因机构改革职能划转" * 12,
    )
    reason = _reason(reassigned)
    assert len(reason) == 100 and reason.startswith("改派:市财政局 → 市发改委(因机构改革")


# --- who may, and what is found --------------------------------------------------------------


def test_a_leader_is_offered_none_and_refused_each(client, world):
    w = world
    client.force_login(w.leader)
    html = client.get(LIST).content.decode()
    assert REASSIGN not in html and REDATE not in html and "chase_selected" not in html
    for action, data in [
        (REASSIGN, {"unit": w.fgw_unit.pk, "reason": "x"}),
        (REDATE, {"due_date": "2026-11-30", "reason": "x"}),
        ("chase_selected", {"comment": "x"}),
    ]:
        picked = {"action": action, "_selected_action": [w.czj_own.pk]}
        assert client.post(LIST, picked).status_code == 403
        assert client.post(LIST, {**picked, "apply": "1", **data}).status_code == 403
    assert Assignment.objects.get(pk=w.czj_own.pk).unit == w.czj_unit
    assert w.czj_own.history.count() == 1
    assert not Notice.objects.filter(event__in=["due_changed", "chased"]).exists()


def test_another_regions_ids_are_not_applied(client, world):
    w = world
    client.force_login(w.other_coordinator)
    picked = {"action": REDATE, "_selected_action": [w.czj_own.pk], "apply": "1"}
    client.post(LIST, {**picked, "due_date": "2026-11-30", "reason": "x"})
    assert Assignment.objects.get(pk=w.czj_own.pk).due_date != dt.date(2026, 11, 30)
    with pytest.raises(NotFoundError):  # the service: not found, though the unit is theirs
        assignments_change_due_date_many(
            user=w.other_coordinator,
            assignment_ids=[w.czj_own.pk],
            due_date=dt.date(2026, 11, 30),
            reason="x",
        )
    # mixed with one's own: only one's own is changed
    client.force_login(w.coordinator)
    mixed = {"action": REASSIGN, "_selected_action": [w.czj_own.pk, 10**9], "apply": "1"}
    client.post(LIST, {**mixed, "unit": w.fgw_unit.pk, "reason": "x"})
    assert Assignment.objects.get(pk=w.czj_own.pk).unit == w.fgw_unit
    with pytest.raises(NotFoundError, match="单位不存在"):
        assignments_reassign_many(
            user=w.other_coordinator,
            assignment_ids=[w.czj_own.pk],
            unit_id=w.fgw_unit.pk,
            reason="x",
        )


# --- 催办 keeps its 督办意见 -------------------------------------------------------------------


def test_chase_from_the_list_keeps_its_message_in_the_notice_and_each_items_history(client, world):
    w = world
    _done(w.county_own)
    client.force_login(w.coordinator)
    ids = [w.czj_own.pk, w.czj_shared.pk, w.county_own.pk]
    picked = {"action": "chase_selected", "_selected_action": ids}
    page = client.post(LIST, picked).content.decode()
    assert "共 3 项" in page and "(已办结,将跳过)" in page
    client.post(LIST, {**picked, "apply": "1", "comment": "请于周五前报送进展"})
    notice = Notice.objects.get(event="chased")
    assert notice.unit == w.czj_unit and "督办意见:请于周五前报送进展" in notice.text
    for item in (w.czj_own, w.czj_shared):
        record = item.history.order_by("-history_id").first()
        assert record.history_change_reason == "催办:请于周五前报送进展"
        assert record.history_user == w.coordinator
        assert "催办:请于周五前报送进展" in [e.text for e in _timeline(item)]
    assert w.county_own.history.count() == 1  # a done item is not chased


def test_a_long_chase_message_is_cut_in_the_history_kept_whole_in_the_notice(world):
    message = "请" * 300
    assignments_chase(user=world.coordinator, assignment_ids=[world.czj_own.pk], message=message)
    reason = _reason(world.czj_own)
    assert len(reason) == 100 and reason.endswith("…")
    assert message in Notice.objects.get(event="chased").text


# --- query counts ------------------------------------------------------------------------


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_bulk_changes_take_the_same_queries_for_3_and_30_items(world):
    w = world
    add_assignments(w, w.czj_unit, 33)
    extra = list(
        Assignment.objects.filter(task__ref__startswith="九/")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    few, many = extra[:3], extra[3:]

    def reassign(ids):
        return lambda: assignments_reassign_many(
            user=w.coordinator, assignment_ids=ids, unit_id=w.fgw_unit.pk, reason="调整"
        )

    def redate(ids):
        return lambda: assignments_change_due_date_many(
            user=w.coordinator, assignment_ids=ids, workdays=2, reason="顺延"
        )

    def chase(ids):
        return lambda: assignments_chase(user=w.coordinator, assignment_ids=ids, message="催")

    told = Notice.objects.filter(event="assigned", unit=w.fgw_unit).count()
    warm_calendar()  # the holiday table is read once a process, not per change
    for make in (redate, reassign, chase):
        assert _queries(make(few)) == _queries(make(many))
    assert Assignment.objects.filter(pk__in=extra, unit=w.fgw_unit).count() == 33
    assert Notice.objects.filter(event="assigned", unit=w.fgw_unit).count() == told + 2
