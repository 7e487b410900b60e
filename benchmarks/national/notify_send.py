"""bench_notify's row 2: notice deliveries by e-mail through the outbox to an SMTP sink,
against plain Django mails of the same subjects, bodies and recipients to the same sink."""

from __future__ import annotations

import cProfile
import os

from django.utils import translation

from benchmarks.national.measure import Table, yes
from benchmarks.national.smtp_sink import against_plain_django
from notify.models import Channel, Delivery, MailLog
from notify.outbox import KINDS, outbox_send

NOTIFY_SEND = int(os.environ.get("NOTIFY_SEND", "5000"))
TARGET_RATE = 500  # mails per second, absolute


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
    profile = cProfile.Profile() if print_profile else None

    def send() -> list:
        if profile:
            profile.enable()
        try:
            return outbox_send("delivery", ids)
        finally:
            if profile:
                profile.disable()

    run = against_plain_django(
        send,
        lambda: (
            MailLog.objects.filter(pk__gt=last_log)
            .order_by("pk")
            .values_list("subject", "body", "recipients")
        ),
        lambda: same_messages(ids),
    )
    sent = Delivery.objects.filter(pk__in=ids, sent_at__isnull=False).count()
    send_s, failed, received = run.send_s, run.failed, run.received
    plain_s, plain_n, same_s, same_n = run.plain_s, run.plain_n, run.same_s, run.same_n
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
