"""Input forms of the unit pages: they validate types; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4}))
    progress = forms.IntegerField(label=_("进度(%)"), min_value=0, max_value=100)
    completion = forms.BooleanField(
        label=_("已全部完成,申请办结(提交后由协调员审核)"), required=False
    )
    files = MultipleFileField(label=_("佐证材料"), required=False)
    links = forms.CharField(
        label=_("佐证链接(每行一个)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://"}),
    )

    confirm_decrease = forms.BooleanField(
        label=_("确认进度下降"),
        required=False,
        help_text=_("本次填写的进度低于上次反馈时,请勾选确认。"),
    )

    def __init__(self, *args, last_progress: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.last_progress = last_progress
        self.fields["progress"].widget.attrs["data-last"] = last_progress or 0

    def clean(self):
        data = super().clean()
        progress, last = data.get("progress"), self.last_progress
        lower = progress is not None and last is not None and progress < last
        if lower and not data.get("completion") and not data.get("confirm_decrease"):
            self.add_error(
                "confirm_decrease",
                _("进度由上次的 %(last)s%% 降为 %(now)s%%,请勾选“确认进度下降”后再提交。")
                % {"last": last, "now": progress},
            )
        return data

    def link_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]


class ExtensionForm(forms.Form):
    requested_due_date = forms.DateField(
        label=_("申请延期至"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}))


class FilterForm(forms.Form):
    """我的任务's filters (query parameters); `page` is the paginator's."""

    plan = forms.TypedChoiceField(label=_("工作要点"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("状态"), required=False)
    due = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("全部")), ("soon", _("即将到期")), ("overdue", _("已逾期"))],
    )
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1, max_value=100000)

    def __init__(self, *args, plans, states, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", _("全部")), *[(p.pk, p.title) for p in plans]]
        self.fields["state"].choices = [("", _("全部")), *states]
