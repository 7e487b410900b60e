"""An import of a document on its way to a plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from regions.models import Region
from tasks_app.models.choices import in_choices
from tasks_app.models.plans import WorkPlan


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
    parent_assignment = models.ForeignKey(
        "tasks_app.Assignment",
        verbose_name=_("上级交办事项"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("导入的是本级对上级交办事项的分解方案时,生成的方案与之关联。"),
    )

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", ImportStatus), name="import_status_valid"
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
