from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.common import TimeStampedModel
from regions.models import Region, Unit, UnitGroup


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class Role(models.TextChoices):
    LEAD = "lead", _("牵头单位")
    RESPONSIBLE = "responsible", _("责任单位")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("执行中")
    CLOSED = "closed", _("已结束")


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("待签收")
    IN_PROGRESS = "in_progress", _("办理中")
    SUBMITTED = "submitted", _("待审核")
    DONE = "done", _("已办结")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("不同意")


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", _("到期前提醒")
    DUE_TODAY = "due_today", _("到期当日提醒")
    OVERDUE = "overdue", _("逾期催办")
    ESCALATION = "escalation", _("逾期督办(升级)")
    PERIODIC_REPORT = "periodic_report", _("定期反馈提醒")


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("进展反馈")
    COMPLETION = "completion", _("申请办结")


class ReviewStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("无需审核")
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class ReportCycle(models.TextChoices):
    NONE = "", _("不定期")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class WorkPlan(TimeStampedModel):
    """A work-point document (工作要点, 分工方案) and the plan made from it."""

    Status = PlanStatus

    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=128, blank=True)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="work_plans",
        help_text=_("单位名称在此区划的单位目录中解析;协调员按区划管理。"),
    )
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(
        _("截止日期"), help_text=_("未写明时限的任务,以此日期为跟踪期限。")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    report_cycle = models.CharField(
        _("定期反馈"),
        max_length=16,
        choices=ReportCycle.choices,
        default="",
        blank=True,
        help_text=_("要求各单位每月或每季度反馈进展;任务自身写明的周期优先。"),
    )
    report_day = models.PositiveSmallIntegerField(
        _("反馈日"),
        default=25,
        help_text=_("每月(季度则为季末月)的这一天前反馈,1–28。"),
    )
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_text = models.TextField(_("原文"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="created_plans",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作要点")
        verbose_name_plural = _("工作要点")
        ordering = ["-issued_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=_in("status", PlanStatus), name="plan_status_valid"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="plan_period_ordered"
            ),
            models.CheckConstraint(
                condition=_in("report_cycle", ReportCycle), name="plan_report_cycle_valid"
            ),
            models.CheckConstraint(
                condition=Q(report_day__gte=1, report_day__lte=28), name="plan_report_day_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Task(TimeStampedModel):
    """A node of the plan's outline: a section, an item, or a sub-item."""

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("工作要点"), on_delete=models.CASCADE, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级条目"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    ref = models.CharField(_("编号路径"), max_length=64, help_text=_("如“二/(一)/1”。"))
    number = models.CharField(_("序号"), max_length=16, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), default=1)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("标题"), max_length=500)
    text = models.TextField(_("正文"), blank=True)
    deadline = models.DateField(_("文件时限"), null=True, blank=True)
    deadline_text = models.CharField(_("时限原文"), max_length=128, blank=True)
    due_date = models.DateField(
        _("跟踪期限"), help_text=_("文件时限,否则上级条目的时限,否则工作要点的截止日期。")
    )
    report_cycle = models.CharField(
        _("定期反馈"), max_length=16, choices=ReportCycle.choices, default="", blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="task_ref_unique"),
            models.CheckConstraint(condition=Q(level__gte=1), name="task_level_positive"),
            models.CheckConstraint(
                condition=_in("report_cycle", ReportCycle), name="task_report_cycle_valid"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="task_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class Responsibility(TimeStampedModel):
    """A task × a unit or a group × a role, as the document wrote it."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
    )
    group = models.ForeignKey(
        UnitGroup,
        verbose_name=_("单位组"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    name_as_written = models.CharField(_("文件写法"), max_length=128)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        constraints = [
            models.CheckConstraint(condition=_in("role", Role), name="responsibility_role_valid"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False, group__isnull=True)
                | Q(unit__isnull=True, group__isnull=False),
                name="responsibility_one_target",
            ),
            models.UniqueConstraint(
                fields=["task", "unit"],
                condition=Q(unit__isnull=False),
                name="responsibility_unit_unique",
            ),
            models.UniqueConstraint(
                fields=["task", "group"],
                condition=Q(group__isnull=False),
                name="responsibility_group_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.ref} {self.name_as_written} ({self.get_role_display()})"


class Assignment(TimeStampedModel):
    """A task × one concrete unit: the thing that is tracked."""

    State = AssignmentState

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(
        _("角色"), max_length=16, choices=Role.choices, default=Role.RESPONSIBLE
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.ASSIGNED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    due_date = models.DateField(_("期限"), db_index=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交办结时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    last_report_at = models.DateTimeField(_("最近反馈时间"), null=True, blank=True)
    returns = models.PositiveSmallIntegerField(
        _("被退回次数"), default=0, help_text=_("办结申请被退回的次数(统计用)。")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("交办事项")
        verbose_name_plural = _("交办事项")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="assignment_task_unit_unique"),
            models.CheckConstraint(
                condition=_in("state", AssignmentState), name="assignment_state_valid"
            ),
            models.CheckConstraint(condition=_in("role", Role), name="assignment_role_valid"),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="assignment_progress_range",
            ),
            # Signed for once it has left 待签收; done means accepted, at 100%, at a time.
            models.CheckConstraint(
                condition=Q(state="assigned") | Q(signed_at__isnull=False),
                name="assignment_signed_when_started",
            ),
            models.CheckConstraint(
                condition=~Q(state="submitted") | Q(submitted_at__isnull=False),
                name="assignment_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=(~Q(state="done") & Q(done_at__isnull=True))
                | Q(state="done", done_at__isnull=False, progress=100),
                name="assignment_done_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.ref} · {self.unit}"


class ProgressReport(TimeStampedModel):
    """A unit's progress report (进展反馈); a completion claim is reviewed by a coordinator."""

    Kind = ReportKind

    Review = ReviewStatus

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("交办事项"), on_delete=models.PROTECT, related_name="reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PROGRESS)
    text = models.TextField(_("进展情况"))
    progress = models.PositiveSmallIntegerField(_("进度(%)"))
    review_status = models.CharField(
        _("审核状态"), max_length=16, choices=Review.choices, default=Review.NOT_NEEDED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_reports",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进展反馈")
        verbose_name_plural = _("进展反馈")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=_in("kind", ReportKind), name="report_kind_valid"),
            models.CheckConstraint(
                condition=_in("review_status", ReviewStatus), name="report_review_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="report_progress_range"
            ),
            # Only completion claims are reviewed; a reviewed one records who and when.
            models.CheckConstraint(
                condition=Q(kind="progress", review_status="not_needed")
                | Q(kind="completion", review_status__in=["pending", "accepted", "returned"]),
                name="report_review_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(review_status__in=["accepted", "returned"])
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="report_reviewed_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.get_kind_display()} {self.progress}%"


class Evidence(TimeStampedModel):
    """A file or a link attached to a progress report."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展反馈"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/", blank=True)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    name = models.CharField(_("名称"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("大小(字节)"), null=True, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        constraints = [
            models.CheckConstraint(
                condition=(~Q(file="") & Q(url="")) | (Q(file="") & ~Q(url="")),
                name="evidence_file_or_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.url or self.file.name


class ExtensionRequest(TimeStampedModel):
    """A unit's request for a later due date (延期申请)."""

    Status = ExtensionStatus

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("交办事项"),
        on_delete=models.PROTECT,
        related_name="extension_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="extension_requests",
    )
    previous_due_date = models.DateField(_("原期限"))
    requested_due_date = models.DateField(_("申请期限"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_extensions",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in("status", ExtensionStatus), name="extension_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(requested_due_date__gt=F("previous_due_date")),
                name="extension_moves_later",
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="extension_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="extension_decided_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.requested_due_date}"


class Reminder(TimeStampedModel):
    """One reminder of one kind for one assignment on one day: the idempotency key.

    `unit` and `due_date` are what the sweep saw; if the assignment has since been
    reassigned, extended or finished, the sender cancels instead of mailing.
    """

    Kind = ReminderKind

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("交办事项"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    scheduled_for = models.DateField(_("提醒日期"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+", null=True
    )
    due_date = models.DateField(_("当时期限"), null=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "scheduled_for"], name="reminder_once_per_day"
            ),
            models.CheckConstraint(condition=_in("kind", ReminderKind), name="reminder_kind_valid"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="reminder_sent_or_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["scheduled_for", "sent_at"], name="reminder_pending_idx"),
            models.Index(fields=["assignment", "kind", "-scheduled_for"], name="reminder_last_idx"),
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
        verbose_name = _("汇总邮件")
        verbose_name_plural = _("汇总邮件")
        ordering = ["-scheduled_for"]
        constraints = [
            models.CheckConstraint(condition=_in("kind", DigestKind), name="digest_kind_valid"),
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
        verbose_name = _("邮件记录")
        verbose_name_plural = _("邮件记录")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("等待解析")
    PARSING = "parsing", _("解析中")
    PARSED = "parsed", _("待确认")
    FAILED = "failed", _("解析失败")
    IMPORTED = "imported", _("已导入")


class ImportJob(TimeStampedModel):
    """An uploaded or pasted document on its way to a plan: parse, review, confirm."""

    Status = ImportStatus

    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_file = models.FileField(_("上传文件"), upload_to="imports/%Y/%m/", blank=True)
    source_size = models.PositiveBigIntegerField(_("文件大小(字节)"), default=0)
    source_text = models.TextField(_("粘贴的正文"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    outline = models.JSONField(_("解析结果"), null=True, blank=True)
    mapping = models.JSONField(_("名称对应"), default=dict, blank=True)
    plan = models.OneToOneField(
        WorkPlan,
        verbose_name=_("生成的工作要点"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_job",
    )

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in("status", ImportStatus), name="import_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="import_progress_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(plan__isnull=False),
                name="import_imported_has_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.source_name or f"导入 #{self.pk}"


class ExportJob(TimeStampedModel):
    """A large ledger export, built by a Celery task while the page shows its progress."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("工作要点"), on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(_("格式"), max_length=8, choices=Format.choices)
    status = models.CharField(_("状态"), max_length=16, default="pending")
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("台账导出")
        verbose_name_plural = _("台账导出")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "done", "failed"]),
                name="export_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=["xlsx", "csv"]), name="export_format_valid"
            ),
        ]


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Bulletin(TimeStampedModel):
    """A bulletin (通报) on a plan for a period: figures from the tracked data, ranking,
    overdue items, and the coordinator's own words. Publishing freezes the figures."""

    Status = BulletinStatus

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("工作要点"), on_delete=models.PROTECT, related_name="bulletins"
    )
    title = models.CharField(_("标题"), max_length=200)
    number = models.CharField(_("期号"), max_length=32, blank=True, help_text=_("如“第 3 期”。"))
    period_start = models.DateField(_("统计起"))
    period_end = models.DateField(_("统计止"))
    introduction = models.TextField(_("导语"), blank=True)
    conclusion = models.TextField(_("结语(工作要求)"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    figures = models.JSONField(_("发布时的数据"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("status", BulletinStatus), name="bulletin_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="bulletin_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(figures__isnull=False, published_at__isnull=False),
                name="bulletin_published_is_frozen",
            ),
            models.UniqueConstraint(
                fields=["plan", "period_start", "period_end"], name="bulletin_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BulletinDelivery(models.Model):
    """One unit's copy of a published bulletin: sent once, whatever the retries."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("通报发送")
        verbose_name_plural = _("通报发送")
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit"], name="bulletin_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} → {self.unit}"


class AssessmentScheme(TimeStampedModel):
    """The weights of a region's yearly assessment (考核), set by its coordinator."""

    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    w_completion = models.DecimalField(_("办结率权重"), max_digits=5, decimal_places=1, default=60)
    w_on_time = models.DecimalField(_("按时率权重"), max_digits=5, decimal_places=1, default=40)
    p_overdue_day = models.DecimalField(
        _("每逾期一个工作日扣分"), max_digits=5, decimal_places=2, default=0.5
    )
    p_returned = models.DecimalField(_("每次被退回扣分"), max_digits=5, decimal_places=2, default=2)
    p_missed = models.DecimalField(
        _("每次未按期反馈扣分"), max_digits=5, decimal_places=2, default=1
    )

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="assessment_scheme_once"),
            models.CheckConstraint(
                condition=Q(w_completion__gte=0, w_on_time__gte=0)
                & (Q(w_completion__gt=0) | Q(w_on_time__gt=0)),
                name="assessment_weights_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year} 年度考核规则"


class HolidayYear(TimeStampedModel):
    """A year's 放假调休 schedule as the State Council published it, entered by the top
    region's coordinators. A year listed here is decided by this table alone: its days off
    and make-up working days below, other days by the week (Monday to Friday)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.TextField(
        _("通知原文"), blank=True, help_text=_("国务院办公厅关于该年部分节假日安排的通知。")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="holiday_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} 年放假安排"


class HolidayDayKind(models.TextChoices):
    OFF = "off", _("放假")
    WORK = "work", _("调休上班")


class HolidayDay(models.Model):
    """One day of a schedule: a day off (放假) or a make-up working day (调休上班)."""

    Kind = HolidayDayKind

    calendar = models.ForeignKey(
        HolidayYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=HolidayDayKind.choices)
    name = models.CharField(_("节日"), max_length=32, blank=True, help_text=_("如“春节”。"))

    class Meta:
        verbose_name = _("放假/调休日")
        verbose_name_plural = _("放假/调休日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=_in("kind", HolidayDayKind), name="holiday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}{self.get_kind_display()}"
