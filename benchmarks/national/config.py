"""The benchmark's settings (from the environment) and its throwaway database; importing
this module sets up Django on it."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository
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
    sys.exit("the national benchmarks need PostgreSQL: DATABASE_URL=postgres://user@host:5432/name")
# BENCH_DB: an existing database to seed once and keep (for measuring one change after
# another); without it a throwaway database is created and dropped.
KEEP_DB = os.environ.get("BENCH_DB", "")
# BENCH_DB_PREFIX: the throwaway database's name before the pid (bench_notify sets its own).
DB = KEEP_DB or f"{os.environ.get('BENCH_DB_PREFIX', 'bench_national')}_{os.getpid()}"
# ROWS: which rows to measure (e.g. "1,2,7"); all by default.
ROWS = {int(r) for r in os.environ.get("ROWS", "1,2,3,4,5,6,7,8,9").split(",") if r.strip()}
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
