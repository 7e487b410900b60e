"""Celery tasks of reporting: ledger exports, bulletin mails, monthly drafts. They keep the
names they had in tasks_app, so beat entries and messages queued before the move still run."""

import datetime as dt

from celery import shared_task


@shared_task(name="tasks_app.tasks.ledger_export_task")
def ledger_export_task(job_id: int) -> str:
    """Build a large ledger file in the background; the page polls the job's progress."""
    from reporting.services.exports import export_job_run

    return export_job_run(job_id=job_id).status


@shared_task(bind=True, max_retries=6, name="tasks_app.tasks.bulletin_send_task")
def bulletin_send_task(self, bulletin_id: int) -> int:
    """Mail a published bulletin to every unit concerned; failures are retried."""
    from reporting.mails import bulletin_send

    failed = bulletin_send(bulletin_id=bulletin_id)
    if failed:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return bulletin_id


@shared_task(name="tasks_app.tasks.bulletins_draft_monthly_task")
def bulletins_draft_monthly_task(day: str | None = None) -> list[int]:
    """Beat runs this on BULLETIN_DRAFT_DAY each month: last month's draft for every plan."""
    from reporting.services.bulletins import bulletins_draft_monthly

    drafts = bulletins_draft_monthly(on=dt.date.fromisoformat(day) if day else None)
    return [b.pk for b in drafts]
