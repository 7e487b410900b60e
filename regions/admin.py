from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdmin, ScopedTabularInline, may_write
from core.models import normalize_name
from regions import access, admin_views
from regions.models import Alias, Region, Unit, UnitContact, UnitGroup, User
from regions.selectors import unit_group_members
from regions.services import user_apply_role, users_unlock
from regions.services.invitations import invitations_create


class NormalizedNamesForm(forms.ModelForm):
    """Stores names folded (NFKC, no spaces) so that name resolution matches them."""

    normalized_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.normalized_fields:
            if cleaned.get(name):
                cleaned[name] = normalize_name(cleaned[name])
        return cleaned


class AliasForm(NormalizedNamesForm):
    normalized_fields = ("name",)

    class Meta:
        model = Alias
        fields = ["name"]


class UnitForm(NormalizedNamesForm):
    normalized_fields = ("short_name", "full_name")

    class Meta:
        model = Unit
        fields = ["short_name", "full_name", "region", "kind", "position", "is_active"]


class UnitGroupForm(NormalizedNamesForm):
    normalized_fields = ("name",)

    class Meta:
        model = UnitGroup
        fields = ["name", "region", "rule", "members"]


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["code"]

    def scope(self, request):
        return access.regions_for_user(request.user)


class UnitAliasInline(ScopedTabularInline):
    model = Alias
    form = AliasForm
    fk_name = "unit"
    fields = ["name"]
    extra = 1
    verbose_name = _("别名(文件中的其他写法)")
    verbose_name_plural = _("别名(文件中的其他写法)")


CONTACT_FIELDS = [
    "name",
    "role",
    "email",
    "phone",
    "dingtalk_webhook",
    "dingtalk_secret",
    "wecom_webhook",
]


# robot webhooks are https (and Django 6 will assume it for a bare host)
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class UnitContactInline(ScopedTabularInline):
    model = UnitContact
    fields = CONTACT_FIELDS
    formfield_overrides = HTTPS_URLS
    extra = 1


@admin.register(UnitContact)
class UnitContactAdmin(ScopedAdmin):
    list_display = ["unit", "name", "role", "email", "phone", "has_robot"]
    list_filter = ["role"]
    search_fields = ["name", "email", "phone", "unit__short_name", "unit__full_name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    fields = ["unit", *CONTACT_FIELDS]
    formfield_overrides = HTTPS_URLS
    change_list_template = "admin/regions/unitcontact/change_list.html"

    def scope(self, request):
        return UnitContact.objects.filter(unit__in=access.units_for_user(request.user))

    def changelist_view(self, request, extra_context=None):
        extra = {"may_import": access.is_coordinator(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.display(description=_("机器人"), boolean=True)
    def has_robot(self, obj: UnitContact) -> bool:
        return bool(obj.dingtalk_webhook or obj.wecom_webhook)


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitForm
    list_display = ["short_name", "full_name", "kind", "region", "position", "is_active"]
    list_filter = ["kind", "is_active", "region__level", "region"]
    search_fields = ["short_name", "full_name", "aliases__name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    inlines = [UnitAliasInline, UnitContactInline]

    def scope(self, request):
        return access.units_for_user(request.user)


class GroupAliasInline(UnitAliasInline):
    fk_name = "group"


@admin.register(UnitGroup)
class UnitGroupAdmin(ScopedAdmin):
    form = UnitGroupForm
    list_display = ["name", "region", "rule"]
    list_filter = ["rule", "region"]
    search_fields = ["name", "aliases__name", "region__name"]
    autocomplete_fields = ["region", "members"]
    list_select_related = ["region"]
    readonly_fields = ["expanded_members"]
    inlines = [GroupAliasInline]

    def scope(self, request):
        return access.unit_groups_for_user(request.user)

    @admin.display(description=_("当前展开为"))
    def expanded_members(self, obj: UnitGroup) -> str:
        if obj.pk is None:
            return "-"
        units = list(unit_group_members(group=obj))
        if not units:
            return _("(没有单位)")
        items = format_html_join("、", "{}", ((u.short_name,) for u in units))
        return format_html("{} 个:{}", len(units), items)


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The password's summary without the 重置密码 button: for a reader (a leader), whom the
    password page would refuse."""

    def render(self, name, value, attrs=None, renderer=None):
        summary = self.get_context(name, value, attrs)["summary"]
        entries = ((e["label"], f": {e['value']}" if e.get("value") else "") for e in summary)
        return format_html(
            "<div><p>{}</p></div>", format_html_join(" ", "<strong>{}</strong>{}", entries)
        )


@admin.register(User)
class UserAdmin(ScopedAdmin, BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "unit", "region", "is_active"]
    list_filter = ["role", "is_staff", "is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email", "unit__short_name"]
    autocomplete_fields = ["unit", "region"]
    list_select_related = ["unit", "region"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("业务角色"), {"fields": ("role", "unit", "region", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("业务角色"), {"fields": ("role", "unit", "region")}),
    )
    # Only administrators hand out administration: a coordinator cannot promote anyone.
    privileged = ("is_superuser", "is_staff", "user_permissions", "groups")

    actions = ["unlock_selected", "invite_selected"]

    def scope(self, request):
        return access.users_for_user(request.user)

    @admin.action(
        description=_("解除所选用户的登录锁定(密码错误次数过多)"), permissions=["unlock_selected"]
    )
    def unlock_selected(self, request, queryset):
        names = list(queryset.values_list("username", flat=True))
        lifted = users_unlock(usernames=names)
        self.message_user(
            request, f"已解除 {len(names)} 个用户的登录锁定(清除 {lifted} 条失败记录)。"
        )

    def has_unlock_selected_permission(self, request) -> bool:
        return self.has_change_permission(request)

    @admin.action(
        description=_("发送邀请(设置密码的链接,此前的邀请作废)"), permissions=["invite_selected"]
    )
    def invite_selected(self, request, queryset):
        users = list(queryset.filter(is_active=True).exclude(email=""))
        invitations_create(users=users)
        skipped = queryset.count() - len(users)
        note = f";{skipped} 个用户没有邮箱或已停用,未发送" if skipped else ""
        self.message_user(request, f"已向 {len(users)} 个用户发送邀请{note}。")

    def has_invite_selected_permission(self, request) -> bool:
        return self.has_change_permission(request)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not may_write(request.user) and "password" in form.base_fields:
            field = form.base_fields["password"]
            form.base_fields["password"] = type(field)(
                label=field.label, help_text="", widget=PasswordSummaryWidget
            )
        return form

    # Nobody changes their own role, region, unit or standing (an administrator either).
    own = ("role", "unit", "region", "is_active")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.privileged
        if obj is not None and obj.pk == request.user.pk:
            fields += self.own
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not request.user.is_superuser:  # a coordinator's user gets what its role brings
            user_apply_role(user=form.instance)


admin.site.register_page(
    "regions/unitcontact/import/",
    admin_views.contacts_import_view,
    name="regions_unitcontact_import",
    model=UnitContact,
)
