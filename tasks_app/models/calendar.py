"""The national holiday calendar (放假调休) the working-day arithmetic reads."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from tasks_app.models.choices import in_choices


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
                condition=in_choices("kind", HolidayDayKind), name="holiday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}{self.get_kind_display()}"
