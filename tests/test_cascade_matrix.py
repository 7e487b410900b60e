"""The permission matrix over three levels (江岭省 → 云川市 → 云湖区), generated from the
registries, so that a new model, route or endpoint is covered by construction:

1. the admin registry: every object of 云川市's side of every ScopedAdmin model is never
   listed, opened or its history shown to 岚溪市's coordinator or leader; the province reads
   the objects of 云川市's child plan (no save button), every button 云川市's coordinator
   is offered there, pressed by the province, is refused (403), and no list action of the
   province changes them; 云川市's coordinator changes them;
2. the URLconf: every route with an object id, with 云川市's ids, answers 岚溪市's users
   "not found" (404, or the admin's or the login's redirect), never 云川市's data;
3. the API schema: no list endpoint gives 岚溪市's users any of 云川市's, and the province's
   lists hold the child plan's items, reports and extension requests;
4. the province's review and decision in 云川市's child plan are refused (403) and change
   nothing, its bulk changes skip the child plan, its bulletins on it are refused;
   云川市's coordinator's succeed. (Failures are collected: one world per test.)
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.urls import resolve
from rest_framework.test import APIClient

from core.admin import visible
from core.errors import ForbiddenError
from regions.models import Region
from regions.services import user_upsert
from reporting.models import Bulletin
from reporting.services.bulletins import bulletin_create, bulletin_publish
from tasks_app.models import Assignment, ExtensionRequest, ProgressReport
from tasks_app.services import bulk
from tasks_app.services.report_visibility import reports_set_public
from tests.admin_samples import form_data
from tests.cascade_world import (
    SCOPED,
    YUNCHUAN_WORDS,
    Levels,
    as_request,
    build_levels,
    buttons,
    child_plan_objects,
    list_endpoints,
    yunchuan_objects,
    yunchuan_side,
)
from tests.test_admin_access import data_fields, snapshot, url
from tests.test_permissions import APIS, PAGES
from tests.test_route_permissions import ROUTE_ROWS
from tests.urlconf import project_routes

GONE = {"/admin/", "/admin/login/", "/accounts/login/"}  # the "not found" redirects
LANXI = ["other_city", "other_leader", "other_county"]


@pytest.fixture
def w(db, settings, tmp_path) -> Levels:
    settings.MEDIA_ROOT = tmp_path
    w = build_levels()
    w.other_leader = user_upsert(
        username="lx-leader",
        password="pw-123456",
        role="leader",
        display_name="lx-leader",
        region=Region.objects.get(code="990200"),
    )
    w.ids = yunchuan_side(w)
    return w


def test_every_kind_of_object_exists_on_yunchuan_side(w):
    # a model registered later without an object here fails: the matrix would not reach it
    empty = [m._meta.label for m in SCOPED if not yunchuan_objects(w, m)]
    assert not empty, empty
    in_child = {m._meta.label for m in SCOPED if child_plan_objects(w, m)}
    assert {
        "tasks_app.WorkPlan",
        "tasks_app.Task",
        "tasks_app.Assignment",
        "tasks_app.ProgressReport",
        "tasks_app.ExtensionRequest",
    } <= in_child, in_child
    # and none of it is 岚溪市's to see
    for model in SCOPED:
        mine = {o.pk for o in yunchuan_objects(w, model)}
        for role in ("other_city", "other_leader"):
            theirs = set(visible(admin.site, as_request(getattr(w, role)), model).values_list("pk"))
            assert not mine & {pk for (pk,) in theirs}, (model._meta.label, role)


# --- 1. the admin registry ------------------------------------------------------------


@pytest.mark.parametrize("role", ["other_city", "other_leader"])
def test_admin_never_shows_lanxi_anything_of_yunchuan(client, w, role):
    client.force_login(getattr(w, role))
    failures = []
    for model in SCOPED:
        label = model._meta.label
        objects = yunchuan_objects(w, model)
        listing = client.get(url(model))
        if listing.status_code != 200:
            failures.append((label, "changelist", listing.status_code))
            continue
        cl = listing.context["cl"]
        listed = {o.pk for o in cl.result_list} | set(cl.queryset.values_list("pk", flat=True))
        body = listing.content.decode()
        for obj in objects:
            if obj.pk in listed:
                failures.append((label, obj.pk, "listed"))
            for view in ("change", "history"):
                page = client.get(url(model, obj.pk, view))
                where = urlsplit(page.get("Location", "")).path
                if page.status_code != 302 or where not in GONE:
                    failures.append((label, obj.pk, view, page.status_code, where))
        leaked = [word for word in YUNCHUAN_WORDS if word in body]
        if leaked:
            failures.append((label, "changelist words", leaked))
    assert not failures, "\n".join(map(str, failures))


def _own_controls(html: str, model, obj) -> list[str]:
    """What on a change page would change or delete the object."""
    found = sorted(buttons(html))
    if url(model, obj.pk, "delete") in html:
        found.append("delete link")
    return found


def test_the_province_reads_yunchuans_child_plan_and_changes_nothing(client, w):
    """Every button 云川市's coordinator is offered on a child plan's object, pressed by the
    province's coordinator (and leader), is refused and changes nothing."""
    failures, seen = [], 0
    for model in SCOPED:
        label = model._meta.label
        for obj in child_plan_objects(w, model):
            client.force_login(w.city)
            city_page = client.get(url(model, obj.pk, "change")).content.decode()
            offered = form_data(city_page)
            pressed = [{}] + [{b: ["1"]} for b in sorted(buttons(city_page))]
            for user in (w.province, w.province_leader):
                seen += 1
                model_admin = admin.site._registry[model]
                if model_admin.has_change_permission(as_request(user), obj):
                    failures.append((user.username, label, obj.pk, "has change permission"))
                client.force_login(user)
                page = client.get(url(model, obj.pk, "change"))
                html = page.content.decode()
                if page.status_code != 200 or _own_controls(html, model, obj):
                    found = _own_controls(html, model, obj)
                    failures.append((user.username, label, obj.pk, page.status_code, found))
                before = _states(model, [obj])
                for button in pressed:
                    answer = client.post(url(model, obj.pk, "change"), offered | button)
                    if answer.status_code != 403:
                        failures.append((user.username, label, obj.pk, button, answer.status_code))
                answer = client.post(url(model, obj.pk, "delete"), {"post": "yes"})
                if answer.status_code != 403:
                    failures.append((user.username, label, obj.pk, "delete", answer.status_code))
                if _states(model, [obj]) != before:
                    failures.append((user.username, label, obj.pk, "changed"))
    assert seen >= 20, seen
    assert not failures, "\n".join(map(str, failures))


