"""Who is told what, for each event of the work (tasks_app.events): the receiver and the
wording. One notice per unit per event, however many of its items the event touched; the
coordinators of the plan's region hear of what waits for them (a claim, an extension
request)."""

from __future__ import annotations

from collections import defaultdict

from django.dispatch import receiver
from django.urls import reverse

from core.localtime import chinese_date_text
from notify.models import Event
from notify.services.notices import LISTED, Audience, listing, notices_create
from regions.models import Unit, User
from regions.selectors import region_coordinator_ids
from tasks_app.events import happened
from tasks_app.models import Assignment


def _item(assignment: Assignment) -> str:
    task = assignment.task
    return f"{task.ref} {task.title}(期限 {chinese_date_text(assignment.due_date)})"


def _detail(assignment: Assignment) -> str:
    return reverse("assignment_detail", args=[assignment.pk])


def _one(assignment: Assignment, title: str, text: str) -> Audience:
    """A notice to the assignment's unit about it alone."""
    return Audience(
        unit_id=assignment.unit_id,
        assignment_id=assignment.pk,
        title=title,
        text=f"{_item(assignment)}\n{text}".strip(),
        link=_detail(assignment),
    )


def _by_unit(event: str, assignments: list[Assignment], title: str, intro: str, actor) -> None:
    """One notice per unit listing its items of `assignments` (task and plan loaded), under
    each plan's title; told in the region of the coordinating office (the first plan's)."""
    if not assignments:
        return
    units: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        units[assignment.unit_id].append(assignment)
    # after an import every unit lists the same tasks: each line is written once, and only
    # the lines a notice shows (listing's first LISTED) are written at all
    lines: dict[tuple[int, object], str] = {}

    def line(assignment: Assignment) -> str:
        key = (assignment.task_id, assignment.due_date)
        if key not in lines:
            lines[key] = _item(assignment)
        return lines[key]

    audiences = []
    for unit_id, items in units.items():
        items.sort(key=lambda a: (a.task.plan_id, a.task.ref, a.pk))
        plans: dict[int, list[Assignment]] = defaultdict(list)
        for item in items:
            plans[item.task.plan_id].append(item)
        text = "\n".join(
            f"工作要点:{group[0].task.plan.title}\n"
            + listing([line(a) for a in group[:LISTED]], len(group))
            for group in plans.values()
        )
        audiences.append(
            Audience(
                unit_id=unit_id,
                assignment_id=items[0].pk if len(items) == 1 else None,
                title=title.format(n=len(items)),
                text=intro + text,
                link=_detail(items[0]) if len(items) == 1 else reverse("my_tasks"),
            )
        )
    region_id = assignments[0].task.plan.region_id
    notices_create(event=event, region_id=region_id, audiences=audiences, actor=actor)


def assigned(*, plan, assignments, actor) -> None:
    assignments = list(assignments)
    _by_unit(Event.ASSIGNED, assignments, "你单位有 {n} 项新交办事项", "", actor)
    _tell_receivers(plan, assignments, actor)


def _tell_receivers(plan, assignments: list[Assignment], actor) -> None:
    """Items given to a lower government are also its coordinating office's to receive and
    decompose (上级交办): one notice to that region's coordinators (two queries in all)."""
    governments = dict(
        Unit.objects.filter(pk__in={a.unit_id for a in assignments}, kind=Unit.Kind.GOVERNMENT)
        .exclude(region_id=plan.region_id)
        .values_list("pk", "region_id")
    )
    if not governments:
        return
    coordinators: dict[int, list[int]] = defaultdict(list)
    for region_id, user_id in User.objects.filter(
        is_active=True, role=User.Role.COORDINATOR, region_id__in=set(governments.values())
    ).values_list("region_id", "pk"):
        coordinators[region_id].append(user_id)
    items: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        region_id = governments.get(assignment.unit_id)
        if region_id in coordinators:
            items[region_id].append(assignment)
    audiences = [
        Audience(
            user_ids=coordinators[region_id],
            title=f"上级交办:《{plan.title}》有 {len(group)} 项事项交给本级政府",
            text="请签收并分解落实:\n" + listing([_item(a) for a in group[:LISTED]], len(group)),
            link=reverse("admin:tasks_app_incoming"),
        )
        for region_id, group in items.items()
    ]
    if audiences:
        notices_create(
            event=Event.ASSIGNED, region_id=plan.region_id, audiences=audiences, actor=actor
        )


