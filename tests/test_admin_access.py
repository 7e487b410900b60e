"""The admin's permission matrix, generated from the admin registry: every registered model
× every role × in and out of scope × every view — the change list, the change form (read,
and posted with every foreign key and many-to-many pointed at another city's object), the
add form (the same), delete, the history and each history entry (read, and posted back).

Roles: the coordinator of 太原市, the coordinator of 小店区 (below it), the coordinator of
another city, 太原's leader, a unit user and an anonymous visitor. What a user may not see
is "not found" (the admin's redirect to its index with "does not exist"); what they may see
but not change is "forbidden"; nothing is ever written out of scope.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.db.models import ForeignKey, ManyToManyField

from regions.services import user_upsert
from tests.admin_samples import build_samples, form_data


def ours(model) -> bool:
    """A model of one of this project's apps (not Django's or a library's)."""
    path = model._meta.app_config.path
    return path.startswith(str(settings.BASE_DIR)) and "site-packages" not in path


ROLES = ["coord", "county_coord", "coord_other", "leader", "unit", "anon"]
ALL_REGISTERED = sorted(
    (m for m in admin.site._registry if ours(m)),
    key=lambda m: m._meta.label,
)
# National data, the same for every region: read by all, kept by top-region coordinators
# (its own matrix below); every other model is regional.
NATIONAL = {m for m in ALL_REGISTERED if m._meta.label == "tasks_app.HolidayYear"}
REGISTERED = [m for m in ALL_REGISTERED if m not in NATIONAL]
CASES = {"count": 0}


@pytest.fixture(scope="module", autouse=True)
def count_cases():
    yield
    print(f"\nadmin matrix: {CASES['count']} requests")


@pytest.fixture
def samples(world):
    return build_samples(world)


@pytest.fixture
def users(world, samples):
    from regions.models import Region

    county = user_upsert(
        username="county_coord",
        password="pw-123456",
        role="coordinator",
        region=Region.objects.get(code="140105"),
    )
    return {
        "coord": world.coordinator,
        "county_coord": county,
        "coord_other": world.other_coordinator,
        "leader": world.leader,
        "unit": world.czj,
        "anon": None,
    }


def sees(role: str, which: str) -> bool:
    return {"mine": role in ("coord", "leader"), "theirs": role == "coord_other"}[which]


def writes(role: str) -> bool:
    return role in ("coord", "county_coord", "coord_other")


def url(model, *parts) -> str:
    return (
        "/".join(["", "admin", model._meta.app_label, model._meta.model_name, *map(str, parts)])
        + "/"
    )


def relations(model):
    return [
        f
        for f in model._meta.get_fields()
        if isinstance(f, ForeignKey | ManyToManyField) and not f.auto_created
    ]


def tampered(data: dict, model, samples, which: str) -> tuple[dict, list]:
    """The posted form with every relation field pointed at the other side's object (also
    fields the form does not show: a hand-made post may name any field)."""
    other = "theirs" if which == "mine" else "mine"
    changed = []
    data = dict(data)
    for field in relations(model):
        if field.related_model in samples:
            target = samples[field.related_model][0 if other == "mine" else 1]
            data[field.name] = [str(target.pk)]
            changed.append(field)
    return data, changed


def data_fields(model) -> list:
    skip = {"updated_at", "password", "last_login"}
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]


def snapshot(obj, fields) -> dict:
    obj = type(obj)._default_manager.get(pk=obj.pk)
    return {
        f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True))
        if isinstance(f, ManyToManyField)
        else getattr(obj, f.attname)
        for f in fields
    }


