"""The coordinator's and leader's progress pages, linked from the admin."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.admin import may_write
from core.errors import NotFoundError
from core.params import ModelChoiceField, bad_query, query_form
from core.spreadsheets import XLSX_TYPE
from regions.access import is_regional
from regions.models import Region, Unit
from regions.selectors import unit_order
from reporting.progress import (
    ProgressFilters,
    overdue_list,
    plan_matrix,
    progress_by_region,
    progress_by_unit,
    unit_within,
)
from reporting.rendering import (
    OVERDUE_COLUMNS,
    FastSelect,
    LabelOnlyChoices,
    matrix_table,
    overdue_rows,
)
from reporting.services.exports import export_job_get_for_user, ledger_export
from tasks_app.access import plans_for_user, regions_for_user
from tasks_app.models import WorkPlan
from tasks_app.selectors import LIGHTS, today
from tasks_app.workdays import calendar_warning


class _NamedChoiceField(ModelChoiceField):
    """Its choices' labels are their `label_field` (the model's __str__)."""

    iterator = LabelOnlyChoices

    def __init__(self, *args, label_field: str, **kwargs):
        self.label_field = label_field
        super().__init__(*args, widget=FastSelect, **kwargs)


class ProgressForm(forms.Form):
    """The progress pages' filters: their query parameters, validated."""

    plan = _NamedChoiceField(
        label="工作要点",
        queryset=WorkPlan.objects.none(),
        required=False,
        empty_label="全部",
        label_field="title",
    )
    region = _NamedChoiceField(
        label="区划", queryset=Region.objects.none(), required=False, label_field="name"
    )
    due_from = forms.DateField(
        label="期限自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        label="期限至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label="排序", required=False, widget=forms.HiddenInput, choices=[("", "")]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans_for_user(user).only("id", "title")
        self.fields["region"].queryset = (
            regions_for_user(user).exclude(level=Region.Level.TOWNSHIP).order_by("code")
        )
        self.fields["sort"].choices = [("", ""), *((key, key) for key in SORTS)]


class UnitProgressForm(ProgressForm):
    kind = forms.ChoiceField(
        label="单位类型", required=False, choices=[("", "全部"), *Unit.Kind.choices]
    )


class AssessmentForm(ProgressForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    format = forms.ChoiceField(
        label="格式", required=False, choices=[("", "页面"), ("xlsx", "Excel")]
    )


class MatrixForm(forms.Form):
    by = forms.ChoiceField(
        label="列", required=False, choices=[("county", "县区"), ("unit", "单位")]
    )


class LedgerForm(forms.Form):
    format = forms.ChoiceField(
        label="格式", required=False, choices=[("xlsx", "Excel"), ("csv", "CSV")]
    )


class BulletinDownloadForm(forms.Form):
    format = forms.ChoiceField(
        label="格式", required=False, choices=[("docx", "Word"), ("xlsx", "Excel")]
    )


class ExportJobForm(forms.Form):
    download = forms.BooleanField(label="下载", required=False)


class ReportForm(forms.Form):
    unit = ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False)
    county = ModelChoiceField(label="县(市、区)", queryset=Region.objects.none(), required=False)

    def __init__(self, *args, units, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["county"].queryset = counties


def may_see_progress(request) -> None:
    user = request.user
    if not (user.is_active and (user.is_superuser or is_regional(user))):
        raise Http404


def _filters(form: ProgressForm, user) -> tuple[ProgressFilters, Region]:
    data = form.cleaned_data
    region = data.get("region") or user.region or Region.objects.filter(parent__isnull=True).first()
    if region is None:
        raise Http404
    plan = data.get("plan")
    filters = ProgressFilters(
        plan_id=plan.pk if plan else None, due_from=data.get("due_from"), due_to=data.get("due_to")
    )
    return filters, region


SORTS = {  # equal rows keep the official order they come in (the sort is stable)
    "completion": lambda r: -r.completion_rate,
    "on_time": lambda r: -r.on_time_rate,
    "overdue": lambda r: -r.overdue,
    "total": lambda r: -r.total,
    "name": lambda r: r.name,
}


def _sorted(rows, form: ProgressForm) -> list:
    """Rows in the order the page's column headers ask for; by default as they come, in
    official order. The region's own units' row (no key) stays first whatever the sort."""
    sort = SORTS.get(form.cleaned_data.get("sort") or "")
    if sort is None:
        return list(rows)
    return sorted(rows, key=lambda r: (r.key is not None, sort(r)))


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
    may_see_progress(request)
    form = query_form(ProgressForm, request, user=request.user)
    if form.errors:
        return bad_query(request, form)
    filters, region = _filters(form, request.user)
    rows = _sorted(progress_by_region(user=request.user, region=region, filters=filters), form)
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
    may_see_progress(request)
    form = query_form(
        UnitProgressForm, request, defaults={"kind": Unit.Kind.DEPARTMENT}, user=request.user
    )
    if form.errors:
        return bad_query(request, form)
    filters, region = _filters(form, request.user)
    kind = form.cleaned_data["kind"]
    rows = _sorted(
        progress_by_unit(user=request.user, region=region, filters=filters, kind=kind), form
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
            "query": request.GET.urlencode(),
        },
    )


def matrix_view(request: HttpRequest, plan_id: int, admin_context: dict) -> HttpResponse:
    may_see_progress(request)
    plan = plans_for_user(request.user).filter(pk=plan_id).select_related("region").first()
    if plan is None:
        raise Http404
    form = query_form(MatrixForm, request)
    if form.errors:
        return bad_query(request, form)
    by = form.cleaned_data["by"] or "county"
    matrix = plan_matrix(user=request.user, plan_id=plan.pk, region=plan.region, by=by)
    return render(
        request,
        "admin/tasks_app/progress/matrix.html",
        {
            **admin_context,
            "title": f"{plan.title}:进展矩阵",
            "plan": plan,
            "matrix": matrix,
            "table": matrix_table(matrix, select="matrix-chase" if may_write(request.user) else ""),
            "by": by,
            "lights": LIGHTS,
            "can_chase": may_write(request.user),
        },
    )


def overdue_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    may_see_progress(request)
    form = query_form(ProgressForm, request, user=request.user)
    if form.errors:
        return bad_query(request, form)
    filters, region = _filters(form, request.user)
    on = today()
    overdue = overdue_list(user=request.user, filters=filters, on=on)
    items = list(  # plain rows, not models: up to 1,000 of them
        overdue.filter(unit_within(region)).values_list(*OVERDUE_COLUMNS, named=True)[:1000]
    )
    earliest = min((item.due_date for item in items), default=on)
    return render(
        request,
        "admin/tasks_app/progress/overdue.html",
        {
            **admin_context,
            "title": "逾期事项",
            "form": form,
            "items": items,
            "rows": overdue_rows(
                items, on=on, select="overdue-chase" if may_write(request.user) else ""
            ),
            "today": on,
            "calendar_warning": calendar_warning(earliest, on),
            "can_chase": may_write(request.user),
            "here": request.get_full_path(),
        },
    )


def ledger_view(request: HttpRequest, plan_id: int, admin_context: dict) -> HttpResponse:
    may_see_progress(request)
    form = query_form(LedgerForm, request)
    if form.errors:
        return bad_query(request, form)
    fmt = form.cleaned_data["format"] or "xlsx"
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
    may_see_progress(request)
    try:
        job = export_job_get_for_user(user=request.user, job_id=job_id)
    except NotFoundError as exc:
        raise Http404 from exc
    form = query_form(ExportJobForm, request)
    if form.errors:
        return bad_query(request, form)
    if form.cleaned_data["download"] and job.status == "done":
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=f"{job.plan.title}-台账.{job.format}"
        )
    return render(
        request,
        "admin/tasks_app/progress/export_job.html",
        {**admin_context, "title": "导出台账", "job": job},
    )