def test_the_city_changes_its_own_child_plan(client, w):
    client.force_login(w.city)
    failures, editable = [], 0
    for model in SCOPED:
        model_admin = admin.site._registry[model]
        if not model_admin.has_change_permission(as_request(w.city)):
            continue  # read by everyone, changed by no coordinator
        decided = getattr(model_admin, "decision_buttons", ())
        for obj in child_plan_objects(w, model):
            editable += 1
            if not model_admin.has_change_permission(as_request(w.city), obj):
                failures.append((model._meta.label, obj.pk, "no change permission"))
            page = client.get(url(model, obj.pk, "change"))
            offered = buttons(page.content.decode())
            # a page that decides offers its two buttons while there is something to decide
            pending = getattr(obj, "review_status", getattr(obj, "status", "")) == "pending"
            wanted = set(decided) if decided and pending else set() if decided else {"_save"}
            if page.status_code != 200 or not wanted <= offered:
                failures.append((model._meta.label, obj.pk, page.status_code, offered))
    assert editable >= 10, editable
    assert not failures, "\n".join(map(str, failures))


def _action_post(w, name, objects) -> dict:
    """An action on the change list, with what its confirmation or form page asks for."""
    return {
        "action": name,
        "_selected_action": [str(o.pk) for o in objects],
        "index": "0",
        "post": "yes",
        "apply": "1",
        "comment": "x",
        "reason": "x",
        "workdays": "3",
        "unit": str(w.dept_unit.pk),
    }


def _states(model, objects) -> dict:
    found = {o.pk: o for o in model._default_manager.filter(pk__in=[o.pk for o in objects])}
    return {o.pk: snapshot(o, data_fields(model)) if o.pk in found else None for o in objects}