def test_every_registered_model_has_samples(samples):
    assert set(REGISTERED) <= set(samples), set(REGISTERED) - set(samples)
    assert {m._meta.label for m in NATIONAL} == {"tasks_app.HolidayYear"}
    labels = {m._meta.label for m in REGISTERED}
    # the registry walk reaches every app's admin (notify's and regions' too), and the models
    # with an audit history, whose history and revert views the matrix reads and posts
    assert {"notify.Notice", "notify.Delivery", "regions.UnitContact"} <= labels, labels
    assert {m._meta.label for m in REGISTERED if hasattr(m, "history")} >= {
        "tasks_app.WorkPlan",
        "tasks_app.Task",
        "tasks_app.Assignment",
        "tasks_app.ProgressReport",
        "tasks_app.ExtensionRequest",
        "reporting.Bulletin",
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_matrix(client, world, samples, users, model, role):
    user = users[role]
    if user:
        client.force_login(user)
    model_admin = admin.site._registry[model]
    log = []

    def get(path):
        CASES["count"] += 1
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        return response

    def post(path, data):
        CASES["count"] += 1
        response = client.post(path, data)
        assert response.status_code < 500, (path, response.status_code)
        return response

    # the change list: what is in it
    listing = get(url(model))
    if role in ("unit", "anon"):
        assert listing.status_code == 302 and "/login/" in listing["Location"]
    else:
        assert listing.status_code == 200, (role, listing.status_code)
        shown = {o.pk for o in listing.context["cl"].result_list}
        for index, which in enumerate(("mine", "theirs")):
            obj = samples[model][index]
            assert (obj.pk in shown) is sees(role, which), (model, role, which)

    for index, which in enumerate(("mine", "theirs")):
        obj = samples[model][index]
        visible = sees(role, which)
        before = snapshot(obj, data_fields(model))

        # read the change form
        page = get(url(model, obj.pk, "change"))
        if visible:
            assert page.status_code == 200, (model, role, which)
        else:
            assert page.status_code == 302, (model, role, which, page.status_code)
            log.append(page["Location"])

        # post it back with every relation pointed at the other city
        data = form_data(page.content.decode()) if visible else {}
        data, changed = tampered(data, model, samples, which)
        response = post(url(model, obj.pk, "change"), data)
        if visible and writes(role) and response.status_code == 200:
            # refused because of the foreign keys: each one the form has is in its errors
            form = response.context["adminform"].form
            offered = [f.name for f in changed if f.name in form.fields]
            assert set(offered) <= set(form.errors), (model, role, offered, form.errors)
        after = snapshot(obj, data_fields(model))
        if not (visible and writes(role)):
            assert after == before, (model, role, which, "written without the right")
        for field in changed:
            theirs = samples[field.related_model][1 if which == "mine" else 0].pk
            value = snapshot(obj, [field])[field.name]
            assert value != theirs and theirs not in (value if isinstance(value, list) else []), (
                model,
                role,
                which,
                field.name,
            )

        # delete: the confirmation page and the post
        delete = get(url(model, obj.pk, "delete"))
        if visible and writes(role) and model_admin.has_delete_permission(_request(user), obj):
            assert delete.status_code == 200
        else:
            assert delete.status_code in (302, 403), (model, role, which, delete.status_code)
            post(url(model, obj.pk, "delete"), {"post": "yes"})
            assert type(obj)._default_manager.filter(pk=obj.pk).exists(), (model, role, which)

        # the history and its entries, read only
        if hasattr(model, "history"):
            history = get(url(model, obj.pk, "history"))
            assert (history.status_code == 200) is visible, (model, role, which)
            if visible:
                assert str(obj) in history.content.decode() or history.context
            record = obj.history.order_by("history_id").first()  # the first version
            before_revert = snapshot(obj, data_fields(model))
            entry = get(url(model, obj.pk, "history", record.history_id))
            assert (entry.status_code == 200) is visible, (model, role, which, entry.status_code)
            revert = post(
                url(model, obj.pk, "history", record.history_id),
                form_data(entry.content.decode()) if visible else {},
            )
            assert revert.status_code in (302, 403, 405), (model, role, which)
            # nobody reverts, whoever they are: changes go through the services
            assert snapshot(obj, data_fields(model)) == before_revert, (model, role, which)

    # the add form, posted with every relation pointed at the other city
    add = get(url(model, "add"))
    may_add = user is not None and writes(role) and model_admin.has_add_permission(_request(user))
    assert (add.status_code == 200) is may_add, (model, role, add.status_code)
    data = form_data(add.content.decode()) if may_add else {}
    for name, values in list(data.items()):
        if not any(values) and not name.endswith(("TOTAL_FORMS", "INITIAL_FORMS")):
            data[name] = ["x-" + name]
    mine_or_theirs = 0 if role == "coord_other" else 1  # the city that is not the user's
    foreign = {
        f: samples[f.related_model][mine_or_theirs]
        for f in relations(model)
        if f.related_model in samples
    }
    for field, target in foreign.items():
        data[field.name] = [str(target.pk)]
    counts = {f: _pointing(model, f, t) for f, t in foreign.items()}
    response = post(url(model, "add"), data)
    if may_add:
        assert response.status_code == 200, (model, role, response.status_code)
        form = response.context["adminform"].form
        offered = [f.name for f in foreign if f.name in form.fields]
        assert offered and set(offered) <= set(form.errors), (model, role, form.errors)
    for field, target in foreign.items():
        assert _pointing(model, field, target) == counts[field], (model, role, field.name)


def _pointing(model, field, target) -> int:
    return model._default_manager.filter(**{field.name: target}).count()


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_nobody_changes_their_own_role_region_or_unit(client, world, samples):
    from regions.models import Region

    coordinator = world.coordinator
    client.force_login(coordinator)
    path = url(type(coordinator), coordinator.pk, "change")
    data = form_data(client.get(path).content.decode())
    parent = Region.objects.get(code="140000")  # 山西省, above 太原市
    data.update(role=["leader"], region=[str(parent.pk)], unit=[str(world.czj_unit.pk)])
    client.post(path, data)
    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.region_id, coordinator.unit_id) == (
        "coordinator",
        world.region.pk,
        None,
    )


