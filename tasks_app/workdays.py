"""Working days: China's statutory holidays and make-up working days (调休).

From `chinesecalendar`; for a year it does not know yet, Monday to Friday, with a
warning in the log once per year so that an operator knows to upgrade the package.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "chinesecalendar has no holiday data for %s: counting Monday to Friday as "
                "working days. Upgrade the chinesecalendar package.",
                day.year,
            )
        return day.weekday() < 5


def add_workdays(day: dt.date, count: int) -> dt.date:
    """The date `count` working days after `day` (before it when negative)."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative when end < start."""
    if end < start:
        return -workdays_between(end, start)
    return sum(
        1 for i in range(1, (end - start).days + 1) if is_workday(start + dt.timedelta(days=i))
    )
