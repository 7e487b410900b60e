"""Pinned query counts: each page, endpoint and fan-out answers in exactly the number of
queries written here, with one row and with many. Equal counts for 1 and N show nothing
runs per row; the pinned number makes a constant +1 regression fail too. When a change
legitimately adds a query, change the number here, in the same commit, and say why."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reporting.services.assessment import assessment
from reporting.services.bulletins import bulletin_figures
from tasks_app.models import Assignment, Task
from tasks_app.services import assignments as svc


def ours(model) -> bool:
    """A model of one of this project's apps (not Django's or a library's)."""
    path = model._meta.app_config.path
    return path.startswith(str(settings.BASE_DIR)) and "site-packages" not in path


MANY = 40


def grow(world, n: int = MANY, start: int = 0) -> None:
    """n more items for 市财政局, each signed, reported on and with an extension request;
    n more for 小店区政府, overdue, half of them claimed; a day's reminders and digests
    mailed; an import job, a bulletin and an assessment scheme: a row in every list."""
    from notify.mails import digests_send, reminders_send
    from notify.services.sweep import reminders_sweep
    from regions.models import User
    from reporting.models import AssessmentScheme
    from reporting.services.bulletins import bulletin_create
    from tasks_app.models import HolidayDay, HolidayYear, ImportJob

    for user in (world.czj, world.county, world.coordinator):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.gov.cn")
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=world.plan,
                ref=f"九/{start + i}",
                title=f"事项{i}",
                due_date=dt.date(2026, 12, 31),
                position=100 + start + i,
            )
            for i in range(2 * n)
        ]
    )
    mine = Assignment.objects.bulk_create(
        [Assignment(task=t, unit=world.czj_unit, due_date=t.due_date) for t in tasks[:n]]
    )
    county = Assignment.objects.bulk_create(
        [
            Assignment(task=t, unit=world.county_unit, due_date=dt.date(2026, 3, 1))
            for t in tasks[n:]
        ]
    )
    for a in mine:
        svc.assignment_sign(user=world.czj, assignment_id=a.pk)
        svc.report_create(user=world.czj, assignment_id=a.pk, text="进展", progress=20)
        svc.extension_request_create(
            user=world.czj,
            assignment_id=a.pk,
            requested_due_date=dt.date(2027, 3, 1),
            reason="需要协调",
        )
    for a in county[: max(1, n // 2)]:
        svc.assignment_sign(user=world.county, assignment_id=a.pk)
        svc.report_create(
            user=world.county, assignment_id=a.pk, text="完成", progress=100, completion=True
        )
    day = dt.date(2026, 11, 16) + dt.timedelta(days=min(start, 4))  # a working day
    result = reminders_sweep(today=day, enqueue=False)
    reminders_send(result.reminder_ids)
    digests_send(result.digest_ids, today=day)
    ImportJob.objects.create(
        region=world.region, created_by=world.coordinator, source_text="一、x", status="failed"
    )
    bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=dt.date(2026, 1, 1) + dt.timedelta(days=start),
        end=dt.date(2026, 12, 31),
    )
    AssessmentScheme.objects.create(region=world.region, year=2026 + start)
    calendar = HolidayYear.objects.create(year=2040 + start)
    HolidayDay.objects.create(calendar=calendar, date=dt.date(2040 + start, 1, 1), kind="off")


def count(get, url) -> int:
    get(url)  # warm per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as queries:
        response = get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


PAGES = {
    # (who, path): queries; every page counts the bell's unread notifications (1)
    ("czj", "/tasks/"): 8,
    ("coordinator", "/tasks/"): 7,
    ("czj", "/api/assignments/"): 2,
    ("czj", "/api/reports/"): 3,
    ("coordinator", "/api/reports/?review_status=pending"): 3,
    ("czj", "/api/extension-requests/"): 2,
    ("coordinator", "/api/extension-requests/?status=pending"): 2,
    ("coordinator", "/admin/"): 11,  # + the incoming items (上级交办)
    ("coordinator", "/admin/tasks_app/workplan/assessment/?year=2026"): 10,
}


def _getter(client, world, who, url):
    user = getattr(world, who)
    if url.startswith("/api/"):
        api = APIClient()
        api.force_authenticate(user)
        return api.get
    client.force_login(user)
    return client.get


@pytest.mark.parametrize(("who", "url"), list(PAGES), ids=[f"{w} {u}" for w, u in PAGES])
def test_page_queries_are_pinned_for_one_and_many(client, world, who, url):
    get = _getter(client, world, who, url)
    grow(world, 1)
    one = count(get, url)
    grow(world, start=2)
    many = count(get, url)
    assert (one, many) == (PAGES[(who, url)],) * 2, (who, url)


CHANGELISTS = sorted(
    f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry if ours(m)
)
ADMIN_LISTS = {
    "/admin/regions/region/": 9,
    "/admin/regions/unit/": 10,
    "/admin/regions/unitcontact/": 9,
    "/admin/regions/unitgroup/": 10,
    "/admin/regions/user/": 9,  # no groups filter for coordinators (groups are admins')
    "/admin/reporting/assessmentscheme/": 10,
    "/admin/tasks_app/assignment/": 9,  # unfiltered, all rows are counted once
    "/admin/reporting/bulletin/": 10,
    "/admin/notify/digest/": 9,
    "/admin/tasks_app/extensionrequest/": 9,
    "/admin/tasks_app/holidayyear/": 9,
    "/admin/tasks_app/importjob/": 10,
    "/admin/notify/maillog/": 12,
    "/admin/notify/notice/": 9,
    "/admin/notify/delivery/": 9,
    "/admin/tasks_app/progressreport/": 11,
    "/admin/notify/reminder/": 9,
    "/admin/tasks_app/task/": 11,
    "/admin/tasks_app/workplan/": 12,
    # rows of their own in tests/test_webhooks.py (grow adds none)
    "/admin/hooks/endpoint/": 10,
    "/admin/hooks/webhookdelivery/": 10,
}


def test_every_change_list_has_a_pinned_count():
    assert sorted(ADMIN_LISTS) == CHANGELISTS  # a newly registered model must be pinned too


@pytest.mark.parametrize("url", CHANGELISTS)
def test_admin_change_list_queries_are_pinned_for_one_and_many(client, world, url):
    client.force_login(world.coordinator)
    grow(world, 1)
    one = count(client.get, url)
    grow(world, start=2)
    many = count(client.get, url)
    assert (one, many) == (ADMIN_LISTS.get(url),) * 2, url


# bulletin figures: 6, and one for the items given below with a child plan (none here)
FUNCTIONS = {"bulletin figures": 7, "assessment": 3}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_bulletin_figures_and_assessment_queries_are_pinned(world, name):
    on = dt.date(2026, 11, 20)

    def run():
        with CaptureQueriesContext(connection) as queries:
            if name == "bulletin figures":
                bulletin_figures(
                    plan=world.plan, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), on=on
                )
            else:
                assessment(user=world.coordinator, region=world.region, year=2026, on=on)
        return len(queries.captured_queries)

    grow(world, 1)
    one = run()
    grow(world, start=2)
    assert (one, run()) == (FUNCTIONS[name],) * 2, name


