"""Reminder policy, rule by rule, across 国庆 2026 (1–7 October off; 10 October, a Saturday,
is a make-up working day), with Django's locmem mail backend."""

import datetime as dt
import smtplib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notify.mails import digests_send, reminders_send
from notify.models import Digest, MailLog, Reminder, ReminderPolicy
from notify.services.sweep import reminders_sweep
from regions.models import UnitContact, User
from tasks_app.models import Assignment
from tasks_app.services import assignments as svc
from tasks_app.workdays import is_workday

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
BEFORE_HOLIDAY = D(2026, 9, 30)  # Wednesday, the last working day before 国庆
AFTER_HOLIDAY = D(2026, 10, 8)  # Thursday, the first working day after it


@pytest.fixture
def mailed(world):
    """Give the people of the world mailboxes, and 小店区政府 a leader contact."""
    for user, email in (
        (world.czj, "czj@example.gov.cn"),
        (world.county, "county@example.gov.cn"),
        (world.fgw, "fgw@example.gov.cn"),
        (world.coordinator, "coord@example.gov.cn"),
    ):
        User.objects.filter(pk=user.pk).update(email=email)
    UnitContact.objects.create(unit=world.czj_unit, email="czj-office@example.gov.cn")
    UnitContact.objects.create(
        unit=world.czj_unit, email="czj-leader@example.gov.cn", role="leader"
    )
    # only 市财政局's own item is in play unless a test says otherwise
    Assignment.objects.filter(task__plan=world.plan).update(
        state="done", done_at="2026-01-01T00:00Z", progress=100, signed_at="2026-01-01T00:00Z"
    )
    Assignment.objects.filter(pk=world.czj_own.pk).update(
        state="assigned", done_at=None, progress=0, signed_at=None
    )
    return world


def due(world, day):
    Assignment.objects.filter(pk=world.czj_own.pk).update(due_date=day)


def sweep_and_send(day):
    result = reminders_sweep(today=day, enqueue=False)
    reminders_send(result.reminder_ids)
    return result


def kinds(day):
    return sorted(Reminder.objects.filter(scheduled_for=day).values_list("kind", flat=True))


# --- the rules -------------------------------------------------------------------------------


def test_one_working_day_before_a_deadline_just_after_national_day(mailed, mailoutbox):
    due(mailed, AFTER_HOLIDAY)  # eight calendar days, one working day away
    sweep_and_send(BEFORE_HOLIDAY)
    assert kinds(BEFORE_HOLIDAY) == ["before_due"]
    [mail] = mailoutbox
    assert mail.subject.startswith("【到期前提醒】一/(二)")
    assert "还有 1 个工作日到期" in mail.body
    assert sorted(mail.to) == ["czj-office@example.gov.cn", "czj@example.gov.cn"]
    html = mail.alternatives[0][0]
    assert "打开办理页面" in html and f"/tasks/{mailed.czj_own.pk}/" in html


def test_five_working_days_before_counts_across_the_holiday(mailed, mailoutbox):
    due(mailed, D(2026, 10, 14))
    # working days after 9-30: 10-08, 10-09, 10-10 (调休), 10-12, 10-13, 10-14
    sweep_and_send(D(2026, 10, 8))
    assert kinds(D(2026, 10, 8)) == ["before_due"]
    assert "还有 5 个工作日到期" in mailoutbox[0].body
    sweep_and_send(BEFORE_HOLIDAY)  # six working days away: nothing
    assert kinds(BEFORE_HOLIDAY) == []


def test_no_mail_on_a_non_working_day(mailed, mailoutbox):
    due(mailed, D(2026, 10, 3))
    result = sweep_and_send(D(2026, 10, 3))
    assert result.workday is False and Reminder.objects.count() == 0 and mailoutbox == []


def test_due_date_on_a_holiday_is_announced_on_the_working_day_before(mailed, mailoutbox):
    due(mailed, D(2026, 10, 3))
    sweep_and_send(BEFORE_HOLIDAY)
    assert kinds(BEFORE_HOLIDAY) == ["due_today"]
    assert mailoutbox[0].subject.startswith("【到期当日提醒】")


