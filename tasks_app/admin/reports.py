"""Admin of what units file: the review queue of reports, and extension requests."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import (
    HistoryScopedAdmin,
    ScopedTabularInline,
)
from core.errors import ApplicationError
from core.params import posted_next
from core.people import size_text
from tasks_app import access
from tasks_app.models import (
    Evidence,
    ExtensionRequest,
    ProgressReport,
)
from tasks_app.services import assignments as services
from tasks_app.services.report_visibility import reports_set_public


class EvidenceInline(ScopedTabularInline):
    model = Evidence
    fields = ["download", "file_size", "content_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("大小"))
    def file_size(self, obj: Evidence) -> str:
        return size_text(obj.size) if obj.file else "-"

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


class ChaseForm(forms.Form):
    """催办's optional message (the service takes up to 500 characters)."""

    comment = forms.CharField(
        label=_("督办意见(可选)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("督办意见将随催办通知发给各单位。"),
    )


def reason_action(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    intro: str,
    button: str,
    apply,
    form_class: type[forms.Form] = ReasonForm,
):
    """A bulk action that first asks for one reason (`form_class`'s one field, `comment`:
    ChaseForm's is an optional message), then applies it to every selected row.

    `apply(ids, comment)` returns (done, problems); their messages are shown on the list, or
    on the page the action was started from (a safe `next` in the POST: the overdue list, the
    matrix, an assignment's page)."""
    back = posted_next(request)

    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            done, problems = apply(
                list(queryset.values_list("pk", flat=True)), form.cleaned_data["comment"]
            )
            if done:
                modeladmin.message_user(request, f"{title}:{done} 项。", messages.SUCCESS)
            for problem in problems:
                modeladmin.message_user(request, problem, messages.WARNING)
            return HttpResponseRedirect(back) if back else None
    else:
        form = form_class()
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
            "next": back,
        },
    )


class DecidedOnItsPage:
    """A change form whose two buttons decide the object through a service (yes / no, with
    the comment typed on the page): the decision is a top-level (durable) service, so it
    runs outside the transaction the admin opens around a change form. A refusal from the
    service comes back to the same page (the list's filters kept)."""

    decision_buttons: tuple[str, str]  # the yes button's name, the no button's
    decision_comment: str

    def decide(self, request, obj, yes: bool, comment: str) -> tuple[str, str]:
        """Apply the decision; the success message and where to go next."""
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        deciding = any(name in request.POST for name in self.decision_buttons)
        if request.method == "POST" and object_id and deciding:
            return self._decide(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _decide(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        yes = self.decision_buttons[0] in request.POST
        try:
            message, back = self.decide(
                request, obj, yes, request.POST.get(self.decision_comment, "")
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(back)


@admin.register(ProgressReport)
class ProgressReportAdmin(DecidedOnItsPage, HistoryScopedAdmin):
    list_display = [
        "assignment",
        "excerpt",
        "kind",
        "progress",
        "review_status",
        "is_public",
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
        "is_public",
    ]
    readonly_fields = fields
    inlines = [EvidenceInline]
    actions = ["accept_selected", "return_selected", "make_public", "make_private"]
    change_form_template = "admin/tasks_app/progressreport/change_form.html"
    change_list_template = "admin/tasks_app/progressreport/change_list.html"

    def scope(self, request):
        return access.reports_for_user(request.user)

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj.assignment.task.plan)

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

    @admin.action(description=_("公开所选反馈的正文(已通过的,下次公开进展时显示)"))
    def make_public(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        self._report(
            request,
            *reports_set_public(user=request.user, report_ids=ids, public=True),
            "已标记公开",
            "份反馈",
        )

    @admin.action(description=_("取消公开所选反馈的正文"))
    def make_private(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        self._report(
            request,
            *reports_set_public(user=request.user, report_ids=ids, public=False),
            "已取消公开",
            "份反馈",
        )

    def _report(
        self, request, done: int, problems: list[str], verb: str, what: str = "份办结申请"
    ) -> None:
        if done:
            self.message_user(request, f"{verb} {done} {what}。", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

    def save_model(self, request, obj, form, change):
        pass  # a unit's report is not edited here; reviewing happens in changeform_view

    decision_buttons = ("_accept", "_return")  # 通过 / 退回
    decision_comment = "review_comment_input"

    def decide(self, request, obj, yes: bool, comment: str) -> tuple[str, str]:
        services.report_review(user=request.user, report_id=obj.pk, accept=yes, comment=comment)
        back = reverse("admin:tasks_app_progressreport_changelist")
        return "已通过,事项办结。" if yes else "已退回。", back + "?review_status__exact=pending"

    def has_change_permission(self, request, obj=None) -> bool:
        # The change form is the review page: coordinators only; leaders read it.
        return access.is_coordinator(request.user) and super().has_change_permission(request, obj)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(DecidedOnItsPage, HistoryScopedAdmin):
    list_display = [
        "assignment",
        "reason_excerpt",
        "current_due_date",
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
    change_form_template = "admin/tasks_app/extensionrequest/change_form.html"

    def scope(self, request):
        return access.extension_requests_for_user(request.user)

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj.assignment.task.plan)

    @admin.display(description=_("延期理由"))
    def reason_excerpt(self, obj: ExtensionRequest) -> str:
        return obj.reason if len(obj.reason) <= 60 else obj.reason[:60] + "…"

    @admin.display(description=_("当前期限"), ordering="assignment__due_date")
    def current_due_date(self, obj: ExtensionRequest):
        return obj.assignment.due_date

    def has_change_permission(self, request, obj=None) -> bool:
        # The change form is where a request is decided: coordinators only; leaders read it.
        return access.is_coordinator(request.user) and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # a unit's request is not edited here; deciding happens in changeform_view

    decision_buttons = ("_approve", "_refuse")  # 批准 / 不批准
    decision_comment = "decision_comment_input"

    def decide(self, request, obj, yes: bool, comment: str) -> tuple[str, str]:
        services.extension_request_decide(
            user=request.user, request_id=obj.pk, approve=yes, comment=comment
        )
        back = reverse("admin:tasks_app_extensionrequest_changelist") + "?status__exact=pending"
        return ("已批准延期。" if yes else "已不批准延期,理由已告知单位。"), back

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
