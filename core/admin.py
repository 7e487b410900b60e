"""One rule for the admin: every object a page shows, and every object a form accepts, goes
through the access layer.

`ScopedAdmin` (every ModelAdmin of ours) and `ScopedInline` (every inline) share it:

- the change list, change, delete, history and history-entry views see only what
  `scope(request)` (the access layer) returns; anything else is "not found";
- every foreign key and many-to-many field of every form, inline ones included, is
  validated against what the user may see — the choices are the related model's own
  scoped queryset, so a posted id from elsewhere is "not a valid choice", whatever the
  dropdown showed;
- every list filter on a relation offers only the related objects the user may see
  (`ScopedRelatedFieldListFilter`, applied to every such filter by `ScopedAdmin`);
- only coordinators (and administrators) add, change or delete; leaders read, and are
  offered no action that writes (an action that only reads is marked `@reads_only`);
- the history is read-only: no "revert" (changes go through the services) unless an
  admin opts in with `history_revert = True`.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from simple_history.admin import SimpleHistoryAdmin

from core.history import ReadableHistoryHelper, history_entry_response, history_rows_prepare
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


def reads_only(action):
    """Mark an admin action that changes nothing (an export, say): leaders are offered it."""
    action.reads_only = True
    return action


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter on a relation whose choices are the related model's scoped queryset (the
    same access check as its admin's change list): 云川's coordinator is not offered
    Taiyuan's plans, nor Taiyuan's the regions of the whole country."""

    def field_choices(self, field, request, model_admin):
        if request.user.is_superuser:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        allowed = visible(model_admin.admin_site, request, field.related_model)
        return field.get_choices(
            include_blank=False,
            ordering=ordering,
            limit_choices_to={"pk__in": allowed.values("pk")},
        )


def scoped_list_filter(model: type[Model], entry):
    """A list_filter entry, with a plain relation path ("plan", "task__plan") given the
    scoped filter; explicit (path, FilterClass) pairs and SimpleListFilters as written."""
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except (FieldDoesNotExist, IndexError):
        return entry
    if getattr(field, "is_relation", False) and field.related_model is not None:
        return (entry, ScopedRelatedFieldListFilter)
    return entry


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
        return self._writes(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._writes(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._writes(request, obj) and super().has_delete_permission(request, obj)

    def _writes(self, request, obj) -> bool:
        """A writer, on a parent object they may change (`obj` is the parent's)."""
        if not may_write(request.user):
            return False
        parent = self.admin_site._registry.get(self.parent_model)
        if obj is None or not isinstance(parent, ScopedAdmin):
            return True
        return parent.object_writable(request, obj)


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
        return (
            may_write(request.user)
            and (obj is None or self.object_writable(request, obj))
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return (
            may_write(request.user)
            and (obj is None or self.object_writable(request, obj))
            and super().has_delete_permission(request, obj)
        )

    def object_writable(self, request, obj) -> bool:
        """Whether a writer may change this object they see; an admin narrows it (a lower
        government's child plan is read-only to the levels above)."""
        return True

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, f) for f in super().get_list_filter(request)]

    def get_actions(self, request):
        """A reader (a leader) is offered only the actions marked `@reads_only`: every other
        action writes, and would be refused."""
        actions = super().get_actions(request)
        if may_write(request.user):
            return actions
        return {name: a for name, a in actions.items() if getattr(a[0], "reads_only", False)}

    def in_scope(self, request, object_id) -> bool:
        return is_id(object_id) and self.get_queryset(request).filter(pk=object_id).exists()


class ScopedHistoryAdmin(ScopedAdmin):
    """The audit history behind the 历史 button (django-simple-history), through the same
    scope, and read only: an entry can be looked at, never posted back ("revert") — the
    objects' changes go through the services, which keep who, when and why. An admin whose
    objects may be reverted opts in with `history_revert = True`."""

    history_revert = False

    def history_view(self, request, object_id, extra_context=None):
        if not self.in_scope(request, object_id):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not (self.in_scope(request, object_id) and is_id(version_id)):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if self.history_revert and may_write(request.user):
            return super().history_form_view(request, object_id, version_id, extra_context)
        if request.method != "GET":
            raise PermissionDenied  # nothing is written back from here
        return history_entry_response(self, request, object_id, version_id)

    def revert_disabled(self, request, obj=None) -> bool:
        return not (self.history_revert and may_write(request.user))


class HistoryScopedAdmin(ScopedHistoryAdmin, SimpleHistoryAdmin):
    """Scoped, with the audit history (who, when, what, why) behind the 历史 button, as
    people read it: field names and state labels in Chinese, local time to the minute, the
    changing user's name, and the reason in its own column."""

    object_history_list_template = "admin/history/list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        queryset = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return queryset.select_related("history_user")

    def set_history_delta_changes(self, request, page_obj, *args, **kwargs):
        super().set_history_delta_changes(request, page_obj, *args, **kwargs)
        history_rows_prepare(page_obj.object_list)


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
