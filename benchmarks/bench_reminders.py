#!/usr/bin/env python
"""The reminder sweep at scale, and the send rate to a local SMTP sink.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints \
        .venv/bin/python benchmarks/bench_reminders.py

Seeds ASSIGNMENTS assignments (default 100,000: 1,000 units × 100 tasks, due dates spread
over four months around 2026-10-08) in a fresh test database, then:
- sweeps as of 2026-10-08 (rows recorded, nothing queued), with its time and query count,
  against a baseline in the same process: one plain query reading every open assignment's
  id, unit and due date (the least any sweep must do);
- sends SEND reminders (default 2,000) to an SMTP sink on localhost, against a baseline of
  the same number of plain messages sent by Django through the same sink.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.mail import get_connection, send_mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_databases,
    teardown_databases,
)

from notify.mails import reminders_send  # noqa: E402
from notify.models import Reminder  # noqa: E402
from notify.services.sweep import reminders_sweep  # noqa: E402
from regions.models import Region, Unit  # noqa: E402
from tasks_app.models import Assignment, Task, WorkPlan  # noqa: E402

ASSIGNMENTS = int(os.environ.get("ASSIGNMENTS", "100000"))
SEND = int(os.environ.get("SEND", "2000"))
DAY = dt.date(2026, 10, 8)


class Sink:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 OK"


def seed() -> None:
    region = Region.objects.create(code="990100", name="压测市", level="prefecture")
    units = Unit.objects.bulk_create(
        [Unit(region=region, short_name=f"单位{n}", kind="department") for n in range(1000)]
    )
    plan = WorkPlan.objects.create(
        title="压测",
        region=region,
        period_start="2026-01-01",
        period_end="2026-12-31",
        status="active",
    )
    tasks_count = max(1, ASSIGNMENTS // len(units))
    tasks = Task.objects.bulk_create(
        [
            Task(plan=plan, ref=str(n), title=f"任务{n}", due_date="2026-12-31", position=n)
            for n in range(tasks_count)
        ]
    )
    start = DAY - dt.timedelta(days=60)
    rows = []
    for i, task in enumerate(tasks):
        for j, unit in enumerate(units):
            rows.append(
                Assignment(
                    task=task, unit=unit, due_date=start + dt.timedelta(days=(i * 7 + j) % 120)
                )
            )
        if len(rows) >= 20000:
            Assignment.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Assignment.objects.bulk_create(rows, batch_size=5000)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def main() -> None:
    old = setup_databases(verbosity=0, interactive=False)
    try:
        seeded_ms, _ = timed(seed)
        total = Assignment.objects.count()
        seconds = seeded_ms / 1000
        print(f"database: {connection.vendor}; {total:,} assignments seeded in {seconds:.1f} s")

        base_ms, open_rows = timed(
            lambda: len(
                list(
                    Assignment.objects.exclude(state="done")
                    .values_list("pk", "unit_id", "due_date")
                    .iterator(chunk_size=5000)
                )
            )
        )
        with CaptureQueriesContext(connection) as queries:
            sweep_ms, result = timed(lambda: reminders_sweep(today=DAY, enqueue=False))
        print(
            f"sweep: {sweep_ms:,.0f} ms, {len(queries.captured_queries)} queries, "
            f"{sum(result.created.values()):,} reminders {result.created}"
        )
        print(
            f"baseline (read {open_rows:,} open assignments once): {base_ms:,.0f} ms; "
            f"sweep/baseline = {sweep_ms / base_ms:.2f}"
        )
        again_ms, _again = timed(lambda: reminders_sweep(today=DAY, enqueue=False))
        print(
            f"second sweep of the same day: {again_ms:,.0f} ms, "
            f"{Reminder.objects.count():,} reminder rows in all (no duplicates)"
        )

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sink = Controller(Sink(), hostname="127.0.0.1", port=port)
        sink.start()
        try:
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=port,
                EMAIL_USE_TLS=False,
            ):
                ids = result.reminder_ids[:SEND]
                # every unit needs a recipient for its reminders to be sent
                from regions.models import UnitContact

                UnitContact.objects.bulk_create(
                    [
                        UnitContact(unit_id=pk, email=f"u{pk}@example.gov.cn")
                        for pk in Unit.objects.values_list("pk", flat=True)
                    ]
                )
                send_ms, failed = timed(lambda: reminders_send(ids))
                sent = Reminder.objects.filter(pk__in=ids, sent_at__isnull=False).count()
                smtp = get_connection()
                smtp.open()
                plain_ms, _ = timed(
                    lambda: [
                        send_mail(
                            "s", "b", "a@example.gov.cn", ["b@example.gov.cn"], connection=smtp
                        )
                        for _ in ids
                    ]
                )
                smtp.close()
            rate, plain_rate = sent / (send_ms / 1000), len(ids) / (plain_ms / 1000)
            print(
                f"send: {sent:,} reminders in {send_ms / 1000:.1f} s = {rate:,.0f} mails/s "
                f"(failed {len(failed)}); sink received {Sink.count:,}"
            )
            print(
                f"baseline (plain Django mails, one SMTP connection): {plain_rate:,.0f} mails/s; "
                f"reminder/baseline = {rate / plain_rate:.2f}"
            )
        finally:
            sink.stop()
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
