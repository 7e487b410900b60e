"""The coordinator's and leader's progress pages, linked from the admin."""

from __future__ import annotations

import io
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


def assessment_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    from tasks_app.services.assessment import FORMULA, assessment, scheme_for

    _allowed(request)
    *_unused, region = _filters(request)
    try:
        year = int(request.GET.get("year") or today().year)
    except ValueError:
        year = today().year
    counties, units = assessment(user=request.user, region=region, year=year)
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        for index, (title, scores) in enumerate((("各县(市、区)", counties), ("本级单位", units))):
            sheet = workbook.active if index == 0 else workbook.create_sheet()
            sheet.title = title
            sheet.append(
                [
                    "排名",
                    "单位",
                    "得分",
                    "基础分",
                    "逾期扣分",
                    "退回扣分",
                    "未按期反馈扣分",
                    "应办结",
                    "已办结",
                    "按期办结",
                    "逾期工作日",
                    "被退回",
                    "未按期反馈",
                ]
            )
            for s in scores:
                sheet.append(
                    [
                        s.rank,
                        s.name,
                        s.score,
                        s.parts["基础分"],
                        s.parts["逾期扣分"],
                        s.parts["退回扣分"],
                        s.parts["未按期反馈扣分"],
                        s.assignments,
                        s.done,
                        s.done_on_time,
                        s.overdue_workdays,
                        s.returned,
                        s.missed,
                    ]
                )
            sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(f'{region.name}{year}年度考核')}.xlsx"
        )
        return response
    return render(
        request,
        "admin/tasks_app/progress/assessment.html",
        {
            **admin_context,
            "title": f"{region.name} {year} 年度考核",
            "counties": counties,
            "units": units,
            "formula": FORMULA,
            "scheme": scheme_for(region, year),
            "year": year,
            "region": region,
            "query": request.GET.urlencode(),
        },
    )


def implementation_report_view(
    request: HttpRequest, plan_id: int, admin_context: dict
) -> HttpResponse:
    from tasks_app.services.assessment import implementation_report_docx

    _allowed(request)
    plan = plans_for_user(request.user).filter(pk=plan_id).select_related("region").first()
    if plan is None:
        raise Http404
    units = (
        Unit.objects.filter(assignments__task__plan=plan)
        .distinct()
        .order_by("region__code", "short_name")
    )
    counties = Region.objects.filter(parent=plan.region).order_by("code")
    unit = units.filter(pk=request.GET.get("unit") or 0).first()
    county = counties.filter(pk=request.GET.get("county") or 0).first()
    if unit or county:
        data = implementation_report_docx(user=request.user, plan=plan, unit=unit, region=county)
        name = (unit.short_name if unit else county.name) + "落实情况报告"
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.docx"
        return response
    return render(
        request,
        "admin/tasks_app/progress/report.html",
        {
            **admin_context,
            "title": f"{plan.title}:落实情况报告",
            "plan": plan,
            "units": units,
            "counties": counties,
        },
    )
