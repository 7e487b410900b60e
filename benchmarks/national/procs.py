"""Child processes: the SMTP sink, the server, exports in a fresh process, peak memory."""

from __future__ import annotations

import json
import os
import socket
import subprocess

from benchmarks.national.config import (
    DB_URL,
    PY,
    ROOT,
    SETTINGS_ENV,
)

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
