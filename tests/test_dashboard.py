"""The 督办驾驶舱: its figures against a small world computed by hand, its queries bounded,
its route scoped. Every date is fixed (the clock is set where the history is made)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from regions.models import Unit
from regions.services import user_upsert
from reporting import dashboard
from tasks_app.models import Assignment, Task
from tasks_app.services import assignments as svc
from tasks_app.workdays import warm_calendar

ON = dt.date(2026, 11, 20)  # a Friday; the weeks end on 11-20, 11-13, 11-06, …
URL = "/admin/tasks_app/workplan/dashboard/"


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


def _extra(world, unit, due: dt.date, n: int = 1) -> list[Assignment]:
    """`n` more tasks of the world's plan, each assigned to `unit`, with their history."""
    start = Task.objects.filter(plan=world.plan, ref__startswith="九/").count()
    tasks = Task.objects.bulk_create(
        [
            Task(plan=world.plan, ref=f"九/{i}", title=f"事项{i}", due_date=due, position=100 + i)
            for i in range(start, start + n)
        ]
    )
    return bulk_create_with_history(
        [Assignment(task=t, unit=unit, due_date=due) for t in tasks], Assignment
    )


def _unit_user(assignment):
    return user_upsert(
        username=f"u{assignment.unit_id}", password="pw-123456", role="unit_user",
        unit=assignment.unit,
    )  # fmt: skip


def _claim(world, assignment, when, *, accept: bool, comment: str = "") -> None:
    """Signed, claimed and reviewed at `when`."""
    user = _unit_user(assignment)
    with time_machine.travel(when, tick=False):
        svc.assignment_sign(user=user, assignment_id=assignment.pk)
        report = svc.report_create(
            user=user, assignment_id=assignment.pk, text="完成", progress=100, completion=True
        )
        svc.report_review(
            user=world.coordinator, report_id=report.pk, accept=accept, comment=comment
        )


@pytest.fixture
def dash(request):
    """The world made on 2026-10-01, then, by hand (due dates moved on 10-01):
    - 市财政局 一/(二), due 10-31: done on time on 10-10; its 一/(一), due 10-20: open;
    - 古交市, due 12-31: done on time on 11-05; 小店区, due 11-05: done late on 11-10;
    - 迎泽区, due 11-16: asked for 12-15 on 11-12, refused on 11-18 (overdue from 11-17);
    - 杏花岭区: claimed and returned on 11-17; 尖草坪区, due 11-02, and one more item of it
      due 11-03: open; 市发改委 一/(一), due 12-31: done on time on 11-19."""
    with time_machine.travel(at(10, 1), tick=False):
        w = request.getfixturevalue("world")
        w.county = {
            u.region.name: Assignment.objects.get(task__plan=w.plan, task__ref="一/(三)", unit=u)
            for u in Unit.objects.filter(kind="government", region__parent=w.region)
        }
        for a, due in [
            (w.fgw_lead, dt.date(2026, 12, 31)),
            (w.czj_shared, dt.date(2026, 10, 20)),
            (w.czj_own, dt.date(2026, 10, 31)),
            (w.county["小店区"], dt.date(2026, 11, 5)),
            (w.county["迎泽区"], dt.date(2026, 11, 16)),
            (w.county["尖草坪区"], dt.date(2026, 11, 2)),
        ]:
            svc.assignment_change_due_date(
                user=w.coordinator, assignment_id=a.pk, due_date=due, reason="调整"
            )
        (w.jcp_extra,) = _extra(w, w.county["尖草坪区"].unit, dt.date(2026, 11, 3))
    _claim(w, w.czj_own, at(10, 10), accept=True)
    _claim(w, w.county["古交市"], at(11, 5), accept=True)
    _claim(w, w.county["小店区"], at(11, 10), accept=True)
    yz = w.county["迎泽区"]
    with time_machine.travel(at(11, 12), tick=False):
        svc.assignment_sign(user=_unit_user(yz), assignment_id=yz.pk)
        w.extension = svc.extension_request_create(
            user=_unit_user(yz),
            assignment_id=yz.pk,
            requested_due_date=dt.date(2026, 12, 15),
            reason="需协调",
        )
    with time_machine.travel(at(11, 18), tick=False):
        svc.extension_request_decide(
            user=w.coordinator, request_id=w.extension.pk, approve=False, comment="理由不足"
        )
    _claim(w, w.county["杏花岭区"], at(11, 17), accept=False, comment="补充材料")
    _claim(w, w.fgw_lead, at(11, 19), accept=True)
    return w


