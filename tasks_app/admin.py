from django.contrib import admin
from django.db import models
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tasks_app import admin_views
from tasks_app.models import (
    Assignment,
    Evidence,
    ExtensionRequest,
    ImportJob,
    ProgressReport,
    Reminder,
    Responsibility,
    Task,
    WorkPlan,
)


@admin.register(WorkPlan)
class WorkPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_number", "region", "issued_on", "period_end", "status"]
    list_filter = ["status", "region"]
    search_fields = ["title", "doc_number", "issuer"]
    autocomplete_fields = ["region", "created_by"]
    list_select_related = ["region"]
    date_hierarchy = "issued_on"
    change_list_template = "admin/tasks_app/workplan/change_list.html"
    readonly_fields = ["contents"]

    @admin.display(description=_("任务与交办事项"))
    def contents(self, obj: WorkPlan) -> str:
        if obj.pk is None:
            return "-"
        tasks = reverse("admin:tasks_app_task_changelist") + f"?plan__id__exact={obj.pk}"
        assignments = (
            reverse("admin:tasks_app_assignment_changelist") + f"?task__plan__id__exact={obj.pk}"
        )
        return format_html(
            '<a href="{}">{} 个任务</a> · <a href="{}">{} 个交办事项</a>',
            tasks,
            obj.tasks.count(),
            assignments,
            Assignment.objects.filter(task__plan=obj).count(),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "import/",
                wrap(
                    lambda request: admin_views.import_start_view(request, self._context(request))
                ),
                name="tasks_app_workplan_import",
            ),
            path(
                "import/<int:job_id>/",
                wrap(
                    lambda request, job_id: admin_views.import_review_view(
                        request, job_id, self._context(request)
                    )
                ),
                name="tasks_app_workplan_import_review",
            ),
            *super().get_urls(),
        ]

    def _context(self, request) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta}

    def changelist_view(self, request, extra_context=None):
        extra = {"may_import": admin_views.may_import(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    fields = ["role", "unit", "group", "name_as_written"]
    autocomplete_fields = ["unit", "group"]
    extra = 0


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "plan", "deadline_text", "due_date"]
    list_filter = ["plan", "level"]
    search_fields = ["ref", "title", "text"]
    autocomplete_fields = ["plan", "parent"]
    list_select_related = ["plan"]
    inlines = [ResponsibilityInline]


# State and its timestamps change only through the life-cycle services (issue 4),
# so the admin shows them but does not edit them.
@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["task", "unit", "role", "state", "progress", "due_date", "last_report_at"]
    list_filter = ["state", "role", "task__plan", "unit__kind"]
    search_fields = ["task__title", "task__ref", "unit__short_name", "unit__full_name"]
    autocomplete_fields = ["task", "unit"]
    list_select_related = ["task", "unit"]
    readonly_fields = ["state", "signed_at", "submitted_at", "done_at", "last_report_at"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["name", "file", "url", "size", "content_type"]
    readonly_fields = ["size", "content_type"]
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["assignment", "kind", "progress", "review_status", "author", "created_at"]
    list_filter = ["kind", "review_status", "assignment__task__plan"]
    search_fields = ["text", "assignment__unit__short_name", "assignment__task__title"]
    autocomplete_fields = ["assignment", "author"]
    list_select_related = ["assignment__task", "assignment__unit", "author"]
    readonly_fields = ["review_status", "reviewed_by", "reviewed_at"]
    inlines = [EvidenceInline]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = [
        "assignment",
        "previous_due_date",
        "requested_due_date",
        "status",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["reason", "assignment__unit__short_name", "assignment__task__title"]
    autocomplete_fields = ["assignment", "requested_by"]
    list_select_related = ["assignment__task", "assignment__unit", "requested_by"]
    readonly_fields = ["status", "decided_by", "decided_at"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "region", "status", "progress", "plan", "created_by", "created_at"]
    list_filter = ["status", "region"]
    search_fields = ["source_name"]
    list_select_related = ["region", "plan", "created_by"]
    fields = ["source_name", "region", "status", "progress", "error", "plan", "review_link"]
    readonly_fields = fields

    @admin.display(description=_("核对页面"))
    def review_link(self, obj: ImportJob) -> str:
        return format_html('<a href="{}">{}</a>', admin_views.review_url(obj), _("打开"))

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["assignment", "kind", "scheduled_for", "sent_at"]
    list_filter = ["kind", "scheduled_for"]
    search_fields = ["assignment__unit__short_name", "assignment__task__title"]
    list_select_related = ["assignment__task", "assignment__unit"]
    readonly_fields = ["assignment", "kind", "scheduled_for", "sent_at"]

    def has_add_permission(self, request) -> bool:
        return False


admin.site.site_header = _("工作要点督办系统")
admin.site.site_title = _("工作要点督办系统")
admin.site.index_title = _("管理首页")
