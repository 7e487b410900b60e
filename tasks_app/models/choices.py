"""The choices of the plan and assignment life cycle, and a check-constraint helper."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    """A check constraint's condition: `field` holds one of `choices`."""
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
