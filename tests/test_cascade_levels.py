"""Each level's assessment, bulletins and reminders in the cascade (分解下达): the province's
work on the province's plan, 云川市's on its child plan; the province's bulletin shows the
lower levels' figures in a section of its own (下级分解落实情况).

The world is tests/test_cascade.py's `levels`: the province plan gives 一/(一) (due 10-31) to
省财政厅 (lead) and to both cities' governments, 一/(二) (due 12-31) to 省财政厅; 云川市 splits
its item into 县区预算公开 (云湖区政府, due 10-31) and 市级部门预算公开 (市财政局, due 9-30)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import docx
import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notify.mails import digests_send, reminders_send
from notify.models import Reminder
from notify.services.sweep import reminders_sweep
from regions.models import Region, Unit, UnitContact, User
from reporting.documents import bulletin_docx, bulletin_xlsx
from reporting.mails import bulletin_send
from reporting.services.assessment import assessment
from reporting.services.bulletins import (
    bulletin_current_figures,
    bulletin_figures,
    bulletin_publish,
    bulletins_draft_monthly,
)
from tasks_app.models import Assignment, WorkPlan
from tasks_app.parsing import parse_text
from tasks_app.services import assignments as svc
from tasks_app.services.cascade import SplitItem, incoming_decompose
from tasks_app.services.imports import workplan_import
from tests.test_cascade import levels  # noqa: F401 - the three levels, as a fixture

SPLIT_ON = dt.date(2026, 3, 2)


def _at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(day, dt.time(hour))), tick=False
    )


def _split(w, user=None, parent=None, units=None) -> WorkPlan:
    """The city's child plan: one item for a county, one led by a department of its own."""
    user, parent = user or w.city, parent or w.parent
    county, dept = units or (w.county_unit, w.dept_unit)
    with _at(SPLIT_ON):
        return incoming_decompose(
            user=user,
            assignment_id=parent.pk,
            items=[
                SplitItem(title="县区预算公开", unit_ids=[county.pk]),
                SplitItem(
                    title="市级部门预算公开", lead_unit_id=dept.pk, due_date=dt.date(2026, 9, 30)
                ),
            ],
        ).plan


def _child_items(child: WorkPlan) -> tuple[Assignment, Assignment]:
    county = Assignment.objects.get(task__plan=child, task__title="县区预算公开")
    dept = Assignment.objects.get(task__plan=child, task__title="市级部门预算公开")
    return county, dept


def _county_claims(w, item: Assignment, *, accept: bool, day=dt.date(2026, 3, 5)) -> None:
    with _at(day):
        svc.assignment_sign(user=w.county, assignment_id=item.pk)
        claim = svc.report_create(
            user=w.county,
            assignment_id=item.pk,
            text="县级预算已公开。",
            progress=100,
            completion=True,
        )
        if accept:
            svc.report_review(user=w.city, report_id=claim.pk, accept=True)


def _dept_reports(w, item: Assignment, progress: int = 40) -> None:
    with _at(dt.date(2026, 3, 6)):
        svc.assignment_sign(user=w.dept, assignment_id=item.pk)
        svc.report_create(user=w.dept, assignment_id=item.pk, text="梳理中。", progress=progress)


def _table(scores) -> list[tuple]:
    return [(s.rank, s.name, s.assignments, s.done, s.done_on_time) for s in scores]


# --- assessment: each level on its own plans --------------------------------------------------


@pytest.fixture
def split(levels):  # noqa: F811
    w = levels
    w.child = _split(w)
    w.county_item, w.dept_item = _child_items(w.child)
    _county_claims(w, w.county_item, accept=True)  # done on 03-05, on time
    return w


def test_the_provinces_assessment_counts_its_own_plan_and_the_citys_its_child_plan(split):
    w = split
    on = dt.date(2026, 3, 10)
    counties, units = assessment(user=w.province, region=w.plan.region, year=2026, on=on)
    # 云川市 has its item from the province (in progress), not the child plan's two as well
    assert _table(counties) == [(1, "云川市", 1, 0, 0), (1, "岚溪市", 1, 0, 0)]
    assert _table(units) == [(1, "省财政厅", 2, 0, 0)]
    city = w.child.region
    counties, units = assessment(user=w.city, region=city, year=2026, on=on)
    # the child plan: 云湖区政府's item done on time, 市财政局's open; the item from above
    # (云川市政府's, in the province plan) is the province's assessment's
    assert _table(counties) == [(1, "云湖区", 1, 1, 1)]
    assert _table(units) == [(1, "市财政局", 1, 0, 0)]
    assert (counties[0].score, units[0].score) == (100.0, 0.0)
    # the province, choosing 云川市, reads the city's assessment, the same figures
    seen = assessment(user=w.province, region=city, year=2026, on=on)
    assert [_table(t) for t in seen] == [_table(counties), _table(units)]
    # 岚溪市 has no plan of its own: nothing to assess there
    assert assessment(user=w.other_city, region=w.other_parent.unit.region, year=2026, on=on) == (
        [],
        [],
    )


