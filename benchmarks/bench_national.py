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
2. SEND reminders (`notify.mails.reminders_send`) to an SMTP sink (aiosmtpd in a child
   process, accepting and discarding), against `send_mass_mail` of the same subjects,
   bodies and recipients (text only) through the same sink: mails per second;
3.–8. pages and the API served by gunicorn (config/gunicorn.conf.py, WEB_WORKERS=2 sync
   workers, DEBUG off, production settings; Redis for the cache when REDIS_URL is set),
   signed in through /admin/login/ as the national coordinator (the province one for the
   province-scale API row), REQUESTS requests each (at least MIN_REQUESTS, then until
   ROW_SECONDS), after WARMUP; each request alternates with the raw SQL that computes the
   same figures on this process's own connection, so a busy machine slows both alike;
9. the ledger of the national plan as CSV and as xlsx, built by `export_job_run` in a fresh
   process (time inside it and its peak RSS, VmHWM), against a fresh process streaming the
   same columns with one raw SQL (server-side cursor, nothing written).

Pages compute as of the real date (Asia/Shanghai); the seeded due dates fall in 2026. Prints
the seeding times and a table: what | measured | raw baseline | ratio | target | met?
Not a test: it asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable

COUNTIES = int(os.environ.get("COUNTIES", "2844"))
PROVINCE_COUNTIES = int(os.environ.get("PROVINCE_COUNTIES", "129"))
TASKS = int(os.environ.get("TASKS", "100"))
REQUESTS = int(os.environ.get("REQUESTS", "20"))
MIN_REQUESTS = int(os.environ.get("MIN_REQUESTS", "5"))
ROW_SECONDS = float(os.environ.get("ROW_SECONDS", "240"))
WARMUP = int(os.environ.get("WARMUP", "1"))
SEND = int(os.environ.get("SEND", "2000"))
WORKERS = os.environ.get("WEB_WORKERS", "2")
SWEEP_DAY = dt.date.fromisoformat(os.environ.get("SWEEP_DAY", "2026-09-15"))
BULLETIN_START = dt.date.fromisoformat(os.environ.get("BULLETIN_START", "2026-10-01"))
BULLETIN_END = dt.date.fromisoformat(os.environ.get("BULLETIN_END", "2026-10-31"))
NATIONAL_CODE, PROVINCE_CODE = "970000", "980000"
PASSWORD = "Bench-national-2026"

PG_URL = os.environ.get("DATABASE_URL", "")
if not PG_URL.startswith(("postgres://", "postgresql://")):
    sys.exit("bench_national needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/name")
DB = f"bench_national_{os.getpid()}"
DB_URL = urlsplit(PG_URL)._replace(path=f"/{DB}").geturl()
VAR = Path(tempfile.mkdtemp(prefix="bench-national-"))
# The production settings, for this process and the processes it starts (the server, the
# exports): the same password hashers, storage and cache as a real installation.
SETTINGS_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-national-secret-key-not-for-production-0123456789abcdefghij",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "VAR_DIR": str(VAR),
    "STATIC_ROOT": str(ROOT / "var" / "bench-static"),  # kept: collectstatic is incremental
    "API_USER_RATE": "1000000/min",
    "LOG_LEVEL": "WARNING",
    "EMAIL_URL": "consolemail://",
}
os.environ.update(SETTINGS_ENV)

import django  # noqa: E402

django.setup()

from django.core.mail import send_mass_mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_databases,
    teardown_databases,
)
from django.utils import timezone  # noqa: E402

from notify.mails import reminders_send  # noqa: E402
from notify.models import Digest, MailLog, Reminder  # noqa: E402
from notify.services.sweep import Policy, reminders_sweep  # noqa: E402
from regions.models import Region, Unit, UnitContact  # noqa: E402
from regions.services import user_upsert  # noqa: E402
from reporting.models import ExportJob  # noqa: E402
from reporting.services.bulletins import bulletin_create  # noqa: E402
from tasks_app.models import Assignment, ReportCycle, WorkPlan  # noqa: E402
from tasks_app.workdays import add_workdays, is_workday, workdays_between  # noqa: E402

