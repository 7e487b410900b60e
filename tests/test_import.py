"""The import service: names resolved or mapped, groups expanded, all or nothing."""

import datetime as dt
from pathlib import Path

import pytest
from django.db.models import Count

from regions.models import Alias, Region, Unit
from regions.selectors import directory_resolve_name
from tasks_app.models import Assignment, Responsibility, Task, WorkPlan
from tasks_app.parsing import parse_document, parse_text
from tasks_app.services.import_plan import tracked_units
from tasks_app.services.imports import UnresolvedNamesError, workplan_import

TAIYUAN = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_079112ff1aadfc6f.txt"
needs_shared = pytest.mark.skipif(
    not TAIYUAN.exists(), reason="../shared/seeds is not beside the repo"
)

HEAD = "测试市2026年政务公开工作要点\n"


def _import(region, text, **kwargs):
    return workplan_import(outline=parse_text(HEAD + text), region=region, user=None, **kwargs)


@needs_shared
def test_taiyuan_notice_creates_every_assignment_it_implies(taiyuan):
    result = workplan_import(
        outline=parse_document(TAIYUAN.read_bytes()), region=taiyuan, user=None
    )
    plan = result.plan
    assert (result.tasks, result.responsibilities, result.assignments) == (45, 76, 378)
    assert result.unassigned == ["一", "六/(十二)", "六/(十三)", "六/(十四)", "六/(十五)"]
    assert plan.doc_number == "并政办发〔2018〕47号"
    assert (plan.period_start, plan.period_end) == (dt.date(2018, 1, 1), dt.date(2019, 12, 31))

    counties = set(Unit.objects.filter(kind="government", region__parent=taiyuan))
    departments = set(Unit.objects.filter(kind="department", region=taiyuan))
    assert len(counties) == 10 and len(departments) == 26
    for responsibility in Responsibility.objects.filter(task__plan=plan, group__isnull=False):
        assigned = {a.unit for a in Assignment.objects.filter(task=responsibility.task)}
        expected = counties if responsibility.group.name.startswith("各县") else departments
        assert expected <= assigned, responsibility.task.ref

    # 市卫计委 (二/(三)/6) and 市卫生计生委 (二/(一)) are the same unit
    health = Unit.objects.get(short_name="市卫生计生委")
    refs = set(
        Assignment.objects.filter(unit=health, task__plan=plan).values_list("task__ref", flat=True)
    )
    assert {"二/(一)", "二/(三)/6"} <= refs

    per_task = dict(
        Assignment.objects.filter(task__plan=plan).values_list("task__ref").annotate(n=Count("id"))
    )
    assert per_task["二/(一)"] == 22  # 12 departments named + 10 county governments
    assert per_task["二/(四)/3"] == 36  # 市财政局 leads; 市直各部门 (26, itself included) + 10
    assert "二/(一)/1" not in per_task  # the eight kinds of information are (一)'s content
    assert Assignment.objects.filter(task__plan=plan, role="lead").count() == 15
    assert Assignment.objects.get(task__ref="二/(四)/3", unit__short_name="市财政局").role == "lead"


@needs_shared
def test_taiyuan_due_dates_follow_deadlines_then_ancestors_then_plan_end(taiyuan):
    plan = workplan_import(
        outline=parse_document(TAIYUAN.read_bytes()), region=taiyuan, user=None
    ).plan
    due = dict(Task.objects.filter(plan=plan).values_list("ref", "due_date"))
    assert due["二/(一)"] == dt.date(2018, 12, 31)  # its own 2018年底前
    assert due["二/(三)/2"] == dt.date(2018, 12, 31)  # (三)'s 2018年底前
    assert due["三/(五)"] == dt.date(2019, 12, 31)  # nothing written: the plan's end


def test_collective_name_expands_to_one_assignment_per_member(taiyuan):
    result = _import(taiyuan, "一、甲\n(一)做好公开。(各县(市、区)人民政府负责落实)")
    units = {a.unit.short_name for a in Assignment.objects.filter(task__plan=result.plan)}
    assert len(units) == 10 and all(name.endswith("政府") for name in units)