def test_the_assessment_page_chooses_the_year_of_the_levels_own_plans(client, split):
    w = split
    with _at(dt.date(2026, 12, 1)):  # 云川市 has a plan of its own for 2027, started already
        workplan_import(
            outline=parse_text(
                "云川市2027年政务公开工作要点\n一、任务\n(一)公开目录。(市财政局负责落实)\n"
            ),
            region=w.child.region,
            user=w.city,
        )
    with _at(dt.date(2026, 12, 2)):
        client.force_login(w.province)
        page = client.get("/admin/tasks_app/workplan/assessment/").content.decode()
        assert "江岭省 2026 年度考核" in page and "下级的分解方案由下级考核" in page
        export = client.get("/admin/tasks_app/workplan/assessment/", {"format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(export.content))["各县(市、区)"]
        assert [(r[1], r[7]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
            ("云川市", 1),
            ("岚溪市", 1),
        ]
        client.force_login(w.city)
        page = client.get("/admin/tasks_app/workplan/assessment/").content.decode()
        assert "云川市 2027 年度考核" in page
        export = client.get(
            "/admin/tasks_app/workplan/assessment/", {"year": 2026, "format": "xlsx"}
        )
        book = openpyxl.load_workbook(io.BytesIO(export.content))
        assert [r[1] for r in book["本级单位"].iter_rows(min_row=2, values_only=True)] == [
            "市财政局"
        ]


# --- bulletins: each level's own, and the lower levels' figures above ------------------------


def _lower(figures: dict) -> list[tuple]:
    return [
        (r["government"], r["ref"], r["done"], r["total"], r["progress"], r["overdue"])
        for r in figures["lower"]
    ]


@pytest.fixture
def drafts(split):
    """The drafts for October: 市财政局's child item (due 09-30, 40%) is overdue, 云湖区政府's
    is done; both cities' items from the province (due 10-31) are still open."""
    w = split
    _dept_reports(w, w.dept_item)
    with _at(dt.date(2026, 11, 2)):
        found = {b.plan_id: b for b in bulletins_draft_monthly()}
    w.province_draft, w.city_draft = found.pop(w.plan.pk), found.pop(w.child.pk)
    assert found == {}
    return w


def test_each_levels_monthly_draft_is_about_its_own_plan(drafts):
    w = drafts
    with _at(dt.date(2026, 11, 2)):
        province = bulletin_current_figures(w.province_draft)
        city = bulletin_current_figures(w.city_draft)
    assert (w.province_draft.period_start, w.province_draft.period_end) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )
    # the province plan's three assignments due in October; not 云湖区政府's child item
    assert province["totals"] == {"assignments": 3, "done": 0, "overdue": 0}
    assert [(r["name"], r["assignments"]) for r in province["counties"]] == [
        ("云川市", 1),
        ("岚溪市", 1),
    ]
    assert [(r["name"], r["assignments"]) for r in province["units"]] == [("省财政厅", 1)]
    assert province["overdue"] == []  # 市财政局's overdue child item is the city's
    # the city's: its child item due in October (done); its overdue one, listed
    assert city["totals"] == {"assignments": 1, "done": 1, "overdue": 1}
    assert [(r["name"], r["done"]) for r in city["counties"]] == [("云湖区", 1)]
    assert [(i["unit"], i["title"]) for i in city["overdue"]] == [("市财政局", "市级部门预算公开")]
    # 下级分解落实情况: the province's item given to 云川市政府, as of 10-31; 岚溪市 has not split
    assert _lower(province) == [("云川市政府", "一/(一)", 1, 2, 70, 1)]
    assert province["lower"][0]["plan"] == w.child.title
    assert province["as_of"] == "2026-10-31"
    assert city["lower"] == []


def test_the_lower_section_in_the_page_the_word_and_the_excel(client, drafts):
    w = drafts
    with _at(dt.date(2026, 11, 2), hour=12):
        client.force_login(w.province)
        page = client.get(f"/admin/reporting/bulletin/{w.province_draft.pk}/change/")
        html = page.content.decode()
        assert "下级分解落实情况" in html and w.child.title in html
        assert "<td>云川市政府</td>" in html and "<td>1/2</td><td>70%</td><td>1</td>" in html
        document = docx.Document(io.BytesIO(bulletin_docx(w.province_draft)))
        book = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(w.province_draft)))
        city_document = docx.Document(io.BytesIO(bulletin_docx(w.city_draft)))
        city_book = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(w.city_draft)))
        client.force_login(w.city)
        city_page = client.get(f"/admin/reporting/bulletin/{w.city_draft.pk}/change/")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        *("一、总体情况", "二、各县(市、区)落实情况", "三、市直部门落实情况"),
        *("四、下级分解落实情况", "五、逾期事项"),
    ]
    lower = document.tables[2]
    assert [c.text for c in lower.rows[0].cells] == [
        *("下级政府", "交办事项", "分解方案", "已办结/总数", "平均进度", "逾期"),
    ]
    parent_title = w.parent.task.title
    assert [c.text for c in lower.rows[1].cells] == [
        *("云川市政府", f"一/(一) {parent_title}", w.child.title, "1/2", "70%", "1"),
    ]
    assert len(lower.rows) == 2
    text = "\n".join(p.text for p in document.paragraphs)
    assert "截至 2026-10-31,1 项交办事项已由下级政府制定分解方案" in text
    assert book.sheetnames == ["各县(市、区)", "市直部门", "逾期事项", "下级分解落实"]
    rows = list(book["下级分解落实"].iter_rows(values_only=True))
    assert rows == [
        ("下级政府", "编号", "交办事项", "分解方案", "已办结", "总数", "平均进度(%)", "逾期"),
        ("云川市政府", "一/(一)", parent_title, w.child.title, 1, 2, 70, 1),
    ]
    # the city's bulletin has no item decomposed below it: no such section
    city_headings = [p.text for p in city_document.paragraphs if p.style.name == "Heading 1"]
    assert "下级分解落实情况" not in "".join(city_headings) and len(city_headings) == 4
    assert city_book.sheetnames == ["各县(市、区)", "市直部门", "逾期事项"]
    assert "下级分解落实情况" not in city_page.content.decode()