# --- raw SQL ------------------------------------------------------------------------------

# The regions at or below %(p)s (depth 3, as regions.selectors.region_subtree_q).
SUBTREE = """(SELECT s.id FROM regions_region s
              LEFT JOIN regions_region s2 ON s2.id = s.parent_id
              LEFT JOIN regions_region s3 ON s3.id = s2.parent_id
              WHERE %(p)s IN (s.id, s.parent_id, s2.parent_id, s3.parent_id))"""
# The direct child of %(p)s holding the unit's region r (r2, r3: its parent, grandparent).
CHILD = """CASE WHEN r.parent_id = %(p)s THEN r.id WHEN r2.parent_id = %(p)s THEN r2.id
               WHEN r3.parent_id = %(p)s THEN r3.id END"""
JOINS = """FROM tasks_app_assignment a
JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id
JOIN regions_unit u ON u.id = a.unit_id
JOIN regions_region r ON r.id = u.region_id
LEFT JOIN regions_region r2 ON r2.id = r.parent_id
LEFT JOIN regions_region r3 ON r3.id = r2.parent_id"""
IN_REGION = f"w.region_id IN {SUBTREE} AND u.region_id IN {SUBTREE}"
CLAIMED_IN_TIME = (
    "(a.state = 'submitted' AND (a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date <= a.due_date)"
)
OVERDUE = f"(a.state <> 'done' AND a.due_date < %(today)s AND NOT {CLAIMED_IN_TIME})"
DONE_ON_TIME = """(a.state = 'done'
                   AND COALESCE((a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                                (a.done_at AT TIME ZONE 'Asia/Shanghai')::date) <= a.due_date)"""

# benchmarks/bench_progress.py's aggregate (without the periodic-report flag)
REGION_PROGRESS = """
SELECT CASE WHEN r.parent_id = %(p)s THEN r.id WHEN r2.parent_id = %(p)s THEN r2.id
            WHEN r3.parent_id = %(p)s THEN r3.id END AS child,
       COUNT(*),
       COUNT(*) FILTER (WHERE a.state = 'done'),
       COUNT(*) FILTER (WHERE a.state = 'done'
                        AND (a.done_at AT TIME ZONE 'Asia/Shanghai')::date <= a.due_date),
       COUNT(*) FILTER (WHERE a.state <> 'done' AND a.due_date < %(today)s),
       COUNT(*) FILTER (WHERE a.returns > 0)
FROM tasks_app_assignment a
JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id
JOIN regions_unit u ON u.id = a.unit_id
JOIN regions_region r ON r.id = u.region_id
LEFT JOIN regions_region r2 ON r2.id = r.parent_id
LEFT JOIN regions_region r3 ON r3.id = r2.parent_id
WHERE w.status = 'active' AND (r.id = %(p)s OR r.parent_id = %(p)s OR r2.parent_id = %(p)s
                               OR r3.parent_id = %(p)s)
GROUP BY 1
"""

# The assessment's per-county figures; working days of lateness from a calendar of
# cumulative working-day numbers passed in (cal), so lateness is a subtraction.
ASSESSMENT = f"""
WITH cal AS (SELECT * FROM unnest(%(days)s::date[], %(ords)s::int[]) AS c(d, n)),
x AS (
  SELECT {CHILD} AS child, a.due_date, a.returns, a.state = 'done' AS done,
         CASE WHEN a.state = 'done'
                THEN COALESCE((a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                              (a.done_at AT TIME ZONE 'Asia/Shanghai')::date)
              WHEN a.state = 'submitted' AND a.submitted_at IS NOT NULL
                THEN (a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date
              ELSE %(today)s END AS until,
         a.state NOT IN ('done', 'submitted')
           AND COALESCE(NULLIF(t.report_cycle, ''), NULLIF(w.report_cycle, '')) IS NOT NULL
           AND (a.last_report_at IS NULL OR a.last_report_at < %(since)s) AS missed
  {JOINS}
  WHERE {IN_REGION} AND a.due_date BETWEEN %(year_start)s AND %(year_end)s
)
SELECT child, COUNT(*), COUNT(*) FILTER (WHERE done),
       COUNT(*) FILTER (WHERE done AND until <= due_date),
       COALESCE(SUM(cu.n - cd.n) FILTER (WHERE until > due_date), 0),
       SUM(returns), COUNT(*) FILTER (WHERE missed)
FROM x LEFT JOIN cal cd ON cd.d = x.due_date LEFT JOIN cal cu ON cu.d = x.until
GROUP BY child
"""

