import os
import re

import pytest
from django.conf import settings

from regions.models import Region
from regions.services import directory_load_taiyuan


def _mask(url: str) -> str:
    return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", url)


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or db['NAME']})",
        f"celery broker: {_mask(settings.CELERY_BROKER_URL)}",
        f"REDIS_URL: {_mask(os.environ.get('REDIS_URL', '')) or 'not set (Redis tests skip)'}",
    ]


@pytest.fixture
def taiyuan(db) -> Region:
    """The bundled Taiyuan directory; returns 太原市."""
    directory_load_taiyuan()
    return Region.objects.get(code="140100")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis: skipped when REDIS_URL is unset, an error (not a skip) when unreachable."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: this test needs a real Redis server (.ci/run sets it)")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"REDIS_URL={_mask(url)} is set but Redis does not answer: {exc}")
    return url