def test_the_provinces_actions_change_nothing_in_yunchuans_child_plan(client, w):
    """Every action of every change list, on the child plan's objects, by the province."""
    failures, tried = [], 0
    for user in (w.province, w.province_leader):
        client.force_login(user)
        for model in SCOPED:
            objects = child_plan_objects(w, model)
            actions = admin.site._registry[model].get_actions(as_request(w.city))
            for name in actions if objects else ():
                tried += 1
                before = _states(model, objects)
                answer = client.post(url(model), _action_post(w, name, objects))
                if answer.status_code >= 500 or _states(model, objects) != before:
                    failures.append((user.username, model._meta.label, name, answer.status_code))
    assert tried >= 10, tried
    assert not failures, "\n".join(map(str, failures))
    # the same posts by 云川市's coordinator do what they say (so the above can fail)
    client.force_login(w.city)
    bulletin = Bulletin.objects.get(pk=w.ids["bulletin"])
    client.post(url(Bulletin), _action_post(w, "publish_selected", [bulletin]))
    bulletin.refresh_from_db()
    assert bulletin.status == "published"
    item = w.ids["item"]
    client.post(url(Assignment), _action_post(w, "change_due_date_selected", [item]))
    assert Assignment.objects.get(pk=item.pk).due_date != item.due_date


# --- 2. the URLconf -------------------------------------------------------------------


class _One(dict):
    def __missing__(self, key):
        return 1


def _view_name(path: str) -> str:
    return resolve(urlsplit(path.format_map(_One())).path).view_name


# routes with an object's id in the path (a token is a capability, not an id: a public page
# and an invitation are read by whoever holds it)
ID_ROUTES = {r.name for r in project_routes() if set(r.params) - {"token"}}
ID_ROWS = [row for row in PAGES + APIS + ROUTE_ROWS if _view_name(row[2]) in ID_ROUTES]


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def test_every_route_with_an_id_has_a_row():
    assert ID_ROUTES == {_view_name(row[2]) for row in ID_ROWS}, ID_ROUTES


def _ask(client, user, method, path, payload):
    if path.startswith("/api/"):
        api = APIClient()
        api.force_authenticate(user)
        if method == "post":
            return api.post(path, payload, format="json")
        return api.get(path)
    client.force_login(user)
    return client.post(path, payload) if method == "post" else client.get(path)


def _route_answer(client, user, row, ids):
    _name, method, path, payload, _expected = row
    if callable(payload):
        payload = payload(ids)
    elif payload:
        payload = {k: _fill(v, ids) for k, v in payload.items()}
    answer = _ask(client, user, method, path.format(**ids), payload)
    return answer, urlsplit(answer.get("Location", "")).path


def test_routes_with_yunchuans_ids_are_not_found_for_lanxi(client, w):
    """Not found (404, or the admin's and the login's redirect); or refused before any
    object is looked at — the same answer as for an id that does not exist (a leader may
    not review anything: 403; a route only posted to: 405), which says nothing of 云川市's."""
    missing = dict.fromkeys(w.ids, 999999)
    failures = []
    for role in LANXI:
        user = getattr(w, role)
        for row in ID_ROWS:
            answer, where = _route_answer(client, user, row, w.ids)
            body = answer.content.decode(errors="replace")
            leaked = [word for word in YUNCHUAN_WORDS if word in body]
            gone = answer.status_code == 404 or (answer.status_code == 302 and where in GONE)
            if not gone and answer.status_code in (403, 405):
                nothing, nowhere = _route_answer(client, user, row, missing)
                gone = (nothing.status_code, nowhere) == (answer.status_code, where)
            if not gone or leaked:
                failures.append((role, row[0], answer.status_code, where, leaked))
    assert not failures, "\n".join(map(str, failures))


# --- 3. the API's lists ---------------------------------------------------------------

LISTED = {
    "/api/assignments/": Assignment,
    "/api/reports/": ProgressReport,
    "/api/extension-requests/": ExtensionRequest,
}


def _queries(w, names) -> list[dict]:
    """No filter, then each filter of the endpoint that names a plan or a region, with
    云川市's child plan or 云川市 itself."""
    values = {"plan": w.ids["child"].pk, "region": w.ids["region"]}
    return [{}] + [{n: values[n]} for n in names if n in values]


def _rows(answer) -> list:
    body = answer.json() if answer.status_code == 200 else {}
    return body.get("results", []) if isinstance(body, dict) else body


def test_api_lists_hold_nothing_of_yunchuan_for_lanxi(w):
    endpoints = list_endpoints()
    assert set(LISTED) <= {path for path, _ in endpoints}, endpoints
    failures = []
    for role in LANXI:
        api = APIClient()
        api.force_authenticate(getattr(w, role))
        for path, names in endpoints:
            model = LISTED.get(path)
            theirs = {o.pk for o in yunchuan_objects(w, model)} if model else set()
            for query in _queries(w, names):
                answer = api.get(path, query)
                text = json.dumps(answer.json(), ensure_ascii=False) if answer.content else ""
                leaked = [word for word in YUNCHUAN_WORDS if word in text]
                ids = {row.get("id") for row in _rows(answer)} & theirs
                if answer.status_code not in (200, 400, 404) or leaked or ids:
                    failures.append((role, path, query, answer.status_code, leaked, ids))
    assert not failures, "\n".join(map(str, failures))


