"""One rule for the admin: every object a page shows, and every object a form accepts, goes
through the access layer.

`ScopedAdmin` (every ModelAdmin of ours) and `ScopedInline` (every inline) share it:

- the change list, change, delete, history and history-entry views see only what
  `scope(request)` (the access layer) returns; anything else is "not found";
- every foreign key and many-to-many field of every form, inline ones included, is
  validated against what the user may see — the choices are the related model's own
  scoped queryset, so a posted id from elsewhere is "not a valid choice", whatever the
  dropdown showed;
- only coordinators (and administrators) add, change or delete; leaders read;
- the history is read-only: no "revert" (changes go through the services).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Model, QuerySet
from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from core.history import ReadableHistoryHelper
from core.params import is_id


def may_write(user) -> bool:
    """Administrators, and coordinators of a region (User.is_coordinator, the one predicate);
    a leader (or anyone else) only reads."""
    return bool(getattr(user, "is_coordinator", False))


def may_read(user) -> bool:
    return user.is_active and (
        user.is_superuser
        or (getattr(user, "role", "") in ("coordinator", "leader") and user.region_id)
    )


def visible(admin_site: admin.AdminSite, request, model: type[Model]) -> QuerySet:
    """What `request.user` may see of `model`, by the model's own ModelAdmin scope; a model
    without one (Django's groups, permissions …) is for administrators only."""
    manager = model._default_manager
    if request.user.is_superuser:
        return manager.all()
    model_admin = admin_site._registry.get(model)
    if isinstance(model_admin, ScopedAdmin):
        return model_admin.get_queryset(request)
    return manager.none()


class ScopedFieldsMixin:
    """Foreign keys and many-to-many fields offer, and accept, only what the user may see."""

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser:
            return queryset
        related = db_field.remote_field.model
        allowed = visible(self.admin_site, request, related)
        if queryset is None:
            queryset = related._default_manager.using(db)
        return queryset.filter(pk__in=allowed.values("pk"))


class ScopedInline(ScopedFieldsMixin, admin.options.InlineModelAdmin):
    """The base of every inline: scoped choices; written only by those who may write."""

    def has_add_permission(self, request, obj=None) -> bool:
        return may_write(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_write(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_write(request.user) and super().has_delete_permission(request, obj)


class ScopedTabularInline(ScopedInline, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInline, admin.StackedInline):
    pass


class SafeChangeListMixin:
    def get_changelist_instance(self, request):
        # Django's date hierarchy turns ?issued_on__year=<30 digits> into an OverflowError:
        # a bad filter, answered like any other (the list with "?e=1"), never a 500.
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class ScopedAdmin(SafeChangeListMixin, ScopedFieldsMixin, admin.ModelAdmin):
    """Coordinators and leaders manage their region and below; administrators everything."""

    def scope(self, request) -> QuerySet:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if not may_read(request.user):
            return queryset.none()
        return queryset.filter(pk__in=self.scope(request).values("pk"))

    def has_view_permission(self, request, obj=None) -> bool:
        return may_read(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return may_write(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_write(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_write(request.user) and super().has_delete_permission(request, obj)

    def in_scope(self, request, object_id) -> bool:
        return is_id(object_id) and self.get_queryset(request).filter(pk=object_id).exists()


class ScopedHistoryAdmin(ScopedAdmin):
    """The audit history behind the 历史 button (django-simple-history), through the same
    scope, and read only: an entry can be looked at, never posted back ("revert")."""

    def history_view(self, request, object_id, extra_context=None):
        if not self.in_scope(request, object_id):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not (self.in_scope(request, object_id) and is_id(version_id)):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None) -> bool:
        return True


class HistoryScopedAdmin(ScopedHistoryAdmin, SimpleHistoryAdmin):
    """Scoped, with the audit history (who, when, what, why) behind the 历史 button."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)


def _safe_changelists_for_installed_admins() -> None:
    """Django's date hierarchy overflows on a 30-digit year in any app's admin: give the
    admins we do not write ourselves (django-axes') the same "?e=1" answer as ours."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        base = type(admin.site._registry.get(model))
        if base is type(None) or issubclass(base, SafeChangeListMixin):
            continue
        admin.site.unregister(model)
        admin.site.register(model, type(base.__name__, (SafeChangeListMixin, base), {}))


_safe_changelists_for_installed_admins()