def test_child_without_clause_takes_nearest_ancestors_units(taiyuan):
    # (一) has a clause and so does its second item: the first item inherits (一)'s units.
    result = _import(
        taiyuan,
        "一、甲\n(一)统计发布。〔市财政局牵头,市审计局负责落实〕\n①按月发布。每月发布。\n②执法检查。内容。(市民政局负责落实)",
    )
    assigned = {
        (a.task.ref, a.unit.short_name, a.role)
        for a in Assignment.objects.filter(task__plan=result.plan).select_related("task", "unit")
    }
    assert assigned == {
        ("一/(一)/①", "市财政局", "lead"),
        ("一/(一)/①", "市审计局", "responsible"),
        ("一/(一)/②", "市民政局", "responsible"),
    }
    assert Task.objects.get(plan=result.plan, ref="一/(一)/①").report_cycle == "monthly"


def test_item_with_clause_and_plain_sub_items_is_tracked_as_a_whole(taiyuan):
    result = _import(
        taiyuan,
        "一、甲\n(一)公开项目。内容。(市发改委负责落实)\n1.批准信息。内容。\n2.实施信息。内容。",
    )
    refs = set(
        Assignment.objects.filter(task__plan=result.plan).values_list("task__ref", flat=True)
    )
    assert refs == {"一/(一)"}


def test_tracked_units_never_asks_a_unit_twice_for_the_same_work():
    tasks = [
        {"ref": "一", "units": [{"name": "A", "role": "lead"}]},
        {"ref": "一/1", "units": []},
        {"ref": "一/2", "units": [{"name": "B", "role": "responsible"}]},
        {"ref": "二", "units": [{"name": "C", "role": "responsible"}]},
        {"ref": "二/1", "units": [{"name": "D", "role": "responsible"}]},
        {"ref": "三", "units": []},
    ]
    tracked, unassigned = tracked_units(tasks)
    assert {ref: [u["name"] for u in units] for ref, units in tracked.items()} == {
        "一/1": ["A"],  # inherits; 一 itself is then not tracked again
        "一/2": ["B"],
        "二/1": ["D"],
        "二": ["C"],  # no leaf took C, so 二 is tracked for it
    }
    assert unassigned == ["三"]


def test_import_leaves_an_audit_trail_with_the_importer(taiyuan):
    from regions.services import user_upsert

    user = user_upsert(username="c", password="pw-123456", role="coordinator", region=taiyuan)
    result = workplan_import(
        outline=parse_text(HEAD + "一、甲\n(一)公开。(市发改委负责落实)"), region=taiyuan, user=user
    )
    assignment = Assignment.objects.get(task__plan=result.plan)
    [record] = assignment.history.all()
    assert record.history_type == "+" and record.history_user == user
    assert record.history_change_reason == "导入工作要点"
    assert result.plan.history.get().history_user == user
    assert Task.history.filter(plan_id=result.plan.pk).count() == 2


def test_unresolved_names_create_nothing_and_are_listed(taiyuan):
    counts = (WorkPlan.objects.count(), Task.objects.count(), Unit.objects.count())
    with pytest.raises(UnresolvedNamesError) as error:
        _import(taiyuan, "一、甲\n(一)做好公开。(市宇宙局、市发改委、市月球办负责落实)")
    assert error.value.names == ["市宇宙局", "市月球办"]
    assert "市宇宙局" in error.value.message
    assert (WorkPlan.objects.count(), Task.objects.count(), Unit.objects.count()) == counts


def test_mapping_resolves_names_and_is_remembered_as_an_alias(taiyuan):
    fgw = Unit.objects.get(region=taiyuan, short_name="市发改委")
    result = _import(
        taiyuan,
        "一、甲\n(一)做好公开。(市发展改革委员会、市数据局负责落实)",
        mapping={"市发展改革委员会": f"unit:{fgw.pk}", "市数据局": "new:department"},
    )
    assert {a.unit.short_name for a in Assignment.objects.filter(task__plan=result.plan)} == {
        "市发改委",
        "市数据局",
    }
    assert Alias.objects.filter(unit=fgw, name="市发展改革委员会").exists()
    assert directory_resolve_name(region=taiyuan, name="市发展改革委员会").unit == fgw
    assert Unit.objects.get(region=taiyuan, short_name="市数据局").kind == "department"


def test_mapping_to_a_unit_of_another_region_is_refused(taiyuan, db):
    elsewhere = Region.objects.create(code="990100", name="别市", level="prefecture")
    stranger = Unit.objects.create(region=elsewhere, short_name="别市局", kind="department")
    with pytest.raises(Exception, match="不在本区划内"):
        _import(
            taiyuan, "一、甲\n(一)公开。(某局负责落实)", mapping={"某局": f"unit:{stranger.pk}"}
        )
    assert not WorkPlan.objects.exists()