def test_the_provinces_api_lists_hold_the_child_plans_items(w):
    api = APIClient()
    api.force_authenticate(w.province)
    child = w.ids["child"]
    expected = {
        "/api/assignments/": set(
            Assignment.objects.filter(task__plan=child).values_list("pk", flat=True)
        ),
        "/api/reports/": {w.ids["report"], w.ids["claim"], w.ids["accepted"]},
        "/api/extension-requests/": {w.ids["extension"]},
    }
    for path, wanted in expected.items():
        assert len(wanted) >= 1
        for query in ({}, {"plan": child.pk}) if path == "/api/assignments/" else ({},):
            answer = api.get(path, query)
            assert answer.status_code == 200, (path, answer.status_code)
            listed = {row["id"] for row in _rows(answer)}
            assert wanted <= listed, (path, query, wanted - listed)


# --- 4. writes in 云川市's child plan ---------------------------------------------------


def _state(w):
    item = Assignment.objects.get(pk=w.ids["a"])
    return (
        item.state,
        item.due_date,
        ProgressReport.objects.get(pk=w.ids["claim"]).review_status,
        ExtensionRequest.objects.get(pk=w.ids["extension"]).status,
    )


WRITES = [
    ("/api/reports/{claim}/review/", {"accept": True}),
    ("/api/reports/{claim}/review/", {"accept": False, "comment": "请补充"}),
    ("/api/extension-requests/{extension}/decide/", {"approve": True}),
    ("/api/extension-requests/{extension}/decide/", {"approve": False}),
]


def test_the_province_may_not_decide_in_yunchuans_child_plan_the_city_may(w):
    before = _state(w)
    assert before[2:] == ("pending", "pending"), before
    for user in (w.province, w.province_leader):
        api = APIClient()
        api.force_authenticate(user)
        for path, payload in WRITES:
            answer = api.post(path.format(**w.ids), payload, format="json")
            assert answer.status_code == 403, (user.username, path, payload, answer.status_code)
    assert _state(w) == before
    city = APIClient()
    city.force_authenticate(w.city)
    for path, payload in (WRITES[2], WRITES[0]):
        answer = city.post(path.format(**w.ids), payload, format="json")
        assert answer.status_code == 200, (path, answer.status_code, answer.content[:300])
    state, due, review, extension = _state(w)
    assert (state, review, extension) == ("done", "accepted", "approved")
    assert due > before[1]


def test_the_provinces_bulk_and_bulletin_services_leave_the_child_plan_alone(w):
    """The services behind the list actions and the bulletin form: the province's bulk
    changes skip the child plan's items, saying why; a bulletin on it is refused."""
    child = w.ids["child"]
    items = list(Assignment.objects.filter(task__plan=child).order_by("pk"))
    ids = [a.pk for a in items]
    before = [(a.unit_id, a.due_date, a.state) for a in items]
    moved = bulk.assignments_change_due_date_many(
        user=w.province, assignment_ids=ids, reason="x", workdays=3
    )
    given = bulk.assignments_reassign_many(
        user=w.province, assignment_ids=ids, unit_id=w.county_unit.pk, reason="x"
    )
    for result in (moved, given):
        assert not result.applied
        assert all("分解方案" in why for _, why in result.skipped), result.skipped
    assert [
        (a.unit_id, a.due_date, a.state)
        for a in Assignment.objects.filter(pk__in=ids).order_by("pk")
    ] == before
    done, problems = reports_set_public(
        user=w.province, report_ids=[w.ids["accepted"]], public=True
    )
    assert done == 0 and "分解方案" in problems[0]
    period = {"start": dt.date(2026, 7, 1), "end": dt.date(2026, 7, 31)}
    with pytest.raises(ForbiddenError):
        bulletin_create(user=w.province, plan=child, **period)
    with pytest.raises(ForbiddenError):
        bulletin_publish(user=w.province, bulletin_id=w.ids["bulletin"], enqueue=False)
    # 云川市's coordinator does all of it
    assert bulletin_create(user=w.city, plan=child, **period).plan_id == child.pk
    assert reports_set_public(user=w.city, report_ids=[w.ids["accepted"]], public=True)[0] == 1
    moved = bulk.assignments_change_due_date_many(
        user=w.city, assignment_ids=ids, reason="x", workdays=3
    )
    assert moved.applied