def test_overdue_every_two_working_days_across_the_holiday(mailed, mailoutbox):
    due(mailed, D(2026, 9, 29))
    for day in (BEFORE_HOLIDAY, D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)):
        sweep_and_send(day)
    overdue = sorted(
        Reminder.objects.filter(kind="overdue").values_list("scheduled_for", flat=True)
    )
    # 2 working days overdue on 10-08, again 2 working days later on 10-10 (调休 Saturday)
    assert overdue == [D(2026, 10, 8), D(2026, 10, 10)]
    overdue_mails = [m for m in mailoutbox if m.subject.startswith("【逾期催办】")]
    assert len(overdue_mails) == 2
    assert "已逾期 2 个工作日" in overdue_mails[0].body


def test_escalation_once_after_five_working_days_to_leaders_and_coordinator(mailed, mailoutbox):
    due(mailed, D(2026, 9, 24))
    # 09-25 is 中秋节, then 国庆: the working days after are 09-28, 09-29, 09-30, 10-08, 10-09
    for day in (D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)):
        sweep_and_send(day)
    [escalation] = Reminder.objects.filter(kind="escalation")
    assert escalation.scheduled_for == D(2026, 10, 9)
    mail = next(m for m in mailoutbox if m.subject.startswith("【逾期督办"))
    assert sorted(mail.to) == ["coord@example.gov.cn", "czj-leader@example.gov.cn"]


def test_after_three_days_down_the_next_sweep_sends_what_is_due_now(mailed, mailoutbox):
    due(mailed, D(2026, 9, 10))  # long overdue, nothing was sent while the system was down
    sweep_and_send(D(2026, 10, 12))
    assert kinds(D(2026, 10, 12)) == ["escalation", "overdue"]
    assert len(mailoutbox) == 2


def test_policy_is_per_plan(mailed, mailoutbox):
    ReminderPolicy.objects.create(
        plan=mailed.plan, before_days="3", on_due_date=False, overdue_every=5, escalate_after=10
    )
    due(mailed, AFTER_HOLIDAY)
    sweep_and_send(BEFORE_HOLIDAY)  # one working day away: this plan only asks at three
    assert Reminder.objects.count() == 0
    due(mailed, D(2026, 10, 12))  # 10-08, 10-09, 10-10, 10-12: three after 10-02? no: from 9-30
    sweep_and_send(D(2026, 10, 8))  # 10-09, 10-10, 10-12: three working days away
    assert kinds(D(2026, 10, 8)) == ["before_due"]


def test_periodic_report_reminder_before_the_reporting_day(mailed, mailoutbox):
    due(mailed, D(2026, 12, 31))
    # 一/(二) asks for a report every month; the plan's reporting day is the 25th.
    sweep_and_send(D(2026, 11, 23))  # two working days before 11-25
    assert kinds(D(2026, 11, 23)) == ["periodic_report"]
    assert "本期进展" in mailoutbox[0].body
    # the unit reports on 11-24 (Shanghai): that covers November, not December
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), tick=False):
        svc.assignment_sign(user=mailed.czj, assignment_id=mailed.czj_own.pk)
        svc.report_create(
            user=mailed.czj, assignment_id=mailed.czj_own.pk, text="本月", progress=10
        )
    assert (
        reminders_sweep(today=D(2026, 12, 23), enqueue=False).created.get("periodic_report", 0) == 1
    )


# --- once, and only when still true ----------------------------------------------------------


def test_sweeping_twice_sends_each_mail_once(mailed, mailoutbox):
    due(mailed, AFTER_HOLIDAY)
    sweep_and_send(BEFORE_HOLIDAY)
    sweep_and_send(BEFORE_HOLIDAY)
    assert Reminder.objects.count() == 1 and len(mailoutbox) == 1
    assert MailLog.objects.get().recipients == "czj-office@example.gov.cn, czj@example.gov.cn"


@pytest.mark.parametrize("change", ["done", "reassigned", "extended"])
def test_a_change_between_sweep_and_send_cancels_the_mail(mailed, mailoutbox, change):
    due(mailed, AFTER_HOLIDAY)
    result = reminders_sweep(today=BEFORE_HOLIDAY, enqueue=False)
    a = Assignment.objects.get(pk=mailed.czj_own.pk)
    if change == "done":
        Assignment.objects.filter(pk=a.pk).update(
            state="done", signed_at=a.created_at, done_at=a.created_at, progress=100
        )
    elif change == "reassigned":
        svc.assignment_reassign(
            user=mailed.coordinator, assignment_id=a.pk, unit_id=mailed.fgw_unit.pk, reason="r"
        )
    else:
        Assignment.objects.filter(pk=a.pk).update(due_date=D(2026, 12, 31))
    reminders_send(result.reminder_ids)
    assert mailoutbox == []
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None and reminder.cancelled_at is not None
    assert (
        reminder.cancel_reason
        == {"done": "已办结", "reassigned": "已改派", "extended": "期限已调整"}[change]
    )


