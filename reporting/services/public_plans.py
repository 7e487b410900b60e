"""The public page of a plan (政务公开): a snapshot of its progress frozen at publishing, like
a bulletin's figures, served anonymously at an opaque URL; refreshed by publishing again,
withdrawn by unpublishing.

What a snapshot holds is an allow-list: the plan's title, issuer and period; each task's
reference, title, responsible units' names, due date, state and completion; totals; and the
text of the reports a coordinator marked public. Never people, comments, reasons, files or
internal ids (tests/test_public_page.py walks every key)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, NotFoundError
from core.localtime import date_text
from notify.signals import plan_published
from regions.models import User
from regions.selectors import unit_order
from reporting.models import PublicPlan
from tasks_app.access import plans_for_user, require_coordinator, require_plan_manager
from tasks_app.models import Assignment, ProgressReport, Role, Task, WorkPlan
from tasks_app.selectors import assignments_with_status, today

STATE_DONE, STATE_OVERDUE, STATE_GOING, STATE_NEW = "已办结", "已逾期", "推进中", "待签收"
OPEN = (Assignment.State.IN_PROGRESS, Assignment.State.SUBMITTED)


def new_token() -> str:
    """192 random bits, URL-safe: nothing to enumerate, nothing to guess."""
    return secrets.token_urlsafe(24)


def _unit_name(unit) -> str:
    return unit.full_name or unit.short_name


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _state(items: list[Assignment]) -> str:
    if not items:
        return ""
    if all(a.state == Assignment.State.DONE for a in items):
        return STATE_DONE
    if any(a.is_overdue for a in items):  # the one overdue rule (a claim filed in time is not)
        return STATE_OVERDUE
    if any(a.state in OPEN or a.state == Assignment.State.DONE for a in items):
        return STATE_GOING
    return STATE_NEW


def public_snapshot(*, plan: WorkPlan, on: dt.date | None = None) -> dict:
    """The plan's progress as the public may read it (three queries, whatever the size)."""
    on = on or today()
    tasks = Task.objects.filter(plan=plan).order_by("position", "pk")
    by_task: dict[int, list[Assignment]] = defaultdict(list)
    for a in (
        assignments_with_status(
            Assignment.objects.filter(task__plan=plan), on=on, flags=("is_overdue",)
        )
        .select_related("unit")
        .only(
            "task_id",
            "role",
            "state",
            "progress",
            "due_date",
            "unit__short_name",
            "unit__full_name",
        )
        .order_by(*unit_order("unit__"), "pk")
    ):
        by_task[a.task_id].append(a)
    texts: dict[int, list[dict]] = defaultdict(list)
    for r in (
        ProgressReport.objects.filter(
            assignment__task__plan=plan,
            is_public=True,
            review_status=ProgressReport.Review.ACCEPTED,
        )
        .select_related("assignment__unit")
        .only(
            "text",
            "reviewed_at",
            "assignment__task_id",
            "assignment__unit__short_name",
            "assignment__unit__full_name",
        )
        .order_by("reviewed_at", "pk")
    ):
        texts[r.assignment.task_id].append(
            {
                "unit": _unit_name(r.assignment.unit),
                "date": date_text(r.reviewed_at),
                "text": r.text,
            }
        )
    rows, states = [], defaultdict(int)
    for task in tasks.only("ref", "number", "level", "title", "due_date"):
        items = by_task.get(task.pk, [])
        done = sum(a.state == Assignment.State.DONE for a in items)
        state = _state(items)
        states[state] += 1
        rows.append(
            {
                "ref": task.ref,
                "number": task.number,
                "level": task.level,
                "title": task.title,
                "due_date": task.due_date.isoformat(),
                "units": [_unit_name(a.unit) for a in items],
                "lead_units": [_unit_name(a.unit) for a in items if a.role == Role.LEAD],
                "state": state,
                "assignments": len(items),
                "done": done,
                "completion_percent": _percent(done, len(items)),
                "progress_percent": (
                    round(sum(a.progress for a in items) / len(items)) if items else 0
                ),
                "public_reports": texts.get(task.pk, []),
            }
        )
    assignments = sum(r["assignments"] for r in rows)
    done = sum(r["done"] for r in rows)
    return {
        "plan": {
            "title": plan.title,
            "doc_number": plan.doc_number,
            "issuer": plan.issuer,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else "",
            "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(),
        },
        "as_of": on.isoformat(),
        "totals": {
            "tasks": sum(1 for r in rows if r["assignments"]),
            "tasks_done": states[STATE_DONE],
            "tasks_overdue": states[STATE_OVERDUE],
            "assignments": assignments,
            "assignments_done": done,
            "completion_percent": _percent(done, assignments),
        },
        "tasks": rows,
    }


def _plan_for_coordinator(user: User, plan_id: int) -> WorkPlan:
    require_coordinator(user)
    plan = plans_for_user(user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFoundError("工作要点不存在。")
    require_plan_manager(user, plan)  # a lower government publishes its own child plan
    return plan


@transaction.atomic
def plan_publish(*, user: User, plan_id: int, on: dt.date | None = None) -> PublicPlan:
    """Publish (or refresh) the plan's public page: a new snapshot; the same URL while it
    stays published, a new one after it was withdrawn."""
    plan = _plan_for_coordinator(user, plan_id)
    if plan.status == WorkPlan.Status.DRAFT:
        raise ApplicationError("草稿状态的工作要点不能公开。")
    page = PublicPlan.objects.select_for_update().filter(plan=plan).first()
    if page is None:
        page = PublicPlan(plan=plan, token=new_token())
    elif page.unpublished_at is not None:
        page.token = new_token()  # a withdrawn address never comes back
    now = timezone.now()
    page.snapshot = public_snapshot(plan=plan, on=on)
    page.snapshot["published_at"] = timezone.localtime(now).isoformat(timespec="seconds")
    page.published_at, page.published_by, page.unpublished_at = now, user, None
    page._history_user = user
    page.save()
    plan_published.send(sender=PublicPlan, page=page)
    return page


@transaction.atomic
def plan_unpublish(*, user: User, plan_id: int) -> PublicPlan:
    plan = _plan_for_coordinator(user, plan_id)
    page = PublicPlan.objects.select_for_update().filter(plan=plan).first()
    if page is None or page.unpublished_at is not None:
        raise ApplicationError("该工作要点尚未公开。")
    page.unpublished_at = timezone.now()
    page._history_user = user
    page.save()
    return page


def public_page_get(token: str) -> tuple[dict, dt.datetime] | None:
    """The published snapshot behind a token, and when it was taken (one query; None for an
    unknown or withdrawn token alike)."""
    return (
        PublicPlan.objects.filter(token=token, unpublished_at__isnull=True)
        .values_list("snapshot", "published_at")
        .first()
    )
