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


@shared_task
def reminder_sweep_task(day: str | None = None) -> dict:
    """Beat runs this every morning (for today); on a non-working day it does nothing.
    An operator may re-run it for a given day (ISO date): it only sends what was not sent."""
    import datetime as dt

    from tasks_app.services.reminders import reminders_sweep

    result = reminders_sweep(today=dt.date.fromisoformat(day) if day else None)
    return {
        "day": result.day.isoformat(),
        "workday": result.workday,
        "created": result.created,
        "queued": result.queued,
        "digests": result.digests_queued,
    }


@shared_task(bind=True, max_retries=6)
def reminders_send_task(self, reminder_ids: list[int]) -> int:
    """Send a batch; SMTP failures are retried with exponential backoff (1 min … 32 min)."""
    from tasks_app.services.reminders import reminders_send

    failed = reminders_send(reminder_ids)
    if failed:
        raise self.retry(args=[failed], countdown=60 * 2**self.request.retries)
    return len(reminder_ids)


@shared_task(bind=True, max_retries=6)
def digests_send_task(self, digest_ids: list[int]) -> int:
    from tasks_app.services.reminders import digests_send

    failed = digests_send(digest_ids)
    if failed:
        raise self.retry(args=[failed], countdown=60 * 2**self.request.retries)
    return len(digest_ids)


@shared_task
def ledger_export_task(job_id: int) -> str:
    """Build a large ledger file in the background; the page polls the job's progress."""
    from tasks_app.services.exports import export_job_run

    return export_job_run(job_id=job_id).status


@shared_task(bind=True, max_retries=6)
def bulletin_send_task(self, bulletin_id: int) -> int:
    """Mail a published bulletin to every unit concerned; failures are retried."""
    from tasks_app.services.bulletins import bulletin_send

    failed = bulletin_send(bulletin_id=bulletin_id)
    if failed:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return bulletin_id


@shared_task
def bulletins_draft_monthly_task(day: str | None = None) -> list[int]:
    """Beat runs this on BULLETIN_DRAFT_DAY each month: last month's draft for every plan."""
    import datetime as dt

    from tasks_app.services.bulletins import bulletins_draft_monthly

    drafts = bulletins_draft_monthly(on=dt.date.fromisoformat(day) if day else None)
    return [b.pk for b in drafts]
