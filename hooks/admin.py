"""Admin of hooks: coordinators register their region's endpoints (leaders read), send a
test event, and read every delivery with its attempts (status, latency, error)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.admin import HistoryScopedAdmin, ScopedAdmin, ScopedTabularInline, may_write
from core.errors import ApplicationError
from hooks.models import Endpoint, EventType, WebhookAttempt, WebhookDelivery
from hooks.services.endpoints import endpoint_save, endpoints_for_user, endpoints_test, url_check
from regions.access import regions_for_user


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("地址"),
        max_length=500,
        assume_scheme="https",
        help_text=_("只接受公网 http(s) 地址。"),
    )
    events = forms.TypedMultipleChoiceField(
        label=_("订阅事件"),
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Endpoint
        fields = ["region", "url", "secret", "events", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            url_check(url)  # checked again before every call
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(Endpoint)
class EndpointAdmin(HistoryScopedAdmin):
    form = EndpointForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["url", "region", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active", "region"]
    search_fields = ["url"]
    list_select_related = ["region"]
    readonly_fields = [
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_by",
        "created_at",
    ]
    actions = ["send_test"]

    def scope(self, request):
        return endpoints_for_user(request.user)

    def get_fields(self, request, obj=None):
        """A reader (a leader) is not shown the secret: it would let them sign events."""
        fields = super().get_fields(request, obj)
        return fields if may_write(request.user) else [f for f in fields if f != "secret"]

    def save_model(self, request, obj, form, change) -> None:
        endpoint_save(user=request.user, endpoint=obj)

    @admin.action(description=_("发送测试"))
    def send_test(self, request, queryset) -> None:
        count = endpoints_test(
            user=request.user, endpoint_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, f"已向 {count} 个端点发送测试事件。", messages.SUCCESS)


class AttemptInline(ScopedTabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ["at", "status_code", "latency_ms", "error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdmin):
    """Every event sent to an endpoint: delivered, or failed and why, with each attempt."""

    list_display = [
        "created_at",
        "event",
        "endpoint",
        "sent_at",
        "attempts",
        "last_status",
        "last_latency_ms",
        "last_error",
    ]
    list_filter = ["event", ("sent_at", admin.EmptyFieldListFilter), "endpoint"]
    search_fields = ["endpoint__url", "last_error"]
    list_select_related = ["endpoint"]
    inlines = [AttemptInline]
    readonly_fields = [
        "endpoint",
        "event",
        "payload",
        "created_at",
        "sent_at",
        "cancelled_at",
        "cancel_reason",
        "attempts",
        "last_status",
        "last_latency_ms",
        "last_error",
    ]

    def scope(self, request):
        return WebhookDelivery.objects.filter(endpoint__region__in=regions_for_user(request.user))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