MATRIX = f"""
SELECT a.task_id, {CHILD} AS col, COUNT(*),
       COUNT(*) FILTER (WHERE a.state = 'done'),
       COUNT(*) FILTER (WHERE {OVERDUE}),
       COUNT(*) FILTER (WHERE a.state = 'assigned'),
       COUNT(*) FILTER (WHERE a.state NOT IN ('done', 'submitted')
                        AND a.due_date BETWEEN %(today)s AND %(soon)s),
       AVG(a.progress), MIN(a.id)
{JOINS}
WHERE t.plan_id = %(plan)s AND {IN_REGION}
GROUP BY 1, 2 HAVING {CHILD} IS NOT NULL
"""
MATRIX_NAMES = "SELECT id, name FROM regions_region WHERE parent_id = %(p)s"
MATRIX_TASKS = "SELECT * FROM tasks_app_task WHERE plan_id = %(plan)s ORDER BY position"

OVERDUE_LIST = f"""
SELECT a.*, t.ref, t.title, w.title, u.short_name
{JOINS}
WHERE {IN_REGION} AND {OVERDUE}
ORDER BY a.due_date, u.short_name
LIMIT %(limit)s
"""

OVERDUE_COUNT = f"SELECT COUNT(*) {JOINS} WHERE {IN_REGION} AND {OVERDUE}"

BULLETIN_COUNTIES = f"""
SELECT {CHILD} AS child, COUNT(*), COUNT(*) FILTER (WHERE a.state = 'done'),
       COUNT(*) FILTER (WHERE {DONE_ON_TIME}), COUNT(*) FILTER (WHERE {OVERDUE}),
       COUNT(*) FILTER (WHERE a.returns > 0)
{JOINS}
WHERE t.plan_id = %(plan)s AND a.due_date BETWEEN %(start)s AND %(end)s
GROUP BY 1 HAVING {CHILD} IS NOT NULL
"""
BULLETIN_OVERDUE = f"""
SELECT a.id, a.due_date, a.last_report_at, u.short_name, t.ref, t.title
{JOINS}
WHERE t.plan_id = %(plan)s AND a.due_date <= %(end)s AND {OVERDUE}
ORDER BY a.due_date, u.short_name
LIMIT 500
"""
BULLETIN_OVERDUE_COUNT = f"""
SELECT COUNT(*) {JOINS} WHERE t.plan_id = %(plan)s AND a.due_date <= %(end)s AND {OVERDUE}
"""

ASSIGNMENT_COUNT = f"""
SELECT COUNT(*) FROM tasks_app_assignment a JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id WHERE w.region_id IN {SUBTREE}
"""
ASSIGNMENT_PAGE = f"""
SELECT a.*, t.*, u.*
FROM tasks_app_assignment a JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id JOIN regions_unit u ON u.id = a.unit_id
WHERE w.region_id IN {SUBTREE}
ORDER BY a.due_date, a.id
LIMIT 100
"""

