"""The admin's history pages (django-simple-history) as people read them — field names and
states in Chinese, local time to the minute, who and why — and read only: no revert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin

from core.admin import HistoryScopedAdmin
from regions.services import user_upsert
from tasks_app.models import Assignment
from tasks_app.services import assignments as svc

pytestmark = pytest.mark.django_db

# 06:07 UTC is 14:07 in Shanghai
CHANGED_AT = dt.datetime(2026, 3, 5, 6, 7, 42, tzinfo=dt.UTC)


@pytest.fixture
def signed(world):
    """市财政局's own assignment, signed by a user with a display name, at a fixed time."""
    signer = user_upsert(
        username="czj_liu",
        password="pw-123456",
        role="unit_user",
        display_name="刘联络员",
        unit=world.czj_unit,
    )
    svc.assignment_sign(user=signer, assignment_id=world.czj_own.pk)
    record = world.czj_own.history.order_by("-history_id").first()
    assert record.history_change_reason == "签收"
    # fixed instants, in order: the import a few days before the signing
    versions = type(record).objects.filter(id=world.czj_own.pk)
    versions.exclude(pk=record.pk).update(history_date=CHANGED_AT - dt.timedelta(days=4))
    versions.filter(pk=record.pk).update(history_date=CHANGED_AT)
    return world.czj_own, record


def test_the_history_list_is_in_chinese_local_time_with_who_and_why(client, world, signed):
    assignment, _record = signed
    client.force_login(world.leader)
    response = client.get(f"/admin/tasks_app/assignment/{assignment.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<td class="history-time">2026-03-05 14:07</td>' in html  # Shanghai, to the minute
    assert '<td class="history-user">刘联络员</td>' in html  # the name, not the login
    assert '<td class="history-reason">签收</td>' in html  # the reason in its own column
    # the change: the field by its Chinese name, the states by their labels
    assert "<strong>状态:</strong>待签收&nbsp;&rarr;&nbsp;办理中" in html, html
    assert "assigned" not in html and "in_progress" not in html
    assert "06:07" not in html and "Revert" not in html and "恢复" not in html


def test_the_history_entry_is_read_only_and_in_chinese(client, world, signed):
    assignment, record = signed
    path = f"/admin/tasks_app/assignment/{assignment.pk}/history/{record.history_id}/"
    for user in (world.coordinator, world.leader):
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<th scope="row">状态</th><td>办理中</td>' in html
        assert '<td class="history-time">2026-03-05 14:07</td>' in html
        assert '<td class="history-user">刘联络员</td>' in html
        assert '<td class="history-reason">签收</td>' in html
        content = html.split('id="content"', 1)[1]
        assert 'type="submit"' not in content and 'method="post"' not in content.lower()


def test_posting_a_history_entry_back_is_refused_and_writes_nothing(client, world, signed):
    assignment, _record = signed
    first = assignment.history.order_by("history_id").first()  # before signing
    path = f"/admin/tasks_app/assignment/{assignment.pk}/history/{first.history_id}/"
    versions = assignment.history.count()
    for user in (world.coordinator, world.leader):
        client.force_login(user)
        data = {"state": "assigned", "progress": "0", "due_date": "2026-12-31", "_save": "1"}
        response = client.post(path, data)
        assert response.status_code == 403, user
        assignment.refresh_from_db()
        assert assignment.state == Assignment.State.IN_PROGRESS
        assert assignment.history.count() == versions


def test_no_history_admin_offers_revert_unless_it_opts_in(world):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world.coordinator
    history_admins = [a for a in admin.site._registry.values() if isinstance(a, HistoryScopedAdmin)]
    labels = {a.model._meta.label for a in history_admins}
    assert {
        "tasks_app.Assignment",
        "tasks_app.ProgressReport",
        "tasks_app.ExtensionRequest",
        "tasks_app.WorkPlan",
        "tasks_app.Task",
        "reporting.Bulletin",
    } <= labels
    for model_admin in history_admins:
        assert model_admin.revert_disabled(request) is not model_admin.history_revert
        assert model_admin.history_revert is False, model_admin


def test_an_admin_that_opts_in_offers_revert_to_writers_only(world):
    from django.test import RequestFactory

    from tasks_app.models import Task

    class RevertibleTasks(HistoryScopedAdmin):
        history_revert = True

    model_admin = RevertibleTasks(Task, admin.site)
    request = RequestFactory().get("/admin/")
    request.user = world.coordinator
    assert model_admin.revert_disabled(request) is False
    request.user = world.leader
    assert model_admin.revert_disabled(request) is True