def test_crash_between_claim_and_send_the_next_sweep_completes_without_duplicates(
    mailed, mailoutbox, django_user_model
):
    # ten units' worth of due items; the worker dies after sending four of them
    from tasks_app.models import Task

    due(mailed, AFTER_HOLIDAY)
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=mailed.plan,
                ref=f"八/{n}",
                title=f"项{n}",
                due_date=AFTER_HOLIDAY,
                position=200 + n,
            )
            for n in range(9)
        ]
    )
    Assignment.objects.bulk_create(
        [Assignment(task=t, unit=mailed.czj_unit, due_date=AFTER_HOLIDAY) for t in tasks]
    )
    first = reminders_sweep(today=BEFORE_HOLIDAY, enqueue=False)
    assert len(first.reminder_ids) == 10
    reminders_send(first.reminder_ids[:4])  # … and then the worker is killed
    second = reminders_sweep(today=BEFORE_HOLIDAY, enqueue=False)
    assert sorted(second.reminder_ids) == sorted(first.reminder_ids[4:])
    reminders_send(second.reminder_ids)
    reminders_send(first.reminder_ids)  # a late redelivery of the killed batch changes nothing
    assert len(mailoutbox) == 10
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 10


class FlakySMTP(BaseEmailBackend):
    """An SMTP server that refuses the first message: what we do not control, so a stub."""

    calls = 0

    def send_messages(self, messages):
        FlakySMTP.calls += 1
        if FlakySMTP.calls == 1:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        from django.core import mail

        mail.outbox.extend(messages)
        return len(messages)


