"""Counting working days: the same answers as chinesecalendar day by day, and counts that
survive the once-a-minute reload of the holiday table while it has not changed."""

import datetime as dt

import chinese_calendar
import pytest

from tasks_app import workdays
from tasks_app.models import HolidayDay, HolidayYear


def test_every_day_the_library_knows_is_counted_as_the_library_decides_it(db):
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    day, expected = dt.date(first, 1, 1), []
    while day.year <= last:
        expected.append(chinese_calendar.is_workday(day))
        day += dt.timedelta(days=1)
    day = dt.date(first, 1, 1)
    assert [workdays.is_workday(day + dt.timedelta(days=i)) for i in range(len(expected))] == (
        expected
    )
    start, end = dt.date(first, 1, 1), dt.date(last, 12, 31)
    assert workdays.workdays_between(start, end) == sum(expected) - expected[0]


@pytest.fixture
def stale(monkeypatch):
    """Make the next read of the calendar reload the table, as a minute later."""

    def expire():
        monkeypatch.setattr(workdays._state, "loaded_at", -1e9)

    return expire


def test_an_unchanged_table_keeps_its_counts_when_it_is_reloaded(db, stale):
    start, end = dt.date(2026, 1, 5), dt.date(2026, 11, 20)
    expected = len(chinese_calendar.get_workdays(start + dt.timedelta(days=1), end))
    assert workdays.workdays_between(start, end) == expected
    counts = workdays._state.prefix[2026]
    stale()
    assert workdays.workdays_between(start, end) == expected
    assert workdays._state.loaded_at > 0  # reloaded
    assert workdays._state.prefix[2026] is counts  # not counted again


def test_a_changed_table_is_counted_again_when_it_is_reloaded(db, stale):
    assert workdays.is_workday(dt.date(2026, 11, 20))  # a Friday
    calendar = HolidayYear.objects.create(year=2026)
    HolidayDay.objects.create(calendar=calendar, date=dt.date(2026, 11, 20), kind="off")
    stale()
    assert not workdays.is_workday(dt.date(2026, 11, 20))
    assert workdays.is_workday(dt.date(2026, 10, 1))  # the table alone decides 2026 now