def assessment_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    from reporting.services.assessment import FORMULA, assessment, assessment_xlsx, scheme_for

    may_see_progress(request)
    form = query_form(AssessmentForm, request, user=request.user)
    if form.errors:
        return bad_query(request, form)
    _filters_unused, region = _filters(form, request.user)
    year = form.cleaned_data["year"] or today().year
    counties, units = assessment(user=request.user, region=region, year=year)
    if form.cleaned_data["format"] == "xlsx":
        title = f"{region.name}{year}年度考核"
        response = HttpResponse(
            assessment_xlsx(counties, units, title=title), content_type=XLSX_TYPE
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title)}.xlsx"
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
            "calendar_warning": calendar_warning(
                dt.date(year, 1, 1), min(today(), dt.date(year, 12, 31))
            ),
            "scheme": scheme_for(region, year),
            "year": year,
            "region": region,
            "query": request.GET.urlencode(),
        },
    )


def implementation_report_view(
    request: HttpRequest, plan_id: int, admin_context: dict
) -> HttpResponse:
    from reporting.services.implementation_report import implementation_report_docx

    may_see_progress(request)
    plan = plans_for_user(request.user).filter(pk=plan_id).select_related("region").first()
    if plan is None:
        raise Http404
    units = Unit.objects.filter(assignments__task__plan=plan).distinct().order_by(*unit_order())
    counties = Region.objects.filter(parent=plan.region).order_by("code")
    form = query_form(ReportForm, request, units=units, counties=counties)
    if form.errors:
        return bad_query(request, form)
    unit, county = form.cleaned_data["unit"], form.cleaned_data["county"]
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