def test_smtp_failure_is_recorded_and_retried(mailed, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FlakySMTP"
    FlakySMTP.calls = 0
    due(mailed, AFTER_HOLIDAY)
    result = reminders_sweep(today=BEFORE_HOLIDAY, enqueue=False)
    assert reminders_send(result.reminder_ids) == result.reminder_ids  # failed: to retry
    reminder = Reminder.objects.get()
    assert (
        reminder.sent_at is None
        and reminder.attempts == 1
        and "SMTPServerDisconnected" in reminder.last_error
    )
    assert reminders_send(result.reminder_ids) == []
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.attempts == 2 and len(mailoutbox) == 1


def test_sweep_query_count_does_not_grow_with_assignments(mailed):
    """Every rule is one INSERT … SELECT: the same statements for 10 and 10,000 items."""
    from tasks_app.models import Task

    def count() -> int:
        Reminder.objects.all().delete()
        is_workday(D(2026, 10, 8))  # the holiday calendar loaded (2 queries, once a minute)
        with CaptureQueriesContext(connection) as queries:
            reminders_sweep(today=D(2026, 10, 8), enqueue=False)
        return len(queries.captured_queries)

    def add(n: int, start: int) -> None:
        tasks = Task.objects.bulk_create(
            [
                Task(
                    plan=mailed.plan,
                    ref=f"七/{start + i}",
                    title="t",
                    due_date=D(2026, 10, 9),
                    position=300 + start + i,
                )
                for i in range(n)
            ]
        )
        Assignment.objects.bulk_create(
            [Assignment(task=t, unit=mailed.county_unit, due_date=D(2026, 10, 9)) for t in tasks]
        )

    due(mailed, D(2026, 10, 9))
    add(9, 0)
    ten = count()
    assert Reminder.objects.filter(kind="before_due").count() == 10
    add(9_990, 9)
    many = count()
    assert Reminder.objects.filter(kind="before_due").count() == 10_000
    assert (ten, many) == (13, 13)  # pinned: a query more per sweep must show here


# --- digests ----------------------------------------------------------------------------------


def test_weekly_digest_once_a_week_with_opt_out_and_daily_coordinator_summary(mailed, mailoutbox):
    due(mailed, D(2026, 9, 29))
    User.objects.filter(pk=mailed.czj.pk).update(receives_digests=False)
    first = reminders_sweep(today=D(2026, 10, 8), enqueue=False)
    digests_send(first.digest_ids, today=D(2026, 10, 8))
    again = reminders_sweep(today=D(2026, 10, 9), enqueue=False)
    digests_send(again.digest_ids, today=D(2026, 10, 9))
    weekly = [m for m in mailoutbox if m.subject.startswith("【每周汇总】")]
    assert len(weekly) == 1  # one a week however many sweeps
    assert weekly[0].to == ["czj-office@example.gov.cn"]  # the opted-out user is not mailed
    assert "已逾期 2 个工作日" in weekly[0].body
    daily = [m for m in mailoutbox if m.subject.startswith("【督办汇总】")]
    assert [m.to for m in daily] == [["coord@example.gov.cn"], ["coord@example.gov.cn"]]
    assert Digest.objects.filter(kind="coordinator_daily", sent_at__isnull=False).count() == 2


def test_every_sent_mail_is_in_the_coordinators_mail_log(mailed, mailoutbox, client):
    due(mailed, AFTER_HOLIDAY)
    sweep_and_send(BEFORE_HOLIDAY)
    client.force_login(mailed.coordinator)
    listing = client.get("/admin/notify/maillog/")
    assert [m.subject for m in listing.context["cl"].result_list] == [mailoutbox[0].subject]
    client.force_login(mailed.other_coordinator)
    assert list(client.get("/admin/notify/maillog/").context["cl"].result_list) == []


def test_periodic_report_reminder_counts_back_across_national_day(mailed, mailoutbox):
    from tasks_app.models import WorkPlan

    WorkPlan.objects.filter(pk=mailed.plan.pk).update(report_day=8)  # report by 10-08
    due(mailed, D(2026, 12, 31))
    sweep_and_send(D(2026, 9, 28))  # three working days before 10-08: not yet
    sweep_and_send(D(2026, 9, 29))  # 09-30 and 10-08: two working days before
    assert kinds(D(2026, 9, 29)) == ["periodic_report"]
    assert [m.subject[:8] for m in mailoutbox] == ["【定期反馈提醒】"]


def test_years_the_calendar_does_not_know_fall_back_to_weekdays_with_a_warning(db, caplog):
    from tasks_app.workdays import is_workday

    caplog.set_level("WARNING", logger="tasks_app.workdays")
    assert is_workday(D(2031, 1, 6)) is True  # a Monday
    assert is_workday(D(2031, 1, 4)) is False  # a Saturday
    assert "no holiday schedule for 2031" in caplog.text


def test_a_user_opts_out_of_digests_but_not_of_deadlines(mailed, mailoutbox, client):
    client.force_login(mailed.czj)
    client.post("/account/digests/", {"receives_digests": ""})
    assert User.objects.get(pk=mailed.czj.pk).receives_digests is False
    due(mailed, AFTER_HOLIDAY)
    result = sweep_and_send(BEFORE_HOLIDAY)
    digests_send(result.digest_ids, today=BEFORE_HOLIDAY)
    reminder = next(m for m in mailoutbox if m.subject.startswith("【到期前提醒】"))
    assert "czj@example.gov.cn" in reminder.to  # deadlines still reach them
    weekly = next(m for m in mailoutbox if m.subject.startswith("【每周汇总】"))
    assert "czj@example.gov.cn" not in weekly.to
    client.post("/account/digests/", {"receives_digests": "on"})
    assert User.objects.get(pk=mailed.czj.pk).receives_digests is True


# --- a completion claim waiting for review (待审核) ------------------------------------------


def _claim_on(world, moment):
    with time_machine.travel(moment, tick=False):
        svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
        return svc.report_create(
            user=world.czj,
            assignment_id=world.czj_own.pk,
            text="已完成",
            progress=100,
            completion=True,
        )


def test_a_claim_filed_in_time_is_not_chased_while_it_waits_and_the_coordinator_is(
    mailed, mailoutbox
):
    from tasks_app.selectors import assignments_with_status

    due(mailed, D(2026, 9, 24))
    _claim_on(mailed, dt.datetime(2026, 9, 23, 16, 0, tzinfo=SHANGHAI))  # the day before
    # weeks later, still waiting for review: nothing for the unit, the coordinator is told
    for day in (D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 12), D(2026, 10, 20)):
        result = sweep_and_send(day)
        digests_send(result.digest_ids, today=day)
    assert not Reminder.objects.filter(assignment=mailed.czj_own).exists()
    to_unit = [m for m in mailoutbox if "czj@example.gov.cn" in m.to]
    assert to_unit == []
    daily = [m for m in mailoutbox if m.subject.startswith("【督办汇总】")]
    assert daily and all(m.to == ["coord@example.gov.cn"] for m in daily)
    assert "1 份办结申请待审核" in daily[-1].subject
    assert "市财政局" in daily[-1].body and "已等待" in daily[-1].body
    assert "已逾期" not in daily[-1].subject  # it was claimed in time: not overdue
    status = assignments_with_status(
        Assignment.objects.filter(pk=mailed.czj_own.pk), on=D(2026, 10, 20)
    ).get()
    assert (status.light, status.is_overdue) == ("green", False)


