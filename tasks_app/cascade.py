"""Reads of the cascade (分解下达): what came from above, and how the plans made from it
progress. A child plan's completion is computed from its assignments whenever it is read,
never copied onto the parent assignment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from regions.models import User
from regions.selectors import unit_order
from tasks_app.access import incoming_for_user
from tasks_app.models import Assignment, ProgressReport, WorkPlan
from tasks_app.selectors import assignments_with_status, overdue_q, today

State = Assignment.State


@dataclass(frozen=True)
class ChildProgress:
    """A child plan's completion, as of a day."""

    plan_id: int
    title: str
    region: str
    total: int
    done: int
    progress: int  # the mean of its assignments' progress, 0–100
    overdue: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    def as_dict(self) -> dict:
        return {
            "id": self.plan_id,
            "title": self.title,
            "region": self.region,
            "total": self.total,
            "done": self.done,
            "progress": self.progress,
            "overdue": self.overdue,
            "complete": self.complete,
        }


def child_progress_many(parent_ids, *, on: dt.date | None = None) -> dict[int, ChildProgress]:
    """The child plan of each of `parent_ids` that has one, with its completion: two queries
    for any number of parents."""
    on = on or today()
    plans = list(
        WorkPlan.objects.filter(parent_assignment_id__in=list(parent_ids)).values(
            "pk", "parent_assignment_id", "title", "region__name"
        )
    )
    if not plans:
        return {}
    figures = {
        row["task__plan_id"]: row
        for row in Assignment.objects.filter(task__plan_id__in=[p["pk"] for p in plans])
        .order_by()
        .values("task__plan_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(state=State.DONE)),
            mean=Avg("progress"),
            overdue=Count("id", filter=overdue_q(on)),
        )
    }
    found = {}
    for plan in plans:
        row = figures.get(plan["pk"], {})
        found[plan["parent_assignment_id"]] = ChildProgress(
            plan_id=plan["pk"],
            title=plan["title"],
            region=plan["region__name"],
            total=row.get("total", 0),
            done=row.get("done", 0),
            progress=round(row.get("mean") or 0),
            overdue=row.get("overdue", 0),
        )
    return found


def child_progress(parent: Assignment, *, on: dt.date | None = None) -> ChildProgress | None:
    return child_progress_many([parent.pk], on=on).get(parent.pk)


def with_child_plan(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Annotate each assignment with its child plan's id, size, done count and completion
    (subqueries: a list of any length stays one query)."""
    child = Assignment.objects.filter(task__plan__parent_assignment_id=OuterRef("pk")).order_by()
    grouped = child.values("task__plan__parent_assignment_id")

    def figure(expression):
        return Subquery(grouped.annotate(v=expression).values("v"), output_field=IntegerField())

    return queryset.annotate(
        child_plan_ref=Subquery(
            WorkPlan.objects.filter(parent_assignment_id=OuterRef("pk")).values("pk")[:1]
        ),
        child_total=Coalesce(figure(Count("id")), Value(0)),
        child_done=Coalesce(figure(Count("id", filter=Q(state=State.DONE))), Value(0)),
        child_progress=Coalesce(figure(Round(Avg("progress"))), Value(0)),
    )


def incoming_list(*, user: User, on: dt.date | None = None) -> list[Assignment]:
    """What came from above to the user's government, with the light and each item's child
    plan (`child`: a ChildProgress or None); the open ones first, then by due date."""
    done_last = Case(When(state=State.DONE, then=Value(1)), default=Value(0))
    items = list(
        assignments_with_status(incoming_for_user(user), on)
        .select_related("task__plan__region", "unit")
        .order_by(done_last, "due_date", "id")
    )
    children = child_progress_many([a.pk for a in items], on=on)
    for item in items:
        item.child = children.get(item.pk)
    return items


def incoming_open_count(user: User) -> int:
    """Items from above not yet done (the coordinator's 待办)."""
    return incoming_for_user(user).exclude(state=State.DONE).count()


def child_plan_report_draft(child: WorkPlan) -> str:
    """The parent's completion report, composed from the child plan's accepted claims: one
    paragraph per task, each unit's text after its name, in the directory's order. The
    coordinator edits it before sending."""
    accepted = (
        ProgressReport.objects.filter(
            assignment__task__plan=child,
            kind=ProgressReport.Kind.COMPLETION,
            review_status=ProgressReport.Review.ACCEPTED,
        )
        .select_related("assignment__task", "assignment__unit")
        .order_by(
            "assignment__task__position",
            *unit_order("assignment__unit__"),
            "-reviewed_at",
        )
    )
    by_task: dict[int, list[ProgressReport]] = defaultdict(list)
    tasks = {}
    seen_units = set()
    for report in accepted:
        key = (report.assignment.task_id, report.assignment.unit_id)
        if key in seen_units:  # a later claim of the same unit, returned and claimed again
            continue
        seen_units.add(key)
        tasks[report.assignment.task_id] = report.assignment.task
        by_task[report.assignment.task_id].append(report)
    lines = [f"按照上级部署,我们制定了《{child.title}》,分解为 {len(tasks)} 项任务,现均已办结:"]
    for number, (task_id, reports) in enumerate(by_task.items(), start=1):
        task = tasks[task_id]
        lines.append(f"{number}. {task.title}")
        lines += [f"  {r.assignment.unit.short_name}:{r.text.strip()}" for r in reports]
    return "\n".join(lines)
