"""Serving in production: gunicorn with our config, static files from WhiteNoise, and a
health endpoint that checks the database and the broker."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.processes import ROOT, VENV_BIN, Process, clean_env


def test_health_answers_200_when_the_database_and_the_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_answers_503_when_the_broker_does_not(client, db, monkeypatch):
    from config.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_app_health_and_static_files(tmp_path):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="production-like-test-secret-key-with-more-than-fifty-characters-01",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        VAR_DIR=str(tmp_path),
        WEB_CONCURRENCY="2",
    )
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
        )
    port = _free_port()
    server = Process(
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi",
        ],
        {**env, "BIND": f"127.0.0.1:{port}"},
    )
    try:
        server.wait_for("Booting worker", timeout=60)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert health.status == 200
        css = urllib.request.urlopen(f"{base}/static/admin/css/base.css", timeout=5)
        assert css.status == 200 and "max-age" in css.headers.get("Cache-Control", "")
        login = urllib.request.urlopen(f"{base}/accounts/login/", timeout=5).read().decode()
        assert "登录" in login
    finally:
        server.stop()
    assert server.output.count("Booting worker") == 2
