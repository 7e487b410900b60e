"""The assessment is aggregated in SQL (a few thousand groups at national scale instead of one
Python iteration per assignment); its scores are exactly those of the former per-assignment
count, kept here as the reference, on a plan with every kind of item, on several days. The
reference follows the rules as they now are: what is still open is late up to the day of
the assessment but no further than the year's 31 December; equal scores share a rank; a
region counts its own plans only (the plan is the city's: the province above has nothing)."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from core.localtime import local_date
from regions.models import Region, Unit
from regions.selectors import region_subtree_q
from reporting.progress import child_region_of
from reporting.services.assessment import Score, _score, assessment, scheme_for
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment, Task, WorkPlan
from tasks_app.selectors import assignments_with_status
from tasks_app.workdays import workdays_between


def reference_assessment(*, user, region, year, on):
    """The former implementation: every assignment read, lateness counted one by one."""
    scheme = scheme_for(region, year)
    rows = (
        assignments_with_status(assignments_for_user(user), on=on)
        .filter(region_subtree_q(region, prefix="unit__region__"), due_date__year=year)
        .filter(task__plan__region=region)  # each level on its own plans
        .annotate(child=child_region_of(region))
        .values_list(
            "unit_id",
            "unit__short_name",
            "unit__region_id",
            "child",
            "state",
            "due_date",
            "done_at",
            "submitted_at",
            "returns",
            "missed_report",
        )
    )
    counties = dict(Region.objects.filter(parent=region).values_list("pk", "name"))
    by_county = {pk: Score(name) for pk, name in counties.items()}
    by_unit = {}
    for (
        unit_id,
        name,
        unit_region,
        child,
        state,
        due,
        done_at,
        submitted_at,
        returns,
        missed,
    ) in rows:
        targets = [by_county[child]] if child in by_county else []
        if unit_region == region.pk:
            targets.append(by_unit.setdefault(unit_id, Score(name)))
        done = state == Assignment.State.DONE
        claimed = local_date(submitted_at) if submitted_at else None
        finished = (claimed or local_date(done_at)) if done else None
        if done:
            late_until = finished
        elif state == Assignment.State.SUBMITTED and claimed:
            late_until = claimed
        else:
            late_until = min(on, dt.date(year, 12, 31))
        late = max(0, workdays_between(due, late_until)) if late_until and late_until > due else 0
        for s in targets:
            s.assignments += 1
            s.done += done
            s.done_on_time += bool(done and finished and finished <= due)
            s.overdue_workdays += late
            s.returned += returns
            s.missed += bool(missed)
    # equal scores in official order: counties by code, units by their directory position
    official = list(Region.objects.order_by("code").values_list("name", flat=True))
    official += Unit.objects.order_by("region__code", "position", "id").values_list(
        "short_name", flat=True
    )
    ranked = []
    for table in (by_county, by_unit):
        scores = [s for s in table.values() if s.assignments]
        for s in scores:
            _score(s, scheme)
        scores.sort(key=lambda s: (-s.score, official.index(s.name)))
        for s in scores:  # 1 + how many scored better
            s.rank = 1 + sum(other.score > s.score for other in scores)
        ranked.append(scores)
    return ranked[0], ranked[1]


def at(day: str, hour: int) -> dt.datetime:
    """A local time (Asia/Shanghai); early hours are the day before in UTC."""
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour))


@pytest.fixture
def varied(world):
    """Items of every kind for the city's units and every county: done on time and late
    (claimed just before or after local midnight), claimed in time and late and waiting,
    open and overdue, returned, with a missed monthly report; due across 2026 and one in
    2027 (another year)."""
    WorkPlan.objects.filter(pk=world.plan.pk).update(report_cycle="monthly", report_day=10)
    units = [*Unit.objects.filter(region__parent=world.region), world.fgw_unit, world.czj_unit]
    dues = [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 10, 9), dt.date(2027, 1, 8)]
    kinds = [
        ("done", at("2026-03-31", 7), at("2026-04-02", 9)),  # claimed 03-31 local (UTC: 03-30)
        ("done", at("2026-07-01", 0), at("2026-07-03", 9)),  # claimed the day after
        ("done", None, at("2026-10-20", 9)),  # accepted without a claim on record
        ("submitted", at("2026-10-09", 23), None),  # claimed in time, waiting
        ("submitted", at("2026-11-02", 8), None),  # claimed late, waiting
        ("in_progress", None, None),
        ("assigned", None, None),
    ]
    tasks = Task.objects.bulk_create(
        [
            Task(plan=world.plan, ref=f"八/{n}", title=f"事项{n}", due_date=due, position=200 + n)
            for n, due in enumerate(dues * len(kinds))
        ]
    )
    assignments = []
    for n, task in enumerate(tasks):
        state, submitted, done = kinds[n % len(kinds)]
        for u, unit in enumerate(units):
            if (n + u) % 3 == 0:
                continue  # not every unit has every item
            assignments.append(
                Assignment(
                    task=task,
                    unit=unit,
                    due_date=task.due_date,
                    state=state,
                    progress=100 if state in ("done", "submitted") else 30,
                    signed_at=None if state == "assigned" else at("2026-01-05", 9),
                    submitted_at=submitted,
                    done_at=done,
                    returns=(n + u) % 4 == 1,
                    last_report_at=None if (n + u) % 2 else at("2026-11-01", 9),
                )
            )
    Assignment.objects.bulk_create(assignments)
    Assignment.objects.filter(task__in=tasks).update(created_at=at("2026-01-05", 9))
    return world


@pytest.mark.parametrize(
    "on", [dt.date(2026, 6, 30), dt.date(2026, 11, 20), dt.date(2027, 2, 1), dt.date(2027, 3, 1)]
)
def test_grouped_assessment_gives_the_scores_of_the_per_assignment_count(varied, on):
    for region in (varied.region, varied.region.parent):
        for year in (2026, 2027):
            expected = reference_assessment(
                user=varied.coordinator, region=region, year=year, on=on
            )
            got = assessment(user=varied.coordinator, region=region, year=year, on=on)
            assert [[dataclasses.asdict(s) for s in t] for t in got] == [
                [dataclasses.asdict(s) for s in t] for t in expected
            ], (region.name, year, on)
    above = varied.region.parent  # the province has no plan of its own here
    assert assessment(user=varied.coordinator, region=above, year=2026, on=on) == ([], [])
    counties, units = assessment(user=varied.coordinator, region=varied.region, year=2026, on=on)
    assert len(counties) == 10 and {s.name for s in units} == {"市发改委", "市财政局"}
    assert sum(s.overdue_workdays for s in counties) > 0 and sum(s.missed for s in counties) > 0
