"""The REST API: assignments, reports, extensions, review; token auth; the schema."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks_app.models import Assignment
from tasks_app.workdays import warm_calendar
from tests.conftest import add_assignments

PDF = b"%PDF-1.4\n%api\n%%EOF\n"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_unit_user_lists_its_own_and_led_assignments(api, world):
    body = as_user(api, world.fgw).get("/api/assignments/").json()
    ids = {row["id"] for row in body["results"]}
    # its own lead assignment, and 市财政局's on the task it leads
    assert ids == {world.fgw_lead.pk, world.czj_shared.pk}
    row = next(r for r in body["results"] if r["id"] == world.fgw_lead.pk)
    assert row["role"] == "lead" and row["light"] in {"red", "grey"} and row["unit"] == "市发改委"


def test_filters_on_the_list(api, world):
    client = as_user(api, world.czj)
    assert [
        r["task_ref"] for r in client.get("/api/assignments/", {"q": "审计"}).json()["results"]
    ] == ["一/(二)"]
    assert client.get("/api/assignments/", {"state": "done"}).json()["count"] == 0
    assert client.get("/api/assignments/", {"state": "bogus"}).status_code == 400


def test_list_answers_in_the_same_number_of_queries_for_1_and_200(api, world):
    client = as_user(api, world.county)

    def count() -> int:
        warm_calendar()  # the holiday calendar is loaded once a minute, not per request
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/assignments/").status_code == 200
        return len(queries.captured_queries)

    one = count()
    add_assignments(world, world.county_unit, 199)
    assert client.get("/api/assignments/").json()["count"] == 200
    assert count() == one


def test_sign_report_with_evidence_claim_and_review_through_the_api(api, world):
    a = world.czj_own
    client = as_user(api, world.czj)
    assert client.post(f"/api/assignments/{a.pk}/sign/").json()["state"] == "in_progress"
    response = client.post(
        f"/api/assignments/{a.pk}/reports/",
        {
            "text": "完成 3 期",
            "progress": 40,
            "files": [SimpleUploadedFile("a.pdf", PDF)],
            "links": ["https://example.org/1"],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert sorted(e["name"] for e in response.json()["evidence"]) == [
        "a.pdf",
        "https://example.org/1",
    ]
    claim = client.post(
        f"/api/assignments/{a.pk}/reports/",
        {"text": "完成", "progress": 80, "completion": True},
        format="json",
    )
    assert claim.status_code == 201 and claim.json()["review_status"] == "pending"

    coordinator = as_user(APIClient(), world.coordinator)
    queue = coordinator.get("/api/reports/", {"review_status": "pending"}).json()["results"]
    assert [r["id"] for r in queue] == [claim.json()["id"]]
    returned = coordinator.post(
        f"/api/reports/{claim.json()['id']}/review/",
        {"accept": False, "comment": "补充材料"},
        format="json",
    )
    assert returned.json()["review_status"] == "returned"
    a.refresh_from_db()
    assert a.state == "in_progress"


def test_errors_are_clear_and_mapped_to_status_codes(api, world):
    client = as_user(api, world.czj)
    report = client.post(
        f"/api/assignments/{world.czj_own.pk}/reports/",
        {"text": "x", "progress": 10},
        format="json",
    )
    assert report.status_code == 400 and "请先签收" in report.json()["detail"]
    assert client.post(f"/api/assignments/{world.county_own.pk}/sign/").status_code == 404
    assert (
        as_user(APIClient(), world.fgw)
        .post(f"/api/assignments/{world.czj_shared.pk}/sign/")
        .status_code
        == 403
    )
    assert (
        as_user(APIClient(), world.leader)
        .post(f"/api/assignments/{world.czj_own.pk}/sign/")
        .status_code
        == 403
    )
    bad = client.post(
        f"/api/assignments/{world.czj_own.pk}/reports/",
        {"text": "x", "progress": 101},
        format="json",
    )
    assert bad.status_code == 400


def test_extension_through_the_api(api, world):
    a = world.czj_own
    new = (a.due_date + dt.timedelta(days=15)).isoformat()
    created = as_user(api, world.czj).post(
        f"/api/assignments/{a.pk}/extension-requests/",
        {"requested_due_date": new, "reason": "等文件"},
        format="json",
    )
    assert created.status_code == 201
    coordinator = as_user(APIClient(), world.coordinator)
    assert coordinator.get("/api/extension-requests/", {"status": "pending"}).json()["count"] == 1
    decided = coordinator.post(
        f"/api/extension-requests/{created.json()['id']}/decide/", {"approve": True}, format="json"
    )
    assert decided.json()["status"] == "approved"
    a.refresh_from_db()
    assert a.due_date.isoformat() == new


def test_token_authentication_for_other_systems(world):
    token = Token.objects.create(user=world.coordinator)
    client = APIClient()
    assert client.get("/api/assignments/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert (
        client.get("/api/assignments/").json()["count"]
        == Assignment.objects.filter(task__plan=world.plan).count()
    )
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/assignments/").status_code == 401


def test_schema_is_valid_and_docs_are_served_without_a_cdn(client, db):
    from regions.models import User

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    # the schema describes our data model: signed-in users only
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    client.force_login(User.objects.create_user("reader", password="pw-123456"))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/assignments/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn." not in docs and "jsdelivr" not in docs
