"""A large upload parses in a real Celery worker on Redis while the page shows progress."""

import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from config.celery import app as celery_app
from regions.services import user_upsert
from tasks_app.models import ImportJob
from tasks_app.services.imports import import_job_create
from tests.processes import celery_worker, clean_env

pytestmark = [pytest.mark.services, pytest.mark.slow]

DOC = "测试市2026年政务公开工作要点\n一、甲\n" + "".join(
    f"{n}.公开事项{n}。年底前完成。(市财政局牵头,各县(市、区)人民政府负责落实)\n"
    for n in range(1, 200)
)


@pytest.mark.django_db(transaction=True)
def test_large_upload_is_parsed_by_a_real_worker(redis_url, taiyuan, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs DATABASE_URL on PostgreSQL")
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    settings.MEDIA_ROOT = tmp_path
    settings.WORKPLAN_SYNC_PARSE_MAX_BYTES = 1024
    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker = celery_worker(
        clean_env(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            MEDIA_ROOT=str(tmp_path),
            DJANGO_SETTINGS_MODULE="config.test_settings",
        ),
        queue_name=queue,
    )
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue  # only this test's worker may take it
    try:
        coordinator = user_upsert(
            username="c", password="pw-123456", role="coordinator", region=taiyuan
        )
        job = import_job_create(
            user=coordinator,
            region=taiyuan,
            upload=SimpleUploadedFile("big.txt", DOC.encode()),
        )
        assert job.status == ImportJob.Status.PENDING  # queued, not parsed in the request
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (ImportJob.Status.PARSED, ImportJob.Status.FAILED):
                break
            time.sleep(0.2)
        assert job.status == ImportJob.Status.PARSED, job.error or worker.output
        assert job.progress == 100
        assert len(job.outline["tasks"]) == 200
        assert "import_job_parse_task" in worker.output
    finally:
        celery_app.conf.task_default_queue = default_queue
        worker.stop()
