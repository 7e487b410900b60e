"""The local date and time of an instant, for everything people read.

Stored instants are UTC. Pages, exports, documents and mails show them in the
installation's time zone (settings.TIME_ZONE, Asia/Shanghai) — never in UTC and never in
whatever zone the process happens to run with — to the minute.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    return _zone(settings.TIME_ZONE)


def local(instant: dt.datetime) -> dt.datetime:
    """The instant in the installation's time zone (naive values are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(local_zone())


def local_date(instant: dt.datetime | None) -> dt.date | None:
    """The local calendar day of an instant: a report at 07:30 on 2 March (Shanghai) is
    2 March, although it is still 1 March in UTC."""
    return local(instant).date() if instant is not None else None


def local_now() -> dt.datetime:
    return local(dt.datetime.now(dt.UTC))


def date_text(value: dt.date | dt.datetime | None) -> str:
    """YYYY-MM-DD of a date, or of an instant's local day; '' for nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local_date(value)
    return value.isoformat()


def minute_text(instant: dt.datetime | None) -> str:
    """YYYY-MM-DD HH:MM in local time; '' for nothing."""
    if instant is None:
        return ""
    t = local(instant)  # formatted by hand: strftime costs 20x as much, a ledger calls it per row
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def chinese_date_text(value: dt.date | dt.datetime | None) -> str:
    """2026年3月2日, as official documents write dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local_date(value)
    return f"{value.year}年{value.month}月{value.day}日"
