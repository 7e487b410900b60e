"""The unit's side of the workspace: people shown by name, sizes in KB/MB, a returned claim
marked in 我的任务 with its reason on the item's page, and progress going down confirmed."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.people import display_name, size_text
from regions.services import user_upsert
from tasks_app.models import ProgressReport
from tasks_app.services import assignments as svc

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MGMT = {"evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0"}


def named(user, name: str):
    """The same user, given a real name (as the directory import does)."""
    kind = {"unit": user.unit} if user.unit_id else {"region": user.region}
    return user_upsert(
        username=user.username, password="pw-123456", role=user.role, display_name=name, **kind
    )


def report(user, assignment, progress: int, **kw):
    return svc.report_create(
        user=user, assignment_id=assignment.pk, text=f"进展 {progress}", progress=progress, **kw
    )


def test_display_name_is_the_name_else_the_login(world):
    assert display_name(world.czj) == "czj"  # no name entered: the login
    person = named(world.czj, "张三")
    assert display_name(person) == "张三" and str(person) == "张三"
    assert display_name(None) == ""


def test_sizes_read_in_kb_and_mb():
    assert [size_text(n) for n in (0, 800, 319_488, 4_404_019, 3 * 1024**3)] == [
        "0 B",
        "800 B",
        "312 KB",
        "4.2 MB",
        "3 GB",
    ]
    assert size_text(4 * 1024**2) == "4 MB" and size_text(None) == ""


def returned_claim(world):
    coordinator = world.coordinator = named(world.coordinator, "王协调")
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    claim = report(world.czj, world.czj_own, 100, completion=True)
    svc.report_review(
        user=coordinator, report_id=claim.pk, accept=False, comment="请附公开网址和截图"
    )
    return claim


def item_rows(listing: str) -> dict[str, str]:
    """我的任务's rows by a word of their title."""
    rows = listing.split('<ul class="items">')[1].split("</ul>")[0].split("<li>")[1:]
    return {
        word: next(row for row in rows if word in row) for word in ("公开审计结果", "公开财政预算")
    }


def test_a_returned_claim_is_marked_in_my_tasks_and_its_reason_heads_the_page(client, world):
    claim = returned_claim(world)
    client.force_login(world.czj)
    items = item_rows(client.get(reverse("my_tasks")).content.decode())
    assert "被退回" in items["公开审计结果"]
    assert "被退回" not in items["公开财政预算"]  # only the item that was returned
    page = client.get(reverse("assignment_detail", args=[world.czj_own.pk])).content.decode()
    notice = page[page.index('id="returned"') : page.index("反馈进展")]
    assert "请附公开网址和截图" in notice and "王协调" in notice and "coord" not in notice
    claim.refresh_from_db()
    assert f"{claim.reviewed_at.astimezone(dt.UTC):%Y}" in notice  # the date it was returned
    assert "王协调" in page[page.index("办理记录") :]  # the timeline names the reviewer too


def test_after_a_new_claim_the_returned_mark_goes(client, world):
    returned_claim(world)
    report(world.czj, world.czj_own, 100, completion=True)
    client.force_login(world.czj)
    assert "被退回" not in client.get(reverse("my_tasks")).content.decode()
    page = client.get(reverse("assignment_detail", args=[world.czj_own.pk])).content.decode()
    assert 'id="returned"' not in page


def test_progress_going_down_needs_the_confirmation_and_keeps_the_input(client, world):
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    report(world.czj, world.czj_own, 60)
    client.force_login(world.czj)
    url = reverse("assignment_report", args=[world.czj_own.pk])
    response = client.post(url, {"text": "重新核算后的进度", "progress": 40})
    assert response.status_code == 200
    body = response.content.decode()
    assert "确认进度下降" in body and "60%" in body and "重新核算后的进度" in body
    assert 'value="40"' in body and 'data-last="60"' in body  # kept, and known to the script
    assert ProgressReport.objects.filter(assignment=world.czj_own).count() == 1
    confirmed = client.post(
        url, {"text": "重新核算后的进度", "progress": 40, "confirm_decrease": "on"}
    )
    assert confirmed.status_code == 302
    world.czj_own.refresh_from_db()
    assert world.czj_own.progress == 40


def test_progress_going_up_or_a_claim_needs_no_confirmation(client, world):
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    report(world.czj, world.czj_own, 60)
    client.force_login(world.czj)
    url = reverse("assignment_report", args=[world.czj_own.pk])
    assert client.post(url, {"text": "又推进了", "progress": 70}).status_code == 302
    assert client.post(url, {"text": "完成", "progress": 0, "completion": "on"}).status_code == 302
    assert ProgressReport.objects.filter(assignment=world.czj_own).count() == 3


def test_after_a_return_the_claims_100_percent_is_not_the_bar(client, world):
    returned_claim(world)
    client.force_login(world.czj)
    url = reverse("assignment_report", args=[world.czj_own.pk])
    assert client.post(url, {"text": "补充材料中", "progress": 90}).status_code == 302


def test_evidence_sizes_in_kb_on_the_unit_page_and_the_review_page(client, world):
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    upload = SimpleUploadedFile("方案.pdf", PDF + b"0" * 319_000, content_type="application/pdf")
    claim = report(world.czj, world.czj_own, 100, completion=True, files=[upload])
    client.force_login(world.czj)
    page = client.get(reverse("assignment_detail", args=[world.czj_own.pk])).content.decode()
    assert "312 KB" in page
    client.force_login(world.coordinator)
    review = client.get(reverse("admin:tasks_app_progressreport_change", args=[claim.pk]))
    assert "312 KB" in review.content.decode() and "319" not in review.content.decode()


def test_admin_lists_and_history_show_names(client, world):
    returned_claim(world)
    world.czj = named(world.czj, "李四")
    client.force_login(world.coordinator)
    listing = client.get(reverse("admin:tasks_app_progressreport_changelist")).content.decode()
    assert "李四" in listing.split('id="result_list"')[1]  # the author column, by name
    history = client.get(
        reverse("admin:tasks_app_assignment_history", args=[world.czj_own.pk])
    ).content.decode()
    assert "李四" in history and "王协调" in history


def test_the_header_and_home_page_greet_by_name(client, world):
    coordinator = named(world.coordinator, "王协调")
    client.force_login(coordinator)
    body = client.get("/").content.decode()
    assert "您好,王协调" in body and body.count("王协调") == 2  # greeting and header


def test_the_admin_header_greets_by_name_not_login(client, world):
    coordinator = named(world.coordinator, "王协调")
    client.force_login(coordinator)
    body = client.get("/admin/").content.decode()
    assert "欢迎,<strong>王协调</strong>" in body
    assert f"<strong>{coordinator.username}</strong>" not in body
