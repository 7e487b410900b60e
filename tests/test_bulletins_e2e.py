"""End to end: beat's monthly task drafts the bulletin on a real worker; publishing mails
one copy per unit through Celery to a real SMTP server."""

import pytest
from django.db import connection

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app
from regions.models import UnitContact, User
from reporting.models import Bulletin, BulletinDelivery
from reporting.services.bulletins import bulletin_publish
from tests.processes import MailWorker

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_monthly_draft_by_beat_and_one_mail_per_unit_on_publishing(redis_url, world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs DATABASE_URL on PostgreSQL")
    User.objects.filter(pk=world.czj.pk).update(email="czj@example.gov.cn")
    User.objects.filter(pk=world.fgw.pk).update(email="fgw@example.gov.cn")
    UnitContact.objects.create(unit=world.county_unit, email="xd@example.gov.cn")

    with MailWorker(redis_url, settings.DATABASES["default"]) as mail:
        task = BEAT_SCHEDULE["bulletin-drafts"]["task"]
        drafted = celery_app.send_task(task, kwargs={"day": "2026-12-01"}).get(timeout=60)
        bulletin = Bulletin.objects.get(pk=drafted[0])
        assert (bulletin.status, str(bulletin.period_start), str(bulletin.period_end)) == (
            "draft",
            "2026-11-01",
            "2026-11-30",
        )

        bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk)  # queues the mails
        received = mail.settle()
        recipients = sorted(to[0] for to, _message in mail.messages)
        assert recipients == ["czj@example.gov.cn", "fgw@example.gov.cn", "xd@example.gov.cn"], (
            mail.worker.output
        )
        assert received == BulletinDelivery.objects.filter(sent_at__isnull=False).count() == 3
        assert all(m.is_multipart() for _to, m in mail.messages)  # the .docx is attached
