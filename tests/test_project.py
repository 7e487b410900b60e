"""Project-wide checks: settings, migrations, deployment checks, no eager Celery."""

import secrets
import subprocess
import sys
from io import StringIO

from django.conf import settings
from django.core.management import call_command

from tests.processes import ROOT, clean_env


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_celery_never_runs_tasks_eagerly():
    assert not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 on drift
    assert "No changes detected" in out.getvalue()


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="config.settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="dubanxitong.example.gov.cn",
        DATABASE_URL="postgres://tracker@db.internal:5432/tracker",
        REDIS_URL="redis://redis.internal:6379/0",
        EMAIL_URL="smtp://mail.internal:25",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = _manage("check", DEBUG="0", SECRET_KEY="", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_test_command_passes_pytest_options_through(tmp_path):
    """`python3 scripts/dev.py test -k directory`, as the README writes it."""
    result = subprocess.run(
        [sys.executable, "scripts/dev.py", "test", "--collect-only", "-q", "-k", "nomatch_xyz"],
        cwd=ROOT,
        env=clean_env(VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "error" not in result.stderr.lower(), result.stderr
    assert result.returncode == 5, result.stdout + result.stderr  # pytest: nothing selected
    assert "deselected" in result.stdout


def test_child_processes_do_not_inherit_the_shells_settings(monkeypatch):
    """A CELERY_QUEUE (or a database, a broker …) left in the developer's shell must not
    reach the workers the tests start: they would listen elsewhere and the test would hang."""
    for name, value in {
        "CELERY_QUEUE": "someone-elses-queue",
        "DATABASE_URL": "postgres://elsewhere/db",
        "REDIS_URL": "redis://elsewhere:6379/0",
        "EMAIL_URL": "smtp://elsewhere:25",
    }.items():
        monkeypatch.setenv(name, value)
    env = clean_env(VAR_DIR="/tmp/x")
    assert not {"CELERY_QUEUE", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"} & set(env)
    assert env["VAR_DIR"] == "/tmp/x"
