"""The cascade (分解下达), written: a government's coordinator receives an item a plan above
gave their government, decomposes it into a child plan of their own (a form's rows here; an
imported document through `import_job_create(parent_assignment=…)`), and, once that plan is
done, claims the item with a report composed from the child plan's accepted claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from core.errors import ApplicationError, NotFoundError
from regions.models import Unit, User
from tasks_app.access import incoming_for_user, require_receiver, units_for_user
from tasks_app.cascade import child_progress
from tasks_app.models import Assignment, ProgressReport, Role, WorkPlan
from tasks_app.selectors import today
from tasks_app.services.assignments import assignment_mark_signed, report_file
from tasks_app.services.imports import ImportResult, workplan_import

State = Assignment.State
MAX_ITEMS = 50


@dataclass
class SplitItem:
    """One row of the decomposition form: a task of the child plan and who carries it out."""

    title: str
    lead_unit_id: int | None = None
    unit_ids: list[int] = field(default_factory=list)
    due_date: dt.date | None = None
    text: str = ""


def _lock_incoming(user: User, assignment_id: int) -> Assignment:
    require_receiver(user)
    try:
        return (
            incoming_for_user(user)
            .select_for_update(of=("self",))
            .select_related("task__plan__region", "unit__region")
            .get(pk=assignment_id)
        )
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("上级交办事项不存在。") from exc


RECEIVED = "签收(上级交办,由本级协调员受领)"


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def incoming_receive(*, user: User, assignment_id: int) -> Assignment:
    """签收 an item from above on the government's behalf."""
    assignment = _lock_incoming(user, assignment_id)
    if assignment.state != State.ASSIGNED:
        raise ApplicationError(f"该事项已签收(当前状态:{assignment.get_state_display()})。")
    assignment_mark_signed(assignment, user, RECEIVED)
    return assignment


def _check_items(user: User, parent: Assignment, items: list[SplitItem]) -> dict[int, Unit]:
    """Every row named, with at least one unit of the user's own directory, due no later
    than the item from above; returns the units by id."""
    rows = [i for i in items if i.title.strip() or i.lead_unit_id or i.unit_ids]
    if not rows:
        raise ApplicationError("请至少填写一项分解任务(任务内容和责任单位)。")
    if len(rows) > MAX_ITEMS:
        raise ApplicationError(f"一次最多分解为 {MAX_ITEMS} 项任务。")
    wanted = {pk for i in rows for pk in [i.lead_unit_id, *i.unit_ids] if pk}
    units = {u.pk: u for u in units_for_user(user).filter(pk__in=wanted)}
    for number, item in enumerate(rows, start=1):
        if not item.title.strip():
            raise ApplicationError(f"第 {number} 项:请填写任务内容。")
        named = [pk for pk in [item.lead_unit_id, *item.unit_ids] if pk]
        if not named:
            raise ApplicationError(f"第 {number} 项:请选择至少一个责任单位。")
        if any(pk not in units for pk in named):
            raise NotFoundError(f"第 {number} 项:单位不存在。")
        if item.due_date and item.due_date > parent.due_date:
            raise ApplicationError(
                f"第 {number} 项:期限 {item.due_date:%Y-%m-%d} 晚于上级交办的期限 "
                f"{parent.due_date:%Y-%m-%d}。"
            )
    items[:] = rows
    return units


def _outline(parent: Assignment, items: list[SplitItem], units: dict[int, Unit], start) -> dict:
    tasks = []
    for number, item in enumerate(items, start=1):
        entries = []
        if item.lead_unit_id:
            lead = units[item.lead_unit_id]
            entries.append({"name": lead.short_name, "role": Role.LEAD, "unit_id": lead.pk})
        for pk in dict.fromkeys(item.unit_ids):
            if pk != item.lead_unit_id:
                unit = units[pk]
                entries.append({"name": unit.short_name, "role": Role.RESPONSIBLE, "unit_id": pk})
        tasks.append(
            {
                "ref": str(number),
                "number": str(number),
                "title": item.title.strip()[:500],
                "text": item.text.strip(),
                "deadline": (item.due_date or parent.due_date).isoformat(),
                "units": entries,
            }
        )
    return {
        "title": f"{parent.task.title[:180]}(分解落实)",
        "issuer": parent.unit.full_name or parent.unit.short_name,
        "period": {"start": start.isoformat(), "end": parent.due_date.isoformat()},
        "tasks": tasks,
    }


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def incoming_decompose(
    *, user: User, assignment_id: int, items: list[SplitItem], on: dt.date | None = None
) -> ImportResult:
    """Split an item from above into a child plan of the user's government: one task per
    row, assigned to the units chosen (of the user's own directory). Receives the item too,
    if it was not yet."""
    parent = _lock_incoming(user, assignment_id)
    if WorkPlan.objects.filter(parent_assignment=parent).exists():
        raise ApplicationError("该事项已有分解方案。")
    if parent.state == State.DONE:
        raise ApplicationError("该事项已办结,不能再分解。")
    units = _check_items(user, parent, items)
    start = min(on or today(), parent.due_date)
    result = workplan_import(
        outline=_outline(parent, items, units, start),
        region=parent.unit.region,
        user=user,
        parent_assignment=parent,
        source_name=f"分解:{parent.task.plan.title}"[:255],
    )
    if parent.state == State.ASSIGNED:
        assignment_mark_signed(parent, user, RECEIVED)
    return result


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def incoming_claim(*, user: User, assignment_id: int, text: str) -> ProgressReport:
    """Claim the item from above as done (for the upper coordinator's review), once its child
    plan is done; `text` is the report (drafted by `child_plan_report_draft`, edited)."""
    parent = _lock_incoming(user, assignment_id)
    progress = child_progress(parent)
    if progress is None:
        raise ApplicationError("该事项尚未分解落实;请先分解,待分解方案全部办结后再申请办结。")
    if not progress.complete:
        raise ApplicationError(
            f"分解方案《{progress.title}》尚未全部办结(已办结 {progress.done}/{progress.total}),"
            "不能申请办结。"
        )
    return report_file(assignment=parent, user=user, text=text, progress=100, completion=True)
