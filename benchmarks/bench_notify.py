#!/usr/bin/env python
"""Notifications at national scale (issue 15): queuing them after an import, and sending them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_notify.py

Creates a throwaway PostgreSQL database (`bench_notify_<pid>`, dropped at the end, also on
failure and on Ctrl-C) and seeds, with `seed_scale --tasks 0` (regions and units, no plan),
national scale (COUNTIES = 2,844 county governments) and province scale (PROVINCE_COUNTIES =
129), each with a custom unit group of its county governments. Every county government gets
a contact mailbox (every 10th contact also a 钉钉 robot with a signing secret, every 25th a
mobile for SMS) and a unit user with a mailbox (every 20th user has notification settings:
a 企业微信 robot and SMS, quiet hours never in force at run time). Then the rows:

1. the import of a national plan: an outline of TASKS (100) tasks each naming the group, so
   `workplan_import` creates 2,844 × 100 = 284,400 assignments (and their history rows),
   once with notify's receiver disconnected (the baseline: the import alone) and once
   connected (the import, then the "assigned" event: one Notice per county, its in-app
   Notifications, its Deliveries, and at the commit the deliveries' sending queued). Each
   import runs in its own transaction, committed, timed from the call to the end of the
   commit. "notify part" is the time inside the receiver plus the on-commit queuing; its
   queries are counted, and counted again for the same import at province scale (129
   counties): "constant" when the two counts are equal. The broker is captured: the
   outbox's `queue_task` is replaced by a function recording its calls (no Redis needed; a
   real broker would add one round trip per REMINDER_BATCH_SIZE deliveries). Targets: the
   import with notify ≤ 2× the import alone (the notify part ≤ 1× it), constant queries.
2. sending NOTIFY_SEND (5,000) of the pending e-mail deliveries the import made, with
   `outbox_send("delivery", ids)` in-process (chunks of OUTBOX_CHUNK, one SMTP connection),
   to an SMTP sink (aiosmtpd in a child process, accepting and discarding), against
   Django's `send_mass_mail` of the same subjects, bodies and recipients (text only, as the
   mail log recorded them) through the same sink: mails per second. Target: ≥ 500 mails/s
   (absolute); the ratio to plain Django is reported. 2b: the very messages (text + HTML),
   built beforehand and sent by Django's SMTP backend: what the outbox adds to the wire.

PROFILE=1 prints a cProfile of the notify part of row 1 and of the sending of row 2.
COUNTIES, PROVINCE_COUNTIES, TASKS, NOTIFY_SEND change the scale. Prints a table: what |
measured | baseline | ratio | target | met? Not a test: it asserts nothing.
"""

# ruff: noqa: E402  (the path and Django are set up before the imports below)
from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import signal
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DB_PREFIX", "bench_notify")

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, setup_databases

from benchmarks.bench_national import drop_database
from benchmarks.national.config import (
    COUNTIES,
    DB,
    NATIONAL_CODE,
    PROVINCE_CODE,
    PROVINCE_COUNTIES,
    TASKS,
    VAR,
)
from benchmarks.national.measure import Table, timed, yes
from benchmarks.national.notify_send import outbox_rows
from notify import outbox
from notify.models import Delivery, Notice, Notification, Preference
from notify.services import notices as notices_service
from notify.services import tell
from regions.models import Region, Unit, UnitContact, UnitGroup, User
from tasks_app.events import happened
from tasks_app.services.imports import workplan_import

PROFILE = os.environ.get("PROFILE", "") not in ("", "0")
GROUP = "压测各县人民政府"


def seed_scale(counties: int, code: str) -> Region:
    """Regions and county governments (no plan), the group, contacts and unit users."""
    call_command("seed_scale", counties=counties, tasks=0, code=code, stdout=StringIO())
    region = Region.objects.get(code=code)
    governments = list(
        Unit.objects.filter(region__parent__parent=region, kind=Unit.Kind.GOVERNMENT).order_by("pk")
    )
    group = UnitGroup.objects.create(
        name=f"{GROUP}{code}", region=region, rule=UnitGroup.Rule.CUSTOM
    )
    group.members.set(governments)
    UnitContact.objects.bulk_create(
        [
            UnitContact(
                unit=unit,
                name="联络人",
                email=f"contact{unit.pk}@example.gov.cn",
                dingtalk_webhook=(
                    f"https://oapi.dingtalk.com/robot/send?access_token=bench{unit.pk}"
                    if n % 10 == 0
                    else ""
                ),
                dingtalk_secret=f"SECbench{unit.pk}" if n % 10 == 0 else "",
                phone=f"139{unit.pk:08d}" if n % 25 == 0 else "",
            )
            for n, unit in enumerate(governments)
        ],
        batch_size=5000,
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench{code}u{unit.pk}",
                password="!",
                role=User.Role.UNIT_USER,
                unit=unit,
                email=f"user{unit.pk}@example.gov.cn",
                phone=f"138{unit.pk:08d}",
            )
            for unit in governments
        ],
        batch_size=5000,
    )
    Preference.objects.bulk_create(
        [
            Preference(
                user=user,
                sms=True,
                wecom_webhook=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={user.pk}",
            )
            for n, user in enumerate(users)
            if n % 20 == 0
        ]
    )
    return region


