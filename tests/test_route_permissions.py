"""The permission matrix of every route the URLconf has beyond the rows of
tests/test_permissions.py: the home page, account and notification pages, invitations,
the reporting API, the API schema, and the admin site's own and custom pages.

Generated coverage: `test_every_route_has_a_row` walks the URLconf (tests/urlconf.py) and
fails for a route without a row here or in test_permissions, so the next route added must
be given its expectations. An expectation is a status, or a path: a redirect there (the
login page, or the admin index, which is the admin's answer for an object it does not find).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from rest_framework.test import APIClient

from tests.test_permissions import APIS, PAGES, ROLES, _prepare, _user
from tests.urlconf import project_routes

LOGIN, ADMIN_LOGIN, GONE = "/accounts/login/", "/admin/login/", "/admin/"
OVERDUE = "/admin/tasks_app/workplan/progress/overdue/"
PASSWORD = "Pw-long-enough-2026"


def everyone(expected) -> dict:
    return dict.fromkeys(ROLES, expected)


def signed_in(expected, anon=LOGIN) -> dict:
    return dict.fromkeys(ROLES[:-1], expected) | {"anon": anon}


def admin(coord, coord_other, leader) -> dict:
    """An admin page: unit users and visitors are sent to the admin's login."""
    return {"coord": coord, "coord_other": coord_other, "leader": leader} | dict.fromkeys(
        ("unit", "unit_other", "anon"), ADMIN_LOGIN
    )


def api(coord, coord_other, unit, unit_other, leader) -> dict:
    return dict(zip(ROLES, (coord, coord_other, unit, unit_other, leader, 401), strict=True))


def _contacts_csv(ids):
    data = "单位,姓名,角色,邮箱\n市财政局,张三,联络人,zs@example.org\n".encode()
    return {"file": SimpleUploadedFile("contacts.csv", data, content_type="text/csv")}


