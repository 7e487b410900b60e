"""The yearly assessment (考核); the implementation report is in `implementation_report`.

Each level is assessed on its own plans: a region's assessment counts the assignments of
the plans of that region itself (`WorkPlan.region`), never those of the plans below it. A
city's child plan (分解方案, the decomposition of an item a province plan gave the city's
government) is the city's: it counts in the city's assessment, not in the province's, which
counts the item itself, given to the city's government, once. What a plan below does is
the lower level's assessment, read there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, DateField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from core.localtime import local_zone
from core.spreadsheets import Sheet
from regions.models import Region, User
from regions.selectors import child_regions_in_order, region_subtree_q
from reporting.models import AssessmentScheme
from reporting.progress import NOTHING_DONE, child_region_of, percent
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment
from tasks_app.selectors import assignments_with_status, today
from tasks_app.workdays import workdays_between

FORMULA = (
    "得分 = 100 ×(办结率权重 × 办结率 + 按时率权重 × 按时率)÷(办结率权重 + 按时率权重)"
    " − 每逾期一个工作日扣分 × 逾期工作日合计 − 每次被退回扣分 × 被退回次数"
    " − 每次未按期反馈扣分 × 未按期反馈事项数;最低 0 分。办结率 = 已办结 ÷ 应办结;"
    "按时率 = 按期办结 ÷ 已办结(以申请办结之日计;没有已办结的记为“—”,按 0 计分);"
    "逾期工作日:已逾期的算到今天(往年度算到该年 12 月 31 日),"
    "逾期办结或待审核的算到申请办结之日。得分相同的名次相同。"
)


@dataclass
class Score:
    name: str
    assignments: int = 0
    done: int = 0
    done_on_time: int = 0
    overdue_workdays: int = 0
    returned: int = 0
    missed: int = 0
    score: float = 0.0
    rank: int = 0
    parts: dict = field(default_factory=dict)

    @property
    def completion_rate(self) -> float:
        return self.done / self.assignments if self.assignments else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.done_on_time / self.done if self.done else 0.0

    @property
    def completion_percent(self) -> int:
        return percent(self.done, self.assignments) or 0

    @property
    def on_time_percent(self) -> int | None:
        """None when nothing is done: the page and the workbook show "—", not 0%."""
        return percent(self.done_on_time, self.done)


def scheme_for(region: Region, year: int) -> AssessmentScheme:
    return AssessmentScheme.objects.filter(region=region, year=year).first() or AssessmentScheme(
        region=region, year=year
    )


def _score(s: Score, scheme: AssessmentScheme) -> None:
    w_c, w_t = float(scheme.w_completion), float(scheme.w_on_time)
    base = 100 * (w_c * s.completion_rate + w_t * s.on_time_rate) / (w_c + w_t)
    penalties = {
        "逾期扣分": float(scheme.p_overdue_day) * s.overdue_workdays,
        "退回扣分": float(scheme.p_returned) * s.returned,
        "未按期反馈扣分": float(scheme.p_missed) * s.missed,
    }
    s.parts = {"基础分": round(base, 1), **{k: round(v, 1) for k, v in penalties.items()}}
    s.score = round(max(0.0, base - sum(penalties.values())), 1)


def _grouped(user: User, region: Region, year: int, on: dt.date):
    """The figures in SQL, grouped by county, unit of the region itself, and (for the late
    ones) due date and the day lateness ran to: a few thousand rows at national scale, not
    one per assignment, so the working days are counted once per group. What is still open
    is late up to `on`, but no further than the year's last day: a past year's assessment
    stays what it was when the year closed."""
    zone = local_zone()
    claimed = TruncDate("submitted_at", tzinfo=zone)
    # the unit's part ends when it claims completion (a slow review is not its lateness)
    finished = Coalesce(claimed, TruncDate("done_at", tzinfo=zone))
    until = Case(
        When(state=Assignment.State.DONE, then=finished),
        When(state=Assignment.State.SUBMITTED, submitted_at__isnull=False, then=claimed),
        default=Value(min(on, dt.date(year, 12, 31))),
        output_field=DateField(),
    )
    own = Q(unit__region_id=region.pk)
    return (
        assignments_with_status(assignments_for_user(user), on=on)
        .filter(
            region_subtree_q(region, prefix="unit__region__"),
            task__plan__region_id=region.pk,  # the level's own plans (the module's docstring)
            due_date__year=year,
        )
        .annotate(
            child=child_region_of(region),
            own_unit=Case(When(own, then=F("unit_id")), output_field=IntegerField()),
            own_name=Case(When(own, then=F("unit__short_name")), output_field=CharField()),
            own_place=Case(When(own, then=F("unit__position")), output_field=IntegerField()),
            finished=finished,
            until=until,
        )
        .annotate(
            late_due=Case(When(until__gt=F("due_date"), then=F("due_date"))),
            late_until=Case(When(until__gt=F("due_date"), then=F("until"))),
        )
        .values_list("child", "own_unit", "own_name", "own_place", "late_due", "late_until")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(state=Assignment.State.DONE)),
            on_time=Count("id", filter=Q(state=Assignment.State.DONE, finished__lte=F("due_date"))),
            returned=Sum("returns"),
            missed=Count("id", filter=Q(missed_report=True)),
        )
        .order_by()
    )


def _rank(scores: list[Score]) -> None:
    """Competition ranking of scores sorted best first: equal scores share the better rank
    and the next one counts them all (1, 2, 2, 4)."""
    for i, s in enumerate(scores):
        same = i and s.score == scores[i - 1].score
        s.rank = scores[i - 1].rank if same else i + 1


def assessment(
    *, user: User, region: Region, year: int, on: dt.date | None = None
) -> tuple[list[Score], list[Score]]:
    """Scores per county (the region's children) and per unit of the region itself, for
    the assignments of the region's own plans due in `year`, ranked. One query for the
    figures (aggregated in SQL); the working days of lateness are counted per group of late
    ones. Equal scores share a rank (1, 2, 2, 4) and are listed in official order."""
    on = on or today()
    scheme = scheme_for(region, year)
    rows = _grouped(user, region, year, on)
    counties = child_regions_in_order(region)
    by_county: dict[int, Score] = {pk: Score(name) for pk, name in counties.items()}
    by_unit: dict[int, Score] = {}
    unit_places: dict[int, tuple[int, int]] = {}  # the region's own units' official order
    for child, unit_id, unit_name, place, due, until, n, done, on_time, returned, missed in rows:
        targets = [by_county[child]] if child in by_county else []
        if unit_id is not None:
            targets.append(by_unit.setdefault(unit_id, Score(unit_name)))
            unit_places[unit_id] = (place, unit_id)
        late = n * workdays_between(due, until) if until else 0
        for s in targets:
            s.assignments += n
            s.done += done
            s.done_on_time += on_time
            s.overdue_workdays += late
            s.returned += returned
            s.missed += missed
    by_unit = {pk: by_unit[pk] for pk in sorted(by_unit, key=unit_places.__getitem__)}
    ranked = []
    for table in (by_county, by_unit):  # each in official order: the sort below is stable
        scores = [s for s in table.values() if s.assignments]
        for s in scores:
            _score(s, scheme)
        scores.sort(key=lambda s: -s.score)
        _rank(scores)
        ranked.append(scores)
    return ranked[0], ranked[1]


SCORE_COLUMNS = [
    ("排名", 6),
    ("单位", 18),
    ("得分", 8),
    ("基础分", 8),
    ("逾期扣分", 10),
    ("退回扣分", 10),
    ("未按期反馈扣分", 14),
    ("应办结", 8),
    ("已办结", 8),
    ("按期办结", 10),
    ("办结率(%)", 10),
    ("按时率(%)", 10),
    ("逾期工作日", 10),
    ("被退回", 8),
    ("未按期反馈", 10),
]


def _score_row(s: Score) -> list:
    parts = s.parts
    return [
        s.rank,
        s.name,
        s.score,
        parts["基础分"],
        parts["逾期扣分"],
        parts["退回扣分"],
        parts["未按期反馈扣分"],
        s.assignments,
        s.done,
        s.done_on_time,
        s.completion_percent,
        NOTHING_DONE if s.on_time_percent is None else s.on_time_percent,
        s.overdue_workdays,
        s.returned,
        s.missed,
    ]


def assessment_sheets(counties: list[Score], units: list[Score]) -> list[Sheet]:
    """The page's two tables, ranked as it lists them."""
    return [
        Sheet("各县(市、区)", SCORE_COLUMNS, map(_score_row, counties)),
        Sheet("本级单位", SCORE_COLUMNS, map(_score_row, units)),
    ]
