#!/usr/bin/env python
"""National scale (issue 14): every figure of the issue in one run, each against raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints \\
        .venv/bin/python benchmarks/bench_national.py

Creates a throwaway PostgreSQL database (`bench_national_<pid>`, dropped at the end, also
on failure and on Ctrl-C), seeds national scale (`seed_scale --counties COUNTIES --tasks
TASKS --reports-per-assignment 1`: 2,844 × 100 = 284,400 assignments) and, under another
code, province scale (`--counties PROVINCE_COUNTIES`, 129), runs VACUUM ANALYZE, gives every
county government a contact mailbox, and creates a coordinator of each province. Then:

1. the reminder sweep in-process (`reminders_sweep(today=SWEEP_DAY, enqueue=False)`), on the
   first day and re-run the same day: time and queries ("constant" when its reminder INSERTs
   are not batches that grow with the rows), against the same rules written as one raw
   `INSERT … SELECT` per rule, the two digest inserts and the two reads, rolled back;
2. SEND reminders (`notify.mails.reminders_send`, through the SMTP backend the settings
   deploy) to an SMTP sink (aiosmtpd in a child process, accepting and discarding), against
   Django's `send_mass_mail` of the same subjects, bodies and recipients (text only) through
   the same sink: mails per second (benchmarks/national/smtp_sink.py);
3.–8. pages and the API served by gunicorn (config/gunicorn.conf.py, WEB_WORKERS=2 sync
   workers, DEBUG off, production settings; Redis for the cache when REDIS_URL is set),
   signed in through /admin/login/ as the national coordinator (the province one for the
   province-scale API row), REQUESTS requests each (at least MIN_REQUESTS, then until
   ROW_SECONDS), after WARMUP; each request alternates with the raw SQL that computes the
   same figures on this process's own connection, so a busy machine slows both alike;
9. the ledger of the national plan as CSV and as xlsx, built by `export_job_run` in a fresh
   process (time inside it and its peak RSS, VmHWM), against a fresh process streaming the
   same columns with one raw SQL (server-side cursor, nothing written).

BENCH_DB=<name> seeds that database once and keeps it (later runs reuse it: for measuring
one change after another); ROWS=1,2,7 measures only those rows.

Pages compute as of the real date (Asia/Shanghai); the seeded due dates fall in 2026. Prints
the seeding times and a table: what | measured | raw baseline | ratio | target | met?
Not a test: it asserts nothing.
"""

# ruff: noqa: E402  (the path and Django are set up before the imports below)
from __future__ import annotations

import os
import shutil
import signal
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.core.management import call_command
from django.db import connection
from django.test.utils import (
    setup_databases,
    teardown_databases,
)
from django.utils import timezone

from benchmarks.national.config import (
    BULLETIN_END,
    BULLETIN_START,
    COUNTIES,
    DB,
    KEEP_DB,
    MIN_REQUESTS,
    NATIONAL_CODE,
    PASSWORD,
    PG_URL,
    PROVINCE_CODE,
    PROVINCE_COUNTIES,
    REQUESTS,
    ROW_SECONDS,
    ROWS,
    TASKS,
    VAR,
    WARMUP,
    WORKERS,
)
from benchmarks.national.measure import Table, timed
from benchmarks.national.pages import http_rows, ledger_rows
from benchmarks.national.procs import stop_process
from benchmarks.national.raw_sql import OVERDUE_COUNT
from benchmarks.national.sweep_send import send_rows, sweep_rows
from benchmarks.national.web import Browser, start_server
from notify.models import MailLog, Reminder
from regions.models import Region, Unit, UnitContact
from regions.services import user_upsert
from reporting.models import Bulletin
from reporting.services.bulletins import bulletin_create
from tasks_app.models import Assignment, WorkPlan


