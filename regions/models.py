from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.people import display_name

gbt2260_code = RegexValidator(
    r"^\d{6}(\d{3}(\d{3})?)?$", _("区划代码应为 6 位(县级及以上)、9 位或 12 位数字(GB/T 2260)。")
)


class Region(TimeStampedModel):
    """An administrative division, identified by its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("地级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")

    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[gbt2260_code])
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["province", "prefecture", "county", "township"]),
                name="region_level_valid",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="region_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    """An organisation that can be assigned work: a department, a government, a zone."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("部门")
        GOVERNMENT = "government", _("政府")
        ZONE = "zone", _("园区/开发区")
        OTHER = "other", _("其他")

    short_name = models.CharField(
        _("简称"), max_length=64, help_text=_("文件中的写法,如“市发改委”。")
    )
    full_name = models.CharField(_("全称"), max_length=128, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="units"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    is_active = models.BooleanField(
        _("在用"), default=True, help_text=_("机构撤并后取消勾选,不再参与集体名称展开。")
    )
    position = models.PositiveIntegerField(
        _("排列顺序"),
        default=0,
        db_default=0,  # rows written without the field (older code, bulk_create) come first
        help_text=_("同一区划内单位的排列顺序(名录中的先后),数字小的在前。"),
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region__code", "position", "id"]  # official order: regions.selectors
        constraints = [
            models.UniqueConstraint(fields=["region", "short_name"], name="unit_short_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["department", "government", "zone", "other"]),
                name="unit_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    def save(self, *args, **kwargs) -> None:
        """A unit added without a place (by hand, by an import's "new unit", a government
        made for its region) goes after its region's units, not before them all."""
        if self._state.adding and not self.position:
            last = Unit.objects.filter(region_id=self.region_id).aggregate(m=models.Max("position"))
            self.position = (last["m"] or 0) + 1
        super().save(*args, **kwargs)


class RobotAddresses(models.Model):
    """Group robots a message can go to: a 钉钉 robot (with its 加签 secret, if it has one)
    and a 企业微信 robot. A unit's contacts have them, and so may a person's own settings."""

    dingtalk_webhook = models.URLField(_("钉钉机器人 Webhook"), max_length=500, blank=True)
    dingtalk_secret = models.CharField(_("钉钉加签密钥"), max_length=128, blank=True)
    wecom_webhook = models.URLField(_("企业微信机器人 Webhook"), max_length=500, blank=True)

    class Meta:
        abstract = True


class UnitContact(TimeStampedModel, RobotAddresses):
    """A mailbox of a unit: its working contact, or a leader for escalations."""

    class Role(models.TextChoices):
        CONTACT = "contact", _("联络人")
        LEADER = "leader", _("分管领导")

    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.CONTACT)
    phone = models.CharField(_("手机"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("单位联系人")
        verbose_name_plural = _("单位联系人")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "email"], condition=~Q(email=""), name="unit_contact_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["contact", "leader"]), name="unit_contact_role_valid"
            ),
            models.CheckConstraint(
                condition=~Q(email="")
                | ~Q(phone="")
                | ~Q(dingtalk_webhook="")
                | ~Q(wecom_webhook=""),
                name="unit_contact_has_address",
            ),
        ]

    def __str__(self) -> str:
        address = self.email or self.phone or _("机器人")
        return f"{self.name} <{address}>" if self.name else str(address)


class UnitGroup(TimeStampedModel):
    """A collective name (各县(市、区)人民政府, 市直各部门) and the rule that expands it."""

    class Rule(models.TextChoices):
        CHILD_GOVERNMENTS = "child_governments", _("直接下级区划的政府(如各县市区政府)")
        TOWNSHIP_GOVERNMENTS = "township_governments", _("辖区内各乡镇(街道)")
        DEPARTMENTS = "departments", _("本级政府各部门")
        ZONES = "zones", _("本级各园区/开发区")
        CUSTOM = "custom", _("自定义成员")

    name = models.CharField(_("集体名称"), max_length=64)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="unit_groups",
        help_text=_("展开规则以此区划为准,如太原市的“各县(市、区)人民政府”。"),
    )
    rule = models.CharField(_("展开规则"), max_length=32, choices=Rule.choices)
    members = models.ManyToManyField(
        Unit,
        verbose_name=_("自定义成员"),
        blank=True,
        related_name="custom_groups",
        help_text=_("仅在“自定义成员”规则下使用。"),
    )

    class Meta:
        verbose_name = _("单位组(集体名称)")
        verbose_name_plural = _("单位组(集体名称)")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_group_name_unique"),
            models.CheckConstraint(
                condition=Q(
                    rule__in=[
                        "child_governments",
                        "township_governments",
                        "departments",
                        "zones",
                        "custom",
                    ]
                ),
                name="unit_group_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Alias(TimeStampedModel):
    """Another name a document may use for a unit (市卫计委) or a group (各县(市、区)政府)."""

    name = models.CharField(_("别名"), max_length=128)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )
    group = models.ForeignKey(
        UnitGroup,
        verbose_name=_("单位组"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )

    class Meta:
        verbose_name = _("别名")
        verbose_name_plural = _("别名")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, group__isnull=True)
                | Q(unit__isnull=True, group__isnull=False),
                name="alias_names_one_target",
            ),
            models.UniqueConstraint(
                fields=["unit", "name"], condition=Q(unit__isnull=False), name="alias_unit_unique"
            ),
            models.UniqueConstraint(
                fields=["group", "name"],
                condition=Q(group__isnull=False),
                name="alias_group_unique",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="alias_name_idx")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person: a unit's user, a region's coordinator or leader, or an administrator."""

    class Role(models.TextChoices):
        NONE = "none", _("无业务角色")
        COORDINATOR = "coordinator", _("协调员(政务公开办)")
        UNIT_USER = "unit_user", _("单位用户")
        LEADER = "leader", _("领导(只读)")

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.NONE)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("负责区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("协调员和领导所管的区划(含下级)。"),
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    receives_digests = models.BooleanField(
        _("接收汇总邮件"),
        default=True,
        help_text=_("每周汇总、每日逾期汇总可以退订;到期提醒和督办邮件不能退订。"),
    )

    @property
    def is_coordinator(self) -> bool:
        """The one predicate for "may act as a coordinator": an active administrator, or an
        active coordinator with a region (what they coordinate is that region's subtree)."""
        return self.is_active and (
            self.is_superuser or (self.role == self.Role.COORDINATOR and self.region_id is not None)
        )

    def __str__(self) -> str:
        # wherever a person is shown (admin lists and fields, history "by", notices): the name
        return display_name(self)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["none", "coordinator", "unit_user", "leader"]),
                name="user_role_valid",
            ),
            models.CheckConstraint(
                condition=~Q(role="unit_user") | Q(unit__isnull=False),
                name="user_unit_user_has_unit",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["coordinator", "leader"]) | Q(region__isnull=False),
                name="user_coordinator_has_region",
            ),
        ]


class Invitation(TimeStampedModel):
    """A one-time link for a user to set their password, mailed through the outbox.

    The link's token is never stored: it is an HMAC of `nonce` under SECRET_KEY (so the
    outbox can rebuild the link to send it, and a copy of the database alone cannot), and the
    page finds the invitation by the token's SHA-256 (`token_hash`)."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="invitations"
    )
    nonce = models.CharField(_("随机数"), max_length=64, unique=True, editable=False)
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    # the outbox's stamps (notify.outbox.TrackedRows)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["sent_at"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else "-"
