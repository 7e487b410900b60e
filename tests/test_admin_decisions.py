"""The coordinator decides on the admin's pages: an extension request's 批准 / 不批准 (a
reason required to refuse), and a bulletin's 发布 with its downloads at the top; leaders
read these pages but get no buttons and may not post them."""

import datetime as dt

from django.urls import reverse

from reporting.models import Bulletin
from reporting.services.bulletins import bulletin_create
from tasks_app.models import ExtensionRequest
from tasks_app.services import assignments as svc

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ask(world, assignment, user, days: int, reason: str) -> ExtensionRequest:
    svc.assignment_sign(user=user, assignment_id=assignment.pk)
    return svc.extension_request_create(
        user=user,
        assignment_id=assignment.pk,
        requested_due_date=assignment.due_date + dt.timedelta(days=days),
        reason=reason,
    )


def change_url(request: ExtensionRequest) -> str:
    return reverse("admin:tasks_app_extensionrequest_change", args=[request.pk])


def test_the_list_shows_reason_requested_and_current_due_dates(client, world):
    request = ask(world, world.czj_own, world.czj, 30, "需等待省级批复文件")
    client.force_login(world.coordinator)
    listing = client.get(reverse("admin:tasks_app_extensionrequest_changelist")).content.decode()
    assert "需等待省级批复文件" in listing
    table = listing.split('id="result_list"')[1]
    header = table.split("</thead>")[0]
    assert "延期理由" in header and "当前期限" in header and "申请期限" in header
    row = table.split("</thead>")[1]
    assert f"{request.requested_due_date:%Y}" in row
    assert str(request.requested_due_date.day) in row


def test_approve_moves_the_due_date(client, world):
    request = ask(world, world.czj_own, world.czj, 30, "等待批复")
    client.force_login(world.coordinator)
    page = client.get(change_url(request)).content.decode()
    assert 'name="_approve"' in page and 'name="_refuse"' in page
    response = client.post(change_url(request), {"_approve": "1"}, follow=True)
    assert "已批准延期" in response.content.decode()
    request.refresh_from_db()
    world.czj_own.refresh_from_db()
    assert request.status == "approved" and world.czj_own.due_date == request.requested_due_date
    # decided: no buttons any more
    assert 'name="_approve"' not in client.get(change_url(request)).content.decode()


def test_refusing_needs_a_reason_the_unit_then_reads(client, world):
    request = ask(world, world.czj_own, world.czj, 30, "等待批复")
    client.force_login(world.coordinator)
    empty = client.post(
        change_url(request), {"_refuse": "1", "decision_comment_input": " "}, follow=True
    )
    assert "请填写理由" in empty.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
    client.post(change_url(request), {"_refuse": "1", "decision_comment_input": "期限不能再推迟"})
    request.refresh_from_db()
    assert (request.status, request.decision_comment) == ("rejected", "期限不能再推迟")
    client.force_login(world.czj)
    page = client.get(reverse("assignment_detail", args=[world.czj_own.pk])).content.decode()
    assert "期限不能再推迟" in page


def test_a_leader_reads_the_request_but_gets_no_buttons_and_may_not_decide(client, world):
    request = ask(world, world.czj_own, world.czj, 30, "等待批复")
    client.force_login(world.leader)
    page = client.get(change_url(request))
    assert page.status_code == 200 and "等待批复" in page.content.decode()
    assert 'name="_approve"' not in page.content.decode()
    assert client.post(change_url(request), {"_approve": "1"}).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_another_regions_coordinator_cannot_decide(client, world):
    request = ask(world, world.czj_own, world.czj, 30, "等待批复")
    client.force_login(world.other_coordinator)
    client.post(change_url(request), {"_approve": "1"})
    request.refresh_from_db()
    assert request.status == "pending"


# --- bulletins --------------------------------------------------------------------------------


def draft(world) -> Bulletin:
    return bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
        number="第 2 期",
    )


def bulletin_url(bulletin: Bulletin) -> str:
    return reverse("admin:reporting_bulletin_change", args=[bulletin.pk])


def test_a_drafts_page_has_publish_with_a_confirmation_and_the_downloads(client, world):
    bulletin = draft(world)
    client.force_login(world.coordinator)
    page = client.get(bulletin_url(bulletin)).content.decode()
    top = page[: page.index('id="bulletin_form"')]  # above the form's fields
    assert 'name="_publish"' in top and "window.confirm" in top
    assert "format=docx" in top and "format=xlsx" in top
    response = client.post(bulletin_url(bulletin), {"_publish": "1"}, follow=True)
    assert "已发布" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == "published" and bulletin.figures
    again = client.get(bulletin_url(bulletin)).content.decode()
    assert 'name="_publish"' not in again and "format=docx" in again  # published: no 发布
    for fmt, kind in (("docx", DOCX), ("xlsx", XLSX)):
        download = client.get(
            reverse("admin:reporting_bulletin_download", args=[bulletin.pk]), {"format": fmt}
        )
        assert download.status_code == 200 and download["Content-Type"] == kind


def test_publishing_twice_says_it_is_published(client, world):
    bulletin = draft(world)
    client.force_login(world.coordinator)
    client.post(bulletin_url(bulletin), {"_publish": "1"})
    response = client.post(bulletin_url(bulletin), {"_publish": "1"}, follow=True)
    assert "该通报已发布" in response.content.decode()


def test_a_leader_sees_the_downloads_but_no_publish_and_may_not_publish(client, world):
    bulletin = draft(world)
    client.force_login(world.leader)
    page = client.get(bulletin_url(bulletin)).content.decode()
    assert "format=docx" in page and 'name="_publish"' not in page
    assert client.post(bulletin_url(bulletin), {"_publish": "1"}).status_code == 403
    bulletin.refresh_from_db()
    assert bulletin.status == "draft"
