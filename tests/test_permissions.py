"""The permission matrix: every page and endpoint × every role × read and write.

Roles: the coordinator of the region, a coordinator of another region, a user of the
assigned unit, a user of another unit, a leader of the region, and anonymous. Objects
outside a user's scope are "not found"; what they may see but not do is "forbidden";
nothing answers 500 and nothing leaks into lists.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tasks_app.models import Assignment, ExtensionRequest, ProgressReport
from tasks_app.services import assignments as svc

ROLES = ["coord", "coord_other", "unit", "unit_other", "leader", "anon"]
PDF = b"%PDF-1.4\n%m\n%%EOF\n"


def _user(world, role):
    return {
        "coord": world.coordinator,
        "coord_other": world.other_coordinator,
        "unit": world.czj,
        "unit_other": world.county,
        "leader": world.leader,
        "anon": None,
    }[role]


def _prepare(world, settings, tmp_path):
    """市财政局's own assignment, signed, with a report (and a file), a pending claim and a
    pending extension request: something for every endpoint to act on."""
    settings.MEDIA_ROOT = tmp_path
    a = world.czj_own
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    progress = svc.report_create(
        user=world.czj,
        assignment_id=a.pk,
        text="p",
        progress=30,
        files=[SimpleUploadedFile("e.pdf", PDF)],
    )
    extension = svc.extension_request_create(
        user=world.czj,
        assignment_id=a.pk,
        requested_due_date=a.due_date + dt.timedelta(days=30),
        reason="r",
    )
    claim = svc.report_create(
        user=world.czj, assignment_id=a.pk, text="c", progress=100, completion=True
    )
    return {
        "a": a.pk,
        "evidence": progress.evidence.get().pk,
        "claim": claim.pk,
        "extension": extension.pk,
    }


# (name, method, path, payload, {role: expected status}); the object is 市财政局's.
SEE = {"coord": 200, "coord_other": 404, "unit": 200, "unit_other": 404, "leader": 200}
PAGES = [
    ("page: my tasks", "get", "/tasks/", None, dict.fromkeys(ROLES[:-1], 200) | {"anon": 302}),
    ("page: assignment", "get", "/tasks/{a}/", None, SEE | {"anon": 302}),
    ("page: evidence file", "get", "/evidence/{evidence}/", None, SEE | {"anon": 302}),
    (
        "page: sign",
        "post",
        "/tasks/{a}/sign/",
        {},
        {
            "coord": 403,
            "coord_other": 404,
            "unit": 302,
            "unit_other": 404,
            "leader": 403,
            "anon": 302,
        },
    ),
    (
        "page: report",
        "post",
        "/tasks/{a}/report/",
        {"text": "t", "progress": 50},
        {
            "coord": 403,
            "coord_other": 404,
            "unit": 302,
            "unit_other": 404,
            "leader": 403,
            "anon": 302,
        },
    ),
    (
        "page: extension",
        "post",
        "/tasks/{a}/extension/",
        {"requested_due_date": "2030-01-01", "reason": "r"},
        {
            "coord": 403,
            "coord_other": 404,
            "unit": 302,
            "unit_other": 404,
            "leader": 403,
            "anon": 302,
        },
    ),
    (
        "page: comment",
        "post",
        "/tasks/{a}/comments/",
        {"text": "t"},
        {
            "coord": 302,
            "coord_other": 404,
            "unit": 302,
            "unit_other": 404,
            "leader": 403,
            "anon": 302,
        },
    ),
    (
        "admin: assignment",
        "get",
        "/admin/tasks_app/assignment/{a}/change/",
        None,
        {
            "coord": 200,
            "coord_other": 302,
            "unit": 302,
            "unit_other": 302,
            "leader": 200,
            "anon": 302,
        },
    ),
    (
        "admin: report review page",
        "get",
        "/admin/tasks_app/progressreport/{claim}/change/",
        None,
        {
            "coord": 200,
            "coord_other": 302,
            "unit": 302,
            "unit_other": 302,
            "leader": 200,
            "anon": 302,
        },
    ),
    (
        "admin: accept claim",
        "post",
        "/admin/tasks_app/progressreport/{claim}/change/",
        {"_accept": "1", "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0"},
        {
            "coord": 302,
            "coord_other": 302,
            "unit": 302,
            "unit_other": 302,
            "leader": 403,
            "anon": 302,
        },
    ),
]
APIS = [
    ("api: list", "get", "/api/assignments/", None, dict.fromkeys(ROLES[:-1], 200) | {"anon": 401}),
    ("api: detail", "get", "/api/assignments/{a}/", None, SEE | {"anon": 401}),
    (
        "api: sign",
        "post",
        "/api/assignments/{a}/sign/",
        {},
        {
            "coord": 403,
            "coord_other": 404,
            "unit": 400,
            "unit_other": 404,
            "leader": 403,
            "anon": 401,
        },
    ),
    (
        "api: report",
        "post",
        "/api/assignments/{a}/reports/",
        {"text": "t", "progress": 10},
        {
            "coord": 403,
            "coord_other": 404,
            "unit": 400,
            "unit_other": 404,
            "leader": 403,
            "anon": 401,
        },
    ),
    (
        "api: extension",
        "post",
        "/api/assignments/{a}/extension-requests/",
        {"requested_due_date": "2030-01-01", "reason": "r"},
        {
            "coord": 403,
            "coord_other": 404,
            "unit": 400,
            "unit_other": 404,
            "leader": 403,
            "anon": 401,
        },
    ),
    ("api: comments", "get", "/api/assignments/{a}/comments/", None, SEE | {"anon": 401}),
    (
        "api: comment",
        "post",
        "/api/assignments/{a}/comments/",
        {"text": "t"},
        {
            "coord": 201,
            "coord_other": 404,
            "unit": 201,
            "unit_other": 404,
            "leader": 403,
            "anon": 401,
        },
    ),
    ("api: reports", "get", "/api/reports/", None, dict.fromkeys(ROLES[:-1], 200) | {"anon": 401}),
    (
        "api: review",
        "post",
        "/api/reports/{claim}/review/",
        {"accept": True},
        {
            "coord": 200,
            "coord_other": 404,
            "unit": 403,
            "unit_other": 403,
            "leader": 403,
            "anon": 401,
        },
    ),
    (
        "api: extensions",
        "get",
        "/api/extension-requests/",
        None,
        dict.fromkeys(ROLES[:-1], 200) | {"anon": 401},
    ),
    (
        "api: decide",
        "post",
        "/api/extension-requests/{extension}/decide/",
        {"approve": True},
        {
            "coord": 200,
            "coord_other": 404,
            "unit": 403,
            "unit_other": 403,
            "leader": 403,
            "anon": 401,
        },
    ),
]
# "unit: 400" above: the unit's own claim is waiting for review, so the life cycle refuses
# (with a message) what the permission allows; the write paths themselves are covered in
# test_lifecycle and test_unit_pages.


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "payload", "expected"),
    PAGES + APIS,
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_permission_matrix(
    client, world, settings, tmp_path, role, name, method, path, payload, expected
):
    ids = _prepare(world, settings, tmp_path)
    url = path.format(**ids)
    user = _user(world, role)
    if name.startswith("api"):
        api = APIClient()
        if user:
            api.force_authenticate(user)
        response = (
            getattr(api, method)(url, payload, format="json") if method == "post" else api.get(url)
        )
    else:
        if user:
            client.force_login(user)
        response = getattr(client, method)(url, payload) if method == "post" else client.get(url)
    assert response.status_code < 500
    assert response.status_code == expected[role], (name, role, response.status_code)


LISTS = [
    ("/tasks/", lambda r, ids: ids["a"] in {a.pk for a in r.context["page"].object_list}),
    ("/api/assignments/", lambda r, ids: ids["a"] in {row["id"] for row in r.json()["results"]}),
    ("/api/reports/", lambda r, ids: ids["claim"] in {row["id"] for row in r.json()["results"]}),
    (
        "/api/extension-requests/",
        lambda r, ids: ids["extension"] in {row["id"] for row in r.json()["results"]},
    ),
    (
        "/admin/tasks_app/assignment/",
        lambda r, ids: ids["a"] in {a.pk for a in r.context["cl"].result_list},
    ),
    (
        "/admin/tasks_app/progressreport/",
        lambda r, ids: ids["claim"] in {p.pk for p in r.context["cl"].result_list},
    ),
]
SEES = {"coord": True, "coord_other": False, "unit": True, "unit_other": False, "leader": True}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
@pytest.mark.parametrize(("path", "contains"), LISTS, ids=[p for p, _ in LISTS])
def test_lists_never_leak_other_units_or_regions(
    client, world, settings, tmp_path, role, path, contains
):
    ids = _prepare(world, settings, tmp_path)
    user = _user(world, role)
    if path.startswith("/admin/") and not user.is_staff:
        return  # unit users have no admin at all (covered by the matrix above)
    if path.startswith("/api/"):
        api = APIClient()
        api.force_authenticate(user)
        response = api.get(path)
    else:
        client.force_login(user)
        response = client.get(path)
    assert response.status_code == 200
    assert contains(response, ids) is SEES[role], (path, role)


def test_the_matrix_writes_changed_only_what_the_coordinator_did(client, world, settings, tmp_path):
    ids = _prepare(world, settings, tmp_path)
    for role in ["coord_other", "unit_other", "leader"]:
        api = APIClient()
        api.force_authenticate(_user(world, role))
        api.post(f"/api/reports/{ids['claim']}/review/", {"accept": True}, format="json")
        api.post(
            f"/api/extension-requests/{ids['extension']}/decide/", {"approve": True}, format="json"
        )
    assert Assignment.objects.get(pk=ids["a"]).state == "submitted"
    assert ProgressReport.objects.get(pk=ids["claim"]).review_status == "pending"
    assert ExtensionRequest.objects.get(pk=ids["extension"]).status == "pending"
