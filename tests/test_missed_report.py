"""The "missed periodic report" flag (未按期反馈) is one fixed expression of a few branches,
and says exactly what the former per-(cycle, reporting day) formula said, kept here as the
reference: every cycle (the task's, else the plan's) × reporting day 1–28 × each day of
most of a year, at the boundaries to the microsecond."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import BooleanField, Case, Q, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regions.models import Region, Unit
from reporting.progress import ProgressFilters, progress_by_region
from tasks_app.models import Assignment, ReportCycle, Task, WorkPlan
from tasks_app.selectors import assignments_with_status, reporting_days

ONE_MICROSECOND = dt.timedelta(microseconds=1)


def _day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def reference_missed_report(on: dt.date) -> Case:
    """The former formula, one WHEN per (cycle, reporting day): 56 branches."""
    whens = []
    for cycle in (ReportCycle.MONTHLY, ReportCycle.QUARTERLY):
        for day in range(1, 29):
            _last, before = reporting_days(cycle, day, on)
            since = _day_end(before)
            whens.append(
                When(
                    Q(cycle=cycle, task__plan__report_day=day, created_at__lt=since)
                    & (Q(last_report_at__isnull=True) | Q(last_report_at__lt=since)),
                    then=Value(True),
                )
            )
    return Case(
        When(Q(state="done") | Q(state="submitted"), then=Value(False)),
        default=Case(*whens, default=Value(False), output_field=BooleanField()),
        output_field=BooleanField(),
    )


@pytest.fixture
def cycles(taiyuan):
    """A plan per reporting day (its own cycle none, monthly or quarterly by turns), each with
    a task of no cycle of its own, a monthly and a quarterly one, each assigned nine times:
    created long ago or right at / just before a reporting boundary, reported never, right
    at / just before a boundary, or finished."""
    units = list(Unit.objects.filter(region__parent=taiyuan)[:9])
    assert len(units) == 9
    long_ago = timezone.make_aware(dt.datetime(2025, 1, 1, 9))
    rows = []  # (assignment, created_at, last_report_at, state)
    for day in range(1, 29):
        plan = WorkPlan.objects.create(
            title=f"反馈日{day}",
            region=taiyuan,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            report_cycle=["", "monthly", "quarterly"][day % 3],
            report_day=day,
        )
        for position, cycle in enumerate(["", "monthly", "quarterly"]):
            task = Task.objects.create(
                plan=plan,
                ref=str(position + 1),
                title="事项",
                due_date=dt.date(2027, 6, 30),
                position=position,
                report_cycle=cycle,
            )
            september, june = _day_end(dt.date(2026, 9, day)), _day_end(dt.date(2026, 6, day))
            november, december = _day_end(dt.date(2026, 11, day)), _day_end(dt.date(2026, 12, day))
            for unit, (created, last, state) in zip(
                units,
                [
                    (long_ago, None, "assigned"),
                    (long_ago, september, "in_progress"),
                    (long_ago, september - ONE_MICROSECOND, "in_progress"),
                    (june - ONE_MICROSECOND, None, "assigned"),
                    (june, None, "assigned"),
                    (long_ago, december - ONE_MICROSECOND, "in_progress"),
                    (long_ago, november, "in_progress"),
                    (long_ago, None, "done"),
                    (long_ago, None, "submitted"),
                ],
                strict=True,
            ):
                rows.append(
                    (Assignment(task=task, unit=unit, due_date=task.due_date), created, last, state)
                )
    Assignment.objects.bulk_create([a for a, *_ in rows])
    now = timezone.now()
    for a, created, last, state in rows:
        a.created_at, a.last_report_at, a.state = created, last, state
        a.signed_at = None if state == "assigned" else long_ago
        a.submitted_at = long_ago if state in ("submitted", "done") else None
        a.done_at, a.progress = (now, 100) if state == "done" else (None, 0)
    Assignment.objects.bulk_update(
        [a for a, *_ in rows],
        [
            "created_at",
            "last_report_at",
            "state",
            "signed_at",
            "submitted_at",
            "done_at",
            "progress",
        ],
    )
    return Assignment.objects.filter(task__plan__title__startswith="反馈日")


def test_missed_report_agrees_with_the_former_formula_on_every_cycle_day_and_date(cycles):
    days = [dt.date(2026, 5, 1) + dt.timedelta(days=n) for n in range(280)]  # to 2027-02-05
    flagged = 0
    for on in days:
        rows = list(
            assignments_with_status(cycles, on=on)
            .annotate(reference=reference_missed_report(on))
            .values_list("pk", "missed_report", "reference")
        )
        assert len(rows) == 28 * 3 * 9
        wrong = [(pk, new, old) for pk, new, old in rows if bool(new) != bool(old)]
        assert wrong == [], on
        flagged += sum(bool(new) for _pk, new, _old in rows)
    assert 0 < flagged < len(days) * 28 * 3 * 9  # both answers occur


def _region_progress_sql(user, region, on) -> str:
    with CaptureQueriesContext(connection) as queries:
        progress_by_region(user=user, region=region, filters=ProgressFilters(), on=on)
    return max((q["sql"] for q in queries.captured_queries), key=len)


@pytest.mark.parametrize(
    "on",
    [dt.date(2026, 11, 20), dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2026, 3, 28)],
)
def test_region_progress_sql_does_not_grow_with_the_reporting_calendar(world, on):
    """The flag is a few branches: not one per (cycle, reporting day), and the same whatever
    the day (the reporting day enters the SQL as arithmetic, not as one branch each)."""
    reference = _region_progress_sql(world.coordinator, world.region, dt.date(2026, 11, 20))
    sql = _region_progress_sql(world.coordinator, world.region, on)
    assert sql.count("WHEN") < 20  # the former formula had 56 for the flag alone
    assert len(sql) < 8000  # it was 19.5 kB
    assert abs(len(sql) - len(reference)) < 200  # dates and run bounds differ, not branches
    WorkPlan.objects.filter(pk=world.plan.pk).update(report_cycle="quarterly", report_day=7)
    assert _region_progress_sql(world.coordinator, world.region, on).count("WHEN") == sql.count(
        "WHEN"
    )


def test_missed_reports_counted_per_county_from_the_fixed_expression(world):
    """A county's monthly item with no report since two reporting days ago is counted."""
    WorkPlan.objects.filter(pk=world.plan.pk).update(report_cycle="monthly", report_day=25)
    county = Assignment.objects.filter(pk=world.county_own.pk)
    county.update(created_at=timezone.make_aware(dt.datetime(2026, 9, 1, 9)))
    on = dt.date(2026, 11, 20)  # reporting days 10-25 and 9-25: nothing since 9-26 00:00
    rows = {
        r.name: r
        for r in progress_by_region(
            user=world.coordinator, region=world.region, filters=ProgressFilters(), on=on
        )
    }
    assert rows["小店区"].missed_reports == 1
    county.update(last_report_at=timezone.make_aware(dt.datetime(2026, 9, 26, 0, 0)))
    rows = {
        r.name: r
        for r in progress_by_region(
            user=world.coordinator, region=world.region, filters=ProgressFilters(), on=on
        )
    }
    assert rows["小店区"].missed_reports == 0
    assert Region.objects.filter(parent=world.region).count() == 10
