"""End to end: beat's sweep task on a real worker over Redis, mails to a real SMTP server."""

import time
from email.header import decode_header, make_header

import pytest
from django.db import connection

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app
from notify.models import MailLog, Reminder
from regions.models import UnitContact, User
from tasks_app.models import Assignment
from tests.processes import MailWorker

pytestmark = [pytest.mark.services, pytest.mark.slow]


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


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
    Assignment.objects.filter(pk=world.county_own.pk).update(due_date="2026-10-08")  # that day
    Assignment.objects.filter(pk=world.fgw_lead.pk).update(due_date="2026-09-28")  # 3 days late

    with MailWorker(
        redis_url, settings.DATABASES["default"], SITE_URL="https://duban.example.gov.cn"
    ) as mail:
        # when: beat's own task runs, as of a working day
        task = BEAT_SCHEDULE["reminder-sweep"]["task"]
        celery_app.send_task(task, kwargs={"day": "2026-10-08"}).get(timeout=60)
        received = mail.settle()

        # then: every mail recorded as sent reached the SMTP server, once
        sent = MailLog.objects.count()
        assert received == sent and sent >= 4, mail.worker.output
        kinds = set(Reminder.objects.filter(sent_at__isnull=False).values_list("kind", flat=True))
        # 一/(一) was due 6月底前: months late, so it is escalated to the coordinator too
        assert kinds == {"before_due", "due_today", "overdue", "escalation"}
        escalations = [m for _to, m in mail.messages if "逾期督办" in subject(m)]
        assert escalations and all("coord@example.gov.cn" in m["To"] for m in escalations)
        subjects = {subject(m) for _to, m in mail.messages}
        assert any(s.startswith("【到期前提醒】一/(二)") for s in subjects), subjects
        assert any(s.startswith("【督办汇总】") for s in subjects), subjects
        czj = next(
            m for to, m in mail.messages if "czj@example.gov.cn" in to and "到期前" in subject(m)
        )
        parts = {
            part.get_content_type(): part.get_payload(decode=True).decode()
            for part in czj.walk()
            if not part.is_multipart()
        }
        assert "还有 1 个工作日到期" in parts["text/plain"]
        assert f"https://duban.example.gov.cn/tasks/{world.czj_own.pk}/" in parts["text/html"]

        # and: the sweep again sends nothing more
        celery_app.send_task(task, kwargs={"day": "2026-10-08"}).get(timeout=60)
        time.sleep(4)
        assert len(mail.messages) == received
        assert MailLog.objects.count() == sent
