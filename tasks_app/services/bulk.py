"""Bulk 改派 and 调整期限 from the assignment list: many items, one reason, one transaction.

The rules are the single services' (assignment_reassign, assignment_change_due_date); what
differs is how they are applied:

- a refusal of the request itself (no reason, a unit outside the user's scope, a date
  before a selected item's plan starts) applies nothing: the whole call raises;
- an item that cannot take the change (已办结, 待审核, a pending extension, the target unit
  already has its task, it is already so) is skipped and named in `skipped`; the others are
  applied together, all or nothing;
- each applied item gets its own history row carrying the reason (simple_history's change
  reason), and the units are told as the single services tell them.

Both run in a constant number of queries, however many items are selected: the items are
read and locked in one query, updated in one, their history written in one, and the units
told in one batch (notify's notices_create).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.errors import ApplicationError, NotFoundError
from regions.models import User
from tasks_app import events
from tasks_app.access import (
    assignments_for_user,
    plan_is_managed_by,
    require_coordinator,
    units_for_user,
)
from tasks_app.models import Assignment, ExtensionRequest
from tasks_app.workdays import add_workdays

State = Assignment.State

REASON_MAX = 60  # the history keeps 100 characters: the reason with what changed
HISTORY_REASON_MAX = 100
SHIFT_MAX = 250  # working days: about a year


@dataclass
class BulkResult:
    """What a bulk change did: the items changed, and the ones left alone with why."""

    applied: list[Assignment] = field(default_factory=list)
    skipped: list[tuple[Assignment, str]] = field(default_factory=list)

    def skipped_messages(self) -> list[str]:
        return [f"{item.task.ref} {item.unit}:{why}" for item, why in self.skipped]


def history_reason(text: str) -> str:
    """A change reason that fits the history's column (100 characters)."""
    if len(text) <= HISTORY_REASON_MAX:
        return text
    return text[: HISTORY_REASON_MAX - 1] + "…"


def _reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(missing)
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"原因不能超过 {REASON_MAX} 字。")
    return reason


def _locked(user: User, assignment_ids: Sequence[int]) -> list[Assignment]:
    """The selected items the user may see, locked for this transaction, in one query; ids
    outside the user's scope are not found (left out, never applied)."""
    ids = [pk for pk in assignment_ids if isinstance(pk, int)]
    items = list(
        assignments_for_user(user)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .select_related("task__plan", "unit")
        .order_by("pk")
    )
    if not items:
        raise NotFoundError("所选事项不存在。")
    return items


def _managed(user: User, items: list[Assignment], result: BulkResult) -> list[Assignment]:
    """The items of plans the user changes; those of a lower government's child plan (分解
    方案), which the levels above only read, are skipped and named."""
    kept = []
    for item in items:
        if plan_is_managed_by(user, item.task.plan):
            kept.append(item)
        else:
            result.skipped.append((item, "属于下级政府的分解方案,由其协调员办理"))
    return kept


def _write(items: list[Assignment], fields: list[str], user: User) -> None:
    """Update `fields` of `items` and write each one's history row (its `_change_reason`)."""
    now = timezone.now()
    for item in items:
        item.updated_at = now
        item._history_user = user
    bulk_update_with_history(
        items, Assignment, [*fields, "updated_at"], default_user=user, default_date=now
    )