LEDGER = f"""
SELECT t.ref, t.title,
       (SELECT string_agg(p.name_as_written, '、' ORDER BY p.id) FROM tasks_app_responsibility p
         WHERE p.task_id = t.id AND p.role = 'lead'),
       (SELECT string_agg(p.name_as_written, '、' ORDER BY p.id) FROM tasks_app_responsibility p
         WHERE p.task_id = t.id AND p.role = 'responsible'),
       u.short_name, a.due_date, a.state, a.progress, a.last_report_at,
       (SELECT left(pr.text, 500) FROM tasks_app_progressreport pr WHERE pr.assignment_id = a.id
         ORDER BY pr.created_at DESC, pr.id DESC LIMIT 1),
       a.done_at
FROM tasks_app_assignment a JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id JOIN regions_unit u ON u.id = a.unit_id
WHERE t.plan_id = %(plan)s AND w.region_id IN {SUBTREE}
ORDER BY t.position, u.short_name
"""

REMINDER_INSERT = """
INSERT INTO tasks_app_reminder (created_at, updated_at, assignment_id, kind, scheduled_for,
                                unit_id, due_date, attempts, last_error, cancel_reason)
SELECT now(), now(), a.id, %(kind)s, %(day)s, a.unit_id, a.due_date, 0, '', ''
FROM tasks_app_assignment a
JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id
WHERE w.status = 'active' AND a.state NOT IN ('done', 'submitted') AND ({rule})
  AND NOT EXISTS (SELECT 1 FROM tasks_app_reminder x WHERE x.assignment_id = a.id
                  AND x.kind = %(kind)s AND x.scheduled_for = %(day)s)
ON CONFLICT DO NOTHING
"""
DIGEST_UNITS = """
INSERT INTO tasks_app_digest (created_at, updated_at, kind, unit_id, scheduled_for, attempts,
                              last_error)
SELECT now(), now(), 'unit_weekly', unit_id, %(monday)s, 0, ''
FROM (SELECT DISTINCT a.unit_id FROM tasks_app_assignment a
      JOIN tasks_app_task t ON t.id = a.task_id JOIN tasks_app_workplan w ON w.id = t.plan_id
      WHERE w.status = 'active' AND a.state NOT IN ('done', 'submitted')) open_units
ON CONFLICT DO NOTHING
"""
DIGEST_COORDINATORS = """
INSERT INTO tasks_app_digest (created_at, updated_at, kind, user_id, scheduled_for, attempts,
                              last_error)
SELECT now(), now(), 'coordinator_daily', id, %(day)s, 0, '' FROM regions_user
WHERE role = 'coordinator' AND is_active AND region_id IS NOT NULL AND email <> ''
ON CONFLICT DO NOTHING
"""
PENDING = """SELECT id FROM tasks_app_reminder WHERE scheduled_for = %(day)s
             AND sent_at IS NULL AND cancelled_at IS NULL ORDER BY id"""
PENDING_DIGESTS = """SELECT id FROM tasks_app_digest WHERE scheduled_for >= %(week)s
                     AND sent_at IS NULL AND cancelled_at IS NULL"""

# --- child processes ------------------------------------------------------------------------

SINK = r"""
import signal, sys, threading
from aiosmtpd.controller import Controller

class Sink:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
print("READY", flush=True)
while not stop.wait(0.2):
    pass
controller.stop()
print("RECEIVED", Sink.count, flush=True)
"""

# The child's own peak RSS. Not ru_maxrss: on Linux a child's ru_maxrss starts from the RSS of
# the process that forked it (this one, with its seeded objects), whatever the child uses.
PEAK = r"""
def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
"""

EXPORT = (
    PEAK
    + r"""
import json, sys, time
import django
django.setup()
from reporting.services.exports import export_job_run
started = time.perf_counter()
job = export_job_run(job_id=int(sys.argv[1]))
seconds = time.perf_counter() - started
print("RESULT" + json.dumps({
    "seconds": seconds, "status": job.status, "error": job.error,
    "bytes": job.file.size if job.file else 0,
    "peak_kb": peak_kb(),
}))
"""
)