def test_plan_end_is_required_when_the_document_has_no_year(taiyuan):
    outline = parse_text("工作要点\n一、甲\n(一)公开。(市发改委负责落实)")
    with pytest.raises(Exception, match="截止日期"):
        workplan_import(outline=outline, region=taiyuan, user=None)
    plan = workplan_import(
        outline=outline, region=taiyuan, user=None, period_end=dt.date(2026, 12, 31)
    ).plan
    assert Task.objects.get(plan=plan, ref="一/(一)").due_date == dt.date(2026, 12, 31)


def test_import_query_count_does_not_grow_with_the_number_of_items(taiyuan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def document(year: int, items: int) -> dict:
        body = "".join(
            f"{n}.公开事项{n}。(市发改委牵头,各县(市、区)人民政府负责落实)\n"
            for n in range(1, items + 1)
        )
        return parse_text(f"测试市{year}年政务公开工作要点\n一、甲\n" + body)

    def statements(queries) -> list[str]:
        """Queries, with the batches one bulk insert is split into counted once."""
        heads = [q["sql"].split("(", 1)[0] for q in queries]
        return [
            h for i, h in enumerate(heads) if not (h.startswith("INSERT") and heads[i - 1] == h)
        ]

    seen = []
    for year, items in ((2026, 1), (2027, 30)):
        outline = document(year, items)
        with CaptureQueriesContext(connection) as queries:
            result = workplan_import(outline=outline, region=taiyuan, user=None)
        assert result.assignments == items * 11
        seen.append(statements(queries.captured_queries))
    assert len(seen[0]) == len(seen[1])


# --- the preview's total is what the import creates ----------------------------------------


def _with_group_alias_and_new_unit(outline: dict) -> dict:
    """The outline with one county-level collective written as the directory does not know it
    (`各县区人民政府`) and a department the directory lacks (`市数据局`)."""
    tasks = [dict(t) for t in outline["tasks"]]
    first = next(i for i, t in enumerate(tasks) if t.get("units"))
    tasks[first]["units"] = [
        *tasks[first]["units"],
        {"name": "各县区人民政府", "role": "responsible"},
    ]
    last = max(i for i, t in enumerate(tasks) if t.get("units"))
    tasks[last]["units"] = [*tasks[last]["units"], {"name": "市数据局", "role": "responsible"}]
    return {**outline, "tasks": tasks}


def _preview_then_import(region, outline):
    from regions.models import UnitGroup
    from tasks_app.services.import_plan import import_preview

    counties = UnitGroup.objects.get(region=region, name="各县(市、区)人民政府")
    mapping = {"各县区人民政府": f"group:{counties.pk}", "市数据局": "new:department"}
    preview = import_preview(region=region, outline=outline, mapping=mapping)
    assert preview.unresolved == [] and preview.problems == []
    result = workplan_import(outline=outline, region=region, user=None, mapping=mapping)
    created = Assignment.objects.filter(task__plan=result.plan).count()
    return preview, result, created


def test_preview_total_equals_what_the_import_creates_with_a_group_mapping_and_a_new_unit(
    taiyuan,
):
    outline = _with_group_alias_and_new_unit(
        parse_text(
            HEAD
            + "一、公开\n(一)预算公开。(市财政局负责落实)\n(二)政策解读。(市直各部门负责落实)\n"
            "(三)审计公开。(市审计局负责落实)\n"
        )
    )
    preview, result, created = _preview_then_import(taiyuan, outline)
    # (一): 市财政局 + 10 county governments; (二): 26 departments + the new one; (三): 1 + 1
    assert preview.assignments_by_ref == {"一/(一)": 11, "一/(二)": 27, "一/(三)": 2}
    assert preview.total_assignments == result.assignments == created == 40
    # the new department joins 市直各部门, and the page can say so
    assert preview.plan.new_in_groups == {"市数据局": ["市直各部门"]}
    new = Unit.objects.get(short_name="市数据局")
    assert Assignment.objects.filter(unit=new, task__plan=result.plan).count() == 2


@needs_shared
def test_preview_total_equals_the_import_on_the_taiyuan_notice(taiyuan):
    outline = _with_group_alias_and_new_unit(parse_document(TAIYUAN.read_bytes()))
    preview, result, created = _preview_then_import(taiyuan, outline)
    assert preview.total_assignments == result.assignments == created
    assert created > 378  # the mapped group and the new department add assignments
    per_ref = dict(
        Assignment.objects.filter(task__plan=result.plan)
        .values_list("task__ref")
        .annotate(n=Count("id"))
    )
    assert per_ref == preview.assignments_by_ref
