"""The table pages (各地进展, 各单位进展, 矩阵, 逾期事项, 考核): each answers `?format=xlsx`
with a workbook of the rows it shows, in its order (the overdue list: every matching item,
not only the first the page shows), and prints with the title and date on every page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.admin import may_write
from core.params import ModelChoiceField, bad_query, query_form
from regions.access import is_regional
from regions.models import Region, Unit
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
from reporting.table_exports import (
    day_label,
    matrix_sheet,
    overdue_sheet,
    progress_sheet,
    xlsx_response,
)
from tasks_app.access import plan_is_managed_by, plans_for_user, regions_for_user
from tasks_app.models import WorkPlan
from tasks_app.selectors import LIGHTS, today
from tasks_app.workdays import calendar_warning

XLSX = [("xlsx", "Excel")]
OVERDUE_PAGE_ROWS = 1000  # the overdue page lists the earliest ones; its export, all

# the pages with an "导出 Excel" link and a print layout (tests go through every one)
TABLE_PAGES = (
    "tasks_app_progress_regions",
    "tasks_app_progress_units",
    "tasks_app_progress_matrix",
    "tasks_app_progress_overdue",
    "tasks_app_assessment",
)


def export_query(request: HttpRequest) -> str:
    """The page's own query (plan, filters, sort, year) asking for the workbook."""
    query = request.GET.copy()
    query["format"] = "xlsx"
    return query.urlencode()


def _table_context(request: HttpRequest, on: dt.date) -> dict:
    return {"export_query": export_query(request), "data_day": day_label(on)}


def _named(title: str, plan) -> str:
    return f"{title}-{plan.title}" if plan else title


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
    format = forms.ChoiceField(
        label="格式", required=False, widget=forms.HiddenInput, choices=[("", "页面"), *XLSX]
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


class MatrixForm(forms.Form):
    by = forms.ChoiceField(
        label="列", required=False, choices=[("county", "县区"), ("unit", "单位")]
    )
    format = forms.ChoiceField(label="格式", required=False, choices=[("", "页面"), *XLSX])


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


def _progress_page(request, form, admin_context, *, title, rows, region, template, first_column):
    on = today()
    plan = form.cleaned_data.get("plan")
    if form.cleaned_data.get("format") == "xlsx":
        sheet = progress_sheet(rows, first_column=first_column)
        return xlsx_response([sheet], title=_named(title, plan), on=on)
    bars = _bars(rows)
    return render(
        request,
        template,
        {
            **admin_context,
            **_table_context(request, on),
            "title": title,
            "form": form,
            "rows": rows,
            "region": region,
            "bars": bars,
            "chart_height": 16 + 26 * len(bars),
            "query": request.GET.urlencode(),
        },
    )


def region_progress_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    may_see_progress(request)
    form = query_form(ProgressForm, request, user=request.user)
    if form.errors:
        return bad_query(request, form)
    filters, region = _filters(form, request.user)
    rows = _sorted(progress_by_region(user=request.user, region=region, filters=filters), form)
    return _progress_page(
        request,
        form,
        admin_context,
        title=f"{region.name}各地进展",
        rows=rows,
        region=region,
        template="admin/tasks_app/progress/regions.html",
        first_column="县(市、区)",
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
    return _progress_page(
        request,
        form,
        admin_context,
        title=f"{region.name}各单位进展",
        rows=rows,
        region=region,
        template="admin/tasks_app/progress/units.html",
        first_column="单位",
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
    on = today()
    matrix = plan_matrix(user=request.user, plan_id=plan.pk, region=plan.region, by=by, on=on)
    title = f"{plan.title}:进展矩阵"
    # a lower government's child plan is read from above: chased by its own coordinators
    can_chase = may_write(request.user) and plan_is_managed_by(request.user, plan)
    if form.cleaned_data["format"] == "xlsx":
        return xlsx_response([matrix_sheet(matrix)], title=title, on=on)
    return render(
        request,
        "admin/tasks_app/progress/matrix.html",
        {
            **admin_context,
            **_table_context(request, on),
            "title": title,
            "plan": plan,
            "matrix": matrix,
            "table": matrix_table(matrix, select="matrix-chase" if can_chase else ""),
            "by": by,
            "lights": LIGHTS,
            "can_chase": can_chase,
        },
    )


def overdue_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    may_see_progress(request)
    form = query_form(ProgressForm, request, user=request.user)
    if form.errors:
        return bad_query(request, form)
    filters, region = _filters(form, request.user)
    on = today()
    overdue = overdue_list(user=request.user, filters=filters, on=on).filter(unit_within(region))
    rows = overdue.values_list(*OVERDUE_COLUMNS, named=True)
    if form.cleaned_data["format"] == "xlsx":  # every one, streamed from a server-side cursor
        sheet = overdue_sheet(rows.iterator(chunk_size=2000), on=on)
        return xlsx_response([sheet], title=_named("逾期事项", form.cleaned_data["plan"]), on=on)
    items = list(rows[:OVERDUE_PAGE_ROWS])  # plain rows, not models
    earliest = min((item.due_date for item in items), default=on)
    return render(
        request,
        "admin/tasks_app/progress/overdue.html",
        {
            **admin_context,
            **_table_context(request, on),
            "title": "逾期事项",
            "form": form,
            "items": items,
            "rows": overdue_rows(
                items, on=on, select="overdue-chase" if may_write(request.user) else ""
            ),
            "today": on,
            "page_rows": OVERDUE_PAGE_ROWS,
            "export_note": "含全部逾期事项",
            "truncated": len(items) == OVERDUE_PAGE_ROWS,
            "calendar_warning": calendar_warning(earliest, on),
            "can_chase": may_write(request.user),
            "here": request.get_full_path(),
            "query": request.GET.urlencode(),
        },
    )


def assessment_year(form: AssessmentForm, user, region: Region) -> int:
    """The year asked for; else the plan's (the one chosen, or the latest of the region's
    own plans, those the assessment counts: not a lower level's): the year its period starts
    in; the current year only when there is no plan at all."""
    if year := form.cleaned_data["year"]:
        return year
    plan = form.cleaned_data.get("plan") or (
        plans_for_user(user)
        .filter(region=region)
        .order_by("-period_start", "-pk")
        .only("period_start")
        .first()
    )
    return plan.period_start.year if plan else today().year


def assessment_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    from reporting.services.assessment import FORMULA, assessment, assessment_sheets, scheme_for

    may_see_progress(request)
    form = query_form(AssessmentForm, request, user=request.user)
    if form.errors:
        return bad_query(request, form)
    _filters_unused, region = _filters(form, request.user)
    year = assessment_year(form, request.user, region)
    on = today()
    counties, units = assessment(user=request.user, region=region, year=year, on=on)
    if form.cleaned_data["format"] == "xlsx":
        title = f"{region.name}{year}年度考核"
        return xlsx_response(assessment_sheets(counties, units), title=title, on=on)
    return render(
        request,
        "admin/tasks_app/progress/assessment.html",
        {
            **admin_context,
            **_table_context(request, on),
            "title": f"{region.name} {year} 年度考核",
            "counties": counties,
            "units": units,
            "formula": FORMULA,
            "calendar_warning": calendar_warning(
                dt.date(year, 1, 1), min(on, dt.date(year, 12, 31))
            ),
            "scheme": scheme_for(region, year),
            "year": year,
            "region": region,
            "query": request.GET.urlencode(),
        },
    )
