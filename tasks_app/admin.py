from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.errors import ApplicationError
from core.admin import ScopedAdmin, ScopedHistoryAdmin, ScopedStackedInline, ScopedTabularInline
from core.history import ReadableHistoryHelper
from core.params import bad_query, query_form
from tasks_app import access, admin_views, progress_views
from tasks_app.models import (
    AssessmentScheme,
    Assignment,
    Bulletin,
    Digest,
    Evidence,
    ExtensionRequest,
    HolidayDay,
    HolidayYear,
    ImportJob,
    MailLog,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    Responsibility,
    Task,
    WorkPlan,
)
from tasks_app.progress_views import BulletinDownloadForm
from tasks_app.selectors import LIGHTS, assignments_with_status
from tasks_app.services import assignments as services
from tasks_app.services.creation import assignment_create


class HistoryScopedAdmin(ScopedHistoryAdmin, SimpleHistoryAdmin):
    """Scoped, with the audit history (who, when, what, why) behind the 历史 button."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)


class ReminderPolicyInline(ScopedStackedInline):
    model = ReminderPolicy
    extra = 0
    max_num = 1
    verbose_name = _(
        "提醒规则(不设置则用默认:到期前 5、1 个工作日,当日,逾期每 2 个工作日,逾期 5 个工作日升级)"
    )


@admin.register(WorkPlan)
class WorkPlanAdmin(HistoryScopedAdmin):
    list_display = ["title", "doc_number", "region", "issued_on", "period_end", "status"]
    list_filter = ["status", "region"]
    search_fields = ["title", "doc_number", "issuer"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    date_hierarchy = "issued_on"
    change_list_template = "admin/tasks_app/workplan/change_list.html"
    readonly_fields = ["contents", "created_by"]
    inlines = [ReminderPolicyInline]

    def scope(self, request):
        return access.plans_for_user(request.user)

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
            path(
                "progress/",
                wrap(lambda r: progress_views.region_progress_view(r, self._context(r))),
                name="tasks_app_progress_regions",
            ),
            path(
                "progress/units/",
                wrap(lambda r: progress_views.unit_progress_view(r, self._context(r))),
                name="tasks_app_progress_units",
            ),
            path(
                "progress/overdue/",
                wrap(lambda r: progress_views.overdue_view(r, self._context(r))),
                name="tasks_app_progress_overdue",
            ),
            path(
                "assessment/",
                wrap(lambda r: progress_views.assessment_view(r, self._context(r))),
                name="tasks_app_assessment",
            ),
            path(
                "<int:plan_id>/report/",
                wrap(
                    lambda r, plan_id: progress_views.implementation_report_view(
                        r, plan_id, self._context(r)
                    )
                ),
                name="tasks_app_implementation_report",
            ),
            path(
                "<int:plan_id>/ledger/",
                wrap(lambda r, plan_id: progress_views.ledger_view(r, plan_id, self._context(r))),
                name="tasks_app_ledger",
            ),
            path(
                "exports/<int:job_id>/",
                wrap(lambda r, job_id: progress_views.export_job_view(r, job_id, self._context(r))),
                name="tasks_app_export_job",
            ),
            path(
                "<int:plan_id>/matrix/",
                wrap(lambda r, plan_id: progress_views.matrix_view(r, plan_id, self._context(r))),
                name="tasks_app_progress_matrix",
            ),
            *super().get_urls(),
        ]

    def _context(self, request) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta}

    def changelist_view(self, request, extra_context=None):
        extra = {"may_import": admin_views.may_import(request.user), **(extra_context or {})}
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


# --- assignments: state only through the life cycle; unit and due date through services ---


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

    def queryset(self, request, queryset):
        return {
            "overdue": queryset.filter(is_overdue=True),
            "soon": queryset.filter(is_due_soon=True),
            "unsigned": queryset.filter(state=Assignment.State.ASSIGNED),
            "stalled": queryset.filter(is_stalled=True),
            "missed": queryset.filter(missed_report=True),
        }.get(self.value(), queryset)


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
    ]

    def scope(self, request):
        return access.assignments_for_user(request.user)

    def get_queryset(self, request):
        return assignments_with_status(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        fixed = list(self.readonly_fields)
        return [*fixed, "task", "role"] if obj else fixed

    @admin.display(description=_("灯"), ordering="due_date")
    def light_dot(self, obj) -> str:
        colours = {
            "blue": "#2f6fd6",
            "red": "#d33a2c",
            "grey": "#9aa0a6",
            "yellow": "#e8b10c",
            "green": "#2e9d4f",
        }
        light = getattr(obj, "light", "green")
        style = "display:inline-block;width:.8em;height:.8em;border-radius:50%;background:{}"
        return format_html(
            '<span title="{}" style="' + style + '"></span>', LIGHTS[light], colours[light]
        )

    @admin.display(description=_("单位页面"))
    def page_link(self, obj) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("assignment_detail", args=[obj.pk]),
            _("打开办理页面(时间线与材料)"),
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


# --- reports: the review queue -------------------------------------------------------------


class EvidenceInline(ScopedTabularInline):
    model = Evidence
    fields = ["download", "size", "content_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("材料"))
    def download(self, obj: Evidence) -> str:
        if obj.file:
            return format_html(
                '<a href="{}">{}</a>', reverse("evidence_download", args=[obj.pk]), obj.name
            )
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', obj.url, obj.url
        )


class ReasonForm(forms.Form):
    comment = forms.CharField(
        label=_("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("理由将告知相关单位。"),
    )


def reason_action(
    modeladmin, request, queryset, *, action: str, title: str, intro: str, button: str, apply
):
    """A bulk action that first asks for one reason, then applies it to every selected row.

    `apply(ids, comment)` returns (done, problems); their messages are shown on the list."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            done, problems = apply(
                list(queryset.values_list("pk", flat=True)), form.cleaned_data["comment"]
            )
            if done:
                modeladmin.message_user(request, f"{title}:{done} 项。", messages.SUCCESS)
            for problem in problems:
                modeladmin.message_user(request, problem, messages.WARNING)
            return None
    else:
        form = ReasonForm()
    return TemplateResponse(
        request,
        "admin/tasks_app/reason_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "form": form,
            "objects": queryset,
            "action": action,
            "title": title,
            "intro": intro,
            "button": button,
        },
    )


