"""No parameter answers 500: every page and endpoint of the URLconf, every query parameter
it reads (found by recording what it asks request.GET for) and every path parameter, with a
non-numeric, a negative, an unknown id, a huge number and a very long string. Bad values
get a 400 (or a form error), an unknown object a 404."""

from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.utils.functional import cached_property

from reporting.models import Bulletin, ExportJob
from tasks_app.models import ImportJob
from tests.test_permissions import _prepare
from tests.urlconf import RecordingQueryDict, project_routes

BAD = ["abc", "-1", "999999999", "9" * 30, "x" * 3000]
BAD_IDS = [0, 999999999, "9" * 30]


@pytest.fixture
def recording(monkeypatch):
    def get(self):
        return RecordingQueryDict(self.environ.get("QUERY_STRING", ""), encoding=self._encoding)

    prop = cached_property(get)
    prop.__set_name__(WSGIRequest, "GET")
    monkeypatch.setattr(WSGIRequest, "GET", prop)
    RecordingQueryDict.asked = set()
    return RecordingQueryDict


@pytest.fixture
def objects(world, settings, tmp_path):
    ids = _prepare(world, settings, tmp_path)
    job = ImportJob.objects.create(
        region=world.region, created_by=world.coordinator, source_text="一、x", status="failed"
    )
    export = ExportJob.objects.create(user=world.coordinator, plan=world.plan, format="csv")
    from reporting.services.bulletins import bulletin_create

    bulletin = bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=world.plan.period_start,
        end=world.plan.period_end,
    )
    assert Bulletin.objects.filter(pk=bulletin.pk).exists()
    from regions.services.invitations import invitation_create, invitation_token

    invitation = invitation_create(user=world.czj, enqueue=False)
    return {
        "token": invitation_token(invitation),
        "assignment_id": ids["a"],
        "evidence_id": ids["evidence"],
        "report_id": ids["claim"],
        "request_id": ids["extension"],
        "plan_id": world.plan.pk,
        "bulletin_id": bulletin.pk,
        "job_id": {"admin:tasks_app_export_job": export.pk}.get,
        "import_job": job.pk,
        "notification_id": _notification(world).pk,
        "id": world.czj.pk,  # admin:auth_user_password_change, a user's password
    }


def _notification(world):
    """A notification of each of the two users the routes are walked as."""
    from notify.models import Notice, Notification

    notice = Notice.objects.create(
        event="chased", region=world.region, title="催办", text="x", link="/tasks/"
    )
    for user in (world.coordinator, world.czj):
        Notification.objects.create(notice=notice, user=user)
    return Notification.objects.filter(notice=notice).first()


def _kwargs(route, objects) -> dict:
    values = {}
    for param in route.params:
        value = objects[param]
        if callable(value):  # job_id: an export job or an import job, by the route
            value = value(route.name, objects["import_job"])
        values[param] = value
    return values


ROUTES = project_routes()


@pytest.mark.parametrize("route", ROUTES, ids=[r.name or r.route for r in ROUTES])
@pytest.mark.parametrize("who", ["coordinator", "czj"])
def test_no_query_or_path_parameter_answers_500(client, world, objects, recording, route, who):
    client.raise_request_exception = False  # a crash is a 500 to count, not an exception
    client.force_login(getattr(world, who))
    kwargs = _kwargs(route, objects)
    path = route.path(**kwargs)
    recording.asked = set()
    probe = client.get(path, {"__probe": "1"})
    assert probe.status_code < 500, (path, probe.status_code)
    asked = sorted(recording.asked - {"__probe"})
    failures = []
    for key in asked:
        for value in BAD:
            response = client.get(f"{path}?{urlencode({key: value})}")
            if response.status_code >= 500:
                failures.append((key, value[:20], response.status_code))
    for param in kwargs:
        for bad in BAD_IDS:
            response = client.get(route.path(**{**kwargs, param: bad}))
            if response.status_code >= 500:
                failures.append((param, str(bad)[:20], response.status_code))
    assert failures == [], (path, asked)


ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in __import__("django.contrib.admin", fromlist=["site"]).site._registry
)


@pytest.mark.parametrize(("app", "model"), ADMINS, ids=[f"{a}.{m}" for a, m in ADMINS])
def test_no_admin_list_filter_answers_500(client, world, objects, app, model):
    """Every registered model's change list, with each of its filters' parameters (taken
    from the change list itself), its search, ordering and page, given bad values; and its
    object views given ids that are not ids. As a superuser, who sees every filter."""
    from regions.models import User

    root = User.objects.create_superuser("root", "root@example.org", "pw-123456")
    client.raise_request_exception = False
    client.force_login(root)
    path = f"/admin/{app}/{model}/"
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    changelist = page.context["cl"]
    params = {"q", "o", "p", "all"}
    for spec in changelist.filter_specs:
        params |= set(spec.expected_parameters())
    if changelist.date_hierarchy:
        field = changelist.date_hierarchy
        params |= {f"{field}__year", f"{field}__month", f"{field}__day"}
    failures = []
    for key in sorted(params):
        for value in BAD:
            response = client.get(f"{path}?{urlencode({key: value})}")
            if response.status_code >= 500:
                failures.append((key, value[:20], response.status_code))
    for bad in ["abc", "-1", *map(str, BAD_IDS)]:
        for view in ("change", "history", "delete"):
            response = client.get(f"{path}{bad}/{view}/")
            if response.status_code >= 500:
                failures.append((view, bad[:20], response.status_code))
    assert failures == [], path


@pytest.mark.parametrize(
    ("who", "url", "says"),
    [
        ("czj", "/tasks/?state=whatever", "状态"),
        ("czj", "/tasks/?page=abc", "页码"),
        ("coordinator", "/admin/tasks_app/workplan/assessment/?year=-1", "年度"),
        ("coordinator", "/admin/tasks_app/workplan/progress/?plan=abc", "工作要点"),
        ("coordinator", "/admin/tasks_app/workplan/progress/units/?kind=x", "单位类型"),
        ("coordinator", "/admin/tasks_app/workplan/{plan_id}/report/?unit=abc", "单位"),
        ("coordinator", "/admin/tasks_app/workplan/{plan_id}/matrix/?by=x", "列"),
    ],
)
def test_a_bad_page_parameter_is_a_400_that_says_what_is_wrong(
    client, world, objects, who, url, says
):
    client.force_login(getattr(world, who))
    response = client.get(url.format(**objects))
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求参数有误" in page and says in page


@pytest.mark.parametrize(
    "url",
    [
        "/api/assignments/?plan=abc",
        "/api/assignments/?plan=" + "9" * 30,
        "/api/reports/?review_status=x",
        "/api/extension-requests/?status=x",
        "/api/progress/regions/?region=-1",
        "/api/progress/units/?kind=x",
        "/api/progress/matrix/{plan_id}/?by=x",
    ],
)
def test_a_bad_api_parameter_is_a_400_naming_the_parameter(client, world, objects, url):
    client.force_login(world.coordinator)
    response = client.get(url.format(**objects))
    assert response.status_code == 400
    [name] = [p.split("=")[0] for p in url.split("?")[1].split("&")]
    assert name in response.json()
