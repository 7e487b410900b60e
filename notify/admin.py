"""Admin of notify: reminder rules on the plan page, reminders, digests, the mail log,
notices and their deliveries on each channel (with each failure's reason)."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.admin import (
    ScopedAdmin,
    ScopedStackedInline,
)
from notify.models import Delivery, Digest, MailLog, Notice, Reminder, ReminderPolicy
from tasks_app import access
from tasks_app.admin.plans import add_plan_inline


class ReminderPolicyInline(ScopedStackedInline):
    model = ReminderPolicy
    extra = 0
    max_num = 1
    verbose_name = _(
        "提醒规则(不设置则用默认:到期前 5、1 个工作日,当日,逾期每 2 个工作日,逾期 5 个工作日升级)"
    )


def notice_writable(user, notice: Notice) -> bool:
    """A notice about an item of a lower government's child plan is that government's: the
    levels above read it (as they read the plan)."""
    item = notice.assignment
    return item is None or access.plan_is_managed_by(user, item.task.plan)


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

    def object_writable(self, request, obj) -> bool:
        return access.plan_is_managed_by(request.user, obj.assignment.task.plan)

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


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = [
        "channel",
        "address",
        "sent_at",
        "not_before",
        "cancel_reason",
        "attempts",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(ScopedAdmin):
    """What each event told whom: the notice, and where each copy went."""

    list_display = ["created_at", "event", "title", "unit", "actor"]
    list_filter = ["event", "created_at"]
    search_fields = ["title", "text", "unit__short_name"]
    list_select_related = ["unit", "actor"]
    readonly_fields = [
        "created_at",
        "event",
        "region",
        "unit",
        "actor",
        "assignment",
        "title",
        "text",
        "link",
    ]
    inlines = [DeliveryInline]

    def scope(self, request):
        return Notice.objects.filter(region__in=access.regions_for_user(request.user))

    def object_writable(self, request, obj) -> bool:
        return notice_writable(request.user, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdmin):
    """Every copy of a notice on a channel: sent, held for quiet hours, or failed and why."""

    list_display = [
        "created_at",
        "channel",
        "address",
        "notice",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = [
        "channel",
        ("sent_at", admin.EmptyFieldListFilter),
        ("last_error", admin.EmptyFieldListFilter),
    ]
    search_fields = ["address", "notice__title", "last_error"]
    list_select_related = ["notice"]
    readonly_fields = [
        "notice",
        "channel",
        "address",
        "created_at",
        "not_before",
        "sent_at",
        "cancelled_at",
        "cancel_reason",
        "attempts",
        "last_error",
    ]

    def scope(self, request):
        return Delivery.objects.filter(notice__region__in=access.regions_for_user(request.user))

    def object_writable(self, request, obj) -> bool:
        return notice_writable(request.user, obj.notice)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


add_plan_inline(ReminderPolicyInline)
