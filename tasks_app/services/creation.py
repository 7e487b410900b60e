"""Adding single assignments by hand (the import adds them in bulk)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from core.errors import ApplicationError, NotFoundError
from regions.models import User
from tasks_app import events
from tasks_app.access import require_coordinator, tasks_for_user, units_for_user
from tasks_app.models import Assignment, Role


@transaction.atomic
def assignment_create(
    *,
    user: User,
    task_id: int,
    unit_id: int,
    due_date: dt.date | None = None,
    role: str = Role.RESPONSIBLE,
) -> Assignment:
    require_coordinator(user)
    task = tasks_for_user(user).filter(pk=task_id).first()
    unit = units_for_user(user).filter(pk=unit_id).first()
    if task is None or unit is None:
        raise NotFoundError("任务或单位不存在。")
    assignment = Assignment(task=task, unit=unit, role=role, due_date=due_date or task.due_date)
    assignment._history_user = user
    assignment._change_reason = "手工交办"
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        raise ApplicationError(f"{unit}已有该任务的交办事项。") from exc
    events.emit("assigned", plan=task.plan, assignments=[assignment], actor=user)
    return assignment
