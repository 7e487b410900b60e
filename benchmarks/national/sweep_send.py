"""Rows 1 and 2: the reminder sweep and sending, each against its raw baseline."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.test.utils import (
    CaptureQueriesContext,
)
from django.utils import timezone, translation

from benchmarks.national.config import (
    SEND,
    SWEEP_DAY,
)
from benchmarks.national.measure import Table, timed, yes
from benchmarks.national.raw_sql import (
    DIGEST_COORDINATORS,
    DIGEST_UNITS,
    PENDING,
    PENDING_DIGESTS,
    REMINDER_INSERT,
)
from benchmarks.national.smtp_sink import against_plain_django
from notify.mails import ReminderMail, reminders_send
from notify.models import Digest, MailLog, Reminder
from notify.services.sweep import Policy, reminders_sweep
from tasks_app.models import ReportCycle
from tasks_app.workdays import add_workdays, is_workday


def periodic_rules(day: dt.date, before: int) -> list[tuple[str, int, dt.datetime]]:
    """(cycle, report day, reported since) of the reporting days `before` working days away,
    as the sweep's periodic rule chooses them."""
    start, end = add_workdays(day, before), add_workdays(day, before + 1)
    found = []
    for cycle, step in ((ReportCycle.MONTHLY, 1), (ReportCycle.QUARTERLY, 3)):
        for year in (day.year, day.year + 1):
            for month in range(step, 13, step):
                for report_day in range(1, 29):
                    upcoming = dt.date(year, month, report_day)
                    if start <= upcoming < end:
                        index = upcoming.year * 12 + upcoming.month - 1 - step
                        previous = dt.date(index // 12, index % 12 + 1, report_day)
                        since = timezone.make_aware(
                            dt.datetime.combine(previous + dt.timedelta(days=1), dt.time.min)
                        )
                        found.append((str(cycle), report_day, since))
    return found


def sweep_raw(day: dt.date) -> list[tuple[str, dict]]:
    """The sweep's rules (default policy) as INSERT … SELECT statements, then its reads."""
    policy = Policy()
    rules: list[tuple[str, str, dict]] = []
    for days in policy.before_days:
        rules.append(
            (
                Reminder.Kind.BEFORE_DUE,
                "a.due_date >= %(start)s AND a.due_date < %(end)s",
                {"start": add_workdays(day, days), "end": add_workdays(day, days + 1)},
            )
        )
    if policy.on_due_date:
        rules.append(
            (
                Reminder.Kind.DUE_TODAY,
                "a.due_date >= %(start)s AND a.due_date < %(end)s",
                {"start": day, "end": add_workdays(day, 1)},
            )
        )
    rules.append(
        (
            Reminder.Kind.OVERDUE,
            "a.due_date <= %(every)s AND NOT EXISTS (SELECT 1 FROM tasks_app_reminder o WHERE "
            "o.assignment_id = a.id AND o.kind = 'overdue' AND o.scheduled_for > %(every)s)",
            {"every": add_workdays(day, -policy.overdue_every)},
        )
    )
    rules.append(
        (
            Reminder.Kind.ESCALATION,
            "a.due_date <= %(after)s AND NOT EXISTS (SELECT 1 FROM tasks_app_reminder o WHERE "
            "o.assignment_id = a.id AND o.kind = 'escalation')",
            {"after": add_workdays(day, -policy.escalate_after)},
        )
    )
    periodic = periodic_rules(day, policy.periodic_before)
    if periodic:
        conditions, params = [], {}
        for i, (cycle, report_day, since) in enumerate(periodic):
            conditions.append(
                f"(COALESCE(NULLIF(t.report_cycle, ''), NULLIF(w.report_cycle, '')) = %(c{i})s"
                f" AND w.report_day = %(d{i})s"
                f" AND (a.last_report_at IS NULL OR a.last_report_at < %(s{i})s))"
            )
            params.update({f"c{i}": cycle, f"d{i}": report_day, f"s{i}": since})
        rules.append((Reminder.Kind.PERIODIC_REPORT, " OR ".join(conditions), params))
    statements = [
        (REMINDER_INSERT.format(rule=rule), {"kind": str(kind), "day": day, **params})
        for kind, rule, params in rules
    ]
    monday = day - dt.timedelta(days=day.weekday())
    return [
        *statements,
        (DIGEST_UNITS, {"monday": monday}),
        (DIGEST_COORDINATORS, {"day": day}),
        (PENDING, {"day": day}),
        (PENDING_DIGESTS, {"week": day - dt.timedelta(days=6)}),
    ]


def run_sweep_raw(day: dt.date) -> tuple[float, int, int]:
    """Seconds, statements and reminder rows of the raw sweep, rolled back."""
    statements = sweep_raw(day)
    inserted = 0
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # Planned against an empty reminder table, an INSERT's NOT EXISTS on its own table
            # becomes a nested loop re-scanning the rows the statement is inserting (quadratic);
            # the sweep does not meet this (it reads, then inserts), so neither does its baseline.
            cursor.execute("SET LOCAL enable_nestloop = off")
            for sql, params in statements:
                cursor.execute(sql, params)
                if sql.lstrip().startswith("INSERT INTO tasks_app_reminder"):
                    inserted += cursor.rowcount
                elif cursor.description:
                    cursor.fetchall()
            # the foreign-key checks a commit would run (the sweep's time includes its commit)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, len(statements), inserted


def insert_batches(queries: CaptureQueriesContext) -> tuple[int, int]:
    """How many INSERT statements went to the reminder and to the digest table."""
    sqls = [q["sql"] for q in queries.captured_queries]
    return (
        sum(sql.startswith('INSERT INTO "tasks_app_reminder"') for sql in sqls),
        sum(sql.startswith('INSERT INTO "tasks_app_digest"') for sql in sqls),
    )


def sweep_rows(table: Table) -> list[int]:
    """Row 1; returns the ids of the reminders recorded (pending). Queries count as constant
    when the first day (hundreds of thousands of rows) and the re-run (none) send the same
    statements, with at most one INSERT per kind of digest."""
    day = SWEEP_DAY
    if not is_workday(day):
        print(f"  note: SWEEP_DAY {day} is not a working day: the sweep does nothing on it")
    Reminder.objects.all().delete()
    Digest.objects.all().delete()
    raw_s, raw_n, raw_rows = run_sweep_raw(day)
    with connection.cursor() as cursor:  # the rolled-back rows leave nothing in the way
        cursor.execute("VACUUM tasks_app_reminder, tasks_app_digest")
    runs = []
    for _ in range(2):  # the first day, then the same day again
        with CaptureQueriesContext(connection) as queries:
            seconds, result = timed(lambda: reminders_sweep(today=day, enqueue=False))
        reminders, digests = insert_batches(queries)
        runs.append([seconds, len(queries.captured_queries), reminders, digests, False, result])
    for run in runs:  # the same statements for 224,450 new rows as for none
        run[4] = runs[0][1] == runs[1][1] and runs[0][2] == runs[1][2] and run[3] <= 2
    again_raw_s, _n, _rows = run_sweep_raw(day)
    digests_recorded = Digest.objects.count()
    for (seconds, count, reminders, digests, constant, result), label, baseline_s, limit in zip(
        runs,
        ("first day", "same-day re-run"),
        (raw_s, again_raw_s),
        (5, 1),
        strict=True,
    ):
        new = sum(result.created.values())
        table.add(
            f"1. reminder sweep {day}, {label}",
            f"{seconds:.2f} s, {count} queries ({reminders} reminder + {digests} digest "
            f"INSERTs; {new:,} new reminders)",
            f"{baseline_s:.2f} s, {raw_n} statements"
            + (f" ({raw_rows:,} reminders)" if label == "first day" else ""),
            f"{seconds / baseline_s:.1f}×",
            f"< {limit} s, constant queries",
            f"{yes(seconds < limit)} / {yes(constant)}",
        )
    print(f"  ({digests_recorded:,} digests recorded)")
    return runs[0][5].reminder_ids


def send_rows(table: Table, reminder_ids: list[int]) -> None:
    """Row 2: reminders to an SMTP sink against plain Django mails to the same sink."""
    ids = list(
        Reminder.objects.filter(pk__in=reminder_ids)
        .exclude(kind=Reminder.Kind.ESCALATION)  # those go to leaders and coordinators
        .order_by("pk")
        .values_list("pk", flat=True)[:SEND]
    )
    run = against_plain_django(
        lambda: reminders_send(ids),
        lambda: MailLog.objects.filter(reminder_id__in=ids).values_list(
            "subject", "body", "recipients"
        ),
        lambda: same_messages(ids),
    )
    sent = Reminder.objects.filter(pk__in=ids, sent_at__isnull=False).count()
    send_s, failed, received = run.send_s, run.failed, run.received
    plain_s, plain_n, same_s, same_n = run.plain_s, run.plain_n, run.same_s, run.same_n
    rate, plain_rate = sent / send_s, plain_n / plain_s
    table.add(
        f"2. send {len(ids):,} reminders to an SMTP sink",
        f"{rate:,.0f} mails/s ({sent:,} sent in {send_s:.1f} s, {len(failed)} failed)",
        f"{plain_rate:,.0f} mails/s (send_mass_mail, {plain_n:,} text mails)",
        f"{rate / plain_rate:.2f}×",
        "≥ 0.8× plain",
        yes(rate >= 0.8 * plain_rate),
    )
    table.add(
        f"2b. the same {len(ids):,} reminders, overhead",
        f"{rate:,.0f} mails/s",
        f"{same_n / same_s:,.0f} mails/s (the very messages, text + HTML, built beforehand "
        "and sent by Django's SMTP backend)",
        f"{rate / (same_n / same_s):.2f}×",
        "(what the outbox adds)",
        "",
    )
    print(f"  (the sink received {received} mails in all)")


def same_messages(ids: list[int]) -> list:
    """The messages the outbox sent for `ids`, built again (untimed) as it builds them."""
    kind = ReminderMail()
    rows = list(
        Reminder.objects.select_related(*kind.related).defer(*kind.deferred).filter(pk__in=ids)
    )
    with translation.override("zh-hans"):
        kind.prepare(rows)
        built = [kind.build(row) for row in rows]
    return [outgoing.message for outgoing in built if not isinstance(outgoing, str)]