PLAIN_READ = (
    PEAK
    + r"""
import json, os, sys, time
import psycopg
sql, params = sys.stdin.read(), json.loads(sys.argv[1])
with psycopg.connect(os.environ["BENCH_DB_URL"]) as conn:
    started = time.perf_counter()
    with conn.cursor(name="ledger") as cursor:
        cursor.itersize = 2000
        cursor.execute(sql, params)
        rows = sum(1 for _row in cursor)
    seconds = time.perf_counter() - started
print("RESULT" + json.dumps({
    "seconds": seconds, "rows": rows,
    "peak_kb": peak_kb(),
}))
"""
)


def child_env(**extra: str) -> dict:
    return {**os.environ, **SETTINGS_ENV, "DATABASE_URL": DB_URL, "BENCH_DB_URL": DB_URL, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_child(code: str, *args: str, stdin: str = "") -> dict:
    done = subprocess.run(
        [PY, "-c", code, *args],
        cwd=ROOT,
        env=child_env(),
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode or "RESULT" not in done.stdout:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.split("RESULT", 1)[1])


# --- HTTP -----------------------------------------------------------------------------------


class Browser:
    """A signed-in session against the server: cookies kept, redirects not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1800)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response.status, response, data

    def login(self, username: str) -> None:
        self.request("GET", "/admin/login/")
        form = urlencode(
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "next": "/admin/",
            }
        )
        status, _response, _data = self.request(
            "POST",
            "/admin/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")

    def get(self, path: str) -> int:
        status, _response, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return len(data)


def start_server() -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = VAR / "gunicorn.log"
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=child_env(
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=WORKERS,
            WEB_TIMEOUT="1800",  # a slow page is measured, not killed
            WEB_ACCESS_LOG="/dev/null",
        ),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches this process, which stops the server
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            Browser(port).request("GET", "/healthz")
            return server, port, log
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- measuring ------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def raw(sql: str, params: dict):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def raw_all(*queries):
    def run():
        return [raw(sql, params)() for sql, params in queries]

    return run


def measure_pair(page, baseline) -> tuple[list[float], list[float]]:
    """Alternate a request and its raw baseline, so load from elsewhere hits both alike."""
    for _ in range(WARMUP):
        page()
        baseline()
    pages, raws = [], []
    started = time.monotonic()
    for n in range(1, REQUESTS + 1):
        seconds, _ = timed(page)
        pages.append(seconds * 1000)
        seconds, _ = timed(baseline)
        raws.append(seconds * 1000)
        if n >= MIN_REQUESTS and time.monotonic() - started > ROW_SECONDS:
            break
    return pages, raws


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, *cells: str) -> None:
        self.rows.append(cells)
        print("  " + " | ".join(cells), flush=True)  # as it goes, for a long run

    def http(self, what: str, page, baseline, slack_ms: float, hard_ms: float = 0) -> None:
        try:
            pages, raws = measure_pair(page, baseline)
        except Exception as exc:  # a failing page is reported in its row, the run goes on
            self.add(what, f"error: {exc}"[:80], "", "", "", "—")
            return
        p50, p95 = percentiles(pages)
        r50, r95 = percentiles(raws)
        measured = f"p50 {ms(p50)} / p95 {ms(p95)} (n={len(pages)})"
        baseline_text = f"p50 {ms(r50)} / p95 {ms(r95)}"
        if hard_ms:
            target, met = f"p95 ≤ {ms(hard_ms)}", p95 <= hard_ms
        else:
            limit = 1.5 * r95 + slack_ms
            target, met = f"p95 ≤ 1.5×raw+{slack_ms:.0f} = {ms(limit)}", p95 <= limit
        self.add(what, measured, baseline_text, f"{p95 / r95:.1f}×", target, yes(met))

    def print(self) -> None:
        header = ("what", "measured", "raw baseline", "ratio", "target", "met?")
        widths = [max(len(str(row[i])) for row in [header, *self.rows]) for i in range(len(header))]
        line = "-+-".join("-" * w for w in widths)
        print("\n" + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        print(line)
        for row in self.rows:
            print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def yes(met: bool) -> str:
    return "yes" if met else "NO"


# --- the rows -------------------------------------------------------------------------------


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
    when there is at most one INSERT per rule and per kind of digest (not batches that grow
    with the rows)."""
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
        constant = reminders <= len(result.created) and digests <= 2
        runs.append((seconds, len(queries.captured_queries), reminders, digests, constant, result))
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
    port = free_port()
    sink = subprocess.Popen(
        [PY, "-c", SINK, str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    received = "?"
    try:
        if sink.stdout.readline().strip() != "READY":
            raise RuntimeError("the SMTP sink did not start")
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=60,
        ):
            send_s, failed = timed(lambda: reminders_send(ids))
            sent = Reminder.objects.filter(pk__in=ids, sent_at__isnull=False).count()
            messages = [
                (subject, body, "noreply@example.gov.cn", recipients.split(", "))
                for subject, body, recipients in MailLog.objects.filter(
                    reminder_id__in=ids
                ).values_list("subject", "body", "recipients")
            ]
            plain_s, plain_n = timed(lambda: send_mass_mail(messages, fail_silently=False))
    finally:
        sink.terminate()
        try:
            out, _err = sink.communicate(timeout=30)
            received = out.split("RECEIVED", 1)[1].strip() if "RECEIVED" in out else "?"
        except subprocess.TimeoutExpired:
            sink.kill()
            sink.wait()
    rate, plain_rate = sent / send_s, plain_n / plain_s
    table.add(
        f"2. send {len(ids):,} reminders to an SMTP sink",
        f"{rate:,.0f} mails/s ({sent:,} sent in {send_s:.1f} s, {len(failed)} failed)",
        f"{plain_rate:,.0f} mails/s (send_mass_mail, {plain_n:,} text mails)",
        f"{rate / plain_rate:.2f}×",
        "≥ 0.8× plain",
        yes(rate >= 0.8 * plain_rate),
    )
    print(f"  (the sink received {received} mails in all)")


def workday_calendar(year: int, on: dt.date) -> tuple[list[dt.date], list[int]]:
    """Every day of the year (and on to today), with its cumulative working-day number
    (workdays_between(1 January, day)), for the raw assessment."""
    base = dt.date(year, 1, 1)
    end = max(dt.date(year + 1, 1, 1), on + dt.timedelta(days=1))
    days = [base + dt.timedelta(days=i) for i in range((end - base).days)]
    return days, [workdays_between(base, d) for d in days]


def ledger_rows(table: Table, user, plan: WorkPlan, region: Region) -> None:
    """Row 9: the national ledger, CSV and xlsx, each built in a fresh process."""
    plain = run_child(PLAIN_READ, json.dumps({"plan": plan.pk, "p": region.pk}), stdin=LEDGER)
    for fmt in ("csv", "xlsx"):
        job = ExportJob.objects.create(user=user, plan=plan, format=fmt)
        try:
            built = run_child(EXPORT, str(job.pk))
        except RuntimeError as exc:
            table.add(f"9. ledger {fmt} export", f"error: {exc}"[:80], "", "", "", "—")
            continue
        peak_mb = built["peak_kb"] / 1024
        ratio = built["seconds"] / plain["seconds"]
        table.add(
            f"9. ledger {fmt} ({plain['rows']:,} rows)",
            f"{built['seconds']:.1f} s, peak {peak_mb:,.0f} MB, {built['bytes'] / 1e6:.1f} MB file"
            + ("" if built["status"] == "done" else f" [{built['status']}: {built['error']}]"),
            f"{plain['seconds']:.1f} s read, peak {plain['peak_kb'] / 1024:,.0f} MB",
            f"{ratio:.1f}×",
            "≤ 2× read, peak < 200 MB",
            f"{yes(ratio <= 2)} / {yes(peak_mb < 200)}",
        )


def http_rows(table: Table, browser: Browser, province_browser: Browser, seeded: dict) -> None:
    national, plan = seeded["national"], seeded["plan"]
    province = seeded["province"]
    on = timezone.localdate()
    year = plan.period_end.year  # the seeded plan's due dates
    p = {"p": national.pk, "plan": plan.pk, "today": on}

    days, ords = workday_calendar(year, on)
    assessment = {
        **p,
        "days": days,
        "ords": ords,
        "since": timezone.make_aware(dt.datetime.combine(on, dt.time.min)),
        "year_start": dt.date(year, 1, 1),
        "year_end": dt.date(year, 12, 31),
    }
    table.http(
        f"3. assessment page ({year})",
        lambda: browser.get(
            f"/admin/tasks_app/workplan/assessment/?region={national.pk}&year={year}"
        ),
        raw(ASSESSMENT, assessment),
        20,
    )
    soon = add_workdays(on, 5)
    table.http(
        "4. matrix page (HTML)",
        lambda: browser.get(f"/admin/tasks_app/workplan/{plan.pk}/matrix/"),
        raw_all((MATRIX, {**p, "soon": soon}), (MATRIX_NAMES, p), (MATRIX_TASKS, p)),
        50,
    )
    table.http(
        f"5. 逾期事项 page (1,000 of {seeded['overdue']:,})",
        lambda: browser.get(f"/admin/tasks_app/workplan/progress/overdue/?region={national.pk}"),
        raw(OVERDUE_LIST, {**p, "limit": 1000}),
        50,
    )
    bulletin = seeded["bulletin"]
    period = {
        **p,
        "start": bulletin.period_start,
        "end": bulletin.period_end,
        "today": min(bulletin.period_end, on),
    }
    table.http(
        f"6. bulletin draft {bulletin.period_start:%Y-%m} (change page)",
        lambda: browser.get(f"/admin/reporting/bulletin/{bulletin.pk}/change/"),
        raw_all(
            (BULLETIN_COUNTIES, period),
            (BULLETIN_OVERDUE, period),
            (BULLETIN_OVERDUE_COUNT, period),
        ),
        50,
    )
    table.http(
        "7. admin assignment list, page 1",
        lambda: browser.get("/admin/tasks_app/assignment/"),
        raw_all((ASSIGNMENT_COUNT, p), (ASSIGNMENT_PAGE, p)),
        0,
        hard_ms=150,
    )
    for label, who, region, counties in (
        ("province", province_browser, province, PROVINCE_COUNTIES),
        ("national", browser, national, COUNTIES),
    ):
        table.http(
            f"8. region progress API, {label} ({counties:,} counties)",
            lambda who=who, region=region: who.get(f"/api/progress/regions/?region={region.pk}"),
            raw(REGION_PROGRESS, {"p": region.pk, "today": on}),
            20,
        )


def seed() -> dict:
    seeded = {}
    for label, counties, code in (
        ("national", COUNTIES, NATIONAL_CODE),
        ("province", PROVINCE_COUNTIES, PROVINCE_CODE),
    ):
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
    UnitContact.objects.bulk_create(
        [
            UnitContact(unit_id=pk, email=f"contact{pk}@example.gov.cn", name="联络人")
            for pk in Unit.objects.filter(kind=Unit.Kind.GOVERNMENT).values_list("pk", flat=True)
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
    seeded["bulletin"] = bulletin_create(
        user=seeded["user"], plan=seeded["plan"], start=BULLETIN_START, end=BULLETIN_END
    )
    with connection.cursor() as cursor:
        seconds, _ = timed(lambda: cursor.execute("VACUUM ANALYZE"))
        print(f"VACUUM ANALYZE: {seconds:.0f} s")
        cursor.execute(OVERDUE_COUNT, {"p": seeded["national"].pk, "today": timezone.localdate()})
        seeded["overdue"] = cursor.fetchone()[0]
    return seeded


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
        reminder_ids = sweep_rows(table)
        send_rows(table, reminder_ids)
        http_rows(table, browser, province_browser, seeded)
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
        drop_database(old)
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
