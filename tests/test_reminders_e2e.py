"""End to end: beat's sweep task on a real worker over Redis, mails to a real SMTP server."""

import email
import socket
import time
import uuid
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app
from regions.models import UnitContact, User
from tasks_app.models import Assignment, MailLog, Reminder
from tests.processes import celery_worker, clean_env

pytestmark = [pytest.mark.services, pytest.mark.slow]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settle(inbox, timeout=60.0, quiet=3.0) -> int:
    """Wait until mails stop arriving for `quiet` seconds (and at least one came)."""
    deadline = time.monotonic() + timeout
    last, changed = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(inbox.messages)
        if count != last:
            last, changed = count, time.monotonic()
        elif count and time.monotonic() - changed > quiet:
            return count
        time.sleep(0.2)
    return len(inbox.messages)


@pytest.mark.django_db(transaction=True)
def test_sweep_through_beats_task_mails_once_via_real_smtp(redis_url, world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs DATABASE_URL on PostgreSQL")
    # given: people with mailboxes and three items that are due on 2026-10-08
    for user, address in (
        (world.czj, "czj@example.gov.cn"),
        (world.county, "county@example.gov.cn"),
        (world.fgw, "fgw@example.gov.cn"),
        (world.coordinator, "coord@example.gov.cn"),
    ):
        User.objects.filter(pk=user.pk).update(email=address)
    UnitContact.objects.create(unit=world.czj_unit, email="czj-office@example.gov.cn")
    Assignment.objects.filter(pk=world.czj_own.pk).update(due_date="2026-10-09")  # 1 working day
    Assignment.objects.filter(pk=world.county_own.pk).update(due_date="2026-10-08")  # due that day
    Assignment.objects.filter(pk=world.fgw_lead.pk).update(
        due_date="2026-09-28"
    )  # 3 working days late

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    db = settings.DATABASES["default"]
    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker = celery_worker(
        clean_env(
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL=redis_url,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
            SITE_URL="https://duban.example.gov.cn",
            # the real settings: test settings would swap SMTP for the locmem backend
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="end-to-end-test-secret-key-with-more-than-fifty-characters-0123",
        ),
        queue_name=queue,
    )
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        # when: beat's own task runs, as of a working day
        task = BEAT_SCHEDULE["reminder-sweep"]["task"]
        celery_app.send_task(task, kwargs={"day": "2026-10-08"}, queue=queue).get(timeout=60)
        received = _settle(inbox)

        # then: every mail recorded as sent reached the SMTP server, once
        sent = MailLog.objects.count()
        assert received == sent and sent >= 4, worker.output
        kinds = set(Reminder.objects.filter(sent_at__isnull=False).values_list("kind", flat=True))
        # 一/(一) was due 6月底前: months late, so it is escalated to the coordinator too
        assert kinds == {"before_due", "due_today", "overdue", "escalation"}
        escalations = [
            m
            for to, m in inbox.messages
            if "逾期督办" in str(make_header(decode_header(m["Subject"])))
        ]
        assert escalations and all("coord@example.gov.cn" in m["To"] for m in escalations)
        subjects = {str(make_header(decode_header(m["Subject"]))) for _, m in inbox.messages}
        assert any(s.startswith("【到期前提醒】一/(二)") for s in subjects), subjects
        assert any(s.startswith("【逾期汇总】") for s in subjects), subjects
        czj = next(
            m
            for to, m in inbox.messages
            if "czj@example.gov.cn" in to
            and "到期前" in str(make_header(decode_header(m["Subject"])))
        )
        parts = {
            part.get_content_type(): part.get_payload(decode=True).decode()
            for part in czj.walk()
            if not part.is_multipart()
        }
        assert "还有 1 个工作日到期" in parts["text/plain"]
        assert f"https://duban.example.gov.cn/tasks/{world.czj_own.pk}/" in parts["text/html"]

        # and: the sweep again sends nothing more
        celery_app.send_task(task, kwargs={"day": "2026-10-08"}, queue=queue).get(timeout=60)
        time.sleep(4)
        assert len(inbox.messages) == received
        assert MailLog.objects.count() == sent
    finally:
        celery_app.conf.task_default_queue = default_queue
        worker.stop()
        smtp.stop()
