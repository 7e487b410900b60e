"""Start real processes (Celery workers, the launcher) and read their output with timeouts."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


# Settings a child process must not inherit from the developer's shell: it gets what the
# test gives it, or the defaults (a CELERY_QUEUE left in the shell would strand its tasks).
INHERITED_SETTINGS = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_QUEUE",
    "EMAIL_URL",
    "SITE_URL",
    "VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
}


def clean_env(**overrides: str) -> dict:
    """This environment without the service URLs and settings above, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
    env.update(PYTHONUNBUFFERED="1", **overrides)
    return env


def python_module(module: str) -> list[str]:
    """argv that runs `module` as a program, on the test run's (possibly shifted) clock."""
    if os.environ.get("TEST_SHIFT_CLOCK_DAYS"):
        return [sys.executable, "-m", "tests.shifted_clock", module]
    return [sys.executable, "-m", module]


class Process:
    """A child process whose merged output is collected line by line in the background."""

    def __init__(self, argv: list[str], env: dict) -> None:
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float) -> str:
        """Read output until a line contains `text`; fail with the output so far if it doesn't."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = ""
                if remaining <= 0:
                    break
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"never saw {text!r}; output was:\n{self.output}")

    @property
    def output(self) -> str:
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def celery_worker(env: dict, *, queue_name: str = "celery") -> Process:
    env = {**env, "CELERY_QUEUE": queue_name}  # what the worker itself queues stays here too
    worker = Process(
        [
            *python_module("celery"),
            "-A",
            "config",
            "worker",
            "-l",
            "INFO",
            "--pool",
            "solo",
            "-Q",
            queue_name,
            "-n",
            f"{queue_name}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        env,
    )
    worker.wait_for("ready.", timeout=60)
    return worker


class MailWorker:
    """A real SMTP server (aiosmtpd) and a Celery worker on Redis sharing the test database,
    with the test process's tasks routed to that worker only. Use as a context manager."""

    def __init__(self, redis_url: str, database: dict, **env: str) -> None:
        import socket
        import uuid

        from aiosmtpd.controller import Controller

        self.messages: list = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.smtp = Controller(self, hostname="127.0.0.1", port=port)
        self.queue = f"test-{uuid.uuid4().hex[:10]}"
        self.env = clean_env(
            DATABASE_URL=(
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
                f"/{database['NAME']}"
            ),
            REDIS_URL=redis_url,
            EMAIL_URL=f"smtp://127.0.0.1:{port}",
            # the real settings: test settings would swap SMTP for the locmem backend
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="end-to-end-test-secret-key-with-more-than-fifty-characters-0123",
            **env,
        )

    async def handle_DATA(self, server, session, envelope):
        import email

        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"

    def __enter__(self):
        from config.celery import app

        self.smtp.start()
        self.worker = celery_worker(self.env, queue_name=self.queue)
        self._default_queue = app.conf.task_default_queue
        app.conf.task_default_queue = self.queue
        return self

    def __exit__(self, *exc):
        from config.celery import app

        app.conf.task_default_queue = self._default_queue
        self.worker.stop()
        self.smtp.stop()

    def settle(self, timeout: float = 60.0, quiet: float = 3.0) -> int:
        """Wait until mails stop arriving for `quiet` seconds (and at least one came)."""
        deadline = time.monotonic() + timeout
        last, changed = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.messages)
            if count != last:
                last, changed = count, time.monotonic()
            elif count and time.monotonic() - changed > quiet:
                return count
            time.sleep(0.2)
        return len(self.messages)
