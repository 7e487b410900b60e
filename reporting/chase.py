"""Bulk 催办 from the progress pages (the overdue list, the matrix): the items chosen there,
confirmed on the admin's one chase action (its form, its access check, its service)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.admin import may_write
from core.params import posted_next
from reporting.progress import matrix_overdue
from reporting.views import may_see_progress
from tasks_app.access import assignments_for_user, plans_for_user, unmanaged_plans_q
from tasks_app.admin.reports import ChaseForm
from tasks_app.models import Assignment

CHASE_MAX = 2000  # items one confirmation page lists (a national matrix holds 154,628 overdue)


def chase_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    """Bulk 催办 from the overdue list (ticked items) or the matrix (the overdue items of the
    ticked columns of a plan): the chosen items, confirmed with an optional message on the
    admin's chase action, which then returns to the page they were chosen on (`next`)."""
    may_see_progress(request)
    if not may_write(request.user):
        raise PermissionDenied
    back = posted_next(request, reverse("admin:tasks_app_progress_overdue"))
    if request.method != "POST":
        return redirect(back)
    visible = (
        assignments_for_user(request.user)
        .exclude(state=Assignment.State.DONE)
        .exclude(unmanaged_plans_q(request.user, "task__plan__"))  # chased by their own level
    )
    plan_id = request.POST.get("plan", "")
    if plan_id.isdigit():  # from the matrix
        plan = plans_for_user(request.user).filter(pk=plan_id).select_related("region").first()
        if plan is None:
            raise Http404
        ids = matrix_overdue(
            user=request.user,
            plan_id=plan.pk,
            region=plan.region,
            by="unit" if request.POST.get("by") == "unit" else "county",
            columns=[int(c) for c in request.POST.getlist("column") if c.isdigit()],
        )
    else:
        ids = [int(i) for i in request.POST.getlist("_selected_action") if i.isdigit()]
    chosen = (
        visible.filter(pk__in=ids)
        .select_related("task", "unit")
        .order_by("unit_id", "task__position", "pk")
    )
    count = chosen.count()
    if not count:
        messages.warning(request, "请先勾选要催办的事项(已办结的不催办)。")
        return redirect(back)
    if count > CHASE_MAX:  # the confirmation lists each item: a page a person can read
        messages.warning(
            request,
            f"所选共 {count} 项事项,一次最多催办 {CHASE_MAX} 项:请少选几列,"
            "或在逾期事项列表中分批催办。",
        )
        return redirect(back)
    return render(
        request,
        "admin/tasks_app/reason_action.html",
        {
            **admin_context,
            "title": "催办",
            "intro": f"将催办以下 {count} 项事项,每个单位收到一条通知:",
            "objects": chosen,
            "form": ChaseForm(),
            "action": "chase_selected",
            "button": "催办",
            "next": back,
            "form_action": reverse("admin:tasks_app_assignment_changelist"),
        },
    )
