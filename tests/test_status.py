"""Computed status: periodic reports missed, stalled work, working-day due-soon."""

import datetime as dt

from django.utils import timezone

from tasks_app.models import Assignment, WorkPlan
from tasks_app.selectors import assignments_with_status, reporting_days
from tasks_app.services import assignments as svc


def status(assignment, on=None):
    return assignments_with_status(Assignment.objects.filter(pk=assignment.pk), on=on).get()


def test_reporting_days_monthly_and_quarterly():
    assert reporting_days("monthly", 25, dt.date(2026, 11, 21)) == (
        dt.date(2026, 10, 25),
        dt.date(2026, 9, 25),
    )
    assert reporting_days("monthly", 25, dt.date(2026, 11, 25)) == (
        dt.date(2026, 11, 25),
        dt.date(2026, 10, 25),
    )
    assert reporting_days("quarterly", 10, dt.date(2026, 2, 1)) == (
        dt.date(2025, 12, 10),
        dt.date(2025, 9, 10),
    )


def test_missed_periodic_report_when_none_came_since_the_reporting_day_before(world):
    a = world.czj_own  # 一/(二) says 每月反馈: a monthly cycle from the document
    assert a.task.report_cycle == "monthly"
    long_ago = timezone.now() - dt.timedelta(days=120)
    Assignment.objects.filter(pk=a.pk).update(created_at=long_ago)
    assert status(a).missed_report is True
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    svc.report_create(user=world.czj, assignment_id=a.pk, text="本月进展", progress=20)
    assert status(a).missed_report is False


def test_plan_level_cycle_applies_to_tasks_without_their_own(world):
    a = world.fgw_lead  # 一/(一) has no cycle of its own
    Assignment.objects.filter(pk=a.pk).update(created_at=timezone.now() - dt.timedelta(days=200))
    assert status(a).missed_report is False
    WorkPlan.objects.filter(pk=world.plan.pk).update(report_cycle="quarterly", report_day=5)
    assert status(a).missed_report is True


def test_new_assignment_has_missed_nothing_yet(world):
    assert status(world.czj_own).missed_report is False  # created today


def test_stalled_after_days_without_a_report(world, settings):
    settings.STALLED_AFTER_DAYS = 30
    a = world.czj_own
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    Assignment.objects.filter(pk=a.pk).update(signed_at=timezone.now() - dt.timedelta(days=31))
    assert status(a).is_stalled is True
    svc.report_create(user=world.czj, assignment_id=a.pk, text="x", progress=10)
    assert status(a).is_stalled is False


def test_due_soon_counts_working_days_across_national_day(world, settings):
    settings.DUE_SOON_WORKDAYS = 2
    a = world.czj_own
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    Assignment.objects.filter(pk=a.pk).update(due_date=dt.date(2026, 10, 9))
    # 2026-09-30: 10-01..10-07 are holidays, so 10-08 and 10-09 are the next two working days
    assert status(a, on=dt.date(2026, 9, 30)).light == "yellow"
    assert status(a, on=dt.date(2026, 9, 29)).light == "green"
    assert status(a, on=dt.date(2026, 10, 10)).light == "red"


def test_a_claim_filed_in_time_and_accepted_late_counts_as_on_time(world):
    """The unit's part ends with its claim: a slow review does not make it late."""
    import time_machine

    from reporting.progress import ProgressFilters, progress_by_unit
    from reporting.services.assessment import assessment

    svc.assignment_change_due_date(
        user=world.coordinator,
        assignment_id=world.czj_own.pk,
        due_date=dt.date(2026, 9, 24),
        reason="按文件",
    )
    with time_machine.travel(dt.datetime(2026, 9, 23, 8, 0, tzinfo=dt.UTC), tick=False):
        svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
        claim = svc.report_create(
            user=world.czj,
            assignment_id=world.czj_own.pk,
            text="完成",
            progress=100,
            completion=True,
        )
    with time_machine.travel(dt.datetime(2026, 10, 12, 8, 0, tzinfo=dt.UTC), tick=False):
        svc.report_review(user=world.coordinator, report_id=claim.pk, accept=True)
    on = dt.date(2026, 10, 20)
    [row] = [
        r
        for r in progress_by_unit(
            user=world.coordinator, region=world.region, filters=ProgressFilters(), on=on
        )
        if r.name == "市财政局"
    ]
    assert (row.done, row.done_on_time) == (1, 1)
    _counties, units = assessment(user=world.coordinator, region=world.region, year=2026, on=on)
    czj = next(s for s in units if s.name == "市财政局")
    assert czj.done_on_time == 1


def test_asked_for_flags_only_those_are_built_and_they_are_the_same(world):
    """An aggregate names the flags it counts by; each flag is the full set's own."""
    on = dt.date(2026, 11, 20)
    everything = assignments_with_status(Assignment.objects.all(), on=on)
    some = assignments_with_status(
        Assignment.objects.all(), on=on, flags=("is_overdue", "missed_report")
    )
    assert set(some.query.annotations) == {"cycle", "is_overdue", "missed_report"}
    assert set(everything.query.annotations) >= {"light", "is_due_soon", "is_stalled"}
    fields = ("pk", "cycle", "is_overdue", "missed_report")
    assert list(some.order_by("pk").values_list(*fields)) == list(
        everything.order_by("pk").values_list(*fields)
    )


def test_the_reporting_bases_are_kept_per_time_zone(world):
    """Kept once computed, per cycle, day and time zone: not another zone's."""
    from tasks_app.selectors import _report_since_bases

    on = dt.date(2026, 11, 20)
    shanghai = _report_since_bases("monthly", on)
    with timezone.override("UTC"):
        utc = _report_since_bases("monthly", on)
    assert shanghai != utc
    assert _report_since_bases("monthly", on) == shanghai