def test_a_coordinator_creates_users_below_it_with_what_their_role_brings(client, world):
    from regions.models import Region, User

    client.force_login(world.coordinator)
    data = form_data(client.get("/admin/regions/user/add/").content.decode())
    data.update(
        username=["xd_coord"],
        password1=["Pw-long-enough-2026"],
        password2=["Pw-long-enough-2026"],
        role=["coordinator"],
        region=[str(Region.objects.get(code="140105").pk)],
    )
    client.post("/admin/regions/user/add/", data)
    created = User.objects.get(username="xd_coord")
    assert created.is_staff and created.groups.filter(name="协调员").exists()
    data.update(username=["above"], region=[str(Region.objects.get(code="140000").pk)])
    client.post("/admin/regions/user/add/", data)
    assert not User.objects.filter(username="above").exists()  # 山西省 is above 太原市


CALENDAR_ROLES = ["top_coord", "coord", "coord_other", "leader", "unit", "anon"]


@pytest.mark.parametrize("role", CALENDAR_ROLES)
def test_the_holiday_calendar_is_read_by_all_and_kept_by_top_region_coordinators(
    client, world, role
):
    from regions.models import Region
    from tasks_app.models import HolidayDay, HolidayYear

    top = user_upsert(
        username="province",
        password="pw-123456",
        role="coordinator",
        region=Region.objects.get(code="140000"),
    )
    user = {
        "top_coord": top,
        "coord": world.coordinator,  # 太原市, below 山西省
        "coord_other": world.other_coordinator,  # 别市 has no region above it: a top region
        "leader": world.leader,
        "unit": world.czj,
        "anon": None,
    }[role]
    calendar = HolidayYear.objects.create(year=2027)
    HolidayDay.objects.create(calendar=calendar, date="2027-01-01", kind="off", name="元旦")
    if user:
        client.force_login(user)
    keeps = role in ("top_coord", "coord_other")
    reads = role not in ("unit", "anon")
    base = "/admin/tasks_app/holidayyear/"
    status = {
        base: 200 if reads else 302,
        f"{base}{calendar.pk}/change/": 200 if reads else 302,
        f"{base}{calendar.pk}/history/": 200 if reads else 302,
        f"{base}add/": 200 if keeps else (403 if reads else 302),
        f"{base}{calendar.pk}/delete/": 200 if keeps else (403 if reads else 302),
        f"{base}paste/": 200 if keeps else (403 if reads else 302),
    }
    for path, expected in status.items():
        CASES["count"] += 1
        assert client.get(path).status_code == expected, (role, path)
    page = client.get(f"{base}{calendar.pk}/change/")
    data = form_data(page.content.decode()) if reads else {}
    data.update(
        {
            "year": ["2027"],
            "days-TOTAL_FORMS": ["1"],
            "days-INITIAL_FORMS": ["0"],
            "days-0-date": ["2027-10-01"],
            "days-0-kind": ["off"],
            "days-0-name": ["国庆节"],
        }
    )
    CASES["count"] += 1
    client.post(f"{base}{calendar.pk}/change/", data)
    added = HolidayDay.objects.filter(date="2027-10-01").exists()
    assert added is keeps, role
