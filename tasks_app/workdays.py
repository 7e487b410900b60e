"""Working days: China's statutory holidays and make-up working days (调休).

Where each day comes from, in order:

1. the holiday calendar the coordinators keep (admin → 节假日安排, `HolidayYear`): a year
   entered there is decided by it alone — its days off and make-up working days, the
   other days by the week;
2. `chinesecalendar` (it knows the years up to its release);
3. Monday to Friday, for a year neither knows — visible: `unknown_years()` names such
   years so pages and the admin can say so, and a warning goes to the log once a year.

Counting is constant time: each year's cumulative count of working days is computed once
(an ordinal per day, so a difference is a subtraction) and rebuilt when the calendar
changes — at once in the process that changed it (`calendar_changed()`), within
CALENDAR_REFRESH_SECONDS in the others (web, worker, beat).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field

import chinese_calendar

logger = logging.getLogger(__name__)
CALENDAR_REFRESH_SECONDS = 60
_ONE_DAY = dt.timedelta(days=1)


@dataclass
class _Calendar:
    loaded_at: float = -1e9
    days: dict[dt.date, bool] = field(default_factory=dict)  # from the table: workday?
    years: frozenset[int] = frozenset()  # years the table decides
    # per year: cumulative working days, index 0 = 1 January (inclusive)
    prefix: dict[int, list[int]] = field(default_factory=dict)
    # working days in all the years before a year, from _BASE
    before: dict[int, int] = field(default_factory=dict)
    warned: set[int] = field(default_factory=set)


_BASE = 2004  # the first year chinesecalendar knows; earlier days are counted one by one
_state = _Calendar()
_lock = threading.Lock()


def calendar_changed() -> None:
    """The table changed: forget what was computed from it (this process at once)."""
    global _state
    with _lock:
        _state = _Calendar(warned=_state.warned)


def _calendar() -> _Calendar:
    global _state
    state = _state
    if time.monotonic() - state.loaded_at < CALENDAR_REFRESH_SECONDS:
        return state
    with _lock:
        if time.monotonic() - _state.loaded_at < CALENDAR_REFRESH_SECONDS:
            return _state
        days, years = _load_table()
        old = _state
        fresh = _Calendar(loaded_at=time.monotonic(), days=days, years=years, warned=old.warned)
        if (days, years) == (old.days, old.years):  # unchanged: keep the counts made from it
            fresh.prefix, fresh.before = old.prefix, old.before
        _state = fresh
        return _state


def _load_table() -> tuple[dict[dt.date, bool], frozenset[int]]:
    from django.db import DatabaseError

    from tasks_app.models import HolidayDay, HolidayYear

    try:
        years = frozenset(HolidayYear.objects.values_list("year", flat=True))
        days = {
            day: kind == HolidayDay.Kind.WORK
            for day, kind in HolidayDay.objects.values_list("date", "kind")
        }
    except DatabaseError:  # no table yet (before migrate): the library and the week decide
        return {}, frozenset()
    return days, years


def warm_calendar() -> None:
    """Load the table now (a process does it at most once a CALENDAR_REFRESH_SECONDS)."""
    _calendar()


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _decide(day: dt.date, state: _Calendar) -> bool:
    if day in state.days:
        return state.days[day]
    if day.year in state.years:
        return day.weekday() < 5
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in state.warned:
            state.warned.add(day.year)
            logger.warning(
                "no holiday schedule for %s (neither entered in 节假日安排 nor known to "
                "chinesecalendar): counting Monday to Friday as working days.",
                day.year,
            )
        return day.weekday() < 5


def _prefix(year: int, state: _Calendar) -> list[int]:
    counts = state.prefix.get(year)
    if counts is None:
        # a year the library decides is read from its tables as its is_workday reads them
        # (which checks the year's range on every call: a third of a second for 23 years)
        library = year not in state.years and library_knows(year)
        extra, off = chinese_calendar.workdays, chinese_calendar.holidays
        counts, total, day = [], 0, dt.date(year, 1, 1)
        while day.year == year:
            if library and day not in state.days:
                total += day in extra or (day.weekday() < 5 and day not in off)
            else:
                total += _decide(day, state)
            counts.append(total)
            day += _ONE_DAY
        state.prefix[year] = counts
    return counts


def _ordinal(day: dt.date, state: _Calendar) -> int:
    """Working days from 1 January _BASE through `day` (inclusive)."""
    if day.year not in state.before:
        running = 0
        for year in range(_BASE, day.year + 1):
            state.before[year] = running
            running += _prefix(year, state)[-1]
    return state.before[day.year] + _prefix(day.year, state)[day.timetuple().tm_yday - 1]


def is_workday(day: dt.date) -> bool:
    state = _calendar()
    if day.year < _BASE:
        return _decide(day, state)
    counts = _prefix(day.year, state)
    index = day.timetuple().tm_yday - 1
    return counts[index] > (counts[index - 1] if index else 0)


def add_workdays(day: dt.date, count: int) -> dt.date:
    """The date `count` working days after `day` (before it when negative)."""
    step = _ONE_DAY if count >= 0 else -_ONE_DAY
    remaining = abs(count)
    while remaining:
        day += step
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative when end < start."""
    if end < start:
        return -workdays_between(end, start)
    if start.year < _BASE:  # outside the index: count day by day
        return sum(
            1 for i in range(1, (end - start).days + 1) if is_workday(start + dt.timedelta(days=i))
        )
    state = _calendar()
    return _ordinal(end, state) - _ordinal(start, state)


def unknown_years(start: dt.date, end: dt.date) -> list[int]:
    """The years in [start, end] whose working days fall back to Monday–Friday."""
    state = _calendar()
    if end < start:
        start, end = end, start
    return [
        y for y in range(start.year, end.year + 1) if y not in state.years and not library_knows(y)
    ]


def calendar_warning(start: dt.date, end: dt.date) -> str:
    """What a page that counts working days across [start, end] should say, or ''."""
    years = unknown_years(start, end)
    if not years:
        return ""
    names = "、".join(str(y) for y in years)
    return f"{names} 年放假安排尚未录入,其工作日暂按周一至周五计算。"


def upcoming_year_warning(today: dt.date) -> str:
    """From October, the admin index warns if next year's schedule is missing (and this
    year's, if it is)."""
    years = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    missing = [y for y in years if unknown_years(dt.date(y, 1, 1), dt.date(y, 1, 1))]
    return "、".join(f"{y} 年放假安排尚未录入" for y in missing)
