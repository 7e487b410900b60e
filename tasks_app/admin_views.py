"""The coordinator's import pages inside the admin: upload → review → confirm."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFoundError
from regions.models import Region, Unit, UnitGroup, User
from regions.selectors import (
    region_subtree,
    unit_order,
    units_without_channel,
    unreachable_warning,
)
from tasks_app.access import is_coordinator
from tasks_app.cascade_views import incoming_or_404
from tasks_app.import_review import directory_options, review_chips, review_edits_from_post
from tasks_app.models import Assignment, ImportJob
from tasks_app.services.import_plan import import_preview
from tasks_app.services.imports import (
    import_job_confirm,
    import_job_create,
    import_job_get_for_user,
    import_job_review,
    max_upload_bytes,
    too_big_message,
)

_ENVELOPE = 64 * 1024


def _regions_for(user: User):
    if user.is_superuser:
        return Region.objects.all()
    return region_subtree(region=user.region)


class ImportStartForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("所属区划"),
        queryset=Region.objects.none(),
        help_text=_("文件中的单位名称在此区划的单位目录中查找。"),
    )
    file = forms.FileField(
        label=_("上传文件"),
        required=False,
        help_text=_("支持 .txt(UTF-8 或 GBK)、.docx,以及 .xlsx、.csv 分工表。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,.xlsx,.csv,text/plain"}),
    )
    text = forms.CharField(
        label=_("或粘贴正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
    )

    def __init__(self, *args, user: User, parent: Assignment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _regions_for(user)
        if user.region_id:
            self.fields["region"].initial = user.region_id
        if parent is not None:  # a child plan goes to the receiving government's region
            self.fields["region"].queryset = Region.objects.filter(pk=parent.unit.region_id)
            self.fields["region"].initial = parent.unit.region_id


def _parent_for_import(request: HttpRequest) -> Assignment | None:
    """The item from above the document decomposes (`?parent=`), if it is the user's to
    receive: not found otherwise."""
    raw = request.POST.get("parent") or request.GET.get("parent")
    return incoming_or_404(request, raw) if raw else None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not (cleaned.get("text") or "").strip():
            raise forms.ValidationError(_("请上传文件或粘贴正文。"))
        return cleaned


def import_start_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    user = request.user
    if not is_coordinator(user):
        raise Http404
    parent = _parent_for_import(request)
    if request.method == "POST":
        # Refuse an oversized upload by its declared size, before reading the body.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max_upload_bytes() + _ENVELOPE:
            messages.error(request, too_big_message(length))
            return redirect("admin:tasks_app_workplan_import")
        form = ImportStartForm(request.POST, request.FILES, user=user, parent=parent)
        if form.is_valid():
            try:
                job = import_job_create(
                    user=user,
                    region=form.cleaned_data["region"],
                    upload=form.cleaned_data.get("file"),
                    text=form.cleaned_data.get("text") or "",
                    parent_assignment=parent,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("admin:tasks_app_workplan_import_review", job_id=job.pk)
    else:
        form = ImportStartForm(user=user, parent=parent)
    context = {
        **admin_context,
        "title": _("导入分解方案") if parent else _("导入工作要点"),
        "form": form,
        "parent": parent,
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "recent": ImportJob.objects.filter(created_by=user).select_related("region", "plan")[:10],
    }
    return render(request, "admin/tasks_app/import_start.html", context)


def import_review_view(request: HttpRequest, job_id: int, admin_context: dict) -> HttpResponse:
    user = request.user
    if not is_coordinator(user):
        raise Http404
    try:
        job = import_job_get_for_user(user=user, job_id=job_id)
    except NotFoundError as exc:
        raise Http404 from exc
    if job.status == ImportJob.Status.IMPORTED and job.plan_id:
        messages.info(request, _("该文件已导入。"))
        return redirect("admin:tasks_app_workplan_change", job.plan_id)

    if request.method == "POST" and job.status == ImportJob.Status.PARSED:
        outline, mapping = job.outline, job.mapping
        try:
            edits = review_edits_from_post(
                post=request.POST, outline=job.outline, region=job.region
            )
            outline, mapping = edits.outline, edits.mapping
            job = import_job_review(job=job, outline=outline, mapping=mapping)
            if "confirm" in request.POST and not edits.added:
                end = outline["period"]["end"]
                result = import_job_confirm(
                    job=job, user=user, period_end=dt.date.fromisoformat(end) if end else None
                )
                messages.success(request, str(result))
                return redirect("admin:tasks_app_workplan_change", result.plan.pk)
            if edits.added and "confirm" in request.POST:
                messages.warning(request, _("已添加单位。请核对将创建的交办事项数后再确认导入。"))
            else:
                messages.success(request, _("修改已保存。"))
            anchor = f"#row-{edits.focus}" if edits.focus is not None else ""
            return redirect(review_url(job) + anchor)
        except (ApplicationError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
            job.outline = outline  # show what they typed, not the last saved state
            job.mapping = mapping

    # the whole width for the table: no navigation sidebar on this page
    context = {
        **admin_context,
        "title": _("核对导入结果"),
        "job": job,
        "is_nav_sidebar_enabled": False,
    }
    if job.status == ImportJob.Status.PARSED:
        context.update(_review_context(job))
    return render(request, "admin/tasks_app/import_review.html", context)


def _review_context(job: ImportJob) -> dict:
    preview = import_preview(region=job.region, outline=job.outline, mapping=job.mapping)
    rows = []
    for index, task in enumerate(job.outline["tasks"]):
        rows.append(
            {
                "index": index,
                "task": task,
                "indent": (task.get("level") or task["ref"].count("/") + 1) - 1,
                "chips": review_chips(task, preview, job.region),
                "assignments": preview.assignments_by_ref.get(task["ref"]),
                "unassigned": task["ref"] in preview.unassigned,
                "covered_by": preview.covered_by.get(task["ref"], ""),
                "due": preview.due_by_ref.get(task["ref"], ""),
                "warnings": [str(w) for w in task.get("warnings") or []],
            }
        )
    units = list(
        Unit.objects.filter(region__in=region_subtree(region=job.region), is_active=True)
        .select_related("region")
        .order_by(*unit_order())[:_MAX_UNIT_CHOICES]
    )
    unit_ids = {k for units in preview.plan.by_ref.values() for k in units if isinstance(k, int)}
    return {
        "unreachable": unreachable_warning(units_without_channel(unit_ids)),
        "preview": preview,
        "rows": rows,
        # what the parser was unsure of, listed before everything else
        "warned": [row for row in rows if row["warnings"]],
        "outline": job.outline,
        "directory": directory_options(units),
        "names": [
            {
                "status": n,
                "suggested": [
                    (suggestion_value(t), _target_label(t), suggestion_value(t) == n.mapped)
                    for t in n.suggestions
                ],
                "choices": _choices(n, units) if n.target is None else [],
            }
            for n in preview.names
        ],
    }


_MAX_UNIT_CHOICES = 2000


def _choices(status, units: list[Unit]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The option groups of one name's "other" select: a new unit, every unit (the ranked
    suggestions are radio buttons of their own)."""

    suggested = {suggestion_value(t) for t in status.suggestions}

    def option(value: str, label: str) -> tuple[str, str, bool]:
        return value, label, value == status.mapped and value not in suggested

    groups = [
        (
            _("新建单位(以此名称为简称)"),
            [option(f"new:{v}", f"新建:{label}") for v, label in Unit.Kind.choices],
        )
    ]
    groups.append(
        (_("全部单位"), [option(f"unit:{u.pk}", f"{u.short_name} · {u.region}") for u in units])
    )
    return groups


def _target_label(target) -> str:
    return f"{target} · {target.region}" if isinstance(target, Unit) else f"{target}(单位组)"


def suggestion_value(target) -> str:
    return f"{'group' if isinstance(target, UnitGroup) else 'unit'}:{target.pk}"


def review_url(job: ImportJob) -> str:
    return reverse("admin:tasks_app_workplan_import_review", args=[job.pk])
