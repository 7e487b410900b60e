"""What reporting keeps: ledger export jobs, bulletins and their deliveries, assessment
schemes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from regions.models import Region, Unit
from tasks_app.models import WorkPlan, in_choices


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
        db_table = "tasks_app_exportjob"  # the table it had in tasks_app
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

    history = HistoricalRecords(table_name="tasks_app_historicalbulletin")

    class Meta:
        db_table = "tasks_app_bulletin"  # the table it had in tasks_app
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", BulletinStatus), name="bulletin_status_valid"
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
        db_table = "tasks_app_bulletindelivery"  # the table it had in tasks_app
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
        db_table = "tasks_app_assessmentscheme"  # the table it had in tasks_app
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


class PublicPlan(TimeStampedModel):
    """A plan's progress published to the public (政务公开): a frozen snapshot served at an
    opaque URL, refreshed by publishing again, withdrawn by unpublishing."""

    plan = models.OneToOneField(
        WorkPlan, verbose_name=_("工作要点"), on_delete=models.CASCADE, related_name="public_page"
    )
    token = models.CharField(_("公开链接标识"), max_length=64, unique=True)
    snapshot = models.JSONField(_("公开的数据"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公开人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unpublished_at = models.DateTimeField(_("取消公开时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公开页面")
        verbose_name_plural = _("公开页面")
        constraints = [
            models.CheckConstraint(
                condition=Q(unpublished_at__isnull=False)
                | Q(snapshot__isnull=False, published_at__isnull=False),
                name="public_plan_published_is_frozen",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · 公开页面"

    @property
    def is_published(self) -> bool:
        return self.unpublished_at is None
