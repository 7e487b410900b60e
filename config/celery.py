"""The Celery app. Every periodic job is declared in BEAT_SCHEDULE below, and only there."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _sweep_time() -> tuple[int, int]:
    from django.conf import settings

    hour, minute = settings.REMINDER_SWEEP_TIME.split(":")
    return int(hour), int(minute)


def _bulletin_day() -> int:
    from django.conf import settings

    return settings.BULLETIN_DRAFT_DAY


# All periodic jobs, one place. Times are Asia/Shanghai (CELERY_TIMEZONE).
BEAT_SCHEDULE: dict = {
    # Every morning at REMINDER_SWEEP_TIME (default 08:30), every day of the week: the task
    # itself skips non-working days, because make-up working days (调休) fall on weekends.
    "reminder-sweep": {
        "task": "tasks_app.tasks.reminder_sweep_task",
        "schedule": crontab(hour=_sweep_time()[0], minute=_sweep_time()[1]),
    },
    # At 09:00 on BULLETIN_DRAFT_DAY (default the 1st) of every month: drafts of last
    # month's bulletins, for the coordinators to complete and publish.
    "bulletin-drafts": {
        "task": "tasks_app.tasks.bulletins_draft_monthly_task",
        "schedule": crontab(hour=9, minute=0, day_of_month=_bulletin_day()),
    },
    # Every five minutes: the IM and SMS messages held for someone's quiet hours, once over.
    "held-deliveries": {
        "task": "notify.tasks.deliveries_due_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every five minutes: webhook deliveries a killed worker's batch left unsent.
    "stale-webhooks": {
        "task": "hooks.tasks.webhooks_stale_task",
        "schedule": crontab(minute="*/5"),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
