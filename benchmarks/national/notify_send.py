"""bench_notify's row 2: notice deliveries by e-mail through the outbox to an SMTP sink,
against plain Django mails of the same subjects, bodies and recipients to the same sink."""

from __future__ import annotations

import cProfile
import os
import subprocess

from django.core.mail import get_connection, send_mass_mail
from django.test.utils import override_settings
from django.utils import translation

from benchmarks.national.config import PY, ROOT
from benchmarks.national.measure import Table, timed, yes
from benchmarks.national.procs import SINK, free_port
from notify.models import Channel, Delivery, MailLog
from notify.outbox import KINDS, outbox_send

NOTIFY_SEND = int(os.environ.get("NOTIFY_SEND", "5000"))
TARGET_RATE = 500  # mails per second, absolute


DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"
OUR_SMTP = "notify.backends.SMTPBackend"  # what config/settings.py puts in Django's place


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


def outbox_rows(table: Table, print_profile=None) -> None:
    ids = list(
        Delivery.objects.filter(
            channel=Channel.EMAIL,
            sent_at__isnull=True,
            cancelled_at__isnull=True,
            not_before__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:NOTIFY_SEND]
    )
    last_log = MailLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    port = free_port()
    sink = subprocess.Popen(
        [PY, "-c", SINK, str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    received = "?"
    profile = cProfile.Profile() if print_profile else None
    try:
        if sink.stdout.readline().strip() != "READY":
            raise RuntimeError("the SMTP sink did not start")
        with smtp_settings(port, OUR_SMTP):  # the outbox as deployed
            if profile:
                profile.enable()
            send_s, failed = timed(lambda: outbox_send("delivery", ids))
            if profile:
                profile.disable()
        with smtp_settings(port):  # the baselines: plain Django
            sent = Delivery.objects.filter(pk__in=ids, sent_at__isnull=False).count()
            messages = [
                (subject, body, "noreply@example.gov.cn", recipients.split(", "))
                for subject, body, recipients in MailLog.objects.filter(pk__gt=last_log)
                .order_by("pk")
                .values_list("subject", "body", "recipients")
            ]
            plain_s, plain_n = timed(lambda: send_mass_mail(messages, fail_silently=False))
            same = same_messages(ids)
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
    rate, plain_rate, same_rate = sent / send_s, plain_n / plain_s, same_n / same_s
    table.add(
        f"2. outbox: {len(ids):,} notice deliveries by e-mail to an SMTP sink",
        f"{rate:,.0f} mails/s ({sent:,} sent in {send_s:.1f} s, {len(failed)} failed)",
        f"{plain_rate:,.0f} mails/s (send_mass_mail, {plain_n:,} text mails)",
        f"{rate / plain_rate:.2f}×",
        f"≥ {TARGET_RATE} mails/s",
        yes(rate >= TARGET_RATE),
    )
    table.add(
        "2b. the same deliveries, overhead",
        f"{rate:,.0f} mails/s",
        f"{same_rate:,.0f} mails/s (the very messages, text + HTML, built beforehand "
        "and sent by Django's SMTP backend)",
        f"{rate / same_rate:.2f}×",
        "(what the outbox adds)",
        "",
    )
    print(f"  (the sink received {received} mails in all)")
    if profile:
        print_profile("outbox_send of the deliveries", profile)


def same_messages(ids: list[int]) -> list:
    """The messages the outbox sent for `ids`, built again (untimed) as it builds them."""
    kind = KINDS["delivery"]
    rows = list(Delivery.objects.select_related(*kind.related).filter(pk__in=ids).order_by("pk"))
    with translation.override("zh-hans"):
        kind.prepare(rows)
        built = [kind.build(row) for row in rows]
    return [outgoing.message for outgoing in built if not isinstance(outgoing, str)]
