"""The Celery app. Every periodic job is declared in BEAT_SCHEDULE below, and only there."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# All periodic jobs, one place. Times are Asia/Shanghai (CELERY_TIMEZONE).
# Later issues add the reminder sweep, digests and monthly bulletins here.
BEAT_SCHEDULE: dict = {}
app.conf.beat_schedule = BEAT_SCHEDULE