@transaction.atomic(durable=True)  # top level: the notices go out at the real commit
def assignments_reassign_many(
    *, user: User, assignment_ids: Sequence[int], unit_id: int, reason: str
) -> BulkResult:
    """改派: give each selected item to `unit_id`; it starts again from 待签收."""
    require_coordinator(user)
    unit = units_for_user(user).filter(pk=unit_id).first() if isinstance(unit_id, int) else None
    if unit is None:
        raise NotFoundError("单位不存在。")
    reason = _reason(reason, "请填写改派原因。")
    result = BulkResult()
    items = _managed(user, _locked(user, assignment_ids), result)
    pending = set(
        ExtensionRequest.objects.filter(
            assignment__in=items, status=ExtensionRequest.Status.PENDING
        ).values_list("assignment_id", flat=True)
    )
    held = set(  # the unit's own items of these tasks: it cannot get a second one
        Assignment.objects.filter(unit=unit, task_id__in={a.task_id for a in items}).values_list(
            "task_id", flat=True
        )
    )
    for item in items:
        if item.unit_id == unit.pk:
            why = f"已由{unit}承办"
        elif item.state == State.DONE:
            why = "已办结的事项不能改派"
        elif item.state == State.SUBMITTED:
            why = "有待审核的办结申请,请先审核再改派"
        elif item.pk in pending:
            why = "有待审批的延期申请,请先处理再改派"
        elif item.task_id in held:
            why = f"{unit}已有该任务的交办事项,不能重复交办"
        else:
            held.add(item.task_id)
            item._change_reason = history_reason(f"改派:{item.unit} → {unit}({reason})")
            item.unit = unit
            item.state = State.ASSIGNED
            item.signed_at = None
            item.progress = 0
            result.applied.append(item)
            continue
        result.skipped.append((item, why))
    if result.applied:
        _write(result.applied, ["unit", "state", "signed_at", "progress"], user)
        plan = result.applied[0].task.plan
        events.emit("assigned", plan=plan, assignments=result.applied, actor=user)
    return result


def _new_date(item: Assignment, due_date: dt.date | None, workdays: int | None) -> dt.date:
    return due_date if due_date is not None else add_workdays(item.due_date, workdays or 0)


@transaction.atomic(durable=True)  # top level: the notices go out at the real commit
def assignments_change_due_date_many(
    *,
    user: User,
    assignment_ids: Sequence[int],
    reason: str,
    due_date: dt.date | None = None,
    workdays: int | None = None,
) -> BulkResult:
    """调整期限: move each selected item to `due_date`, or `workdays` working days after its
    own due date (顺延). A date before an item's plan starts refuses the whole change."""
    require_coordinator(user)
    if (due_date is None) == (workdays is None):
        raise ApplicationError("请填写新的期限,或顺延的工作日数(二选一)。")
    if workdays is not None and not 1 <= workdays <= SHIFT_MAX:
        raise ApplicationError(f"顺延的工作日数应在 1 到 {SHIFT_MAX} 之间。")
    reason = _reason(reason, "请填写调整期限的原因。")
    result, old = BulkResult(), {}
    items = _managed(user, _locked(user, assignment_ids), result)
    early = [
        item
        for item in items
        if item.state != State.DONE
        and _new_date(item, due_date, workdays) < item.task.plan.period_start
    ]
    if early:
        item = early[0]
        raise ApplicationError(
            f"新的期限早于工作要点的起始日期 {item.task.plan.period_start:%Y-%m-%d}"
            f"({item.task.ref} {item.unit}等 {len(early)} 项),未作调整。"
        )
    for item in items:
        new = _new_date(item, due_date, workdays)
        if item.state == State.DONE:
            result.skipped.append((item, "已办结的事项不能调整期限"))
        elif new == item.due_date:
            result.skipped.append((item, f"期限已是 {new:%Y-%m-%d}"))
        else:
            old[item.pk] = item.due_date
            item._change_reason = history_reason(
                f"调整期限:{item.due_date:%Y-%m-%d} → {new:%Y-%m-%d}({reason})"
            )
            item.due_date = new
            result.applied.append(item)
    if not result.applied:
        return result
    _write(result.applied, ["due_date"], user)
    if len(result.applied) == 1:  # told exactly as the single change tells it
        item = result.applied[0]
        events.emit(
            "due_changed",
            assignment=item,
            old=old[item.pk],
            new=item.due_date,
            reason=reason,
            actor=user,
        )
    else:
        events.emit("dues_changed", assignments=result.applied, reason=reason, actor=user)
    return result


def chase_history(items: list[Assignment], *, user: User, message: str) -> None:
    """A history row for each chased item (nothing of it changes) with the 督办意见 as its
    reason, so the item's history and timeline show who chased it, when, and what was said;
    the message in full is in the notice."""
    reason = history_reason(f"催办:{message}" if message else "催办")
    for item in items:
        item._history_user = user
        item._change_reason = reason
    bulk_update_with_history(items, Assignment, [], default_user=user)
