"""The forms of the assignment list's bulk 改派 and 调整期限, and their confirmation page (the
chosen items, their count, the form; applied when it is posted back valid)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.params import posted_next
from tasks_app.access import units_for_user
from tasks_app.models import Assignment
from tasks_app.services.bulk import REASON_MAX, SHIFT_MAX, BulkResult


def _reason_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=help_text,
    )


class ReassignForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("改派给"),
        queryset=None,
        error_messages={"invalid_choice": _("单位不存在。")},  # outside the scope: not found
    )
    reason = _reason_field(_("改派原因"), _("必填,记入每个事项的办理记录。"))

    def __init__(self, *args, user, admin_site=admin.site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        # the list's own unit autocomplete (AssignmentAdmin.autocomplete_fields), scoped alike
        field.widget = AutocompleteSelect(Assignment._meta.get_field("unit"), admin_site)
        field.queryset = units_for_user(user)  # what is offered is what is accepted


class DueDateForm(forms.Form):
    due_date = forms.DateField(
        label=_("新的期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    workdays = forms.IntegerField(
        label=_("或顺延工作日数"),
        required=False,
        min_value=1,
        max_value=SHIFT_MAX,
        help_text=_("各事项在各自原期限上顺延 N 个工作日(按节假日安排);与新的期限二选一。"),
    )
    reason = _reason_field(_("调整原因"), _("必填,记入每个事项的办理记录,并随通知告知单位。"))

    def __init__(self, *args, user=None, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if (data.get("due_date") is None) == (data.get("workdays") is None) and not (
            self.has_error("due_date") or self.has_error("workdays")
        ):
            raise forms.ValidationError(_("请填写新的期限,或顺延的工作日数(二选一)。"))
        return data


def bulk_form_action(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    intro: str,
    button: str,
    form_class: type[forms.Form],
    apply,
):
    """Ask for the change (`form_class`) on a page listing the chosen items; once posted back
    valid, `apply(ids, cleaned_data)` returns a BulkResult: the applied count is shown, and
    each skipped item with why. A refusal of the whole change (ApplicationError) is shown on
    the page again, nothing applied."""
    back = posted_next(request)
    context = {"user": request.user, "admin_site": modeladmin.admin_site}
    if "apply" in request.POST:
        form = form_class(request.POST, **context)
        if form.is_valid():
            try:
                result: BulkResult = apply(
                    list(queryset.values_list("pk", flat=True)), form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if result.applied:
                    done = f"{title}:{len(result.applied)} 项。"
                    modeladmin.message_user(request, done, messages.SUCCESS)
                if result.skipped:
                    skipped = ";".join(result.skipped_messages())
                    modeladmin.message_user(
                        request, f"未{title} {len(result.skipped)} 项:{skipped}。", messages.WARNING
                    )
                return HttpResponseRedirect(back) if back else None
    else:
        form = form_class(**context)
    return TemplateResponse(
        request,
        "admin/tasks_app/reason_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "form": form,
            "objects": queryset.select_related("task", "unit"),
            "action": action,
            "title": title,
            "intro": intro,
            "button": button,
            "next": back,
        },
    )
