"""Sending to an SMTP sink (aiosmtpd in a child process, accepting and discarding), timed
against plain Django through the same sink: the sending rows of bench_national (reminders)
and bench_notify (notice deliveries) share it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import get_connection, send_mass_mail
from django.test.utils import override_settings

from benchmarks.national.config import PY, ROOT
from benchmarks.national.measure import timed
from benchmarks.national.procs import SINK, free_port

DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"
OUR_SMTP = "notify.backends.SMTPBackend"  # what config/settings.py puts in Django's place
SENDER = "noreply@example.gov.cn"


def smtp_settings(port: int, backend: str = DJANGO_SMTP):
    return override_settings(
        EMAIL_BACKEND=backend,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=60,
    )


@dataclass
class SinkRun:
    send_s: float  # the outbox
    failed: list
    plain_s: float  # send_mass_mail of the logged subjects, bodies and recipients (text only)
    plain_n: int
    same_s: float  # the outbox's very messages, built beforehand, sent by Django's backend
    same_n: int
    received: str  # what the sink counted in all


def against_plain_django(
    send: Callable[[], list],
    logged: Callable[[], list[tuple[str, str, str]]],
    prebuilt: Callable[[], list],
) -> SinkRun:
    """Time `send()` (the outbox, through the backend the settings deploy), then the two plain
    Django baselines: `logged()` gives the mail log's (subject, body, recipients) of what was
    sent, `prebuilt()` the same messages built again."""
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
        with smtp_settings(port, OUR_SMTP):
            send_s, failed = timed(send)
        with smtp_settings(port):
            messages = [
                (subject, body, SENDER, recipients.split(", "))
                for subject, body, recipients in logged()
            ]
            plain_s, plain_n = timed(lambda: send_mass_mail(messages, fail_silently=False))
            same = prebuilt()
            with get_connection() as smtp:
                same_s, same_n = timed(lambda: smtp.send_messages(same))
    finally:
        sink.terminate()
        try:
            out, _err = sink.communicate(timeout=30)
            received = out.split("RECEIVED", 1)[1].strip() if "RECEIVED" in out else "?"
        except subprocess.TimeoutExpired:
            sink.kill()
            sink.wait()
    return SinkRun(send_s, failed, plain_s, plain_n, same_s, same_n, received)
