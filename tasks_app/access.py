"""The one access layer: what each user may see. Pages, API and admin all fetch through it.

- unit user: its unit's assignments, and, where its unit leads a task, that task's others;
- coordinator and leader: plans of their region and everything below it;
- superuser: everything; anyone else: nothing.
Cascade (分解下达): a government's coordinators and leaders also see what a plan above gave
their own government (`incoming_for_user`), and a child plan — the decomposition of such an
item — is changed only by its own region's coordinators: the levels above read it.
Anything outside is "not found", never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

__all__ = ["is_coordinator", "regions_for_user", "units_for_user"]  # the directory half

from django.db.models import Q, QuerySet

from core.errors import ForbiddenError, NotFoundError
from regions.access import is_coordinator, is_regional, regions_for_user, units_for_user
from regions.models import Unit, User
from regions.selectors import region_subtree_q
from tasks_app.models import (
    Assignment,
    Evidence,
    ExtensionRequest,
    ProgressReport,
    Role,
    Task,
    WorkPlan,
)


def _region_q(user: User, prefix: str) -> Q:
    return region_subtree_q(user.region, prefix=prefix)


def plans_for_user(user: User) -> QuerySet[WorkPlan]:
    plans = WorkPlan.objects.all()
    if not user.is_authenticated or not user.is_active:
        return plans.none()
    if user.is_superuser:
        return plans
    if is_regional(user):
        return plans.filter(_region_q(user, "region__"))
    if user.role == User.Role.UNIT_USER and user.unit_id:
        return plans.filter(tasks__assignments__unit_id=user.unit_id).distinct()
    return plans.none()


def assignments_for_user(user: User) -> QuerySet[Assignment]:
    assignments = Assignment.objects.all()
    if not user.is_authenticated or not user.is_active:
        return assignments.none()
    if user.is_superuser:
        return assignments
    if is_regional(user):
        # the plans as a subquery, not four more joins: past eight joined tables PostgreSQL
        # keeps the written join order (join_collapse_limit), and the progress queries,
        # which join the unit's region chain too, would read every assignment of the country
        return assignments.filter(task__plan__in=plans_for_user(user))
    if user.role == User.Role.UNIT_USER and user.unit_id:
        led = Assignment.objects.filter(unit_id=user.unit_id, role=Role.LEAD).values("task_id")
        return assignments.filter(Q(unit_id=user.unit_id) | Q(task_id__in=led))
    return assignments.none()


def assignment_get_for_user(*, user: User, assignment_id: int) -> Assignment:
    try:
        return assignments_for_user(user).select_related("task__plan", "unit").get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("交办事项不存在。") from exc


def reports_for_user(user: User) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.filter(assignment__in=assignments_for_user(user))


def extension_requests_for_user(user: User) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(assignment__in=assignments_for_user(user))


def incoming_for_user(user: User) -> QuerySet[Assignment]:
    """What a plan of a region above gave the government of the user's own region (上级交办):
    its coordinators receive, decompose and claim it; its leaders read it."""
    if not user.is_authenticated or not user.is_active or not is_regional(user):
        return Assignment.objects.none()
    return Assignment.objects.filter(
        unit__region_id=user.region_id, unit__kind=Unit.Kind.GOVERNMENT
    ).exclude(_region_q(user, "task__plan__region__"))


def incoming_get_for_user(*, user: User, assignment_id: int) -> Assignment:
    try:
        return (
            incoming_for_user(user)
            .select_related("task__plan__region", "unit__region")
            .get(pk=assignment_id)
        )
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("上级交办事项不存在。") from exc


def require_receiver(user: User) -> None:
    """Receiving, decomposing and claiming an item from above is the coordinators' work
    (of the receiving government: `incoming_for_user` has already scoped the item)."""
    if not (is_coordinator(user) and user.region_id):
        raise ForbiddenError("只有本级协调员可以办理上级交办事项;领导只能查看。")


def plan_is_managed_by(user: User, plan: WorkPlan) -> bool:
    """Whether the user may change a plan they can see: a child plan (分解方案) belongs to
    the government that made it, so only coordinators of its own region change it."""
    if user.is_superuser:
        return True
    if not is_coordinator(user):
        return False
    return plan.parent_assignment_id is None or plan.region_id == user.region_id


def unmanaged_plans_q(user: User, prefix: str = "") -> Q:
    """Among the plans a user sees, those they only read: lower governments' child plans."""
    if user.is_superuser:
        return Q(pk__in=[])
    return Q(**{f"{prefix}parent_assignment__isnull": False}) & ~Q(
        **{f"{prefix}region_id": user.region_id}
    )


def require_plan_manager(user: User, plan: WorkPlan) -> None:
    require_coordinator(user)
    if not plan_is_managed_by(user, plan):
        raise ForbiddenError(
            f"《{plan.title}》是{plan.region}的分解方案,由其协调员办理;上级只能查看。"
        )


def tasks_for_user(user: User) -> QuerySet[Task]:
    if user.is_superuser:
        return Task.objects.all()
    if is_regional(user):
        return Task.objects.filter(_region_q(user, "plan__region__"))
    return Task.objects.filter(pk__in=assignments_for_user(user).values("task_id"))


def evidence_get_for_user(*, user: User, evidence_id: int) -> Evidence:
    try:
        return Evidence.objects.select_related("report").get(
            pk=evidence_id, report__assignment__in=assignments_for_user(user)
        )
    except (Evidence.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("材料不存在。") from exc


# --- what a user may do to what they can see -------------------------------------------


def require_own_unit(user: User, assignment: Assignment) -> None:
    """Only the assigned unit's own users act on an assignment (sign, report, extend)."""
    if not (user.role == User.Role.UNIT_USER and user.unit_id == assignment.unit_id):
        raise ForbiddenError("只能办理本单位的交办事项。")


def may_comment(user: User, assignment: Assignment) -> bool:
    """Who writes in an assignment's conversation (沟通记录), of those who can see it: the
    coordinators over its plan, the assigned unit's users, and the users of the unit that
    leads its task. Leaders read only."""
    if is_coordinator(user):
        return True
    if user.role != User.Role.UNIT_USER or not user.unit_id:
        return False
    if user.unit_id == assignment.unit_id:
        return True
    return Assignment.objects.filter(
        task_id=assignment.task_id, unit_id=user.unit_id, role=Role.LEAD
    ).exists()


def require_comment_writer(user: User, assignment: Assignment) -> None:
    if not may_comment(user, assignment):
        if user.role == User.Role.LEADER:
            raise ForbiddenError("领导只能查看沟通记录,不能留言。")
        raise ForbiddenError("您不能在该事项的沟通记录中留言。")


def require_coordinator(user: User) -> None:
    if not is_coordinator(user):
        raise ForbiddenError("只有协调员可以执行此操作。")
