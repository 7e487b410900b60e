"""Ledger exports: small ones answered at once, large ones built by a Celery task."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction

from core.errors import NotFoundError
from core.queue import queue_task
from regions.models import User
from reporting.ledger import ledger_bytes, ledger_queryset, ledger_rows, ledger_write
from reporting.models import ExportJob
from tasks_app.access import plans_for_user
from tasks_app.models import WorkPlan


def _plan(user: User, plan_id: int) -> WorkPlan:
    plan = plans_for_user(user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFoundError("工作要点不存在。")
    return plan


def ledger_export(
    *, user: User, plan_id: int, fmt: str
) -> tuple[WorkPlan, bytes | None, ExportJob | None]:
    """The file now if the ledger is small; otherwise a job queued for a worker."""
    plan = _plan(user, plan_id)
    queryset = ledger_queryset(user=user, plan_id=plan.pk)
    if queryset.count() <= settings.LEDGER_SYNC_MAX_ROWS:
        return plan, ledger_bytes(ledger_rows(queryset), fmt, plan.title), None
    job = ExportJob.objects.create(user=user, plan=plan, format=fmt)

    transaction.on_commit(lambda: queue_task("tasks_app.tasks.ledger_export_task", job.pk))
    return plan, None, job


def export_job_run(*, job_id: int) -> ExportJob:
    """Build the job's file: rows streamed from the database into a scratch file on disk, which
    the job's FileField then copies in chunks; memory stays flat whatever the size."""
    job = ExportJob.objects.select_related("user", "plan").get(pk=job_id)
    if job.status != "pending":
        return job

    def progress(percent: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress=percent)

    job.status = "running"
    job.save(update_fields=["status", "updated_at"])
    with tempfile.NamedTemporaryFile(prefix="ledger-", suffix=f".{job.format}") as scratch:
        try:
            rows = ledger_rows(ledger_queryset(user=job.user, plan_id=job.plan_id), progress)
            ledger_write(scratch, rows, job.format, job.plan.title)
        except Exception as exc:  # a failed export says why on its page; nothing half-written
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            job.save(update_fields=["status", "error", "updated_at"])
            raise
        scratch.seek(0)
        job.file.save(f"台账-{job.plan_id}.{job.format}", File(scratch), save=False)
    job.status, job.progress = "done", 100
    job.save(update_fields=["file", "status", "progress", "updated_at"])
    return job


def export_job_get_for_user(*, user: User, job_id: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, user=user).select_related("plan").first()
    if job is None:
        raise NotFoundError("导出任务不存在。")
    return job
