import datetime as dt
import os
import re

import pytest
from django.conf import settings

from regions.models import Region
from regions.services import directory_load_taiyuan


def _mask(url: str) -> str:
    return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", url)


def pytest_addoption(parser):
    parser.addoption(
        "--shift-clock",
        type=int,
        default=int(os.environ.get("TEST_SHIFT_CLOCK_DAYS") or 0),
        metavar="DAYS",
        help="run the whole suite with the clock moved DAYS days forward (time-machine), "
        "so a test that depends on today's date fails the day it is written",
    )


def pytest_configure(config):
    days = config.getoption("--shift-clock")
    if days:
        import time_machine

        target = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        config._clock_traveller = time_machine.travel(target, tick=True)
        config._clock_traveller.start()
        # processes the tests start (workers, servers) read this and travel too
        os.environ["TEST_SHIFT_CLOCK_DAYS"] = str(days)


# In CI nothing may skip: a service test or a test of ../shared that skips there is a
# failure (on a developer's laptop they skip, saying why). .ci/run sets this.
FORBID_SKIPS = os.environ.get("TEST_FORBID_SKIPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if FORBID_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped where nothing may skip (TEST_FORBID_SKIPS=1): {reason}"


def pytest_unconfigure(config):
    traveller = getattr(config, "_clock_traveller", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    days = config.getoption("--shift-clock")
    return [
        f"clock: {'shifted ' + str(days) + ' days, now ' if days else ''}"
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or db['NAME']})",
        f"celery broker: {_mask(settings.CELERY_BROKER_URL)}",
        f"REDIS_URL: {_mask(os.environ.get('REDIS_URL', '')) or 'not set (Redis tests skip)'}",
    ]


@pytest.fixture(autouse=True)
def _fresh_workday_calendar():
    """Each test sees the holiday calendar of its own database, not one cached by another."""
    from tasks_app.workdays import calendar_changed

    calendar_changed()
    yield
    calendar_changed()


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


# --- a small world for the workflow: a plan in Taiyuan, and one user of each kind -----------

WORLD_PLAN = (
    "测试市2026年政务公开工作要点\n一、加强公开\n"
    "(一)公开财政预算。6月底前公开。(市发改委牵头,市财政局负责落实)\n"
    "(二)公开审计结果。每月反馈。(市财政局负责落实)\n"
    "(三)县区政务公开。年底前完成。(各县(市、区)人民政府负责落实)\n"
)


class World:
    """Named users and assignments; attributes are set by the `world` fixture."""


@pytest.fixture
def world(taiyuan):
    from regions.models import Unit
    from regions.services import user_upsert
    from tasks_app.models import Assignment
    from tasks_app.parsing import parse_text
    from tasks_app.services.imports import workplan_import

    w = World()
    w.region = taiyuan
    elsewhere = Region.objects.create(code="990100", name="别市", level="prefecture")
    unit = Unit.objects.get
    w.fgw_unit, w.czj_unit = unit(short_name="市发改委"), unit(short_name="市财政局")
    w.county_unit = unit(short_name="小店区政府")

    def make(name, role, **where):
        return user_upsert(
            username=name, password="pw-123456", role=role, display_name=name, **where
        )

    w.coordinator = make("coord", "coordinator", region=taiyuan)
    w.other_coordinator = make("coord2", "coordinator", region=elsewhere)
    w.leader = make("leader", "leader", region=taiyuan)
    w.fgw = make("fgw", "unit_user", unit=w.fgw_unit)
    w.czj = make("czj", "unit_user", unit=w.czj_unit)
    w.county = make("county", "unit_user", unit=w.county_unit)
    w.plan = workplan_import(
        outline=parse_text(WORLD_PLAN), region=taiyuan, user=w.coordinator
    ).plan
    get = Assignment.objects.get
    w.fgw_lead = get(task__plan=w.plan, task__ref="一/(一)", unit=w.fgw_unit)
    w.czj_shared = get(task__plan=w.plan, task__ref="一/(一)", unit=w.czj_unit)
    w.czj_own = get(task__plan=w.plan, task__ref="一/(二)", unit=w.czj_unit)
    w.county_own = get(task__plan=w.plan, task__ref="一/(三)", unit=w.county_unit)
    return w


def add_assignments(world, unit, count: int) -> None:
    """`count` more tasks in the world's plan, each assigned to `unit`."""
    import datetime as dt

    from tasks_app.models import Assignment, Task

    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=world.plan,
                ref=f"九/{n}",
                title=f"事项{n}",
                due_date=dt.date(2026, 12, 31),
                position=100 + n,
            )
            for n in range(count)
        ]
    )
    Assignment.objects.bulk_create(
        [Assignment(task=t, unit=unit, due_date=t.due_date) for t in tasks]
    )