def seed() -> dict:
    seeded = {}
    for label, counties, code in (
        ("national", COUNTIES, NATIONAL_CODE),
        ("province", PROVINCE_COUNTIES, PROVINCE_CODE),
    ):
        if Region.objects.filter(code=code).exists():  # a kept database (BENCH_DB)
            seeded[label] = Region.objects.get(code=code)
            seeded[f"{label}_seconds"] = 0.0
            count = Assignment.objects.filter(task__plan__region=seeded[label]).count()
            print(f"kept {label}: {count:,} assignments")
            continue
        seconds, _ = timed(
            lambda counties=counties, code=code: call_command(
                "seed_scale",
                counties=counties,
                tasks=TASKS,
                reports_per_assignment=1,
                code=code,
                stdout=StringIO(),
            )
        )
        region = Region.objects.get(code=code)
        count = Assignment.objects.filter(task__plan__region=region).count()
        print(f"seeded {label}: {counties:,} counties, {count:,} assignments in {seconds:.0f} s")
        seeded[label] = region
        seeded[f"{label}_seconds"] = seconds
    fresh = seeded["national_seconds"] or seeded["province_seconds"]
    UnitContact.objects.bulk_create(
        [
            UnitContact(unit_id=pk, email=f"contact{pk}@example.gov.cn", name="联络人")
            for pk in Unit.objects.filter(kind=Unit.Kind.GOVERNMENT, contacts__isnull=True)
            .values_list("pk", flat=True)
            .distinct()
        ],
        batch_size=5000,
    )
    seeded["plan"] = WorkPlan.objects.get(region=seeded["national"])
    seeded["user"] = user_upsert(
        username="bench_national", password=PASSWORD, role="coordinator", region=seeded["national"]
    )
    user_upsert(
        username="bench_province", password=PASSWORD, role="coordinator", region=seeded["province"]
    )
    seeded["bulletin"] = Bulletin.objects.filter(
        plan=seeded["plan"], period_start=BULLETIN_START, period_end=BULLETIN_END
    ).first() or bulletin_create(
        user=seeded["user"], plan=seeded["plan"], start=BULLETIN_START, end=BULLETIN_END
    )
    with connection.cursor() as cursor:
        if fresh:
            seconds, _ = timed(lambda: cursor.execute("VACUUM ANALYZE"))
            print(f"VACUUM ANALYZE: {seconds:.0f} s")
        cursor.execute(OVERDUE_COUNT, {"p": seeded["national"].pk, "today": timezone.localdate()})
        seeded["overdue"] = cursor.fetchone()[0]
    return seeded


def keep_database() -> None:
    """BENCH_DB: use (creating and migrating if needed) the named database and keep it."""
    import psycopg

    admin_url = urlsplit(PG_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            admin.execute(f'CREATE DATABASE "{DB}"')
    connection.close()
    connection.settings_dict["NAME"] = DB
    call_command("migrate", verbosity=0)


def drop_database(old) -> None:
    """Drop the throwaway database: Django's teardown, then a forced drop if it is left."""
    if old is not None:
        try:
            teardown_databases(old, verbosity=0)
        except Exception as exc:  # the forced drop below still runs
            print(f"teardown: {exc}")
    connection.close()
    import psycopg

    admin_url = urlsplit(PG_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def main() -> None:
    def interrupted(*_args):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    connection.settings_dict.setdefault("TEST", {})["NAME"] = DB
    old, server, log = None, None, None
    table = Table()
    try:
        if KEEP_DB:
            keep_database()
        else:
            old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(
            f"PostgreSQL {version}, database {DB}; {TASKS} tasks; {REQUESTS} requests a row "
            f"(at least {MIN_REQUESTS}, then up to {ROW_SECONDS:.0f} s), warm-up {WARMUP}; "
            f"gunicorn {WORKERS} workers; cache "
            f"{'Redis' if os.environ.get('REDIS_URL') else 'local memory (REDIS_URL unset)'}; "
            f"today {timezone.localdate()}"
        )
        seeded = seed()
        seconds, _ = timed(lambda: call_command("collectstatic", interactive=False, verbosity=0))
        print(f"collectstatic: {seconds:.0f} s")
        server, port, log = start_server()
        browser, province_browser = Browser(port), Browser(port)
        browser.login("bench_national")
        province_browser.login("bench_province")
        print("\nrows as they are measured:")
        # the sweep (row 1) makes the reminders sending (row 2) sends: neither runs unless asked
        if 1 in ROWS or (2 in ROWS and not Reminder.objects.exists()):
            reminder_ids = sweep_rows(table)
        elif 2 in ROWS:
            reminder_ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
            Reminder.objects.update(sent_at=None, cancelled_at=None, attempts=0)
            MailLog.objects.filter(reminder__isnull=False).delete()
        if 2 in ROWS:
            send_rows(table, reminder_ids)
        http_rows(table, browser, province_browser, seeded)
        if 9 in ROWS:
            ledger_rows(table, seeded["user"], seeded["plan"], seeded["national"])
        table.print()
        total = seeded["national_seconds"] + seeded["province_seconds"]
        print(
            f"\nseeding: national {seeded['national_seconds']:.0f} s, "
            f"province {seeded['province_seconds']:.0f} s ({total:.0f} s in all)"
        )
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", flush=True)
    finally:
        stop_process(server)
        if log is not None and "Traceback" in log.read_text(errors="replace"):
            print(f"\ngunicorn's log (last lines):\n{log.read_text(errors='replace')[-3000:]}")
        if not KEEP_DB:
            drop_database(old)
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