def test_weekly_series_is_the_history_at_each_week_end(dash):
    points = dashboard.weekly_series(user=dash.coordinator, plan=dash.plan, on=ON)

    # weeks before the plan existed (09-04 … 09-25) are left out; 14 items throughout
    assert [(p.week_end, p.total, p.done, p.done_on_time) for p in points] == [
        (dt.date(2026, 10, 2), 14, 0, 0),
        (dt.date(2026, 10, 9), 14, 0, 0),
        (dt.date(2026, 10, 16), 14, 1, 1),  # 市财政局 一/(二)
        (dt.date(2026, 10, 23), 14, 1, 1),
        (dt.date(2026, 10, 30), 14, 1, 1),
        (dt.date(2026, 11, 6), 14, 2, 2),  # + 古交市
        (dt.date(2026, 11, 13), 14, 3, 2),  # + 小店区, late
        (dt.date(2026, 11, 20), 14, 4, 3),  # + 市发改委
    ]
    assert points[-1].completion_rate == 4 / 14 and points[-1].on_time_rate == 3 / 4


def test_weekly_series_is_empty_for_another_regions_coordinator(dash):
    assert dashboard.weekly_series(user=dash.other_coordinator, plan=dash.plan, on=ON) == []


def test_counties_ranked_by_completion_then_on_time_then_official_order(dash):
    rows = dashboard.counties_ranked(user=dash.leader, plan=dash.plan, on=ON)

    names = [r.name for r in rows]
    # 古交市 (100%, on time 100%) before 小店区 (100%, on time 0%), though later officially;
    # the rest (0%) in official order (code), whatever their overdue items
    assert names == [
        "古交市", "小店区", "迎泽区", "杏花岭区", "尖草坪区", "万柏林区", "晋源区", "清徐县",
        "阳曲县", "娄烦县",
    ]  # fmt: skip
    assert (rows[0].total, rows[0].done, rows[0].done_on_time) == (1, 1, 1)
    assert (rows[4].total, rows[4].overdue) == (2, 2)  # 尖草坪区


def test_overdue_by_unit_most_first_then_official_order(dash):
    rows = dashboard.overdue_by_unit(user=dash.coordinator, plan=dash.plan, on=ON)

    assert [(r.name, r.overdue) for r in rows] == [
        ("尖草坪区政府", 2),
        ("市财政局", 1),  # 太原市 itself comes before its counties
        ("迎泽区政府", 1),
    ]
    top = dashboard.overdue_by_unit(user=dash.coordinator, plan=dash.plan, on=ON, top=1)
    assert [r.name for r in top] == ["尖草坪区政府"]


def test_this_weeks_changes_are_the_last_seven_days(dash):
    changes = dashboard.week_changes(user=dash.coordinator, plan=dash.plan, on=ON)

    yz, xhl = dash.county["迎泽区"].pk, dash.county["杏花岭区"].pk
    # 11-14 … 11-20: not 小店区's 11-10 nor 古交市's 11-05; newest first
    assert [(c.kind, c.at, c.assignment_id) for c in changes] == [
        ("done", dt.date(2026, 11, 19), dash.fgw_lead.pk),
        ("extension", dt.date(2026, 11, 18), yz),
        ("returned", dt.date(2026, 11, 17), xhl),
        ("overdue", dt.date(2026, 11, 17), yz),
    ]
    assert changes[1].label == "不同意延期" and changes[2].detail == "补充材料"
    # on 12-01 nothing: every change is older than 7 days
    later = dashboard.week_changes(user=dash.coordinator, plan=dash.plan, on=dt.date(2026, 12, 1))
    assert later == []


