"""Celery tasks: interfaces like views. They take ids and JSON primitives and call services."""

from celery import shared_task


@shared_task
def ping_task(payload: str) -> dict:
    """Echo back: proves a round trip through the broker, a worker and the result backend."""
    return {"echo": payload, "worker": ping_task.request.hostname}
