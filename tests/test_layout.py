"""What the split into apps promises beyond moving code: top-level services are durable,
old admin addresses of moved models redirect, and every outgoing kind is in the one outbox."""

import datetime as dt

import pytest
from django.db import transaction

from notify.outbox import KINDS
from reporting.services.bulletins import bulletin_create, bulletin_publish
from tasks_app.models import ProgressReport
from tasks_app.services import assignments as svc
from tasks_app.services.imports import import_job_confirm


def _claim(world):
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    svc.report_create(
        user=world.czj, assignment_id=world.czj_own.pk, text="已完成", progress=100, completion=True
    )
    return ProgressReport.objects.get(assignment=world.czj_own, review_status="pending")


def test_top_level_services_refuse_to_run_inside_another_transaction(world):
    """Sign, review, decide, publish: each is durable, so its on_commit work (mails, tasks)
    runs at the real commit, never at the end of some caller's bigger transaction."""
    claim = _claim(world)
    calls = {
        "sign": lambda: svc.assignment_sign(user=world.fgw, assignment_id=world.fgw_lead.pk),
        "review": lambda: svc.report_review(
            user=world.coordinator, report_id=claim.pk, accept=True
        ),
        "decide": lambda: svc.extension_request_decide(
            user=world.coordinator, request_id=0, approve=True
        ),
        "publish": lambda: bulletin_publish(user=world.coordinator, bulletin_id=0),
        "confirm an import": lambda: import_job_confirm(job=None, user=world.coordinator),
    }
    for call in calls.values():
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
            call()
    # refused before doing anything: the claim still waits, the lead item is still unsigned
    claim.refresh_from_db()
    world.fgw_lead.refresh_from_db()
    assert (claim.review_status, world.fgw_lead.state) == ("pending", "assigned")


def test_a_durable_service_runs_its_on_commit_work_when_it_commits(
    world, django_capture_on_commit_callbacks
):
    bulletin = bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        number="第 1 期",
    )
    with django_capture_on_commit_callbacks() as callbacks:
        bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk, enqueue=True)
    assert len(callbacks) == 1  # the bulletin's mails are queued once the publish commits


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "/admin/tasks_app/bulletin/?status__exact=draft",
            "/admin/reporting/bulletin/?status__exact=draft",
        ),
        ("/admin/tasks_app/bulletin/7/change/", "/admin/reporting/bulletin/7/change/"),
        ("/admin/tasks_app/maillog/", "/admin/notify/maillog/"),
        ("/admin/tasks_app/reminder/", "/admin/notify/reminder/"),
        ("/admin/tasks_app/assessmentscheme/add/", "/admin/reporting/assessmentscheme/add/"),
    ],
)
def test_old_admin_addresses_of_moved_models_redirect(client, old, new):
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, new)
    posted = client.post(old)
    assert (posted.status_code, posted["Location"]) == (308, new)  # a form post stays a post


def test_models_that_stayed_keep_their_admin_addresses(client, world):
    client.force_login(world.coordinator)
    assert client.get("/admin/tasks_app/assignment/").status_code == 200
    assert client.get("/admin/tasks_app/workplan/progress/").status_code == 200


def test_every_outgoing_kind_goes_through_the_one_outbox():
    assert set(KINDS) == {"reminder", "digest", "bulletin", "invitation", "delivery", "webhook"}
