"""A task goes through a real broker to a real worker and its result comes back."""

import json
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tasks_app.tasks import ping_task
from tests.processes import ROOT, celery_worker, clean_env

pytestmark = pytest.mark.slow

CLIENT = """
import json, sys, django
django.setup()
from tasks_app.tasks import ping_task
print(json.dumps(ping_task.delay(sys.argv[1]).get(timeout=60)))
"""


def test_embedded_broker_round_trip_needs_no_server(tmp_path):
    # given: no REDIS_URL, so broker and results live in files under VAR_DIR
    env = clean_env(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.test_settings")
    worker = celery_worker(env)
    try:
        nonce = uuid.uuid4().hex
        # when: another process queues the task and waits for its result
        client = subprocess.run(
            [sys.executable, "-c", CLIENT, nonce],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        # then
        assert client.returncode == 0, client.stderr
        assert json.loads(client.stdout.splitlines()[-1])["echo"] == nonce
        assert "filesystem://" in worker.output
        assert "succeeded" in worker.output
    finally:
        worker.stop()


@pytest.mark.services
def test_redis_round_trip_through_a_real_worker(redis_url):
    assert settings.CELERY_BROKER_URL == redis_url, "tests must use the Redis that REDIS_URL names"
    # A queue of this test's own, so a developer's running worker cannot take the task.
    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker = celery_worker(
        clean_env(REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.test_settings"),
        queue_name=queue,
    )
    try:
        nonce = uuid.uuid4().hex
        result = ping_task.apply_async(args=[nonce], queue=queue).get(timeout=60)
        assert result["echo"] == nonce
        assert result["worker"].startswith(f"{queue}@")
        assert "redis://" in worker.output
    finally:
        worker.stop()