def chased(*, assignments, message, actor) -> None:
    intro = f"督办意见:{message}\n" if message else ""
    _by_unit(Event.CHASED, list(assignments), "你单位有 {n} 项事项请抓紧办理", intro, actor)


def claim_reviewed(*, report, assignment, accepted, comment, actor) -> None:
    if accepted:
        audience = _one(assignment, "办结申请已审核通过", "该事项已办结。")
        event = Event.CLAIM_ACCEPTED
    else:
        audience = _one(assignment, "办结申请被退回", f"退回理由:{comment}")
        event = Event.CLAIM_RETURNED
    _tell_unit(event, assignment, audience, actor)


def extension_decided(*, request, assignment, approved, comment, actor) -> None:
    asked = chinese_date_text(request.requested_due_date)
    if approved:
        event, title = Event.EXTENSION_APPROVED, "延期申请已同意"
        text = f"申请延期至 {asked},已同意。" + (f"\n意见:{comment}" if comment else "")
    else:
        event, title = Event.EXTENSION_REFUSED, "延期申请未同意"
        text = f"申请延期至 {asked},未同意。\n理由:{comment}"
    _tell_unit(event, assignment, _one(assignment, title, text), actor)


def due_changed(*, assignment, old, new, reason, actor) -> None:
    text = f"期限由 {chinese_date_text(old)} 调整为 {chinese_date_text(new)}。\n原因:{reason}"
    _tell_unit(Event.DUE_CHANGED, assignment, _one(assignment, "期限调整", text), actor)


def dues_changed(*, assignments, reason, actor) -> None:
    """A bulk 调整期限: one notice per unit, its items listed with their new due dates."""
    intro = f"以下事项的期限已调整(括号内为新的期限)。\n原因:{reason}\n"
    _by_unit(Event.DUE_CHANGED, list(assignments), "期限调整:你单位有 {n} 项事项", intro, actor)


def _tell_unit(event: str, assignment: Assignment, audience: Audience, actor) -> None:
    notices_create(
        event=event,
        region_id=assignment.task.plan.region_id,
        audiences=[audience],
        actor=actor,
    )


def _tell_coordinators(event: str, assignment: Assignment, title: str, text: str, link: str, actor):
    region_id = assignment.task.plan.region_id
    notices_create(
        event=event,
        region_id=region_id,
        audiences=[
            Audience(
                user_ids=region_coordinator_ids(region_id),
                assignment_id=assignment.pk,
                title=title,
                text=f"{assignment.unit}:{_item(assignment)}\n{text}".strip(),
                link=link,
            )
        ],
        actor=actor,
    )


def claim_submitted(*, report, assignment, actor) -> None:
    _tell_coordinators(
        Event.CLAIM_SUBMITTED,
        assignment,
        f"{assignment.unit}提交了办结申请,待审核",
        report.text[:200],
        reverse("admin:tasks_app_progressreport_change", args=[report.pk]),
        actor,
    )


def extension_requested(*, request, assignment, actor) -> None:
    _tell_coordinators(
        Event.EXTENSION_REQUESTED,
        assignment,
        f"{assignment.unit}申请延期,待审批",
        f"申请延期至 {chinese_date_text(request.requested_due_date)}。\n理由:{request.reason}",
        reverse("admin:tasks_app_extensionrequest_change", args=[request.pk]),
        actor,
    )


HANDLERS = {
    "assigned": assigned,
    "chased": chased,
    "claim_submitted": claim_submitted,
    "claim_reviewed": claim_reviewed,
    "extension_requested": extension_requested,
    "extension_decided": extension_decided,
    "due_changed": due_changed,
    "dues_changed": dues_changed,
}


@receiver(happened, dispatch_uid="notify.tell")
def tell(sender, name: str, signal=None, **facts) -> None:
    HANDLERS[name](**facts)
