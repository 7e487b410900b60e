"""Assignments to units and what units file against them: reports, evidence, extension
requests."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from regions.models import Unit
from tasks_app.models.choices import (
    AssignmentState,
    ExtensionStatus,
    ReportKind,
    ReviewStatus,
    Role,
    in_choices,
)
from tasks_app.models.plans import Task


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
        # the default order of every list: page 1 reads 100 entries, instead of sorting all
        # the assignments due on the first due date (28,440 of them at national scale)
        indexes = [models.Index(fields=["due_date", "id"], name="assignment_due_date_id_idx")]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="assignment_task_unit_unique"),
            models.CheckConstraint(
                condition=in_choices("state", AssignmentState), name="assignment_state_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("role", Role), name="assignment_role_valid"
            ),
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
    is_public = models.BooleanField(
        _("公开"),
        default=False,
        help_text=_("协调员标记后,下次公开进展时其正文出现在公开页面上(仅限已通过的)。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进展反馈")
        verbose_name_plural = _("进展反馈")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", ReportKind), name="report_kind_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("review_status", ReviewStatus), name="report_review_valid"
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
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(review_status="accepted"),
                name="report_public_only_accepted",
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
                condition=in_choices("status", ExtensionStatus), name="extension_status_valid"
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
