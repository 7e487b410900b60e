"""Celery tasks: interfaces like views. They take ids and JSON primitives and call services."""

from celery import shared_task


@shared_task
def ping_task(payload: str) -> dict:
    """Echo back: proves a round trip through the broker, a worker and the result backend."""
    return {"echo": payload, "worker": ping_task.request.hostname}


@shared_task
def import_job_parse_task(job_id: int) -> str:
    """Parse a large upload in the background; the review page shows its progress."""
    from tasks_app.services.imports import import_job_parse

    return import_job_parse(job_id=job_id).status
