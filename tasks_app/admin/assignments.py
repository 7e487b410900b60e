"""Admin of assignments: state only through the life cycle; unit and due date through
services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import HistoryScopedAdmin, may_read
from core.errors import ApplicationError
from tasks_app import access
from tasks_app.admin.bulk_forms import DueDateForm, ReassignForm, bulk_form_action
from tasks_app.admin.reports import ChaseForm, reason_action
from tasks_app.cascade import child_progress
from tasks_app.models import (
    Assignment,
)
from tasks_app.selectors import LIGHTS, assignments_with_status
from tasks_app.services import assignments as services
from tasks_app.services import bulk
from tasks_app.services.creation import assignment_create

_COLOURS = {
    "blue": "#2f6fd6",
    "red": "#d33a2c",
    "grey": "#9aa0a6",
    "yellow": "#e8b10c",
    "green": "#2e9d4f",
}
_DOTS = {  # the list's light column: one of five, made once
    light: format_html(
        '<span title="{}" style="display:inline-block;width:.8em;height:.8em;'
        'border-radius:50%;background:{}"></span>',
        LIGHTS[light],
        colour,
    )
    for light, colour in _COLOURS.items()
}


class LightFilter(admin.SimpleListFilter):
    title = _("督办状态")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("已逾期")),
            ("soon", _("即将到期")),
            ("unsigned", _("未签收")),
            ("stalled", _("长期未反馈")),
            ("missed", _("未按期反馈")),
        ]

    FLAGS = {
        "overdue": {"is_overdue": True},
        "soon": {"is_due_soon": True},
        "unsigned": {"state": Assignment.State.ASSIGNED},
        "stalled": {"is_stalled": True},
        "missed": {"missed_report": True},
    }

    def queryset(self, request, queryset):
        flag = self.FLAGS.get(self.value())  # only the one asked for is built
        return queryset.filter(**flag) if flag else queryset


class AssignmentChangeList(ChangeList):
    """Django counts the rows the list shows, then all rows (for "N 个结果(共 M 个)"): without
    a filter or search those are the same query, a full count of every assignment in scope
    (284,400 at national scale). Counted once then; the page says the same."""

    # what the list shows of a row (its light is computed in SQL), for 100 rows a page: not
    # the other columns of three tables, ten timestamps and the task's text among them
    SHOWN = (
        *("task", "unit", "role", "state", "progress", "due_date", "last_report_at"),
        *("task__ref", "task__title", "unit__short_name"),
    )

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).only(*self.SHOWN)

    def _unfiltered(self) -> bool:
        def rows(queryset):  # the rows, whatever the order, columns and related rows fetched
            return queryset.select_related(None).order_by().values("pk").query.sql_with_params()

        try:
            shown, every = rows(self.queryset), rows(self.root_queryset)
        except EmptyResultSet:
            return False
        return shown == every

    def get_results(self, request):
        if not (self.model_admin.show_full_result_count and self._unfiltered()):
            return super().get_results(request)
        root, self.root_queryset = self.root_queryset, self.root_queryset.none()
        try:
            super().get_results(request)  # counts the shown rows; none() counts nothing
        finally:
            self.root_queryset = root
        self.full_result_count = self.result_count
        self.show_admin_actions = bool(self.result_count)
        return None


class AssignmentForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("变更原因"),
        required=False,
        help_text=_("改派单位或调整期限时必填,记入办理记录。"),
    )

    class Meta:
        model = Assignment
        fields = ["task", "unit", "role", "due_date"]


@admin.register(Assignment)
class AssignmentAdmin(HistoryScopedAdmin):
    form = AssignmentForm
    list_display = [
        "light_dot",
        "task",
        "unit",
        "role",
        "state",
        "progress",
        "due_date",
        "last_report_at",
    ]
    list_display_links = ["task"]
    list_filter = [LightFilter, "state", "role", "task__plan", "unit__kind"]
    search_fields = ["task__title", "task__ref", "unit__short_name", "unit__full_name"]
    autocomplete_fields = ["task", "unit"]
    list_select_related = ["task", "unit"]
    readonly_fields = [
        "state",
        "progress",
        "signed_at",
        "submitted_at",
        "done_at",
        "last_report_at",
        "page_link",
        "child_plan_info",
    ]

    actions = ["chase_selected", "reassign_selected", "change_due_date_selected"]

    def scope(self, request):
        return access.assignments_for_user(request.user)

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj.task.plan)

    def changelist_view(self, request, extra_context=None):
        # the list's POSTs are its actions, each a write: a leader (who is offered none) is
        # refused, not sent back with Django's "no action selected"
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("批量改派所选事项(需填写原因)"), permissions=["change"])
    def reassign_selected(self, request, queryset):
        return bulk_form_action(
            self,
            request,
            queryset,
            action="reassign_selected",
            title=_("改派"),
            intro=_("将以下事项改派给另一单位,事项回到“待签收”,新单位收到通知(已办结的跳过):"),
            button=_("改派"),
            form_class=ReassignForm,
            apply=lambda ids, data: bulk.assignments_reassign_many(
                user=request.user,
                assignment_ids=ids,
                unit_id=data["unit"].pk,
                reason=data["reason"],
            ),
        )

    @admin.action(description=_("批量调整期限(需填写原因)"), permissions=["change"])
    def change_due_date_selected(self, request, queryset):
        return bulk_form_action(
            self,
            request,
            queryset,
            action="change_due_date_selected",
            title=_("调整期限"),
            intro=_("将调整以下事项的期限,各单位收到通知(已办结的跳过):"),
            button=_("调整期限"),
            form_class=DueDateForm,
            apply=lambda ids, data: bulk.assignments_change_due_date_many(
                user=request.user,
                assignment_ids=ids,
                due_date=data["due_date"],
                workdays=data["workdays"],
                reason=data["reason"],
            ),
        )

    @admin.action(description=_("催办所选事项(可附督办意见)"), permissions=["change"])
    def chase_selected(self, request, queryset):
        def apply(ids, comment):
            try:
                chased = services.assignments_chase(
                    user=request.user, assignment_ids=ids, message=comment
                )
            except ApplicationError as exc:
                return 0, [exc.message]
            return chased, []

        return reason_action(
            self,
            request,
            queryset.select_related("task", "unit"),
            action="chase_selected",
            title=_("催办"),
            intro=_("将催办以下事项,每个单位收到一条通知(已办结的不催办):"),
            button=_("催办"),
            apply=apply,
            form_class=ChaseForm,
        )

    def get_queryset(self, request):
        user = request.user
        if user.is_superuser or not may_read(user):
            queryset = super().get_queryset(request)
        else:  # the scope is a queryset of assignments itself: filtered, not "pk IN (scope)"
            queryset = self.scope(request).order_by(*self.get_ordering(request))
        return assignments_with_status(queryset)

    def get_changelist(self, request, **kwargs):
        return AssignmentChangeList

    def get_readonly_fields(self, request, obj=None):
        fixed = list(self.readonly_fields)
        return [*fixed, "task", "role"] if obj else fixed

    def action_checkbox(self, obj) -> str:
        """Django's row checkbox, formatted here rather than through a widget template for
        each of the 100 rows (the same markup: tests compare the two)."""
        label = gettext("Select this object for an action - {}").format(escape(str(obj)))
        return mark_safe(
            f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{escape(obj.pk)}"'
            f' class="action-select" aria-label="{label}">'
        )

    @admin.display(description=_("灯"), ordering="due_date")
    def light_dot(self, obj) -> str:
        return _DOTS[getattr(obj, "light", "green")]

    @admin.display(description=_("单位页面"))
    def page_link(self, obj) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("assignment_detail", args=[obj.pk]),
            _("打开办理页面(时间线与材料)"),
        )

    @admin.display(description=_("下级分解落实"))
    def child_plan_info(self, obj) -> str:
        """The receiving government's child plan and its completion, computed now; with the
        ways to read it (the levels above read it, they do not change it)."""
        child = child_progress(obj) if obj.pk else None
        if child is None:
            return gettext("未分解")
        plan_url = reverse("admin:tasks_app_workplan_change", args=[child.plan_id])
        overdue_url = reverse("admin:tasks_app_progress_overdue") + f"?plan={child.plan_id}"
        return format_html(
            '<div id="child-plan"><a href="{}">{}</a>({}) · 已办结 {}/{} · 平均进度 {}% · '
            '<a href="{}">逾期 {} 项</a> · <a href="{}">进展矩阵</a></div>',
            plan_url,
            child.title,
            child.region,
            child.done,
            child.total,
            child.progress,
            overdue_url,
            child.overdue,
            reverse("admin:tasks_app_progress_matrix", args=[child.plan_id]),
        )

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason", "")
        try:
            if not change:
                created = assignment_create(
                    user=request.user,
                    task_id=obj.task_id,
                    unit_id=obj.unit_id,
                    due_date=obj.due_date,
                    role=obj.role,
                )
                obj.pk = created.pk
                return
            if "unit" in form.changed_data:
                services.assignment_reassign(
                    user=request.user, assignment_id=obj.pk, unit_id=obj.unit_id, reason=reason
                )
            if "due_date" in form.changed_data:
                services.assignment_change_due_date(
                    user=request.user, assignment_id=obj.pk, due_date=obj.due_date, reason=reason
                )
        except ApplicationError:
            raise  # changeform_view rolls back and shows the message

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            target = (
                reverse("admin:tasks_app_assignment_change", args=[object_id])
                if object_id
                else reverse("admin:tasks_app_assignment_add")
            )
            return HttpResponseRedirect(target)
