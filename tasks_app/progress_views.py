"""The coordinator's and leader's progress pages, linked from the admin."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from config.errors import NotFoundError
from regions.access import is_regional
from regions.models import Region, Unit
from regions.selectors import region_subtree_q
from tasks_app.access import plans_for_user, regions_for_user
from tasks_app.progress import (
    ProgressFilters,
    overdue_list,
    plan_matrix,
    progress_by_region,
    progress_by_unit,
)
from tasks_app.selectors import LIGHTS, today
from tasks_app.services.exports import export_job_get_for_user, ledger_export
from tasks_app.workdays import workdays_between


class ProgressForm(forms.Form):
    plan = forms.TypedChoiceField(label="工作要点", required=False, coerce=int, empty_value=None)
    region = forms.TypedChoiceField(label="区划", required=False, coerce=int, empty_value=None)
    due_from = forms.DateField(
        label="期限自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        label="期限至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [
            ("", "全部"),
            *plans_for_user(user).values_list("pk", "title"),
        ]
        regions = regions_for_user(user).exclude(level=Region.Level.TOWNSHIP).order_by("code")
        self.fields["region"].choices = [(r.pk, r.name) for r in regions[:500]]


def _allowed(request) -> None:
    user = request.user
    if not (user.is_active and (user.is_superuser or is_regional(user))):
        raise Http404


def _filters(request) -> tuple[ProgressForm, ProgressFilters, Region]:
    user = request.user
    form = ProgressForm(request.GET or None, user=user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    region = None
    if data.get("region"):
        region = regions_for_user(user).filter(pk=data["region"]).first()
    region = region or user.region or Region.objects.filter(parent__isnull=True).first()
    if region is None:
        raise Http404
    filters = ProgressFilters(
        plan_id=data.get("plan"), due_from=data.get("due_from"), due_to=data.get("due_to")
    )
    return form, filters, region


SORTS = {
    "completion": lambda r: (-r.completion_rate, r.name),
    "on_time": lambda r: (-r.on_time_rate, r.name),
    "overdue": lambda r: (-r.overdue, r.name),
    "total": lambda r: (-r.total, r.name),
    "name": lambda r: r.name,
}


def _sorted(rows, request) -> list:
    """Rows in the order the page's column headers ask for (completion rate by default)."""
    return sorted(rows, key=SORTS.get(request.GET.get("sort", ""), SORTS["completion"]))


def _bars(rows) -> list[dict]:
    """Geometry of an SVG bar chart of completion rates, drawn on the server (no JS, no CDN)."""
    return [
        {
            "y": 8 + i * 26,
            "width": round(row.completion_rate * 400, 1),
            "label": row.name,
            "rate": f"{row.completion_rate:.0%}",
        }
        for i, row in enumerate(rows)
    ]


def region_progress_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    _allowed(request)
    form, filters, region = _filters(request)
    rows = _sorted(progress_by_region(user=request.user, region=region, filters=filters), request)
    bars = _bars(rows)
    return render(
        request,
        "admin/tasks_app/progress/regions.html",
        {
            **admin_context,
            "title": f"{region.name}各地进展",
            "form": form,
            "rows": rows,
            "region": region,
            "bars": bars,
            "chart_height": 16 + 26 * len(bars),
            "query": request.GET.urlencode(),
        },
    )


def unit_progress_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    _allowed(request)
    form, filters, region = _filters(request)
    kind = request.GET.get("kind", Unit.Kind.DEPARTMENT)
    rows = _sorted(
        progress_by_unit(user=request.user, region=region, filters=filters, kind=kind), request
    )
    return render(
        request,
        "admin/tasks_app/progress/units.html",
        {
            **admin_context,
            "title": f"{region.name}各单位进展",
            "form": form,
            "rows": rows,
            "region": region,
            "bars": _bars(rows),
            "chart_height": 16 + 26 * len(rows),
            "kinds": Unit.Kind.choices,
            "kind": kind,
            "query": request.GET.urlencode(),
        },
    )


def matrix_view(request: HttpRequest, plan_id: int, admin_context: dict) -> HttpResponse:
    _allowed(request)
    plan = plans_for_user(request.user).filter(pk=plan_id).select_related("region").first()
    if plan is None:
        raise Http404
    by = "unit" if request.GET.get("by") == "unit" else "county"
    matrix = plan_matrix(user=request.user, plan_id=plan.pk, region=plan.region, by=by)
    return render(
        request,
        "admin/tasks_app/progress/matrix.html",
        {
            **admin_context,
            "title": f"{plan.title}:进展矩阵",
            "plan": plan,
            "matrix": matrix,
            "by": by,
            "lights": LIGHTS,
        },
    )


def overdue_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    _allowed(request)
    form, filters, region = _filters(request)
    on = today()
    overdue = overdue_list(user=request.user, filters=filters)
    items = list(overdue.filter(region_subtree_q(region, prefix="unit__region__"))[:1000])
    for item in items:
        item.workdays_overdue = -workdays_between(on, item.due_date)
    return render(
        request,
        "admin/tasks_app/progress/overdue.html",
        {
            **admin_context,
            "title": "逾期事项",
            "form": form,
            "items": items,
            "today": on,
        },
    )


def ledger_view(request: HttpRequest, plan_id: int, admin_context: dict) -> HttpResponse:
    _allowed(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    try:
        plan, data, job = ledger_export(user=request.user, plan_id=plan_id, fmt=fmt)
    except NotFoundError as exc:
        raise Http404 from exc
    if job is not None:
        return redirect("admin:tasks_app_export_job", job_id=job.pk)
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(data, content_type=content_type)
    filename = quote(f"{plan.title}-台账.{fmt}")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def export_job_view(request: HttpRequest, job_id: int, admin_context: dict) -> HttpResponse:
    _allowed(request)
    try:
        job = export_job_get_for_user(user=request.user, job_id=job_id)
    except NotFoundError as exc:
        raise Http404 from exc
    if request.GET.get("download") and job.status == "done":
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=f"{job.plan.title}-台账.{job.format}"
        )
    return render(
        request,
        "admin/tasks_app/progress/export_job.html",
        {**admin_context, "title": "导出台账", "job": job},
    )
