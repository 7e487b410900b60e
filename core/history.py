"""The audit history as people read it: local time to the minute, choices by their labels,
field names as the forms name them, the author by name; one version read only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from simple_history.template_utils import HistoricalRecordContextHelper

from core.localtime import minute_text


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """What changed between two versions, written as the UI writes it: instants in local
    time to the minute (not UTC with microseconds), states by their Chinese labels."""

    def prepare_delta_change_value(self, change, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if isinstance(value, dt.datetime):
            return minute_text(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if getattr(field, "choices", None):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


def person_name(user) -> str:
    """How a page names the user who made a change: the full name, else the login."""
    if user is None:
        return "系统"
    return user.get_full_name().strip() or user.get_username()


def history_rows_prepare(records) -> None:
    """Each version of the history list with its local time and its author's name."""
    for record in records:
        record.local_time = minute_text(record.history_date)
        record.changed_by = person_name(record.history_user)


def field_text(record, field) -> str:
    """A field of a historical version as the UI shows it (labels, local time, names)."""
    if field.is_relation:
        try:
            value = getattr(record, field.name)
        except ObjectDoesNotExist:
            value = None
    else:
        value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return minute_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def history_entry_response(model_admin, request, object_id, version_id) -> TemplateResponse:
    """One version of an object, read only: every field by its Chinese name and value, who
    changed it, when and why — and no form, so nothing to post back."""
    opts = model_admin.model._meta
    history_model = getattr(model_admin.model, opts.simple_history_manager_attribute).model
    record = get_object_or_404(
        history_model.objects.select_related("history_user"),
        **{opts.pk.attname: object_id, "history_id": version_id},
    )
    obj = model_admin.get_queryset(request).get(pk=object_id)
    recorded = {f.name for f in history_model._meta.fields}  # not a field the history excludes
    fields = [
        (capfirst(f.verbose_name), field_text(record, f))
        for f in opts.concrete_fields
        if not f.primary_key and f.name not in HIDDEN_FIELDS and f.name in recorded
    ]
    url = f"admin:{opts.app_label}_{opts.model_name}"
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{opts.verbose_name}的历史版本:{obj}",
        "opts": opts,
        "original": obj,
        "record": record,
        "local_time": minute_text(record.history_date),
        "changed_by": person_name(record.history_user),
        "fields": fields,
        "change_url": reverse(f"{url}_change", args=[obj.pk]),
        "history_url": reverse(f"{url}_history", args=[obj.pk]),
    }
    return TemplateResponse(request, "admin/history/entry.html", context)


HIDDEN_FIELDS = {"password"}