@admin.register(ProgressReport)
class ProgressReportAdmin(HistoryScopedAdmin):
    list_display = [
        "assignment",
        "excerpt",
        "kind",
        "progress",
        "review_status",
        "author",
        "created_at",
    ]
    list_filter = ["review_status", "kind", "assignment__task__plan"]
    search_fields = ["text", "assignment__unit__short_name", "assignment__task__title"]
    list_select_related = ["assignment__task", "assignment__unit", "author"]
    fields = [
        "assignment",
        "author",
        "kind",
        "progress",
        "text",
        "review_status",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    readonly_fields = fields
    inlines = [EvidenceInline]
    actions = ["accept_selected", "return_selected"]
    change_form_template = "admin/tasks_app/progressreport/change_form.html"
    change_list_template = "admin/tasks_app/progressreport/change_list.html"

    def scope(self, request):
        return access.reports_for_user(request.user)

    @admin.display(description=_("内容"))
    def excerpt(self, obj: ProgressReport) -> str:
        return obj.text if len(obj.text) <= 40 else obj.text[:40] + "…"

    def has_add_permission(self, request) -> bool:
        return False  # reports come from the units

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # nothing lost

    def changelist_view(self, request, extra_context=None):
        pending = (
            self.get_queryset(request).filter(review_status=ProgressReport.Review.PENDING).count()
        )
        return super().changelist_view(request, {"pending_count": pending, **(extra_context or {})})

    @admin.action(description=_("通过所选办结申请"))
    def accept_selected(self, request, queryset):
        done, problems = services.reports_review_many(
            user=request.user, report_ids=list(queryset.values_list("pk", flat=True)), accept=True
        )
        self._report(request, done, problems, "已通过")

    @admin.action(description=_("退回所选办结申请(需填写理由)"))
    def return_selected(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset.select_related("assignment__task", "assignment__unit"),
            action="return_selected",
            title=_("退回办结申请"),
            intro=_("将退回以下办结申请,事项回到“办理中”,由单位补充后重新提交:"),
            button=_("退回"),
            apply=lambda ids, comment: services.reports_review_many(
                user=request.user, report_ids=ids, accept=False, comment=comment
            ),
        )

    def _report(self, request, done: int, problems: list[str], verb: str) -> None:
        if done:
            self.message_user(request, f"{verb} {done} 份办结申请。", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

    def save_model(self, request, obj, form, change):
        pass  # a unit's report is not edited here; reviewing happens in response_change

    def response_change(self, request, obj):
        if "_accept" in request.POST or "_return" in request.POST:
            try:
                services.report_review(
                    user=request.user,
                    report_id=obj.pk,
                    accept="_accept" in request.POST,
                    comment=request.POST.get("review_comment_input", ""),
                )
                self.message_user(
                    request,
                    "已通过,事项办结。" if "_accept" in request.POST else "已退回。",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:tasks_app_progressreport_changelist")
                    + "?review_status__exact=pending"
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # The change form is the review page: coordinators only; leaders read it.
        return access.is_coordinator(request.user) and super().has_change_permission(request, obj)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(HistoryScopedAdmin):
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
    list_select_related = ["assignment__task", "assignment__unit", "requested_by"]
    fields = [
        "assignment",
        "requested_by",
        "previous_due_date",
        "requested_due_date",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_comment",
    ]
    readonly_fields = fields
    actions = ["approve_selected", "reject_selected"]

    def scope(self, request):
        return access.extension_requests_for_user(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("同意所选延期申请"))
    def approve_selected(self, request, queryset):
        done, problems = services.extension_requests_decide_many(
            user=request.user,
            request_ids=list(queryset.values_list("pk", flat=True)),
            approve=True,
        )
        if done:
            self.message_user(request, f"已同意 {done} 份延期申请。", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description=_("不同意所选延期申请(需填写理由)"))
    def reject_selected(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset.select_related("assignment__task", "assignment__unit"),
            action="reject_selected",
            title=_("不同意延期"),
            intro=_("将不同意以下延期申请,期限不变;理由会显示在单位的事项页面:"),
            button=_("不同意"),
            apply=lambda ids, comment: services.extension_requests_decide_many(
                user=request.user, request_ids=ids, approve=False, comment=comment
            ),
        )


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdmin):
    list_display = ["__str__", "region", "status", "progress", "plan", "created_by", "created_at"]
    list_filter = ["status", "region"]
    search_fields = ["source_name"]
    list_select_related = ["region", "plan", "created_by"]
    fields = ["source_name", "region", "status", "progress", "error", "plan", "review_link"]
    readonly_fields = fields

    def scope(self, request):
        return ImportJob.objects.filter(region__in=access.regions_for_user(request.user))

    @admin.display(description=_("核对页面"))
    def review_link(self, obj: ImportJob) -> str:
        return format_html('<a href="{}">{}</a>', admin_views.review_url(obj), _("打开"))

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(ScopedAdmin):
    list_display = ["assignment", "kind", "scheduled_for", "sent_at", "cancel_reason", "attempts"]
    list_filter = ["kind", "scheduled_for", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["assignment__unit__short_name", "assignment__task__title"]
    list_select_related = ["assignment__task", "assignment__unit"]
    readonly_fields = [
        "assignment",
        "kind",
        "scheduled_for",
        "unit",
        "due_date",
        "sent_at",
        "cancelled_at",
        "cancel_reason",
        "attempts",
        "last_error",
    ]

    def scope(self, request):
        return Reminder.objects.filter(assignment__in=access.assignments_for_user(request.user))

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Digest)
class DigestAdmin(ScopedAdmin):
    list_display = ["kind", "unit", "user", "scheduled_for", "sent_at", "cancelled_at", "attempts"]
    list_filter = ["kind", "scheduled_for"]
    list_select_related = ["unit", "user"]
    readonly_fields = [
        "kind",
        "unit",
        "user",
        "scheduled_for",
        "sent_at",
        "cancelled_at",
        "attempts",
        "last_error",
    ]

    def scope(self, request):
        regions = access.regions_for_user(request.user)
        return Digest.objects.filter(
            models.Q(unit__region__in=regions) | models.Q(user__region__in=regions)
        )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MailLog)
class MailLogAdmin(ScopedAdmin):
    """Every mail sent, for the coordinator to see who was told what, and when."""

    list_display = ["sent_at", "kind", "subject", "recipients"]
    list_filter = ["kind", "sent_at"]
    search_fields = ["subject", "recipients", "body"]
    readonly_fields = [
        "sent_at",
        "kind",
        "recipients",
        "subject",
        "body",
        "reminder",
        "digest",
        "region",
    ]
    date_hierarchy = "sent_at"

    def scope(self, request):
        return MailLog.objects.filter(region__in=access.regions_for_user(request.user))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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

    def scope(self, request):
        return Bulletin.objects.filter(plan__in=access.plans_for_user(request.user))

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
        url = reverse("admin:tasks_app_bulletin_download", args=[obj.pk])
        return format_html(
            '<a href="{}?format=docx">Word</a> · <a href="{}?format=xlsx">Excel</a>', url, url
        )

    @admin.display(description=_("数据(已发布的为发布时的数据)"))
    def preview(self, obj: Bulletin) -> str:
        from django.template.loader import render_to_string
        from django.utils.safestring import mark_safe

        from tasks_app.services.bulletins import bulletin_current_figures

        if obj.pk is None:
            return "-"
        return mark_safe(
            render_to_string(
                "admin/tasks_app/bulletin_preview.html", {"f": bulletin_current_figures(obj)}
            )
        )

    @admin.action(description=_("发布所选通报(冻结数据并发送给各单位)"))
    def publish_selected(self, request, queryset):
        from tasks_app.services.bulletins import bulletin_publish

        for bulletin in queryset:
            try:
                bulletin_publish(user=request.user, bulletin_id=bulletin.pk)
                self.message_user(request, f"已发布:{bulletin}", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"{bulletin}:{exc.message}", messages.WARNING)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from tasks_app.services.bulletins import bulletin_create

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
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def get_urls(self):
        return [
            path(
                "<int:bulletin_id>/download/",
                self.admin_site.admin_view(self.download),
                name="tasks_app_bulletin_download",
            ),
            *super().get_urls(),
        ]

    def download(self, request, bulletin_id: int):
        from urllib.parse import quote

        from django.http import Http404, HttpResponse

        from tasks_app.services.bulletins import bulletin_docx, bulletin_xlsx

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


admin.site.site_header = _("工作要点督办系统")
admin.site.site_title = _("工作要点督办系统")
admin.site.index_title = _("管理首页")


# --- the holiday calendar: national, kept by the top region's coordinators ----------------


class HolidayDayInline(ScopedTabularInline):
    model = HolidayDay
    fields = ["date", "kind", "name"]
    extra = 0


class HolidayPasteForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("通知原文"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 90}),
        help_text=_("粘贴国务院办公厅关于该年部分节假日安排的通知(含“一、元旦:…”各条)。"),
    )


