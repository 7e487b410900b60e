"""Admin of plans and tasks; other apps add inlines to the plan page (plan_inlines)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import (
    HistoryScopedAdmin,
    ScopedTabularInline,
)
from tasks_app import access
from tasks_app.models import (
    Assignment,
    Responsibility,
    Task,
    WorkPlan,
)


def add_plan_inline(inline) -> None:
    """Another app's inline on the plan page (notify adds the plan's reminder rules)."""
    if inline not in WorkPlanAdmin.inlines:
        WorkPlanAdmin.inlines = [*WorkPlanAdmin.inlines, inline]


@admin.register(WorkPlan)
class WorkPlanAdmin(HistoryScopedAdmin):
    list_display = ["title", "doc_number", "region", "issued_on", "period_end", "status"]
    list_filter = ["status", "region"]
    search_fields = ["title", "doc_number", "issuer"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    date_hierarchy = "issued_on"
    change_list_template = "admin/tasks_app/workplan/change_list.html"
    readonly_fields = ["contents", "created_by", "parent_assignment_info"]
    exclude = ["parent_assignment"]
    inlines: list = []  # other apps add theirs with add_plan_inline

    def scope(self, request):
        return access.plans_for_user(request.user)

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj)

    @admin.display(description=_("任务与交办事项"))
    def contents(self, obj: WorkPlan) -> str:
        if obj.pk is None:
            return "-"
        tasks = reverse("admin:tasks_app_task_changelist") + f"?plan__id__exact={obj.pk}"
        assignments = (
            reverse("admin:tasks_app_assignment_changelist") + f"?task__plan__id__exact={obj.pk}"
        )
        return format_html(
            '<a href="{}">{} 个任务</a> · <a href="{}">{} 个交办事项</a> · '
            '<a href="{}">进展矩阵</a> · <a href="{}">落实情况报告</a> · '
            '导出台账 <a href="{}">Excel</a> / <a href="{}?format=csv">CSV</a>',
            tasks,
            obj.tasks.count(),
            assignments,
            Assignment.objects.filter(task__plan=obj).count(),
            reverse("admin:tasks_app_progress_matrix", args=[obj.pk]),
            reverse("admin:tasks_app_implementation_report", args=[obj.pk]),
            reverse("admin:tasks_app_ledger", args=[obj.pk]),
            reverse("admin:tasks_app_ledger", args=[obj.pk]),
        )

    @admin.display(description=_("上级交办事项"))
    def parent_assignment_info(self, obj: WorkPlan) -> str:
        """For a child plan (分解方案): the item from above it decomposes."""
        parent = obj.parent_assignment
        if parent is None:
            return "-"
        return format_html(
            "《{}》({})第 {} 项 {} · 交给{} · 期限 {} · {}",
            parent.task.plan.title,
            parent.task.plan.region,
            parent.task.ref,
            parent.task.title,
            parent.unit,
            f"{parent.due_date:%Y-%m-%d}",
            parent.get_state_display(),
        )

    def changelist_view(self, request, extra_context=None):
        extra = {"may_import": access.is_coordinator(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)


class ResponsibilityInline(ScopedTabularInline):
    model = Responsibility
    fields = ["role", "unit", "group", "name_as_written"]
    autocomplete_fields = ["unit", "group"]
    extra = 0


@admin.register(Task)
class TaskAdmin(HistoryScopedAdmin):
    list_display = ["ref", "title", "plan", "deadline_text", "due_date", "report_cycle"]
    list_filter = ["plan", "level", "report_cycle"]
    search_fields = ["ref", "title", "text"]
    autocomplete_fields = ["plan", "parent"]
    list_select_related = ["plan"]
    inlines = [ResponsibilityInline]

    def scope(self, request):
        return access.tasks_for_user(request.user)

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj.plan)
