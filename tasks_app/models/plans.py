"""The plan: a work-point document, its numbered tasks, and who is named for each."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from regions.models import Region, Unit, UnitGroup
from tasks_app.models.choices import PlanStatus, ReportCycle, Role, in_choices


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
    parent_assignment = models.OneToOneField(
        "tasks_app.Assignment",
        verbose_name=_("上级交办事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="child_plan",
        help_text=_("分解下达:上级交给本级政府的事项,本方案是对它的分解落实。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作要点")
        verbose_name_plural = _("工作要点")
        ordering = ["-issued_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", PlanStatus), name="plan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="plan_period_ordered"
            ),
            models.CheckConstraint(
                condition=in_choices("report_cycle", ReportCycle), name="plan_report_cycle_valid"
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
                condition=in_choices("report_cycle", ReportCycle), name="task_report_cycle_valid"
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
            models.CheckConstraint(
                condition=in_choices("role", Role), name="responsibility_role_valid"
            ),
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
