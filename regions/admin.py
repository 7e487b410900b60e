from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from regions import access
from regions.common import normalize_name
from regions.models import Alias, Region, Unit, UnitContact, UnitGroup, User
from regions.selectors import unit_group_members


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
        fields = ["short_name", "full_name", "region", "kind", "is_active"]


class UnitGroupForm(NormalizedNamesForm):
    normalized_fields = ("name",)

    class Meta:
        model = UnitGroup
        fields = ["name", "region", "rule", "members"]


class ScopedAdmin(admin.ModelAdmin):
    """Coordinators and leaders manage their region and below; superusers everything."""

    def scope(self, request):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self.scope(request).values("pk"))


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


class UnitAliasInline(admin.TabularInline):
    model = Alias
    form = AliasForm
    fk_name = "unit"
    fields = ["name"]
    extra = 1
    verbose_name = _("别名(文件中的其他写法)")
    verbose_name_plural = _("别名(文件中的其他写法)")


class UnitContactInline(admin.TabularInline):
    model = UnitContact
    fields = ["name", "email", "role"]
    extra = 1


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitForm
    list_display = ["short_name", "full_name", "kind", "region", "is_active"]
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

    def scope(self, request):
        return access.users_for_user(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, *self.privileged]