def test_assignment_list_counts_every_row_once_unless_filtered(client, world):
    """Without a filter the rows shown are all the rows: counted once (8 queries, pinned
    above); with one, the total is counted too, and both figures are right."""
    from tasks_app.access import assignments_for_user

    grow(world, 1)
    client.force_login(world.coordinator)
    visible = assignments_for_user(world.coordinator).count()
    page = client.get("/admin/tasks_app/assignment/")
    assert (page.context["cl"].result_count, page.context["cl"].full_result_count) == (
        visible,
        visible,
    )
    assert f"总共 {visible}" not in page.content.decode()  # as Django shows an unfiltered list
    url = "/admin/tasks_app/assignment/?state=assigned"
    shown = assignments_for_user(world.coordinator).filter(state="assigned").count()
    assert 0 < shown < visible
    assert count(client.get, url) == ADMIN_LISTS["/admin/tasks_app/assignment/"] + 1
    page = client.get(url)
    assert (page.context["cl"].result_count, page.context["cl"].full_result_count) == (
        shown,
        visible,
    )
    assert f"总共 {visible}" in page.content.decode()  # "N 条结果(总共 M)" by the search box


def test_assignment_list_reads_only_the_columns_it_shows(client, world):
    """100 rows a page: their shown columns, not the task's text or ten timestamps."""
    client.force_login(world.coordinator)
    client.get("/admin/tasks_app/assignment/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/tasks_app/assignment/").status_code == 200
    (rows,) = [q["sql"] for q in queries.captured_queries if 'AS "light"' in q["sql"]]
    selected = rows.split(" FROM ")[0]
    assert '"tasks_app_task"."title"' in selected and '"regions_unit"."short_name"' in selected
    for column in (
        '"tasks_app_task"."text"',
        '"tasks_app_task"."created_at"',
        '"regions_unit"."updated_at"',
        '"regions_unit"."full_name"',
    ):
        assert column not in selected, column