@admin.register(HolidayYear)
class HolidayYearAdmin(HistoryScopedAdmin):
    """Every regional user reads the calendar; the top region's coordinators keep it."""

    list_display = ["year", "days_off", "make_up_days", "updated_at"]
    fields = ["year", "source"]
    inlines = [HolidayDayInline]
    change_list_template = "admin/tasks_app/holidayyear/change_list.html"

    def scope(self, request):
        return HolidayYear.objects.all()

    def _may_edit(self, request) -> bool:
        from tasks_app.services.calendar import may_edit_calendar

        return may_edit_calendar(request.user)

    def has_add_permission(self, request) -> bool:
        return self._may_edit(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_edit(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_edit(request) and super().has_delete_permission(request, obj)

    @admin.display(description=_("放假天数"))
    def days_off(self, obj) -> int:
        return obj.off

    @admin.display(description=_("调休上班天数"))
    def make_up_days(self, obj) -> int:
        return obj.work

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                off=Count("days", filter=Q(days__kind="off")),
                work=Count("days", filter=Q(days__kind="work")),
            )
        )

    def save_related(self, request, form, formsets, change):
        from tasks_app.workdays import calendar_changed

        super().save_related(request, form, formsets, change)
        calendar_changed()

    def delete_model(self, request, obj):
        from tasks_app.workdays import calendar_changed

        super().delete_model(request, obj)
        calendar_changed()

    def get_urls(self):
        return [
            path(
                "paste/",
                self.admin_site.admin_view(self.paste_view),
                name="tasks_app_holidayyear_paste",
            ),
            *super().get_urls(),
        ]

    def paste_view(self, request):
        """Paste the notice → see what was understood → save (all through the service)."""
        from tasks_app.holidays import parse_notice
        from tasks_app.services.calendar import holiday_year_save

        if not self._may_edit(request):
            raise PermissionDenied
        form = HolidayPasteForm(request.POST or None)
        schedule = None
        if request.method == "POST" and form.is_valid():
            year, text = form.cleaned_data["year"], form.cleaned_data["text"]
            schedule = parse_notice(text, year)
            if "save" in request.POST and schedule.days:
                try:
                    calendar = holiday_year_save(
                        user=request.user, year=year, days=schedule.days, source=text
                    )
                except ApplicationError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    self.message_user(
                        request, f"已保存 {year} 年放假安排,共 {len(schedule.days)} 天。"
                    )
                    return HttpResponseRedirect(
                        reverse("admin:tasks_app_holidayyear_change", args=[calendar.pk])
                    )
        return TemplateResponse(
            request,
            "admin/tasks_app/holidayyear/paste.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("从通知原文录入放假安排"),
                "form": form,
                "schedule": schedule,
            },
        )
