"""The holiday calendar (节假日安排): entered by the top region's coordinators, read by all."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from core.errors import ApplicationError, ForbiddenError
from regions.access import is_coordinator
from regions.models import User
from tasks_app.holidays import Day
from tasks_app.models import HolidayDay, HolidayYear
from tasks_app.workdays import calendar_changed


def may_edit_calendar(user: User) -> bool:
    """Administrators, and coordinators of a top region (a province, or a city without one
    above it in the directory); everyone else reads the calendar."""
    return is_coordinator(user) and (user.is_superuser or user.region.parent_id is None)


@transaction.atomic
def holiday_year_save(
    *, user: User, year: int, days: Sequence[Day], source: str = ""
) -> HolidayYear:
    """Replace `year`'s schedule with `days`. Working-day counts change from now on; the
    reminders already sent stay as they were."""
    if not may_edit_calendar(user):
        raise ForbiddenError("只有最高一级区划的协调员可以录入节假日安排。")
    if not 2000 <= year <= 2100:
        raise ApplicationError("年度应在 2000 到 2100 之间。")
    for day in days:
        if abs(day.date.year - year) > 1:
            raise ApplicationError(f"{day.date} 不属于 {year} 年的安排。")
    calendar, _created = HolidayYear.objects.get_or_create(year=year)
    calendar.source = source or calendar.source
    calendar._history_user = user
    calendar._change_reason = f"录入 {year} 年放假安排({len(days)} 天)"
    calendar.save()
    calendar.days.all().delete()
    try:
        with transaction.atomic():
            HolidayDay.objects.bulk_create(
                [HolidayDay(calendar=calendar, date=d.date, kind=d.kind, name=d.name) for d in days]
            )
    except IntegrityError as exc:
        raise ApplicationError("有日期已在另一年度的安排中,请先在那一年中删除。") from exc
    calendar_changed()
    transaction.on_commit(calendar_changed)
    return calendar