def test_a_reminder_recorded_before_the_claim_is_cancelled_not_sent(mailed, mailoutbox):
    due(mailed, AFTER_HOLIDAY)
    result = reminders_sweep(today=BEFORE_HOLIDAY, enqueue=False)  # recorded: 1 day before
    _claim_on(mailed, dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))
    reminders_send(result.reminder_ids)
    assert mailoutbox == []
    assert Reminder.objects.get().cancel_reason == "待审核"


def test_chasing_resumes_when_the_claim_is_returned(mailed, mailoutbox):
    due(mailed, D(2026, 9, 24))
    claim = _claim_on(mailed, dt.datetime(2026, 9, 23, 16, 0, tzinfo=SHANGHAI))
    sweep_and_send(D(2026, 10, 8))
    assert not Reminder.objects.exists()
    with time_machine.travel(dt.datetime(2026, 10, 8, 17, 0, tzinfo=SHANGHAI), tick=False):
        svc.report_review(
            user=mailed.coordinator, report_id=claim.pk, accept=False, comment="缺少材料"
        )
    sweep_and_send(D(2026, 10, 9))
    assert kinds(D(2026, 10, 9)) == ["escalation", "overdue"]


def test_a_late_claim_is_not_chased_either_but_stays_overdue_in_the_figures(mailed, mailoutbox):
    from tasks_app.selectors import assignments_with_status

    due(mailed, D(2026, 9, 24))
    _claim_on(mailed, dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI))  # after the due date
    sweep_and_send(D(2026, 10, 12))
    assert not Reminder.objects.exists()
    status = assignments_with_status(
        Assignment.objects.filter(pk=mailed.czj_own.pk), on=D(2026, 10, 12)
    ).get()
    assert (status.light, status.is_overdue) == ("red", True)


def test_sending_claims_a_chunk_at_a_time_not_a_row(mailed, mailoutbox, settings):
    """One claim, one read of recipients, one stamp and one mail-log insert per chunk of
    OUTBOX_CHUNK reminders: the queries grow with the chunks, never with the mails."""
    from tasks_app.models import Task

    settings.OUTBOX_CHUNK = 5
    units = [mailed.czj_unit, mailed.county_unit, mailed.fgw_unit]
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=mailed.plan, ref=f"九/{n}", title="t", due_date=AFTER_HOLIDAY, position=500 + n
            )
            for n in range(10)
        ]
    )
    Assignment.objects.bulk_create(
        [Assignment(task=t, unit=units[n % 3], due_date=AFTER_HOLIDAY) for n, t in enumerate(tasks)]
    )
    ids = reminders_sweep(today=BEFORE_HOLIDAY, enqueue=False).reminder_ids
    assert len(ids) == 10

    def sent(batch: list[int]) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reminders_send(batch) == []
        return len(queries.captured_queries)

    # per chunk: savepoint, claim, two reads of recipients, stamp, mail log, release
    assert sent(ids) == 2 * 7
    assert sent(ids) == 2 * 3  # sent already: each chunk claims nothing and stops
    assert len(mailoutbox) == 10 and MailLog.objects.count() == 10
    assert Reminder.objects.filter(sent_at__isnull=False, attempts=1).count() == 10