def outline(code: str, tasks: int) -> dict:
    return {
        "title": f"压测工作要点 {code}",
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "tasks": [
            {
                "ref": str(n + 1),
                "number": str(n + 1),
                "title": f"重点任务{n + 1}:推进政务公开标准化规范化建设",
                "deadline": f"2026-{3 + n % 10:02d}-28",
                "units": [{"name": f"{GROUP}{code}", "role": "responsible"}],
            }
            for n in range(tasks)
        ],
    }


class NotifyMeter:
    """notify's receiver and its on-commit queuing, timed; their queries counted; the
    broker captured (the outbox's `queue_task` records its calls)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0
        self.queued: list[tuple] = []
        self.profile = cProfile.Profile() if PROFILE else None

    def run(self, fn, *args, **kwargs):
        queries = CaptureQueriesContext(connection)
        with queries:
            if self.profile:
                self.profile.enable()
            started = time.perf_counter()
            try:
                value = fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                if self.profile:
                    self.profile.disable()
        self.queries += len(queries.captured_queries)
        return value

    def receiver(self, sender, **facts):
        self.run(tell.tell, sender, **facts)

    def __enter__(self):
        happened.connect(self.receiver, dispatch_uid="bench.notify")
        self.saved = (outbox.queue_task, notices_service.outbox_enqueue)
        outbox.queue_task = lambda *args: self.queued.append(args)
        real = notices_service.outbox_enqueue
        notices_service.outbox_enqueue = lambda *args: self.run(real, *args)
        return self

    def __exit__(self, *exc):
        happened.disconnect(dispatch_uid="bench.notify")
        outbox.queue_task, notices_service.outbox_enqueue = self.saved


def timed_import(region: Region, notify: bool):
    """(seconds to the end of the commit, result, meter or None), notify's receiver on/off."""
    happened.disconnect(dispatch_uid="notify.tell")
    meter = NotifyMeter() if notify else None

    def run():
        with transaction.atomic():
            return workplan_import(outline=outline(region.code, TASKS), region=region, user=None)

    try:
        if meter:
            with meter:
                seconds, result = timed(run)
        else:
            seconds, result = timed(run)
    finally:
        happened.connect(tell.tell, dispatch_uid="notify.tell")
    return seconds, result, meter


def import_rows(table: Table, national: Region, province: Region) -> None:
    province_s, _result, small = timed_import(province, notify=True)  # also warms up
    alone_s, result, _ = timed_import(national, notify=False)
    before = Delivery.objects.count(), Notification.objects.count(), Notice.objects.count()
    with_s, result, meter = timed_import(national, notify=True)
    deliveries = Delivery.objects.count() - before[0]
    notifications = Notification.objects.count() - before[1]
    notices = Notice.objects.count() - before[2]
    by_channel = dict(
        Delivery.objects.values_list("channel").annotate(n=Count("pk")).order_by("channel")
    )
    queued = sum(len(args[2]) for args in meter.queued)
    table.add(
        f"1. import {COUNTIES:,} counties × {TASKS} tasks",
        f"{with_s:.1f} s with notify ({result.assignments:,} assignments)",
        f"{alone_s:.1f} s (the import alone, receiver disconnected)",
        f"{with_s / alone_s:.2f}×",
        "≤ 2× the import alone",
        yes(with_s <= 2 * alone_s),
    )
    table.add(
        "1a. notify part of it (receiver + on-commit queuing)",
        f"{meter.seconds:.2f} s: {notices:,} notices, {notifications:,} in-app, "
        f"{deliveries:,} deliveries, {queued:,} queued in {len(meter.queued)} tasks",
        f"{alone_s:.1f} s (the import alone)",
        f"{meter.seconds / alone_s:.2f}×",
        "≤ 1× the import alone",
        yes(meter.seconds <= alone_s),
    )
    table.add(
        "1b. notify part's queries",
        f"{meter.queries} queries ({COUNTIES:,} units)",
        f"{small.queries} queries ({PROVINCE_COUNTIES:,} units, {province_s:.1f} s import)",
        "",
        "constant",
        yes(meter.queries == small.queries),
    )
    print(f"  (deliveries by channel, all imports: {by_channel})")
    if meter.profile:
        print_profile("notify part of the national import", meter.profile)


def print_profile(what: str, profile: cProfile.Profile) -> None:
    out = StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    print(f"\n--- profile: {what} ---\n{out.getvalue()[:6000]}")


def main() -> None:
    def interrupted(*_args):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    connection.settings_dict.setdefault("TEST", {})["NAME"] = DB
    old = None
    table = Table(baseline="baseline (same run)")
    try:
        old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(f"PostgreSQL {version}, database {DB}; {COUNTIES:,} counties × {TASKS} tasks")
        seconds, national = timed(lambda: seed_scale(COUNTIES, NATIONAL_CODE))
        province = seed_scale(PROVINCE_COUNTIES, PROVINCE_CODE)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"seeded in {seconds:.0f} s\n\nrows as they are measured:")
        import_rows(table, national, province)
        outbox_rows(table, print_profile if PROFILE else None)
        table.print()
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", flush=True)
    finally:
        drop_database(old)
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
