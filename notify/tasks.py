"""Celery tasks of notify: the morning sweep and the outbox's sender. They keep the names
they had in tasks_app, so beat entries and messages queued before the move still run."""

import datetime as dt

from celery import shared_task

from notify.outbox import MAX_RETRIES, outbox_send, retry_delay


@shared_task(name="tasks_app.tasks.reminder_sweep_task")
def reminder_sweep_task(day: str | None = None) -> dict:
    """Beat runs this every morning (for today); on a non-working day it does nothing.
    An operator may re-run it for a given day (ISO date): it only sends what was not sent."""
    from notify.services.sweep import reminders_sweep

    result = reminders_sweep(today=dt.date.fromisoformat(day) if day else None)
    return {
        "day": result.day.isoformat(),
        "workday": result.workday,
        "created": result.created,
        "queued": result.queued,
        "digests": result.digests_queued,
    }


@shared_task(bind=True, max_retries=MAX_RETRIES, name="notify.tasks.outbox_send_task")
def outbox_send_task(self, kind: str, ids: list[int]) -> int:
    """Send a batch of one kind; failures are retried with exponential backoff (1 … 32 min)."""
    failed = outbox_send(kind, ids)
    if failed:
        raise self.retry(args=[kind, failed], countdown=retry_delay(self.request.retries))
    return len(ids)


@shared_task(name="notify.tasks.deliveries_due_task")
def deliveries_due_task() -> dict:
    """Beat, every five minutes: queue the deliveries held for quiet hours that are now over,
    and again those left unsent by a batch that never finished (a killed worker)."""
    from notify.services.notices import deliveries_due_enqueue, deliveries_stale_enqueue

    return {"released": deliveries_due_enqueue(), "requeued": deliveries_stale_enqueue()}


@shared_task(name="tasks_app.tasks.reminders_send_task")
def reminders_send_task(reminder_ids: list[int]) -> int:
    """A batch queued before the outbox existed: handed to it."""
    outbox_send_task.delay("reminder", reminder_ids)
    return len(reminder_ids)


@shared_task(name="tasks_app.tasks.digests_send_task")
def digests_send_task(digest_ids: list[int]) -> int:
    """A batch queued before the outbox existed: handed to it."""
    outbox_send_task.delay("digest", digest_ids)
    return len(digest_ids)