PLAN = "一、加强公开\n(一)公开预算。(市财政局负责落实)\n"
# (name, method, path, payload, {role: status or redirect path}); objects are 市财政局's, in
# 太原市; {other_plan} is 别市's.
ROUTE_ROWS = [
    (
        "page: home",
        "get",
        "/",
        None,
        signed_in(200) | {"unit": "/tasks/", "unit_other": "/tasks/"},
    ),
    (
        "page: digest opt-in",
        "post",
        "/account/digests/",
        {"receives_digests": "on"},
        signed_in("/tasks/"),
    ),
    ("page: digest opt-in, read", "get", "/account/digests/", None, signed_in(405)),
    ("page: login", "get", "/accounts/login/", None, everyone(200)),
    ("page: logout", "post", "/accounts/logout/", {}, everyone(LOGIN)),
    ("page: notifications", "get", "/notifications/", None, signed_in(200)),
    (
        "page: notification (czj's)",
        "get",
        "/notifications/{notification}/",
        None,
        signed_in(404) | {"unit": "/tasks/{a}/"},
    ),
    ("page: read all", "post", "/notifications/read-all/", {}, signed_in("/notifications/")),
    ("page: notification settings", "get", "/notifications/settings/", None, signed_in(200)),
    (
        "page: notification settings, save",
        "post",
        "/notifications/settings/",
        {"email": "on", "muted_events": ["chased"], "quiet_start": "22:00", "quiet_end": "07:00"},
        signed_in("/notifications/settings/"),
    ),
    ("page: invitation, unknown", "get", "/invite/no-such-token/", None, everyone(404)),
    ("page: invitation", "get", "/invite/{token}/", None, everyone(200)),
    # the public page of 太原市's plan, published: anyone reads it, signed in or not
    ("page: public plan", "get", "/public/{public_token}/", None, everyone(200)),
    ("page: public plan, JSON", "get", "/public/{public_token}.json", None, everyone(200)),
    ("page: public plan, unknown token", "get", "/public/x{public_token}/", None, everyone(404)),
    ("page: public plan, posted", "post", "/public/{public_token}/", {}, everyone(405)),
    (
        "page: invitation, accept",
        "post",
        "/invite/{token}/",
        {"password1": PASSWORD, "password2": PASSWORD},
        everyone(LOGIN),
    ),
    ("page: health", "get", "/healthz", None, everyone(200)),
    ("api: parse", "post", "/api/workplans/parse/", {"text": PLAN}, api(200, 200, 403, 403, 403)),
    (
        "api: progress by region",
        "get",
        "/api/progress/regions/?plan={plan}",
        None,
        api(200, 404, 404, 404, 200),
    ),
    (
        "api: progress by unit",
        "get",
        "/api/progress/units/?plan={plan}",
        None,
        api(200, 404, 404, 404, 200),
    ),
    (
        "api: progress by task",
        "get",
        "/api/progress/tasks/?plan={plan}",
        None,
        api(200, 404, 404, 404, 200),
    ),
    (
        "api: overdue",
        "get",
        "/api/progress/overdue/?plan={plan}",
        None,
        api(200, 404, 404, 404, 200),
    ),
    (
        "api: progress, 别市's plan",
        "get",
        "/api/progress/regions/?plan={other_plan}",
        None,
        api(404, 200, 404, 404, 404),
    ),
    # a unit user sees its own cells of a plan it has items in (test below)
    ("api: matrix", "get", "/api/progress/matrix/{plan}/", None, api(200, 404, 200, 200, 200)),
    ("api: schema", "get", "/api/schema/", None, api(200, 200, 200, 200, 200)),
    # 上级交办: 太原市 has nothing from above (tests/test_cascade.py has a city that has)
    ("api: incoming", "get", "/api/incoming/", None, api(200, 200, 200, 200, 200)),
    ("api: docs", "get", "/api/docs/", None, api(200, 200, 200, 200, 200)),
    ("admin: index", "get", "/admin/", None, admin(200, 200, 200)),
    (
        "admin: login",
        "get",
        "/admin/login/",
        None,
        admin(GONE, GONE, GONE) | {"unit": 200, "unit_other": 200, "anon": 200},
    ),
    (
        "admin: logout",
        "post",
        "/admin/logout/",
        {},
        admin(LOGIN, LOGIN, LOGIN) | {"unit": GONE, "unit_other": GONE, "anon": GONE},
    ),
    ("admin: password change", "get", "/admin/password_change/", None, admin(200, 200, 200)),
    ("admin: password changed", "get", "/admin/password_change/done/", None, admin(200, 200, 200)),
    (
        "admin: a user's password (czj's)",
        "get",
        "/admin/regions/user/{czj}/password/",
        None,
        admin(200, 404, 403),
    ),
    (
        "admin: a user's password, set (czj's)",
        "post",
        "/admin/regions/user/{czj}/password/",
        {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
        admin("/admin/regions/user/{czj}/change/", 404, 403),
    ),
    (
        "admin: autocomplete",
        "get",
        "/admin/autocomplete/?app_label=tasks_app&model_name=assignment&field_name=unit",
        None,
        admin(200, 200, 200),
    ),
    ("admin: jsi18n", "get", "/admin/jsi18n/", None, admin(200, 200, 200)),
    (
        "admin: contacts import",
        "get",
        "/admin/regions/unitcontact/import/",
        None,
        admin(200, 200, 404),
    ),
    # 别市's coordinator is answered with a failed row: 市财政局 is not among its units
    (
        "admin: contacts import, upload",
        "post",
        "/admin/regions/unitcontact/import/",
        _contacts_csv,
        admin(200, 200, 404),
    ),
    (
        "admin: bulletin download",
        "get",
        "/admin/reporting/bulletin/{bulletin}/download/",
        None,
        admin(200, 404, 200),
    ),
    # 别市 has no region above it: its coordinator keeps the national calendar (test_admin_access)
    (
        "admin: holiday paste",
        "get",
        "/admin/tasks_app/holidayyear/paste/",
        None,
        admin(403, 200, 403),
    ),
    (
        "admin: holiday paste, parse",
        "post",
        "/admin/tasks_app/holidayyear/paste/",
        {"year": "2027", "text": "一、元旦:1月1日放假。"},
        admin(403, 200, 403),
    ),
    ("admin: plan import", "get", "/admin/tasks_app/workplan/import/", None, admin(200, 200, 404)),
    # 上级交办: 太原市 has nothing from above; 市财政局's item is nobody's to receive (tests/
    # test_cascade.py and test_cascade_matrix.py go over three levels)
    ("admin: incoming", "get", "/admin/tasks_app/incoming/", None, admin(200, 200, 200)),
    (
        "admin: incoming, receive",
        "post",
        "/admin/tasks_app/incoming/",
        {"receive": "{a}"},
        admin("/admin/tasks_app/incoming/", "/admin/tasks_app/incoming/", 403),
    ),
    (
        "admin: incoming, decompose",
        "get",
        "/admin/tasks_app/incoming/{a}/decompose/",
        None,
        admin(404, 404, 404),
    ),
    (
        "admin: incoming, decompose post",
        "post",
        "/admin/tasks_app/incoming/{a}/decompose/",
        {"rows": "1", "title-0": "x"},
        admin(404, 404, 404),
    ),
    (
        "admin: incoming, claim",
        "get",
        "/admin/tasks_app/incoming/{a}/claim/",
        None,
        admin(404, 404, 404),
    ),
    (
        "admin: incoming, claim post",
        "post",
        "/admin/tasks_app/incoming/{a}/claim/",
        {"text": "x"},
        admin(404, 404, 404),
    ),
    (
        "admin: plan import against an item from above",
        "get",
        "/admin/tasks_app/workplan/import/?parent={a}",
        None,
        admin(404, 404, 404),
    ),
    # a region of 别市's coordinator's is not 太原市: the form refuses it (200 with the error)
    (
        "admin: plan import, start in 太原市",
        "post",
        "/admin/tasks_app/workplan/import/",
        {"region": "{region}", "text": PLAN},
        admin("/admin/tasks_app/workplan/import/*", 200, 404),
    ),
    (
        "admin: import job",
        "get",
        "/admin/tasks_app/workplan/import/{import_job}/",
        None,
        admin(200, 404, 404),
    ),
    (
        "admin: import job, post",
        "post",
        "/admin/tasks_app/workplan/import/{import_job}/",
        {},
        admin(200, 404, 404),
    ),
    # a plan of another region in a query is not one of the form's choices: 400
    (
        "admin: progress",
        "get",
        "/admin/tasks_app/workplan/progress/?plan={plan}",
        None,
        admin(200, 400, 200),
    ),
    (
        "admin: progress by unit",
        "get",
        "/admin/tasks_app/workplan/progress/units/?plan={plan}",
        None,
        admin(200, 400, 200),
    ),
    (
        "admin: overdue",
        "get",
        "/admin/tasks_app/workplan/progress/overdue/?plan={plan}",
        None,
        admin(200, 400, 200),
    ),
    (
        "admin: assessment",
        "get",
        "/admin/tasks_app/workplan/assessment/?year=2026",
        None,
        admin(200, 200, 200),
    ),
    (
        "admin: implementation report",
        "get",
        "/admin/tasks_app/workplan/{plan}/report/",
        None,
        admin(200, 404, 200),
    ),
    (
        "admin: ledger",
        "get",
        "/admin/tasks_app/workplan/{plan}/ledger/?format=csv",
        None,
        admin(200, 404, 200),
    ),
    # an export job is its maker's (the coordinator's)
    (
        "admin: export job",
        "get",
        "/admin/tasks_app/workplan/exports/{export}/",
        None,
        admin(200, 404, 404),
    ),
    (
        "admin: matrix",
        "get",
        "/admin/tasks_app/workplan/{plan}/matrix/",
        None,
        admin(200, 404, 200),
    ),
    # the 督办驾驶舱: another region's plan is not found (a path's id, not a form's choice)
    (
        "admin: dashboard",
        "get",
        "/admin/tasks_app/workplan/dashboard/?plan={plan}",
        None,
        admin(200, 404, 200),
    ),
    (
        "admin: dashboard, 别市's plan",
        "get",
        "/admin/tasks_app/workplan/dashboard/?plan={other_plan}",
        None,
        admin(404, 200, 404),
    ),
    (
        "admin: dashboard, default plan",
        "get",
        "/admin/tasks_app/workplan/dashboard/",
        None,
        admin(200, 200, 200),
    ),
    (
        "admin: chase, read",
        "get",
        "/admin/tasks_app/workplan/progress/chase/",
        None,
        admin(OVERDUE, OVERDUE, 403),
    ),
    # ticked items: the confirmation page; another region's items are not there to chase
    (
        "admin: chase items",
        "post",
        "/admin/tasks_app/workplan/progress/chase/",
        {"_selected_action": "{a}"},
        admin(200, OVERDUE, 403),
    ),
    (
        "admin: chase matrix columns",
        "post",
        "/admin/tasks_app/workplan/progress/chase/",
        {"plan": "{plan}"},
        admin(OVERDUE, 404, 403),
    ),
    (
        "admin: plan publish",
        "post",
        "/admin/tasks_app/workplan/{plan}/public/",
        {"action": "publish"},
        admin("/admin/tasks_app/workplan/{plan}/change/", 404, 403),
    ),
    (
        "admin: plan unpublish",
        "post",
        "/admin/tasks_app/workplan/{plan}/public/",
        {"action": "unpublish"},
        admin("/admin/tasks_app/workplan/{plan}/change/", 404, 403),
    ),
    (
        "admin: plan publish, other region's",
        "post",
        "/admin/tasks_app/workplan/{other_plan}/public/",
        {"action": "publish"},
        admin(404, "/admin/tasks_app/workplan/{other_plan}/change/", 403),
    ),
    (
        "admin: plan publish, read",
        "get",
        "/admin/tasks_app/workplan/{plan}/public/",
        None,
        admin(405, 405, 405),
    ),
    # the admin's "not found" for an object outside the user's scope is the same answer as
    # for an id that does not exist: back to the index with "does not exist"
    (
        "admin: change, no such object",
        "get",
        "/admin/tasks_app/assignment/999999/change/",
        None,
        admin(GONE, GONE, GONE),
    ),
]
# Routes with no row, and why. None today: even the pages that decide nothing (the login
# pages, jsi18n, the health check) have one, so a change to them is seen.
EXEMPT: dict[str, str] = {}


class _Any(dict):
    def __missing__(self, key):
        return 1


def _route_name(path: str) -> str:
    return resolve(urlsplit(path.format_map(_Any())).path).view_name


def test_every_route_has_a_row():
    covered = {_route_name(row[2]) for row in PAGES + APIS + ROUTE_ROWS}
    routes = {r.name for r in project_routes()}
    assert routes - covered - set(EXEMPT) == set(), "routes without a row in the matrix"
    assert set(EXEMPT) <= routes, "exempted routes that no longer exist"
    assert all(set(row[4]) == set(ROLES) for row in ROUTE_ROWS), "rows missing a role"


def objects(world, settings, tmp_path) -> dict:
    """test_permissions' objects, and a notification of czj's (the coordinator chased its
    item), an invitation of czj's, a bulletin, an export and an import job of 太原市, and
    别市's plan."""
    from notify.models import Notification
    from regions.services.invitations import invitation_create, invitation_token
    from reporting.models import Bulletin, ExportJob
    from reporting.services.public_plans import plan_publish
    from tasks_app.models import ImportJob
    from tasks_app.services.assignments import assignments_chase
    from tests.admin_samples import build_other_city

    ids = _prepare(world, settings, tmp_path)
    assignments_chase(user=world.coordinator, assignment_ids=[ids["a"]], message="请加快")
    notification = Notification.objects.get(user=world.czj, notice__event="chased")
    bulletin = Bulletin.objects.create(
        plan=world.plan,
        title="通报",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
    )
    export = ExportJob.objects.create(user=world.coordinator, plan=world.plan, format="csv")
    job = ImportJob.objects.create(
        region=world.region, created_by=world.coordinator, source_text="一、x", status="failed"
    )
    public_token = plan_publish(user=world.coordinator, plan_id=world.plan.pk).token
    return ids | {
        "public_token": public_token,
        "notification": notification.pk,
        "token": invitation_token(invitation_create(user=world.czj, enqueue=False)),
        "plan": world.plan.pk,
        "other_plan": build_other_city(world).plan.pk,
        "region": world.region.pk,
        "czj": world.czj.pk,
        "bulletin": bulletin.pk,
        "export": export.pk,
        "import_job": job.pk,
    }


def request(client, world, role, method, url, payload):
    """As `role`: through the API client for /api/, the test client otherwise."""
    user = _user(world, role)
    if url.startswith("/api/"):
        api_client = APIClient()
        if user:
            api_client.force_authenticate(user)
        if method == "post":
            return api_client.post(url, payload, format="json")
        return api_client.get(url)
    if user:
        client.force_login(user)
    return getattr(client, method)(url, payload) if method == "post" else client.get(url)


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def check(response, expected, ids, where):
    assert response.status_code < 500, (where, response.status_code)
    if isinstance(expected, int):
        assert response.status_code == expected, (where, response.status_code)
        return
    assert response.status_code == 302, (where, response.status_code, expected)
    location = urlsplit(response["Location"]).path
    expected = expected.format(**ids)
    if expected.endswith("*"):
        assert location.startswith(expected[:-1]), (where, location)
    else:
        assert location == expected, (where, location)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "payload", "expected"), ROUTE_ROWS, ids=[r[0] for r in ROUTE_ROWS]
)
def test_route_matrix(
    client, world, settings, tmp_path, role, name, method, path, payload, expected
):
    ids = objects(world, settings, tmp_path)
    if callable(payload):
        payload = payload(ids)
    elif payload:
        payload = {k: _fill(v, ids) for k, v in payload.items()}
    response = request(client, world, role, method, path.format(**ids), payload)
    check(response, expected[role], ids, (name, role))
