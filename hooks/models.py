"""An endpoint a coordinator registered, the deliveries to it (outbox rows) and each attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import Region


class EventType(models.TextChoices):
    """What an endpoint may subscribe to (the `X-Webhook-Event` header)."""

    ASSIGNMENT_CREATED = "assignment.created", _("新交办事项")
    ASSIGNMENT_STATE_CHANGED = "assignment.state_changed", _("事项状态变化")
    REPORT_CREATED = "report.created", _("新的办结申请")
    EXTENSION_DECIDED = "extension.decided", _("延期申请已审批")
    COMMENT_CREATED = "comment.created", _("新留言")
    BULLETIN_PUBLISHED = "bulletin.published", _("通报已发布")
    # defined for the public progress page; nothing sends it yet
    PLAN_PUBLISHED = "plan.published", _("工作要点进展已公开")


TEST_EVENT = "test"
DELIVERY_EVENTS = [*EventType.choices, (TEST_EVENT, _("测试"))]


class Endpoint(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("地址"), max_length=500, help_text=_("只接受公网 http(s) 地址。"))
    secret = models.CharField(
        _("签名密钥"),
        max_length=128,
        blank=True,
        help_text=_("用于 X-Webhook-Signature 的 HMAC-SHA256 密钥;留空则自动生成。"),
    )
    events = models.JSONField(_("订阅事件"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    disabled_at = models.DateTimeField(_("自动停用时间"), null=True, blank=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["secret"])  # a signing key stays out of history

    class Meta:
        verbose_name = _("Webhook 端点")
        verbose_name_plural = _("Webhook 端点")
        ordering = ["region", "pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: an outbox row (notify.outbox)."""

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("端点"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("事件"), max_length=32, choices=DELIVERY_EVENTS)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_status = models.PositiveIntegerField(_("最近状态码"), null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("最近耗时(毫秒)"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.endpoint_id} #{self.pk}"


class WebhookAttempt(models.Model):
    """One try of a delivery: when, the answer's status (none if it never came) and how long."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("投递"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    status_code = models.PositiveIntegerField(_("状态码"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("耗时(毫秒)"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("尝试记录")
        verbose_name_plural = _("尝试记录")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S}"