def test_due_in_the_next_ten_workdays_across_national_day(world):
    # given: from Monday 2026-09-28, the 10th working day is 10-16 (10-01…10-07 off,
    # Saturday 10-10 worked)
    for name, due in [
        ("娄烦县", dt.date(2026, 9, 28)),
        ("小店区", dt.date(2026, 9, 27)),
        ("古交市", dt.date(2026, 10, 16)),
        ("阳曲县", dt.date(2026, 10, 8)),
        ("清徐县", dt.date(2026, 10, 19)),
    ]:
        a = Assignment.objects.get(
            task__plan=world.plan, task__ref="一/(三)", unit__region__name=name
        )
        svc.assignment_change_due_date(
            user=world.coordinator, assignment_id=a.pk, due_date=due, reason="调整"
        )

    # when
    rows = dashboard.due_soon(user=world.leader, plan=world.plan, on=dt.date(2026, 9, 28))

    # then
    assert [(a.due_date, a.unit.short_name) for a in rows] == [
        (dt.date(2026, 9, 28), "娄烦县政府"),
        (dt.date(2026, 10, 8), "阳曲县政府"),
        (dt.date(2026, 10, 16), "古交市政府"),
    ]


def _selector_queries(world) -> int:
    with CaptureQueriesContext(connection) as queries:
        dashboard.weekly_series(user=world.coordinator, plan=world.plan, on=ON)
        dashboard.counties_ranked(user=world.coordinator, plan=world.plan, on=ON)
        dashboard.overdue_by_unit(user=world.coordinator, plan=world.plan, on=ON)
        dashboard.week_changes(user=world.coordinator, plan=world.plan, on=ON)
        list(dashboard.due_soon(user=world.coordinator, plan=world.plan, on=ON))
    return len(queries)


def test_figures_take_the_same_queries_for_few_and_many_assignments(dash):
    warm_calendar()  # the working-day calendar is read once per process, not per page
    few = _selector_queries(dash)
    for unit in Unit.objects.filter(kind="government", region__parent=dash.region)[:5]:
        _extra(dash, unit, dt.date(2026, 11, 18), n=8)  # more overdue, new overdue, history

    assert _selector_queries(dash) == few == 9


def test_page_takes_the_same_queries_for_few_and_many_assignments(client, dash):
    client.force_login(dash.coordinator)
    warm_calendar()

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"plan": dash.plan.pk})
        assert response.status_code == 200
        return len(queries)

    few = page_queries()
    _extra(dash, dash.county["万柏林区"].unit, dt.date(2026, 11, 18), n=40)
    assert page_queries() == few


def test_page_shows_the_plan_to_coordinator_and_leader_not_to_another_region(client, dash):
    for user in (dash.coordinator, dash.leader):
        client.force_login(user)
        response = client.get(URL)  # the region's latest plan by default
        assert response.status_code == 200
        body = response.content.decode()
        assert dash.plan.title in body and 'id="dash-chart"' in body
        assert 'class="point done"' in body
    client.force_login(dash.other_coordinator)
    assert client.get(URL, {"plan": dash.plan.pk}).status_code == 404
    assert "没有可查看的工作要点" in client.get(URL).content.decode()
    assert client.get(URL, {"plan": "x"}).status_code == 400


def test_line_chart_draws_each_week_left_to_right_and_rates_bottom_to_top():
    from reporting.dashboard_views import line_chart

    weeks = [dt.date(2026, 11, 6), dt.date(2026, 11, 13), dt.date(2026, 11, 20)]
    points = [
        dashboard.WeekPoint(w, 4, done, on)
        for w, done, on in zip(weeks, (0, 2, 4), (0, 1, 4), strict=True)
    ]

    chart = line_chart(points)

    drawn = chart["points"]
    assert [p["x"] for p in drawn] == [52, 338, 624]  # from the left axis to the right edge
    assert [p["done_y"] for p in drawn] == [220, 118, 16]  # 0%: the bottom; 100%: the top
    assert [p["on_time_y"] for p in drawn] == [220, 118, 16]  # 0 of 0, 1 of 2, 4 of 4
    assert chart["done_line"] == "52.0,220.0 338.0,118.0 624.0,16.0"
    assert [p["label"] for p in drawn] == ["11-06", "11-13", "11-20"]
