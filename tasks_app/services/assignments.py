"""The assignment life cycle, in one place.

待签收 assigned → 办理中 in progress (signed) → 待审核 submitted (completion claimed with a
report) → 已办结 done (accepted), or back to 办理中 (returned, with a reason). Every change
takes a row lock on the assignment, so two submits at once leave one consistent state, and
records who did it and why in the audit history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, NotFoundError
from regions.models import User
from tasks_app import events
from tasks_app.access import (
    assignments_for_user,
    extension_requests_for_user,
    reports_for_user,
    require_coordinator,
    require_own_unit,
    require_plan_manager,
    units_for_user,
    unmanaged_plans_q,
)
from tasks_app.models import Assignment, Evidence, ExtensionRequest, ProgressReport
from tasks_app.services.bulk import chase_history, history_reason
from tasks_app.services.evidence import evidence_check_file, evidence_check_link

State = Assignment.State


def _lock(user: User, assignment_id: int) -> Assignment:
    """The assignment, locked for this transaction, if the user may see it."""
    try:
        return (
            assignments_for_user(user)
            .select_for_update(of=("self",))
            .select_related("task__plan", "unit")
            .get(pk=assignment_id)
        )
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("交办事项不存在。") from exc


def _lock_managed(user: User, assignment_id: int) -> Assignment:
    """`_lock`, for a coordinator's change: refused on a lower government's child plan."""
    assignment = _lock(user, assignment_id)
    require_plan_manager(user, assignment.task.plan)
    return assignment


def _save(obj, user: User, reason: str) -> None:
    obj._history_user = user
    obj._change_reason = history_reason(reason)  # the column holds 100 characters
    obj.save()


# --- signing -----------------------------------------------------------------------------


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def assignment_sign(*, user: User, assignment_id: int) -> Assignment:
    assignment = _lock(user, assignment_id)
    require_own_unit(user, assignment)
    if assignment.state != State.ASSIGNED:
        raise ApplicationError(f"该事项已签收(当前状态:{assignment.get_state_display()})。")
    assignment_mark_signed(assignment, user, "签收")
    return assignment


def assignment_mark_signed(assignment: Assignment, user: User, reason: str) -> None:
    """待签收 → 办理中, on an assignment the caller has locked and checked."""
    assignment.state = State.IN_PROGRESS
    assignment.signed_at = timezone.now()
    _save(assignment, user, reason)


# --- progress reports and evidence ---------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    user: User,
    assignment_id: int,
    text: str,
    progress: int,
    completion: bool = False,
    files: Sequence[UploadedFile] = (),
    links: Sequence[str] = (),
) -> ProgressReport:
    """A progress report, or with `completion` a claim that the work is done (for review)."""
    assignment = _lock(user, assignment_id)
    require_own_unit(user, assignment)
    return report_file(
        assignment=assignment,
        user=user,
        text=text,
        progress=progress,
        completion=completion,
        files=files,
        links=links,
    )


def report_file(
    *,
    assignment: Assignment,
    user: User,
    text: str,
    progress: int,
    completion: bool = False,
    files: Sequence[UploadedFile] = (),
    links: Sequence[str] = (),
) -> ProgressReport:
    """Record a report on an assignment the caller has locked and checked the user may
    report on (its unit's user; a receiving government's coordinator, for an item from
    above)."""
    if assignment.state == State.ASSIGNED:
        raise ApplicationError("请先签收该事项,再反馈进展。")
    if assignment.state == State.SUBMITTED:
        raise ApplicationError("已提交办结申请,正在等待审核;审核前不能再次提交。")
    if assignment.state == State.DONE:
        raise ApplicationError("该事项已办结。")
    text = (text or "").strip()
    if not text:
        raise ApplicationError("请填写进展情况。")
    if completion:
        progress = 100
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ApplicationError("进度应为 0 到 100 之间的整数。")
    content_types = [evidence_check_file(f) for f in files]
    checked_links = [evidence_check_link(link) for link in links if link.strip()]

    report = ProgressReport(
        assignment=assignment,
        author=user,
        kind=ProgressReport.Kind.COMPLETION if completion else ProgressReport.Kind.PROGRESS,
        text=text,
        progress=progress,
        review_status=(
            ProgressReport.Review.PENDING if completion else ProgressReport.Review.NOT_NEEDED
        ),
    )
    _save(report, user, "提交办结申请" if completion else "反馈进展")
    for upload, content_type in zip(files, content_types, strict=True):
        Evidence.objects.create(
            report=report,
            file=upload,
            name=PurePath(upload.name).name[:255],
            size=upload.size,
            content_type=content_type,
        )
    for link in checked_links:
        Evidence.objects.create(report=report, url=link, name=link[:255])

    assignment.progress = progress
    assignment.last_report_at = report.created_at
    if completion:
        assignment.state = State.SUBMITTED
        assignment.submitted_at = report.created_at
    _save(assignment, user, "提交办结申请" if completion else "反馈进展")
    if completion:
        events.emit("claim_submitted", report=report, assignment=assignment, actor=user)
    return report


# --- review ------------------------------------------------------------------------------


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def report_review(*, user: User, report_id: int, accept: bool, comment: str = "") -> ProgressReport:
    """Accept a completion claim (办结) or return it to the unit with a reason (退回)."""
    require_coordinator(user)
    try:
        report = reports_for_user(user).select_for_update(of=("self",)).get(pk=report_id)
    except (ProgressReport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("进展反馈不存在。") from exc
    assignment = _lock_managed(user, report.assignment_id)
    if report.review_status != ProgressReport.Review.PENDING:
        raise ApplicationError(
            "该反馈不需要审核。"
            if report.kind == ProgressReport.Kind.PROGRESS
            else f"该办结申请已审核({report.get_review_status_display()})。"
        )
    if assignment.state != State.SUBMITTED:
        raise ApplicationError(f"该事项当前状态为“{assignment.get_state_display()}”,不能审核。")
    comment = (comment or "").strip()
    now = timezone.now()
    if accept:
        report.review_status = ProgressReport.Review.ACCEPTED
        assignment.state = State.DONE
        assignment.done_at = now
        assignment.progress = 100
        reason = "审核通过,办结"
    else:
        if not comment:
            raise ApplicationError("退回时请填写退回理由。")
        report.review_status = ProgressReport.Review.RETURNED
        assignment.state = State.IN_PROGRESS
        assignment.returns += 1
        reason = f"退回:{comment}"
    report.reviewed_by, report.reviewed_at, report.review_comment = user, now, comment
    _save(report, user, reason)
    _save(assignment, user, reason)
    events.emit(
        "claim_reviewed",
        report=report,
        assignment=assignment,
        accepted=accept,
        comment=comment,
        actor=user,
    )
    return report


def _each(ids: Sequence[int], action) -> tuple[int, list[str]]:
    """Apply `action` to each id in its own transaction; returns (done, problems)."""
    done, problems = 0, []
    for pk in ids:
        try:
            action(pk)
            done += 1
        except ApplicationError as exc:
            problems.append(f"#{pk}:{exc.message}")
    return done, problems


def reports_review_many(
    *, user: User, report_ids: Sequence[int], accept: bool, comment: str = ""
) -> tuple[int, list[str]]:
    """Review several claims (bulk accept or return with one reason)."""
    return _each(
        report_ids,
        lambda pk: report_review(user=user, report_id=pk, accept=accept, comment=comment),
    )


# --- extensions, reassignment, due dates --------------------------------------------------


@transaction.atomic
def extension_request_create(
    *, user: User, assignment_id: int, requested_due_date: dt.date, reason: str
) -> ExtensionRequest:
    assignment = _lock(user, assignment_id)
    require_own_unit(user, assignment)
    if assignment.state == State.DONE:
        raise ApplicationError("该事项已办结,不能申请延期。")
    if requested_due_date <= assignment.due_date:
        raise ApplicationError(f"新的期限应晚于当前期限 {assignment.due_date:%Y-%m-%d}。")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写延期理由。")
    if assignment.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ApplicationError("已有一份延期申请正在等待审批。")
    request = ExtensionRequest(
        assignment=assignment,
        requested_by=user,
        previous_due_date=assignment.due_date,
        requested_due_date=requested_due_date,
        reason=reason,
    )
    _save(request, user, "申请延期")
    events.emit("extension_requested", request=request, assignment=assignment, actor=user)
    return request


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def extension_request_decide(
    *, user: User, request_id: int, approve: bool, comment: str = ""
) -> ExtensionRequest:
    """Approve (the due date moves to the date asked for, never earlier than it is now) or
    refuse with a reason the unit will read. A finished item is not extended."""
    require_coordinator(user)
    try:
        request = (
            extension_requests_for_user(user).select_for_update(of=("self",)).get(pk=request_id)
        )
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("延期申请不存在。") from exc
    if request.status != ExtensionRequest.Status.PENDING:
        raise ApplicationError(f"该延期申请已处理({request.get_status_display()})。")
    assignment = _lock_managed(user, request.assignment_id)
    comment = (comment or "").strip()
    if approve and assignment.state == State.DONE:
        raise ApplicationError("该事项已办结,不能同意延期;如需关闭该申请,请选择不同意并说明理由。")
    if not approve and not comment:
        raise ApplicationError("不同意延期时请填写理由,理由将告知申请单位。")
    request.status = (
        ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
    )
    request.decided_by, request.decided_at = user, timezone.now()
    request.decision_comment = comment
    decided = {"request": request, "assignment": assignment, "comment": comment, "actor": user}
    if not approve:
        _save(request, user, f"不同意延期:{comment}")
        events.emit("extension_decided", approved=False, **decided)
        return request
    # The due date may have moved since the unit asked (a coordinator extended it further):
    # an approval never brings it back earlier.
    old, asked = assignment.due_date, request.requested_due_date
    if asked > old:
        reason = f"同意延期:{old:%Y-%m-%d} → {asked:%Y-%m-%d}"
        assignment.due_date = asked
        _save(assignment, user, reason)
    else:
        reason = f"同意延期:当前期限 {old:%Y-%m-%d} 已不早于申请的 {asked:%Y-%m-%d},期限不变"
    _save(request, user, reason)
    events.emit("extension_decided", approved=True, **decided)
    return request


def extension_requests_decide_many(
    *, user: User, request_ids: Sequence[int], approve: bool, comment: str = ""
) -> tuple[int, list[str]]:
    return _each(
        request_ids,
        lambda pk: extension_request_decide(
            user=user, request_id=pk, approve=approve, comment=comment
        ),
    )


@transaction.atomic
def assignment_change_due_date(
    *, user: User, assignment_id: int, due_date: dt.date, reason: str
) -> Assignment:
    require_coordinator(user)
    assignment = _lock_managed(user, assignment_id)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写调整期限的原因。")
    if due_date == assignment.due_date:
        return assignment
    old = assignment.due_date
    assignment.due_date = due_date
    _save(assignment, user, f"调整期限:{old:%Y-%m-%d} → {due_date:%Y-%m-%d}({reason})")
    events.emit(
        "due_changed", assignment=assignment, old=old, new=due_date, reason=reason, actor=user
    )
    return assignment


@transaction.atomic
def assignment_reassign(*, user: User, assignment_id: int, unit_id: int, reason: str) -> Assignment:
    """Give the work to another unit: it starts again from 待签收; the old reports stay."""
    require_coordinator(user)
    assignment = _lock_managed(user, assignment_id)
    unit = units_for_user(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFoundError("单位不存在。")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写改派原因。")
    if unit.pk == assignment.unit_id:
        return assignment
    if assignment.state == State.DONE:
        raise ApplicationError("已办结的事项不能改派。")
    if assignment.state == State.SUBMITTED:
        raise ApplicationError("该事项有待审核的办结申请,请先审核再改派。")
    if assignment.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ApplicationError("该事项有待审批的延期申请,请先处理再改派。")
    old = assignment.unit
    assignment.unit = unit
    assignment.state = State.ASSIGNED
    assignment.signed_at = None
    assignment.progress = 0
    try:
        with transaction.atomic():
            _save(assignment, user, f"改派:{old} → {unit}({reason})")
    except IntegrityError as exc:
        raise ApplicationError(f"{unit}已有该任务的交办事项,不能重复交办。") from exc
    events.emit("assigned", plan=assignment.task.plan, assignments=[assignment], actor=user)
    return assignment


@transaction.atomic
def assignments_chase(*, user: User, assignment_ids: Sequence[int], message: str = "") -> int:
    """催办: tell each unit of its items among `assignment_ids` (one notice per unit, with
    the coordinator's message) and note it, with the message, in each item's history;
    finished items are left out. Returns how many were chased."""
    require_coordinator(user)
    message = (message or "").strip()
    if len(message) > 500:
        raise ApplicationError("督办意见不能超过 500 字。")
    chased = list(
        assignments_for_user(user)
        .filter(pk__in=list(assignment_ids))
        .exclude(state=State.DONE)
        .exclude(unmanaged_plans_q(user, "task__plan__"))  # lower governments chase their own
        .select_related("task__plan", "unit")
        .order_by("pk")
    )
    if not chased:
        raise ApplicationError("所选事项都已办结或不存在,没有可催办的事项。")
    chase_history(chased, user=user, message=message)
    events.emit("chased", assignments=chased, message=message, actor=user)
    return len(chased)
