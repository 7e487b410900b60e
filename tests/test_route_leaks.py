"""What the route matrix (tests/test_route_permissions.py) cannot see in a status: what an
answer holds and what a refused write left behind. Another region's plan in the reporting
API is "not found"; a unit's matrix and notifications are its own; the admin's autocomplete,
generated from the admin registry, never offers another region's objects; and the writes
other users were refused changed nothing of 市财政局's."""

from __future__ import annotations

import pytest
from django.contrib import admin
from rest_framework.test import APIClient

from tests.admin_samples import build_samples
from tests.test_route_permissions import PASSWORD, _contacts_csv, objects

PROGRESS = ["regions", "units", "tasks", "overdue"]


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("endpoint", PROGRESS)
def test_reporting_api_answers_not_found_for_a_plan_outside_the_users_region(
    world, settings, tmp_path, endpoint
):
    ids = objects(world, settings, tmp_path)
    path = f"/api/progress/{endpoint}/"
    theirs = _api(world.other_coordinator)
    assert theirs.get(path, {"plan": ids["plan"]}).status_code == 404  # 太原市's
    assert theirs.get(path, {"plan": 999999}).status_code == 404  # the same as no plan at all
    assert theirs.get(path, {"plan": ids["other_plan"]}).status_code == 200  # its own
    mine = _api(world.coordinator)
    assert mine.get(path, {"plan": ids["plan"]}).status_code == 200
    assert mine.get(path, {"plan": ids["other_plan"]}).status_code == 404
    rows = mine.get(path, {"plan": ids["plan"]}).json()["results"]
    assert rows, "太原市's coordinator sees its plan's figures"


def test_the_matrix_api_shows_a_unit_only_its_own_cells(world, settings, tmp_path):
    from tasks_app.models import Assignment

    ids = objects(world, settings, tmp_path)
    for user in (world.czj, world.county):
        own = set(Assignment.objects.filter(unit=user.unit).values_list("pk", flat=True))
        shown = set()
        for by in ("county", "unit"):
            body = _api(user).get(f"/api/progress/matrix/{ids['plan']}/", {"by": by}).json()
            cells = [c for row in body["rows"] for c in row["cells"] if c]
            shown |= {c["assignment"] for c in cells if c["assignment"]}
            assert sum(c["assignments"] for c in cells) <= len(own), (user.username, by)
        assert shown and shown <= own, (user.username, shown, own)


def test_notifications_are_their_readers_alone(client, world, settings, tmp_path):
    from notify.models import Notification

    ids = objects(world, settings, tmp_path)
    for user in (world.coordinator, world.other_coordinator, world.county, world.leader):
        client.force_login(user)
        listed = {n.pk for n in client.get("/notifications/").context["page"].object_list}
        assert ids["notification"] not in listed, user.username
        client.post("/notifications/read-all/")
        client.get(f"/notifications/{ids['notification']}/")
        assert Notification.objects.get(pk=ids["notification"]).read_at is None, user.username
    client.force_login(world.czj)
    listed = {n.pk for n in client.get("/notifications/").context["page"].object_list}
    assert ids["notification"] in listed
    client.post("/notifications/read-all/")
    assert Notification.objects.get(pk=ids["notification"]).read_at is not None


def test_refused_writes_left_czj_and_its_unit_untouched(client, world, settings, tmp_path):
    from notify.models import Notice
    from regions.models import UnitContact

    ids = objects(world, settings, tmp_path)
    chased = Notice.objects.filter(event="chased").count()
    for user in (world.other_coordinator, world.leader):
        client.force_login(user)
        client.post("/admin/tasks_app/workplan/progress/chase/", {"_selected_action": ids["a"]})
        client.post("/admin/tasks_app/workplan/progress/chase/", {"plan": ids["plan"]})
        client.post(
            f"/admin/regions/user/{ids['czj']}/password/",
            {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
        )
        client.post("/admin/regions/unitcontact/import/", _contacts_csv(ids))
    assert Notice.objects.filter(event="chased").count() == chased
    world.czj.refresh_from_db()
    assert not world.czj.check_password(PASSWORD)
    assert not UnitContact.objects.filter(unit=world.czj_unit, name="张三").exists()
    # the same posts by 太原市's coordinator do what they say (so the above can fail)
    client.force_login(world.coordinator)
    client.post("/admin/regions/unitcontact/import/", _contacts_csv(ids))
    assert UnitContact.objects.filter(unit=world.czj_unit, name="张三").exists()


AUTOCOMPLETE = sorted(
    (model._meta.label, field)
    for model, model_admin in admin.site._registry.items()
    for field in getattr(model_admin, "autocomplete_fields", ())
)


def _offered(client, model, field) -> set[int]:
    found, page = set(), 1
    while True:
        response = client.get(
            "/admin/autocomplete/",
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field,
                "page": page,
            },
        )
        assert response.status_code == 200, response.status_code
        body = response.json()
        found |= {int(r["id"]) for r in body["results"]}
        if not body["pagination"]["more"]:
            return found
        page += 1


@pytest.mark.parametrize(
    ("label", "field"), AUTOCOMPLETE, ids=[f"{m}.{f}" for m, f in AUTOCOMPLETE]
)
def test_admin_autocomplete_offers_only_the_users_region(client, world, label, field):
    from django.apps import apps

    model = apps.get_model(label)
    samples = build_samples(world)
    target = model._meta.get_field(field).related_model
    mine, theirs = samples[target]
    for user, sees, hidden in (
        (world.coordinator, mine, theirs),
        (world.other_coordinator, theirs, mine),
    ):
        client.force_login(user)
        offered = _offered(client, model, field)
        assert sees.pk in offered and hidden.pk not in offered, (label, field, user.username)
