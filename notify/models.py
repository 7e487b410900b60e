"""Reminders, digests, notices and the mail log: the rows of the outbox and what was sent;
in-app notifications, each person's notification settings, and the comments on assignments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from regions.models import Region, RobotAddresses, Unit
from tasks_app.models import Assignment, WorkPlan, in_choices


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", _("到期前提醒")
    DUE_TODAY = "due_today", _("到期当日提醒")
    OVERDUE = "overdue", _("逾期催办")
    ESCALATION = "escalation", _("逾期督办(升级)")
    PERIODIC_REPORT = "periodic_report", _("定期反馈提醒")


class Reminder(TimeStampedModel):
    """One reminder of one kind for one assignment on one day: the idempotency key.

    `unit` and `due_date` are what the sweep saw; if the assignment has since been
    reassigned, extended or finished, the sender cancels instead of mailing.
    """

    Kind = ReminderKind

    # The sweep writes a national morning's reminders in a few statements; every index is
    # paid per row, so a reminder keeps only the ones it is read by: the unique key (which
    # also serves "this assignment's reminders", "the last one of a kind"), the pending list.
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("交办事项"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,  # the unique key (assignment, kind, scheduled_for) leads with it
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    scheduled_for = models.DateField(_("提醒日期"))
    # The unit the sweep saw, compared with the assignment's when sending (reassigned?):
    # a snapshot, never looked up by, so no index and no foreign-key check (each checked
    # row costs a locking read of the unit at commit: 1.8 s of a national first day).
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        null=True,
        db_index=False,
        db_constraint=False,
    )
    due_date = models.DateField(_("当时期限"), null=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        db_table = "tasks_app_reminder"  # the table it had in tasks_app
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "scheduled_for"], name="reminder_once_per_day"
            ),
            models.CheckConstraint(
                condition=in_choices("kind", ReminderKind), name="reminder_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="reminder_sent_or_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["scheduled_for", "sent_at"], name="reminder_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.get_kind_display()} {self.scheduled_for}"


class ReminderPolicy(TimeStampedModel):
    """When a plan's units are reminded; a plan without one uses the defaults."""

    plan = models.OneToOneField(
        WorkPlan,
        verbose_name=_("工作要点"),
        on_delete=models.CASCADE,
        related_name="reminder_policy",
    )
    before_days = models.CharField(
        _("到期前提醒(工作日)"),
        max_length=32,
        default="5,1",
        help_text=_("到期前第几个工作日提醒,逗号分隔,如“5,1”。"),
    )
    on_due_date = models.BooleanField(_("到期当日提醒"), default=True)
    overdue_every = models.PositiveSmallIntegerField(_("逾期后每隔几个工作日催办"), default=2)
    escalate_after = models.PositiveSmallIntegerField(
        _("逾期几个工作日后升级督办"),
        default=5,
        help_text=_("升级督办发给单位的分管领导联系人和协调员。"),
    )
    periodic_before = models.PositiveSmallIntegerField(_("定期反馈前几个工作日提醒"), default=2)

    class Meta:
        db_table = "tasks_app_reminderpolicy"  # the table it had in tasks_app
        verbose_name = _("提醒规则")
        verbose_name_plural = _("提醒规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(overdue_every__gte=1), name="policy_overdue_every_positive"
            ),
            models.CheckConstraint(
                condition=Q(escalate_after__gte=1), name="policy_escalate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} 的提醒规则"


class DigestKind(models.TextChoices):
    UNIT_WEEKLY = "unit_weekly", _("单位每周汇总")
    COORDINATOR_DAILY = "coordinator_daily", _("协调员每日逾期汇总")


class Digest(TimeStampedModel):
    """One summary mail: a unit's weekly digest or a coordinator's daily overdue summary."""

    Kind = DigestKind

    kind = models.CharField(_("类型"), max_length=24, choices=DigestKind.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("协调员"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    scheduled_for = models.DateField(_("日期"), help_text=_("每周汇总记为该周的周一。"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        db_table = "tasks_app_digest"  # the table it had in tasks_app
        verbose_name = _("汇总邮件")
        verbose_name_plural = _("汇总邮件")
        ordering = ["-scheduled_for"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", DigestKind), name="digest_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="unit_weekly", unit__isnull=False, user__isnull=True)
                | Q(kind="coordinator_daily", user__isnull=False, unit__isnull=True),
                name="digest_target_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "unit", "scheduled_for"],
                condition=Q(unit__isnull=False),
                name="digest_unit_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "user", "scheduled_for"],
                condition=Q(user__isnull=False),
                name="digest_user_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit or self.user} {self.scheduled_for}"


class MailLog(models.Model):
    """Every mail the system sent: what, to whom, when (the coordinator's mail log)."""

    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=24)
    recipients = models.TextField(_("收件人"))
    subject = models.CharField(_("主题"), max_length=255)
    body = models.TextField(_("正文"))
    reminder = models.ForeignKey(
        Reminder, verbose_name=_("提醒"), on_delete=models.SET_NULL, null=True, related_name="mails"
    )
    digest = models.ForeignKey(
        Digest, verbose_name=_("汇总"), on_delete=models.SET_NULL, null=True, related_name="mails"
    )

    class Meta:
        db_table = "tasks_app_maillog"  # the table it had in tasks_app
        verbose_name = _("邮件记录")
        verbose_name_plural = _("邮件记录")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject


# --- notices: each event told to the people concerned ------------------------------------


class Event(models.TextChoices):
    ASSIGNED = "assigned", _("新交办")
    CLAIM_RETURNED = "claim_returned", _("办结申请被退回")
    CLAIM_ACCEPTED = "claim_accepted", _("办结申请已通过")
    EXTENSION_APPROVED = "extension_approved", _("延期申请已同意")
    EXTENSION_REFUSED = "extension_refused", _("延期申请未同意")
    DUE_CHANGED = "due_changed", _("期限调整")
    CHASED = "chased", _("催办")
    COMMENT = "comment", _("新留言")
    MENTION = "mention", _("提到了你")
    CLAIM_SUBMITTED = "claim_submitted", _("办结申请待审核")
    EXTENSION_REQUESTED = "extension_requested", _("延期申请待审批")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook 已停用")


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉")
    WECOM = "wecom", _("企业微信")
    SMS = "sms", _("短信")


class Notice(models.Model):
    """One event told to one audience — a unit (its users and contacts) or named people (a
    region's coordinators, someone mentioned): one message, however many items it is about.
    Its `notifications` are the in-app copies, its `deliveries` the copies on each channel."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    event = models.CharField(_("事件"), max_length=24, choices=Event.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("告知单位时为该单位;告知协调员或被提到的人时为空。"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("交办事项"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("只涉及一项时为该项。"),
    )
    title = models.CharField(_("标题"), max_length=255)
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=255, help_text=_("站内路径。"))

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=in_choices("event", Event), name="notice_event_valid")
        ]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """A notice in one user's bell: read or not."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notification_once")]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_list"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.notice}"


class Delivery(models.Model):
    """A notice's copy on one channel to one address (a mailbox, a group robot's webhook, a
    phone): a row of the outbox, sent once. `not_before` holds an IM or SMS message back
    until the recipient's quiet hours are over."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    not_before = models.DateTimeField(_("免打扰至"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("通知发送")
        verbose_name_plural = _("通知发送")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel", "address"], name="delivery_once"),
            models.CheckConstraint(
                condition=in_choices("channel", Channel), name="delivery_channel_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["not_before"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="delivery_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address}"


class Preference(RobotAddresses):
    """How one person wants to be told: channels, events, quiet hours. No row: the
    defaults (e-mail on, SMS off, every event, no quiet hours)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notify_preference",
    )
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False, help_text=_("发到个人资料中的电话。"))
    muted_events = models.JSONField(
        _("不接收的事件"), default=list, blank=True, help_text=_("站内通知照常显示。")
    )
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(
        _("免打扰结束"), null=True, blank=True, help_text=_("只对钉钉、企业微信和短信生效。")
    )

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user} 的通知设置"


class Comment(TimeStampedModel):
    """One message in an assignment's conversation (沟通记录); written once, never edited."""

    # read by thread, oldest first: the (assignment, created_at) index serves both, so
    # neither column keeps an index of its own
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("交办事项"),
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("留言人"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    text = models.TextField(_("内容"))
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提及"),
        related_name="comment_mentions",
        blank=True,
    )

    class Meta:
        verbose_name = _("沟通留言")
        verbose_name_plural = _("沟通记录")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["assignment", "created_at"], name="comment_assignment_created_idx")
        ]

    def __str__(self) -> str:
        return self.text[:30]
