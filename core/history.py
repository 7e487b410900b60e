"""The audit history as people read it: local time to the minute, choices by their labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
