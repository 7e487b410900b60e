"""End to end: beat's monthly task drafts the bulletin on a real worker; publishing mails
one copy per unit through Celery to a real SMTP server."""

import uuid

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app
from regions.models import UnitContact, User
from tasks_app.models import Bulletin, BulletinDelivery
from tasks_app.services.bulletins import bulletin_publish
from tests.processes import celery_worker, clean_env
from tests.test_reminders_e2e import Inbox, _free_port, _settle

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_monthly_draft_by_beat_and_one_mail_per_unit_on_publishing(redis_url, world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs DATABASE_URL on PostgreSQL")
    User.objects.filter(pk=world.czj.pk).update(email="czj@example.gov.cn")
    User.objects.filter(pk=world.fgw.pk).update(email="fgw@example.gov.cn")
    UnitContact.objects.create(unit=world.county_unit, email="xd@example.gov.cn")

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
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="end-to-end-test-secret-key-with-more-than-fifty-characters-0123",
        ),
        queue_name=queue,
    )
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        task = BEAT_SCHEDULE["bulletin-drafts"]["task"]
        drafted = celery_app.send_task(task, kwargs={"day": "2026-12-01"}, queue=queue).get(
            timeout=60
        )
        bulletin = Bulletin.objects.get(pk=drafted[0])
        assert (bulletin.status, str(bulletin.period_start), str(bulletin.period_end)) == (
            "draft",
            "2026-11-01",
            "2026-11-30",
        )

        bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk)  # queues the mails
        received = _settle(inbox)
        recipients = sorted(to[0] for to, _message in inbox.messages)
        assert recipients == ["czj@example.gov.cn", "fgw@example.gov.cn", "xd@example.gov.cn"], (
            worker.output
        )
        assert received == BulletinDelivery.objects.filter(sent_at__isnull=False).count() == 3
        assert all(m.is_multipart() for _to, m in inbox.messages)  # the .docx is attached
    finally:
        celery_app.conf.task_default_queue = default_queue
        worker.stop()
        smtp.stop()
