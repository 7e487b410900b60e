"""Admin of the holiday calendar: national, kept by the top region's coordinators."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.admin import (
    HistoryScopedAdmin,
    ScopedTabularInline,
)
from core.errors import ApplicationError
from tasks_app.models import (
    HolidayDay,
    HolidayYear,
)


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
