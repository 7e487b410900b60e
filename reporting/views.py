"""The coordinator's and leader's progress pages, linked from the admin: the downloads and
reports here; the table pages in `views_tables` (named here too, for the admin's routes)."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import NotFoundError
from core.params import ModelChoiceField, bad_query, query_form
from regions.models import Region, Unit
from regions.selectors import unit_order
from reporting.services.exports import export_job_get_for_user, ledger_export
from reporting.views_tables import (  # noqa: F401 (the admin's routes and chase name them here)
    ProgressForm,
    assessment_view,
    matrix_view,
    may_see_progress,
    overdue_view,
    region_progress_view,
    unit_progress_view,
)
from tasks_app.access import plans_for_user


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
