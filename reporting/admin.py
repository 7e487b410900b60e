"""Admin of reporting: bulletins and assessment schemes, and the progress pages, which are
registered with the admin site (config.admin_site)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import (
    HistoryScopedAdmin,
    ScopedAdmin,
)
from core.errors import ApplicationError
from core.params import bad_query, is_id, query_form
from reporting import chase, dashboard_views, public_views, views
from reporting.models import AssessmentScheme, Bulletin
from reporting.views import BulletinDownloadForm
from tasks_app import access
from tasks_app.models import (
    WorkPlan,
)


@admin.register(Bulletin)
class BulletinAdmin(HistoryScopedAdmin):
    """The bulletins page: drafts to complete and publish, published ones frozen."""

    list_display = [
        "title",
        "number",
        "plan",
        "period_start",
        "period_end",
        "status",
        "published_at",
        "downloads",
    ]
    list_filter = ["status", "plan"]
    search_fields = ["title", "number"]
    autocomplete_fields = ["plan"]
    actions = ["publish_selected"]
    fields = [
        "plan",
        "title",
        "number",
        "period_start",
        "period_end",
        "introduction",
        "conclusion",
        "status",
        "published_at",
        "preview",
    ]
    readonly_fields = ["status", "published_at", "preview"]
    change_form_template = "admin/reporting/bulletin/change_form.html"

    def scope(self, request):
        return Bulletin.objects.filter(plan__in=access.plans_for_user(request.user))

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj.plan)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Bulletin.Status.PUBLISHED:
            return self.fields  # published: frozen
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        # coordinators delete drafts; a published bulletin stays; leaders never delete
        draft = obj is None or obj.status == Bulletin.Status.DRAFT
        return draft and super().has_delete_permission(request, obj)

    @admin.display(description=_("下载"))
    def downloads(self, obj: Bulletin) -> str:
        url = reverse("admin:reporting_bulletin_download", args=[obj.pk])
        return format_html(
            '<a href="{}?format=docx">Word</a> · <a href="{}?format=xlsx">Excel</a>', url, url
        )

    @admin.display(description=_("数据(已发布的为发布时的数据)"))
    def preview(self, obj: Bulletin) -> str:
        from django.template.loader import render_to_string
        from django.utils.safestring import mark_safe

        from reporting.services.bulletins import bulletin_current_figures

        if obj.pk is None:
            return "-"
        return mark_safe(
            render_to_string(
                "admin/tasks_app/bulletin_preview.html", {"f": bulletin_current_figures(obj)}
            )
        )

    @admin.action(description=_("发布所选通报(冻结数据并发送给各单位)"))
    def publish_selected(self, request, queryset):
        from reporting.services.bulletins import bulletin_publish

        for bulletin in queryset:
            try:
                bulletin_publish(user=request.user, bulletin_id=bulletin.pk)
                self.message_user(request, f"已发布:{bulletin}", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"{bulletin}:{exc.message}", messages.WARNING)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from reporting.services.bulletins import bulletin_create

        created = bulletin_create(
            user=request.user,
            plan=obj.plan,
            start=obj.period_start,
            end=obj.period_end,
            title=obj.title,
            number=obj.number,
            introduction=obj.introduction,
            conclusion=obj.conclusion,
        )
        obj.pk = created.pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and "_publish" in request.POST:
            # publishing is a top-level (durable) service: outside the admin's transaction
            return self._publish(request, object_id)
        if request.method == "GET" and object_id:
            self._warn_unreachable(request, object_id)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def _publish(self, request, object_id):
        from reporting.services.bulletins import bulletin_publish

        bulletin = self.get_object(request, unquote(object_id))
        if bulletin is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, bulletin):
            raise PermissionDenied
        try:
            bulletin_publish(user=request.user, bulletin_id=bulletin.pk)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"已发布:{bulletin}", messages.SUCCESS)
        return HttpResponseRedirect(request.path)

    def _warn_unreachable(self, request, object_id) -> None:
        """Before a draft is published: the units it would go to that nobody can be told
        through (a warning; publishing is not blocked)."""
        from regions.selectors import units_without_channel, unreachable_warning
        from reporting.services.bulletins import bulletin_units

        bulletin = (
            self.get_queryset(request).filter(pk=object_id).first() if is_id(object_id) else None
        )
        if bulletin is None or bulletin.status != Bulletin.Status.DRAFT:
            return
        warning = unreachable_warning(units_without_channel(bulletin_units(bulletin)))
        if warning:
            self.message_user(request, warning, messages.WARNING)

    def get_urls(self):
        return [
            path(
                "<int:bulletin_id>/download/",
                self.admin_site.admin_view(self.download),
                name="reporting_bulletin_download",
            ),
            *super().get_urls(),
        ]

    def download(self, request, bulletin_id: int):
        from urllib.parse import quote

        from django.http import Http404, HttpResponse

        from reporting.documents import bulletin_docx, bulletin_xlsx

        bulletin = self.get_queryset(request).filter(pk=bulletin_id).select_related("plan").first()
        if bulletin is None:
            raise Http404
        form = query_form(BulletinDownloadForm, request)
        if form.errors:
            return bad_query(request, form)
        if form.cleaned_data["format"] == "xlsx":
            data, kind, ext = (
                bulletin_xlsx(bulletin),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )
        else:
            data, kind, ext = (
                bulletin_docx(bulletin),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            )
        response = HttpResponse(data, content_type=kind)
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(bulletin.title)}.{ext}"
        )
        return response


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(ScopedAdmin):
    list_display = [
        "region",
        "year",
        "w_completion",
        "w_on_time",
        "p_overdue_day",
        "p_returned",
        "p_missed",
    ]
    list_filter = ["year"]
    autocomplete_fields = ["region"]

    def scope(self, request):
        return AssessmentScheme.objects.filter(region__in=access.regions_for_user(request.user))


# --- the progress pages: their own routes on the admin site (paths as before the move) -----

for route, view, name in [
    ("tasks_app/workplan/progress/", views.region_progress_view, "tasks_app_progress_regions"),
    ("tasks_app/workplan/progress/units/", views.unit_progress_view, "tasks_app_progress_units"),
    ("tasks_app/workplan/progress/overdue/", views.overdue_view, "tasks_app_progress_overdue"),
    ("tasks_app/workplan/assessment/", views.assessment_view, "tasks_app_assessment"),
    (
        "tasks_app/workplan/<int:plan_id>/report/",
        views.implementation_report_view,
        "tasks_app_implementation_report",
    ),
    ("tasks_app/workplan/<int:plan_id>/ledger/", views.ledger_view, "tasks_app_ledger"),
    ("tasks_app/workplan/exports/<int:job_id>/", views.export_job_view, "tasks_app_export_job"),
    ("tasks_app/workplan/<int:plan_id>/matrix/", views.matrix_view, "tasks_app_progress_matrix"),
    ("tasks_app/workplan/progress/chase/", chase.chase_view, "tasks_app_progress_chase"),
    ("tasks_app/workplan/dashboard/", dashboard_views.dashboard_view, "tasks_app_dashboard"),
    (
        "tasks_app/workplan/<int:plan_id>/public/",
        public_views.plan_public_view,
        "tasks_app_plan_public",
    ),
]:
    admin.site.register_page(route, view, name=name, model=WorkPlan)
