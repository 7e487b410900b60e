"""What the admin offers, generated from the admin registry: every list filter on a relation
offers only what the user may see, and a leader (read only) is offered no control that
would be refused — no add, save or delete, no action that writes — on any change list or
change page; the leader's landing pages say what a leader can do."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.test import RequestFactory

from core.admin import ScopedAdmin, ScopedRelatedFieldListFilter, visible
from regions.models import Region, Unit, UnitGroup, User
from regions.services import user_upsert
from tasks_app.models import ProgressReport, Task, WorkPlan
from tests.admin_samples import build_samples
from tests.test_admin_access import ALL_REGISTERED, REGISTERED, url

pytestmark = pytest.mark.django_db

NAMED = [Region, Unit, UnitGroup, WorkPlan, Task, User]  # what a filter choice could leak
SCOPED = [m for m in ALL_REGISTERED if isinstance(admin.site._registry[m], ScopedAdmin)]


@pytest.fixture
def samples(world):
    return build_samples(world)


@pytest.fixture
def regional(world, samples):
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
    }


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def hidden_names(user) -> set[str]:
    """The names of every plan, region, unit, group, task and user the user may not see
    (less those that some visible object shares)."""
    request = _request(user)
    hidden, shown = set(), set()
    for model in NAMED:
        allowed = set(visible(admin.site, request, model).values_list("pk", flat=True))
        for obj in model._default_manager.all():
            (shown if obj.pk in allowed else hidden).add(str(obj))
    return hidden - shown


def filter_choices(response) -> dict[str, list[str]]:
    cl = response.context["cl"]
    return {
        spec.title: [str(c["display"]) for c in spec.choices(cl)]
        for spec in cl.filter_specs
        if isinstance(spec, RelatedFieldListFilter)
    }


def test_every_relation_filter_is_scoped():
    # every plain relation path of every list_filter becomes the scoped filter
    scoped = 0
    for model in SCOPED:
        model_admin = admin.site._registry[model]
        request = _request(User(is_superuser=False))
        for written, entry in zip(
            model_admin.list_filter, model_admin.get_list_filter(request), strict=True
        ):
            if isinstance(written, str) and get_fields_from_path(model, written)[-1].is_relation:
                assert entry == (written, ScopedRelatedFieldListFilter), (model, entry)
                scoped += 1
    assert scoped >= 8  # plan, region, task__plan … across the apps


@pytest.mark.parametrize("role", ["coord", "county_coord", "coord_other", "leader"])
def test_list_filters_offer_only_what_the_user_may_see(client, regional, role):
    user = regional[role]
    client.force_login(user)
    hidden = hidden_names(user)
    assert hidden  # there is another city to hide
    offered_any = []
    for model in SCOPED:
        response = client.get(url(model))
        assert response.status_code == 200, (model, role)
        for title, choices in filter_choices(response).items():
            leaked = set(choices) & hidden
            assert not leaked, (model._meta.label, role, title, leaked)
            offered_any += choices
            sidebar = response.content.decode().split('id="changelist-filter"', 1)[-1]
            for name in hidden:
                assert f">{name}</a>" not in sidebar, (model._meta.label, role, name)
    # the filters are there, with the user's own objects (小店区's coordinator sees one region
    # and no plan of its own: a filter of a single choice is not shown)
    assert (str(user.region) in offered_any) is (role != "county_coord"), (role, offered_any)


def test_the_plan_filters_of_taiyuan_and_another_city(client, world, samples):
    from tasks_app.parsing import parse_text
    from tasks_app.services.imports import workplan_import

    sides = (
        (world.region, world.coordinator, "市财政局"),
        (samples[WorkPlan][1].region, world.other_coordinator, "别市财政局"),
    )
    for region, user, unit in sides:  # a second plan each: a single-choice filter is not shown
        text = f"{region.name}2026年第二份要点\n一、公开\n(一)公开。({unit}负责落实)\n"
        end = dt.date(2026, 12, 31)
        workplan_import(outline=parse_text(text), region=region, user=user, period_end=end)
    other_plan = samples[WorkPlan][1]
    for user, own, foreign in (
        (world.coordinator, world.plan.title, other_plan.title),
        (world.other_coordinator, other_plan.title, world.plan.title),
    ):
        client.force_login(user)
        for path in ("/admin/tasks_app/task/", "/admin/tasks_app/assignment/"):
            choices = [c for cs in filter_choices(client.get(path)).values() for c in cs]
            assert own in choices and foreign not in choices, (user, path, choices)
    client.force_login(world.coordinator)
    regions = filter_choices(client.get("/admin/tasks_app/workplan/"))
    offered = [c for cs in regions.values() for c in cs]
    assert "太原市" in offered and "别市" not in offered, offered


# --- the leader: nothing offered that would be refused ---------------------------------

WRITE_CONTROLS = [
    re.compile(r'name="_(save|continue|addanother|saveasnew|accept|return)"'),
    re.compile(r'class="[^"]*\b(addlink|deletelink)\b'),
    re.compile(r'href="[^"]*/(add|delete|password)/"'),
    re.compile(r'value="delete_selected"'),
    re.compile(r'/workplan/import/"'),
]


def write_controls(html: str) -> list[str]:
    return [m.group(0) for pattern in WRITE_CONTROLS for m in pattern.finditer(html)]


def writing_actions(model, coordinator) -> list[str]:
    """The actions a coordinator is offered on the model's change list, less any marked as
    only reading."""
    actions = admin.site._registry[model].get_actions(_request(coordinator))
    return [name for name, a in actions.items() if not getattr(a[0], "reads_only", False)]


@pytest.mark.parametrize("model", REGISTERED + [m for m in ALL_REGISTERED if m not in REGISTERED])
def test_a_leader_is_offered_no_write_control(client, world, samples, model):
    client.force_login(world.leader)
    listing = client.get(url(model))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert not write_controls(html), (model, write_controls(html))
    for name in writing_actions(model, world.coordinator):
        assert f'value="{name}"' not in html, (model, name)
    obj = samples[model][0] if model in samples else model._default_manager.first()
    if obj is None:  # the national calendar: one year, as its keepers enter it
        obj = model._default_manager.create(year=2026)
    page = client.get(url(model, obj.pk, "change"))
    assert page.status_code == 200, (model, page.status_code)
    html = page.content.decode()
    assert not write_controls(html), (model, write_controls(html))
    assert 'type="submit"' not in html.split('id="content"', 1)[1], model


def test_the_coordinator_is_offered_its_writing_actions(client, world, samples):
    # the other side of the rule: the actions are there for those who may use them
    client.force_login(world.coordinator)
    html = client.get("/admin/tasks_app/progressreport/").content.decode()
    assert 'value="accept_selected"' in html and 'value="return_selected"' in html
    assert writing_actions(Task, world.coordinator)  # at least delete_selected


def test_the_leader_landing_pages_say_what_a_leader_can_do(client, world):
    client.force_login(world.leader)
    index = client.get("/admin/").content.decode()
    assert 'id="leader-landing"' in index
    for words in (
        "各地进展",
        "各单位进展",
        "逾期事项",
        "年度考核",
        "通报",
        "导出",
        "不能修改任何内容",
    ):
        assert words in index, words
    assert "导入工作要点" not in index and not write_controls(index)
    home = client.get("/").content.decode()
    assert 'id="leader-landing"' in home and "不能修改任何内容" in home
    assert "导入工作要点" not in home
    client.force_login(world.coordinator)
    assert 'id="leader-landing"' not in client.get("/admin/").content.decode()
    assert "导入工作要点" in client.get("/admin/").content.decode()


def test_a_leader_is_offered_no_review_buttons_on_a_pending_claim(client, world):
    from tasks_app.services import assignments as svc

    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    claim = svc.report_create(
        user=world.czj, assignment_id=world.czj_own.pk, text="已完成", progress=100, completion=True
    )
    client.force_login(world.coordinator)
    assert 'name="_accept"' in client.get(url(ProgressReport, claim.pk, "change")).content.decode()
    client.force_login(world.leader)
    html = client.get(url(ProgressReport, claim.pk, "change")).content.decode()
    assert not write_controls(html), write_controls(html)
