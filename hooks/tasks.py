"""Celery tasks of hooks: deliveries go through notify's outbox task; beat re-queues the
ones a killed worker left unsent."""

from celery import shared_task


@shared_task(name="hooks.tasks.webhooks_stale_task")
def webhooks_stale_task() -> int:
    from hooks.services.stale import webhooks_stale_enqueue

    return webhooks_stale_enqueue()
