"""Working days in 2027 and after: the holiday calendar the coordinators keep.

The 2027 schedule below is written for these tests (shaped like the State Council's
notices, not copied from one): 元旦 1–3 January; 春节 6–13 February with make-up working
days on Sunday 14 and Saturday 20 February; 国庆 1–7 October with make-up working days on
Sunday 26 September and Saturday 9 October.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notify.mails import reminders_send
from notify.models import Reminder
from notify.services.sweep import reminders_sweep
from regions.models import Region, User
from regions.services import user_upsert
from reporting.services.assessment import assessment
from tasks_app.holidays import parse_notice
from tasks_app.models import Assignment, HolidayDay
from tasks_app.selectors import assignments_with_status
from tasks_app.services import assignments as svc
from tasks_app.services.calendar import holiday_year_save
from tasks_app.workdays import add_workdays, is_workday, unknown_years, workdays_between

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知(测试用)
各省、自治区、直辖市人民政府:
经国务院批准,现将2027年元旦、春节和国庆节放假调休日期的具体安排通知如下。
一、元旦:1月1日至3日放假,共3天。
二、春节:2月6日至13日放假调休,共8天。2月14日(星期日)、2月20日(星期六)上班。
三、国庆节:10月1日至7日放假调休,共7天。9月26日(星期日)、10月9日(星期六)上班。
节假日期间,各地区、各部门要妥善安排好值班和安全、保卫等工作。
"""


@pytest.fixture
def top_coordinator(taiyuan):
    return user_upsert(
        username="province",
        password="pw-123456",
        role="coordinator",
        region=Region.objects.get(code="140000"),
    )


@pytest.fixture
def calendar_2027(top_coordinator):
    schedule = parse_notice(NOTICE_2027, 2027)
    assert schedule.warnings == []
    return holiday_year_save(
        user=top_coordinator, year=2027, days=schedule.days, source=NOTICE_2027
    )


# --- the notice parser -------------------------------------------------------------------


def test_the_notice_is_read_into_days_off_and_make_up_working_days():
    schedule = parse_notice(NOTICE_2027, 2027)
    off = [(d.date, d.name) for d in schedule.days if d.kind == "off"]
    work = [(d.date, d.name) for d in schedule.days if d.kind == "work"]
    assert len(off) == 3 + 8 + 7
    assert off[0] == (D(2027, 1, 1), "元旦") and (D(2027, 2, 13), "春节") in off
    assert work == [
        (D(2027, 2, 14), "春节"),
        (D(2027, 2, 20), "春节"),
        (D(2027, 9, 26), "国庆节"),
        (D(2027, 10, 9), "国庆节"),
    ]


def test_full_width_text_cross_year_ranges_and_single_days():
    text = (
        "一、元旦：2027年12月31日至2028年1月2日放假调休，共3天。\n"
        "二、清明节：4月4日放假，与周末连休。\n"
        "三、劳动节：4月30日至5月4日放假，共5天。"
    )
    schedule = parse_notice(text, 2028)
    dates = [d.date for d in schedule.days]
    assert dates[:3] == [D(2027, 12, 31), D(2028, 1, 1), D(2028, 1, 2)]
    assert D(2028, 4, 4) in dates and D(2028, 5, 4) in dates and len(dates) == 9
    assert schedule.warnings == []


def test_what_does_not_add_up_is_reported_not_fixed():
    text = "一、春节:2月6日至12日放假调休,共8天。2月14日(星期六)上班。"
    schedule = parse_notice(text, 2027)
    assert any("共8天" in w and "识别出 7 天" in w for w in schedule.warnings)
    assert any("2027-02-14 是星期日" in w for w in schedule.warnings)
    assert parse_notice("这不是一份放假通知。", 2027).warnings


def test_the_paste_page_shows_what_was_understood_before_saving(client, top_coordinator):
    client.force_login(top_coordinator)
    url = "/admin/tasks_app/holidayyear/paste/"
    preview = client.post(url, {"year": 2027, "text": NOTICE_2027, "preview": "1"})
    page = preview.content.decode()
    assert "识别结果:2027 年,22 天" in page and "调休上班" in page and "2027-02-20" in page
    assert not HolidayDay.objects.exists()  # nothing saved yet
    saved = client.post(url, {"year": 2027, "text": NOTICE_2027, "save": "1"})
    assert saved.status_code == 302
    assert HolidayDay.objects.filter(kind="work").count() == 4


# --- working days from the table -----------------------------------------------------------


def test_2027_entered_by_hand_decides_its_working_days(calendar_2027):
    assert is_workday(D(2027, 1, 1)) is False  # 元旦, a Friday
    assert is_workday(D(2027, 2, 14)) is True  # make-up Sunday
    assert is_workday(D(2027, 2, 20)) is True  # make-up Saturday
    assert is_workday(D(2027, 10, 4)) is False  # 国庆, a Monday
    assert is_workday(D(2027, 3, 6)) is False  # an ordinary Saturday
    # from 2 February (Tuesday) to 19 February: 3, 4, 5, then 14 (make-up), 15–19
    assert workdays_between(D(2027, 2, 2), D(2027, 2, 19)) == 9
    assert add_workdays(D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert unknown_years(D(2027, 1, 1), D(2027, 12, 31)) == []


def test_without_the_entry_2027_counts_monday_to_friday_and_says_so(taiyuan):
    assert is_workday(D(2027, 1, 1)) is True  # a Friday: the fallback cannot know
    assert is_workday(D(2027, 2, 20)) is False
    assert unknown_years(D(2026, 11, 1), D(2027, 3, 1)) == [2027]


def test_the_admin_index_warns_from_october_of_the_year_before(client, world):
    client.force_login(world.coordinator)
    with time_machine.travel(dt.datetime(2026, 9, 30, 9, tzinfo=SHANGHAI), tick=False):
        assert "2027 年放假安排尚未录入" not in client.get("/admin/").content.decode()
    with time_machine.travel(dt.datetime(2026, 10, 8, 9, tzinfo=SHANGHAI), tick=False):
        assert "2027 年放假安排尚未录入" in client.get("/admin/").content.decode()


def test_the_warning_goes_once_the_year_is_entered(client, world, calendar_2027):
    client.force_login(world.coordinator)
    with time_machine.travel(dt.datetime(2026, 10, 8, 9, tzinfo=SHANGHAI), tick=False):
        assert "放假安排尚未录入" not in client.get("/admin/").content.decode()


def test_the_assignment_page_says_when_it_counts_across_an_unknown_year(client, world):
    svc.assignment_change_due_date(
        user=world.coordinator, assignment_id=world.czj_own.pk, due_date=D(2027, 3, 1), reason="r"
    )
    client.force_login(world.czj)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), tick=False):
        page = client.get(f"/tasks/{world.czj_own.pk}/").content.decode()
    assert "2027 年放假安排尚未录入" in page