def test_the_published_bulletin_keeps_the_lower_figures_and_mails_them(drafts, mailoutbox):
    w = drafts
    for unit in Unit.objects.filter(assignments__task__plan=w.plan).distinct():
        UnitContact.objects.create(unit=unit, email=f"u{unit.pk}@example.gov.cn")
    with _at(dt.date(2026, 11, 2)):
        published = bulletin_publish(
            user=w.province, bulletin_id=w.province_draft.pk, enqueue=False
        )
    frozen = bulletin_current_figures(published)
    with _at(dt.date(2026, 11, 3)):  # the city's department finishes afterwards
        claim = svc.report_create(
            user=w.dept,
            assignment_id=w.dept_item.pk,
            text="已公开。",
            progress=100,
            completion=True,
        )
        svc.report_review(user=w.city, report_id=claim.pk, accept=True)
        published.refresh_from_db()
        assert bulletin_current_figures(published) == frozen
        assert _lower(frozen) == [("云川市政府", "一/(一)", 1, 2, 70, 1)]
        # live, the child plan is complete now
        live = bulletin_figures(plan=w.plan, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
        assert _lower(live) == [("云川市政府", "一/(一)", 2, 2, 100, 0)]
        bulletin_send(bulletin_id=published.pk)
    # one mail to each of the plan's three units; the Word attached has the section
    assert len(mailoutbox) == 3
    attached = mailoutbox[0].attachments[0][1]
    cells = {c.text for t in docx.Document(io.BytesIO(attached)).tables for c in t.rows[1].cells}
    assert {"云川市政府", "1/2", "70%"} <= cells


def test_the_lower_section_costs_the_same_queries_for_one_child_plan_or_two(levels):  # noqa: F811
    w = levels
    on = dt.date(2026, 10, 31)

    def queries() -> int:
        bulletin_figures(plan=w.plan, start=dt.date(2026, 10, 1), end=on, on=on)  # the calendar
        with CaptureQueriesContext(connection) as captured:
            bulletin_figures(plan=w.plan, start=dt.date(2026, 10, 1), end=on, on=on)
        return len(captured.captured_queries)

    assert queries() == 7  # the figures (6) and the items given below that have a child plan
    _split(w)
    assert queries() == 9  # and the child plans' figures (`child_progress_many`: two)
    lanxi = Region.objects.get(code="990200")
    _split(
        w,
        user=w.other_city,
        parent=w.other_parent,
        units=(
            Unit.objects.get(short_name="岚城区政府"),
            Unit.objects.get(region=lanxi, short_name="市财政局"),
        ),
    )
    assert queries() == 9
    figures = bulletin_figures(plan=w.plan, start=dt.date(2026, 10, 1), end=on, on=on)
    assert _lower(figures) == [
        ("云川市政府", "一/(一)", 0, 2, 0, 1),
        ("岚溪市政府", "一/(一)", 0, 2, 0, 1),
    ]


# --- reminders: each plan's units, through the outbox, once --------------------------------


def test_the_sweep_reminds_the_child_plans_units_and_the_government_each_once(
    levels,  # noqa: F811
    mailoutbox,
):
    """29 October (a Thursday): everything due on Saturday 10-31 is one working day away;
    市财政局's child item (due 09-30) is overdue and escalated; 云湖区政府's claim waits for
    the city's review (not chased)."""
    w = levels
    w.child = _split(w)
    county_item, dept_item = _child_items(w.child)
    _county_claims(w, county_item, accept=False)
    _dept_reports(w, dept_item)
    emails = {
        "省财政厅": "stf@example.gov.cn",
        "云川市政府": "yc-gov@example.gov.cn",
        "岚溪市政府": "lx-gov@example.gov.cn",
    }
    for name, email in emails.items():
        UnitContact.objects.create(unit=Unit.objects.get(short_name=name), email=email)
    for user, email in (
        (w.province, "prov@example.gov.cn"),
        (w.city, "yc@example.gov.cn"),
        (w.dept, "yc-czj@example.gov.cn"),
        (w.county, "yunhu@example.gov.cn"),
    ):
        User.objects.filter(pk=user.pk).update(email=email)
    day = dt.date(2026, 10, 29)
    with _at(day, hour=8):
        for _ in range(2):  # a second sweep, and a second sending, add nothing
            result = reminders_sweep(today=day, enqueue=False)
            reminders_send(result.reminder_ids)
            digests_send(result.digest_ids, today=day)
    reminders = Counter(
        Reminder.objects.filter(scheduled_for=day).values_list(
            "assignment__task__plan_id", "unit__short_name", "kind"
        )
    )
    assert reminders == {
        (w.plan.pk, "省财政厅", "before_due"): 1,
        (w.plan.pk, "云川市政府", "before_due"): 1,  # the item from above, per the province
        (w.plan.pk, "岚溪市政府", "before_due"): 1,
        (w.child.pk, "市财政局", "overdue"): 1,  # the child plan's, per the city's
        (w.child.pk, "市财政局", "escalation"): 1,
    }
    sent = Counter((tuple(m.to), m.subject.split("】")[0] + "】") for m in mailoutbox)
    assert all(n == 1 for n in sent.values()), sent
    reminded = {
        to: subject for to, subject in sent if subject in ("【到期前提醒】", "【逾期催办】")
    }
    assert reminded == {
        ("stf@example.gov.cn",): "【到期前提醒】",
        ("yc-gov@example.gov.cn",): "【到期前提醒】",
        ("lx-gov@example.gov.cn",): "【到期前提醒】",
        ("yc-czj@example.gov.cn",): "【逾期催办】",
    }
    # the escalation goes to the city's coordinator, whose plan it is, not to the province
    [escalation] = [m for m in mailoutbox if m.subject.startswith("【逾期督办")]
    assert escalation.to == ["yc@example.gov.cn"]
    government = next(
        m
        for m in mailoutbox
        if m.to == ["yc-gov@example.gov.cn"] and m.subject.startswith("【到期前提醒】")
    )
    assert w.plan.title in government.body and w.parent.task.title[:20] in government.body
    # the coordinators' daily summaries: the city's lists its child plan's waiting claim and
    # overdue item; the province, which only reads that plan, is not told of them
    summaries = [m for m in mailoutbox if m.subject.startswith("【督办汇总】")]
    assert [m.to for m in summaries] == [["yc@example.gov.cn"]]
    assert "1 份办结申请待审核;1 项交办事项已逾期" in summaries[0].subject
