#!/usr/bin/env python
"""Load on the production server: 100 unit users and 5 coordinators for 60 s.

    .venv/bin/python benchmarks/bench_load.py        # needs PostgreSQL at 127.0.0.1

Creates a database of its own (`workpoints_load`, dropped at the end), migrates it and
seeds a fictional province (`seed_scale --counties 100 --tasks 20`), with a unit user for
each of the 100 county governments and 5 coordinators, each with an API token. Starts
gunicorn with config/gunicorn.conf.py (DEBUG off, WEB_CONCURRENCY workers, Redis when
REDIS_URL is set), then runs the users side by side for DURATION seconds:

- a unit user lists its assignments, opens one, and files a progress report on it, in a
  loop (every report filed is counted);
- a coordinator reads the region progress, the unit progress, the matrix and the overdue
  list, in a loop.

Prints requests, errors (any answer that is not the expected status, and any failure to
connect), lost writes (reports answered 201 but missing from the database afterwards, or
present but never answered) and p50/p95/p99 latency per kind. Not a test: it asserts
nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DURATION = float(os.environ.get("DURATION", "60"))
UNITS = int(os.environ.get("UNITS", "100"))
COORDINATORS = int(os.environ.get("COORDINATORS", "5"))
WORKERS = os.environ.get("WEB_CONCURRENCY", "4")
PG = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
DB = "workpoints_load"
PORT = int(os.environ.get("PORT", "8765"))

SEED = f"""
import json
from rest_framework.authtoken.models import Token
from regions.models import Region, Unit
from regions.services import user_upsert
from tasks_app.models import Assignment, WorkPlan
province = Region.objects.get(code="980000")
plan = WorkPlan.objects.get(region=province)
out = {{"plan": plan.pk, "units": [], "coordinators": []}}
for n, unit in enumerate(Unit.objects.filter(kind="government").order_by("pk")[:{UNITS}]):
    user = user_upsert(username=f"unit{{n}}", password="Load-test-2026", role="unit_user",
                       unit=unit)
    open_ = Assignment.objects.filter(unit=unit).exclude(state="done")
    ids = list(open_.values_list("pk", flat=True)[:20])
    Assignment.objects.filter(pk__in=ids).update(
        state="in_progress", signed_at="2026-01-05T00:00Z", submitted_at=None
    )
    out["units"].append({{"token": Token.objects.create(user=user).key, "assignments": ids}})
for n in range({COORDINATORS}):
    user = user_upsert(username=f"coord{{n}}", password="Load-test-2026", role="coordinator",
                       region=province)
    out["coordinators"].append(Token.objects.create(user=user).key)
print("SEED" + json.dumps(out))
"""

COUNT = """
from tasks_app.models import ProgressReport
print("COUNT", ProgressReport.objects.filter(text__startswith="load:").count())
"""


def sql(statement: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", statement], check=True)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{done.stderr}")
    return done.stdout


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.written = 0

    def record(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1


def call(base, token, method, path, expected, stats, kind, body=None) -> bool:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    stats.record(kind, time.perf_counter() - started, status == expected)
    return status == expected


def unit_user(base, seed, stats, stop):
    n = 0
    while not stop.is_set():
        token, ids = seed["token"], seed["assignments"]
        a = ids[n % len(ids)]
        call(base, token, "GET", "/api/assignments/", 200, stats, "unit: list")
        call(base, token, "GET", f"/api/assignments/{a}/", 200, stats, "unit: detail")
        body = {"text": f"load: report {n}", "progress": n % 100}
        path = f"/api/assignments/{a}/reports/"
        if call(base, token, "POST", path, 201, stats, "unit: report", body):
            with stats.lock:
                stats.written += 1
        n += 1


def coordinator(base, token, plan, stats, stop):
    paths = [
        ("coord: regions", "/api/progress/regions/"),
        ("coord: units", "/api/progress/units/"),
        ("coord: matrix", f"/api/progress/matrix/{plan}/"),
        ("coord: overdue", "/api/progress/overdue/"),
    ]
    n = 0
    while not stop.is_set():
        kind, path = paths[n % len(paths)]
        call(base, token, "GET", path, 200, stats, kind)
        n += 1


def main() -> int:
    var = ROOT / "var" / "load"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "DEBUG": "0",
        "SECRET_KEY": "load-benchmark-secret-key-with-more-than-fifty-characters-0123456",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "VAR_DIR": str(var),
        "WEB_CONCURRENCY": WORKERS,
        "WEB_ACCESS_LOG": "/dev/null",
        "API_USER_RATE": "100000/min",
    }
    sql(f"DROP DATABASE IF EXISTS {DB}")
    sql(f"CREATE DATABASE {DB}")
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "seed_scale", "--counties", str(UNITS), "--tasks", "20")
        out = manage(env, "shell", "-c", SEED)
        seed = json.loads(out.split("SEED", 1)[1])
        server = subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{PORT}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        stats, stop = Stats(), threading.Event()
        threads = [
            threading.Thread(target=unit_user, args=(base, s, stats, stop)) for s in seed["units"]
        ] + [
            threading.Thread(target=coordinator, args=(base, t, seed["plan"], stats, stop))
            for t in seed["coordinators"]
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(DURATION)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        stored = int(manage(env, "shell", "-c", COUNT).split("COUNT", 1)[1])
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        sql(f"DROP DATABASE IF EXISTS {DB}")

    total = sum(len(v) for v in stats.latency.values())
    errors = sum(stats.errors.values())
    print(
        f"\n{len(seed['units'])} unit users + {len(seed['coordinators'])} coordinators, "
        f"{elapsed:.0f} s, gunicorn {WORKERS} workers, PostgreSQL"
    )
    print(
        f"requests {total} ({total / elapsed:.0f}/s), errors {errors}, "
        f"reports answered 201: {stats.written}, stored: {stored}, "
        f"lost writes: {abs(stats.written - stored)}"
    )
    print(f"{'kind':<16}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    everything = []
    for kind, values in sorted(stats.latency.items()):
        everything += values
        q = statistics.quantiles(values, n=100)
        print(
            f"{kind:<16}{len(values):>7}{q[49] * 1000:>9.0f}{q[94] * 1000:>9.0f}"
            f"{q[98] * 1000:>9.0f}{stats.errors.get(kind, 0):>8}"
        )
    q = statistics.quantiles(everything, n=100)
    print(
        f"{'all':<16}{len(everything):>7}{q[49] * 1000:>9.0f}{q[94] * 1000:>9.0f}"
        f"{q[98] * 1000:>9.0f}{errors:>8}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