# --- reminders, lights and assessment across the 2027 holidays -----------------------------


@pytest.fixture
def mailed(world):
    User.objects.filter(pk=world.czj.pk).update(email="czj@example.gov.cn")
    Assignment.objects.filter(task__plan=world.plan).exclude(pk=world.czj_own.pk).update(
        state="done", done_at="2026-01-01T00:00Z", progress=100, signed_at="2026-01-01T00:00Z"
    )
    return world


def due(world, day):
    Assignment.objects.filter(pk=world.czj_own.pk).update(due_date=day)


def test_reminders_across_national_day_2027(mailed, mailoutbox, calendar_2027):
    due(mailed, D(2027, 10, 8))
    # 30 September: the next working day is 8 October, so the one-day reminder goes today
    result = reminders_sweep(today=D(2027, 9, 30), enqueue=False)
    reminders_send(result.reminder_ids)
    assert [r.kind for r in Reminder.objects.all()] == ["before_due"]
    assert "还有 1 个工作日到期" in mailoutbox[0].body
    # nothing goes out on a holiday; the make-up Saturday is a working day
    assert reminders_sweep(today=D(2027, 10, 4), enqueue=False).workday is False
    assert reminders_sweep(today=D(2027, 10, 9), enqueue=False).workday is True


def test_lights_across_spring_festival_2027(mailed, calendar_2027):
    due(mailed, D(2027, 2, 15))
    svc.assignment_sign(user=mailed.czj, assignment_id=mailed.czj_own.pk)
    status = assignments_with_status(
        Assignment.objects.filter(pk=mailed.czj_own.pk), on=D(2027, 2, 5)
    ).get()
    # from 5 February the working days are 14 (make-up Sunday) and 15: due within 5 → yellow
    assert status.light == "yellow"


def test_assessment_counts_lateness_across_spring_festival_2027(mailed, calendar_2027):
    due(mailed, D(2027, 2, 5))
    svc.assignment_sign(user=mailed.czj, assignment_id=mailed.czj_own.pk)
    with time_machine.travel(dt.datetime(2027, 2, 16, 10, tzinfo=SHANGHAI), tick=False):
        claim = svc.report_create(
            user=mailed.czj,
            assignment_id=mailed.czj_own.pk,
            text="完成",
            progress=100,
            completion=True,
        )
        svc.report_review(user=mailed.coordinator, report_id=claim.pk, accept=True)
    _counties, units = assessment(
        user=mailed.coordinator, region=mailed.region, year=2027, on=D(2027, 3, 1)
    )
    czj = next(s for s in units if s.name == "市财政局")
    # late on 14 (make-up Sunday), 15 and 16 February: three working days, the holiday none
    assert czj.overdue_workdays == 3


def test_changing_the_calendar_changes_figures_not_the_reminders_already_sent(
    mailed, mailoutbox, top_coordinator
):
    due(mailed, D(2027, 10, 8))
    # no 2027 entry yet: Friday 1 October is a working day, 5 before 8 October: a reminder
    result = reminders_sweep(today=D(2027, 10, 1), enqueue=False)
    reminders_send(result.reminder_ids)
    sent = list(Reminder.objects.values_list("pk", "kind", "scheduled_for", "sent_at"))
    assert [(kind, day) for _pk, kind, day, _at in sent] == [("before_due", D(2027, 10, 1))]
    assert sent[0][3] is not None and len(mailoutbox) == 1
    assert workdays_between(D(2027, 9, 30), D(2027, 10, 8)) == 6
    schedule = parse_notice(NOTICE_2027, 2027)
    holiday_year_save(user=top_coordinator, year=2027, days=schedule.days)
    assert workdays_between(D(2027, 9, 30), D(2027, 10, 8)) == 1
    # what was sent stays as it was; from now on the new days count
    assert list(Reminder.objects.values_list("pk", "kind", "scheduled_for", "sent_at")) == sent
    assert reminders_sweep(today=D(2027, 10, 4), enqueue=False).workday is False
    assert reminders_sweep(today=D(2027, 10, 8), enqueue=False).created["due_today"] == 1


def test_only_a_top_region_coordinator_keeps_the_calendar(world, top_coordinator):
    from core.errors import ForbiddenError

    schedule = parse_notice(NOTICE_2027, 2027)
    with pytest.raises(ForbiddenError):
        holiday_year_save(user=world.coordinator, year=2027, days=schedule.days)
    holiday_year_save(user=top_coordinator, year=2027, days=schedule.days)
    assert HolidayDay.objects.count() == 22
