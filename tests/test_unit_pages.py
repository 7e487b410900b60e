"""The unit users' pages: 我的任务, the assignment page, its forms, evidence downloads."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tasks_app.models import Assignment, Evidence, ProgressReport
from tasks_app.services import assignments as svc
from tasks_app.workdays import warm_calendar
from tests.conftest import add_assignments

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def page(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def test_my_tasks_lists_the_units_own_assignments_with_lights(client, world):
    later = timezone.localdate() + dt.timedelta(days=60)
    Assignment.objects.filter(unit=world.czj_unit).update(due_date=later)
    response = page(client, world.czj, "my_tasks")
    items = list(response.context["page"].object_list)
    assert {a.pk for a in items} == {world.czj_shared.pk, world.czj_own.pk}
    assert {a.light for a in items} == {"grey"}  # not signed yet
    body = response.content.decode()
    assert "公开审计结果" in body and "待签收:<strong>2</strong>" in body


def test_lights_follow_state_and_dates(client, world):
    today = timezone.localdate()
    Assignment.objects.filter(pk=world.czj_own.pk).update(due_date=today - dt.timedelta(days=1))
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_shared.pk)
    Assignment.objects.filter(pk=world.czj_shared.pk).update(due_date=today + dt.timedelta(days=1))
    lights = {
        a.pk: a.light for a in page(client, world.czj, "my_tasks").context["page"].object_list
    }
    assert lights == {world.czj_own.pk: "red", world.czj_shared.pk: "yellow"}
    Assignment.objects.filter(pk=world.czj_shared.pk).update(due_date=today + dt.timedelta(days=60))
    lights = {
        a.pk: a.light for a in page(client, world.czj, "my_tasks").context["page"].object_list
    }
    assert lights[world.czj_shared.pk] == "green"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "审计"}, {"czj_own"}),
        ({"state": "in_progress"}, {"czj_shared"}),
        ({"due": "overdue"}, {"czj_own"}),
        ({"due": "soon"}, set()),
    ],
)
def test_my_tasks_filters_and_search(client, world, params, expected):
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_shared.pk)
    Assignment.objects.filter(pk=world.czj_own.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    Assignment.objects.filter(pk=world.czj_shared.pk).update(
        due_date=timezone.localdate() + dt.timedelta(days=90)
    )
    found = {
        a.pk for a in page(client, world.czj, "my_tasks", **params).context["page"].object_list
    }
    assert found == {getattr(world, name).pk for name in expected}


def test_my_tasks_answers_in_the_same_number_of_queries_for_1_and_200(
    client, world, django_assert_num_queries
):

    def count() -> int:
        client.force_login(world.county)
        warm_calendar()  # loaded once a minute, not per request
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("my_tasks")).status_code == 200
        return len(queries.captured_queries)

    one = count()  # the county has one assignment
    add_assignments(world, world.county_unit, 199)
    assert Assignment.objects.filter(unit=world.county_unit).count() == 200
    assert count() == one


def test_assignment_page_shows_text_headings_due_and_timeline(client, world):
    body = page(client, world.czj, "assignment_detail", world.czj_own.pk).content.decode()
    assert "公开审计结果" in body and "加强公开" in body  # the item and its parent's heading
    assert "签收" in body and "每月反馈" in body
    assert "导入工作要点" in body  # the first entry of its history


def test_sign_report_and_claim_through_the_page(client, world):
    client.force_login(world.czj)
    a = world.czj_own
    client.post(reverse("assignment_sign", args=[a.pk]))
    response = client.post(
        reverse("assignment_report", args=[a.pk]),
        {
            "text": "已公开 3 期",
            "progress": 60,
            "links": "https://example.org/audit\n",
            "files": [SimpleUploadedFile("说明.pdf", PDF), SimpleUploadedFile("照片.png", PNG)],
        },
        follow=True,
    )
    assert "进展已反馈" in response.content.decode()
    report = ProgressReport.objects.get(assignment=a)
    assert sorted(e.name for e in report.evidence.all()) == [
        "https://example.org/audit",
        "照片.png",
        "说明.pdf",
    ]
    client.post(
        reverse("assignment_report", args=[a.pk]),
        {"text": "全部完成", "progress": 90, "completion": "on"},
    )
    a.refresh_from_db()
    assert (a.state, a.progress) == ("submitted", 100)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("病毒.exe", b"MZ\x90\x00"), "类型不允许"),
        (SimpleUploadedFile("假装.pdf", b"MZ\x90\x00not a pdf"), "内容与扩展名不符"),
        (SimpleUploadedFile("大文件.pdf", PDF + b"0" * 3000), "过大"),
    ],
)
def test_disallowed_or_oversized_evidence_is_refused_with_a_message(
    client, world, settings, upload, message
):
    settings.EVIDENCE_MAX_BYTES = 2048
    a = world.czj_own
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    client.force_login(world.czj)
    response = client.post(
        reverse("assignment_report", args=[a.pk]),
        {"text": "t", "progress": 10, "files": [upload]},
        follow=True,
    )
    assert message in response.content.decode()
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()


def test_evidence_is_served_only_to_those_who_may_see_the_assignment(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    a = world.czj_shared  # 市发改委 leads this task, so it may see 市财政局's evidence
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    report = svc.report_create(
        user=world.czj,
        assignment_id=a.pk,
        text="t",
        progress=10,
        files=[SimpleUploadedFile("证明.pdf", PDF)],
    )
    evidence = report.evidence.get()
    url = reverse("evidence_download", args=[evidence.pk])
    for user in (world.czj, world.fgw, world.coordinator, world.leader):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
    for user in (world.county, world.other_coordinator):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert not (tmp_path / "evidence").exists() or settings.MEDIA_URL not in url


def test_lead_unit_sees_its_partners_on_the_task(client, world):
    body = page(client, world.fgw, "assignment_detail", world.fgw_lead.pk).content.decode()
    assert "本任务的其他责任单位" in body and "市财政局" in body
    partner = page(client, world.fgw, "assignment_detail", world.czj_shared.pk)
    assert partner.status_code == 200
    assert "签收</button>" not in partner.content.decode()  # sees, cannot act


def test_extension_request_through_the_page(client, world):
    client.force_login(world.czj)
    a = world.czj_own
    new = (a.due_date + dt.timedelta(days=20)).isoformat()
    response = client.post(
        reverse("assignment_extension", args=[a.pk]),
        {"requested_due_date": new, "reason": "等待上级文件"},
        follow=True,
    )
    assert "延期申请已提交" in response.content.decode()
    again = client.post(
        reverse("assignment_extension", args=[a.pk]),
        {"requested_due_date": new, "reason": "x"},
        follow=True,
    )
    assert "正在等待审批" in again.content.decode()
