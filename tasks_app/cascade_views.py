"""The coordinator's cascade pages inside the admin (上级交办): what came from above, the form
that splits an item into a child plan, and the claim composed from that plan's reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date

from core.errors import ApplicationError, ForbiddenError, NotFoundError
from regions.access import is_regional
from regions.selectors import unit_order
from tasks_app.access import (
    incoming_get_for_user,
    is_coordinator,
    require_receiver,
    units_for_user,
)
from tasks_app.cascade import child_plan_report_draft, child_progress, incoming_list
from tasks_app.models import Assignment, WorkPlan
from tasks_app.services.cascade import (
    MAX_ITEMS,
    SplitItem,
    incoming_claim,
    incoming_decompose,
    incoming_receive,
)

FORM_ROWS = 5


def incoming_or_404(request: HttpRequest, assignment_id) -> Assignment:
    """The item from above, if it is the user's government's: not found otherwise."""
    try:
        return incoming_get_for_user(user=request.user, assignment_id=assignment_id)
    except NotFoundError as exc:
        raise Http404 from exc


def _forbid_reader(request: HttpRequest) -> None:
    try:
        require_receiver(request.user)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from exc


def incoming_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    """上级交办: the items plans above gave this government, each with its child plan."""
    if not is_regional(request.user):
        raise Http404
    if request.method == "POST":  # 签收
        _forbid_reader(request)
        try:
            item = incoming_receive(user=request.user, assignment_id=request.POST.get("receive"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已签收:{item.task.ref} {item.task.title}")
        return redirect("admin:tasks_app_incoming")
    context = {
        **admin_context,
        "title": "上级交办事项",
        "items": incoming_list(user=request.user),
        "may_act": is_coordinator(request.user),
    }
    return render(request, "admin/tasks_app/incoming.html", context)


def _rows_from_post(post) -> list[SplitItem]:
    rows = []
    for i in range(min(int(post.get("rows") or FORM_ROWS), MAX_ITEMS + 1)):
        lead = post.get(f"lead-{i}") or ""
        others = [int(v) for v in post.getlist(f"units-{i}") if v.isdigit()]
        due = post.get(f"due-{i}") or ""
        rows.append(
            SplitItem(
                title=post.get(f"title-{i}", ""),
                lead_unit_id=int(lead) if lead.isdigit() else None,
                unit_ids=others,
                due_date=parse_date(due) if due else None,
                text=post.get(f"text-{i}", ""),
            )
        )
        if due and rows[-1].due_date is None:
            raise ApplicationError(f"第 {i + 1} 项:期限“{due}”不是有效日期。")
    return rows


def decompose_view(request: HttpRequest, assignment_id: int, admin_context: dict) -> HttpResponse:
    """Split an item from above into this government's own tasks and units (a child plan)."""
    item = incoming_or_404(request, assignment_id)
    _forbid_reader(request)
    existing = WorkPlan.objects.filter(parent_assignment=item).first()
    if existing is not None:
        messages.info(request, f"该事项已分解为《{existing.title}》。")
        return redirect("admin:tasks_app_workplan_change", existing.pk)
    rows = [SplitItem(title="") for _ in range(FORM_ROWS)]
    if request.method == "POST":
        try:
            rows = _rows_from_post(request.POST)
            result = incoming_decompose(user=request.user, assignment_id=item.pk, items=rows)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已生成分解方案《{result.plan.title}》:{result}")
            return redirect("admin:tasks_app_workplan_change", result.plan.pk)
        rows += [SplitItem(title="") for _ in range(max(0, FORM_ROWS - len(rows)))]
    units = units_for_user(request.user).filter(is_active=True).select_related("region")
    context = {
        **admin_context,
        "title": "分解上级交办事项",
        "item": item,
        "rows": rows,
        "row_count": len(rows),
        "units": list(units.order_by(*unit_order())),
        "import_url": reverse("admin:tasks_app_workplan_import") + f"?parent={item.pk}",
    }
    return render(request, "admin/tasks_app/incoming_decompose.html", context)


def claim_view(request: HttpRequest, assignment_id: int, admin_context: dict) -> HttpResponse:
    """Claim an item from above as done, with a report drafted from the child plan's."""
    item = incoming_or_404(request, assignment_id)
    _forbid_reader(request)
    progress = child_progress(item)
    text = ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            incoming_claim(user=request.user, assignment_id=item.pk, text=text)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已向上级提交办结申请,等待上级审核。")
            return redirect("admin:tasks_app_incoming")
    elif progress is not None:
        child = WorkPlan.objects.get(pk=progress.plan_id)
        text = child_plan_report_draft(child)
    context = {
        **admin_context,
        "title": "向上级申请办结",
        "item": item,
        "child": progress,
        "text": text,
    }
    return render(request, "admin/tasks_app/incoming_claim.html", context)
