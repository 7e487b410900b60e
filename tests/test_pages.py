"""The pages a person meets first: login, the unit's home page, the admin for each role."""

import pytest
from django.urls import reverse

from regions.models import User
from tasks_app.demo import demo_load
from tasks_app.models import Assignment, WorkPlan

ADMIN_MODELS = [
    "regions/region",
    "regions/unit",
    "regions/unitgroup",
    "regions/user",
    "tasks_app/workplan",
    "tasks_app/task",
    "tasks_app/assignment",
    "tasks_app/progressreport",
    "tasks_app/extensionrequest",
    "notify/reminder",
    "notify/maillog",
    "notify/digest",
]


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return {login.username: login.password for login in demo_load()}


def login(client, demo, username):
    """Through the login page, as a person does (every login is counted by django-axes)."""
    response = client.post(reverse("login"), {"username": username, "password": demo[username]})
    assert response.status_code == 302, response.status_code
    return client


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(reverse("login"))
    assert "登录" in page.content.decode()


def test_demo_logins_work_with_the_printed_passwords(client, demo):
    assert set(demo) == {"coordinator", "leader", "fgw", "yunhu", "taiyuan", "province", "lanxi"}
    response = client.post(reverse("login"), {"username": "yunhu", "password": demo["yunhu"]})
    assert response.status_code == 302
    assert client.get("/my-tasks-does-not-exist/").status_code == 404
    assert client.get("/", follow=True).context["user"].username == "yunhu"


def test_demo_load_again_keeps_the_same_passwords(client, demo):
    again = {login.username: login.password for login in demo_load()}
    assert again == demo
    assert User.objects.filter(username__in=demo).count() == 7


def test_unit_user_home_shows_the_unit_and_its_assignment_counts(client, demo):
    body = login(client, demo, "fgw").get("/", follow=True).content.decode()
    assert "市发展改革委" in body
    waiting = Assignment.objects.filter(unit__short_name="市发展改革委", state="assigned").count()
    assert waiting > 0  # the sample plan assigns it work
    assert f"待签收:<strong>{waiting}</strong>" in body
    assert "管理后台" not in body
    assert "我的任务" in body


def test_unit_user_is_kept_out_of_the_admin(client, demo):
    response = login(client, demo, "fgw").get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_coordinator_opens_every_admin_list(client, demo, model):
    response = login(client, demo, "coordinator").get(f"/admin/{model}/")
    assert response.status_code == 200


ADDABLE = [
    "regions/region",
    "regions/unit",
    "regions/unitgroup",
    "regions/user",
    "tasks_app/workplan",
    "tasks_app/task",
    "tasks_app/assignment",
]


@pytest.mark.parametrize("model", ADDABLE)
def test_coordinator_opens_every_admin_add_form(client, demo, model):
    assert login(client, demo, "coordinator").get(f"/admin/{model}/add/").status_code == 200


@pytest.mark.parametrize(
    "model", ["tasks_app/progressreport", "tasks_app/extensionrequest", "notify/reminder"]
)
def test_records_made_by_units_or_the_system_cannot_be_added_in_the_admin(client, demo, model):
    assert login(client, demo, "coordinator").get(f"/admin/{model}/add/").status_code == 403


def test_unit_and_group_pages_show_in_chinese_with_expansion(client, demo):
    client = login(client, demo, "taiyuan")
    units = client.get("/admin/regions/unit/?q=卫计委").content.decode()
    assert "市卫生计生委" in units  # found through its alias
    from regions.models import UnitGroup

    group = UnitGroup.objects.get(name="各县(市、区)人民政府", region__code="140100")
    page = client.get(f"/admin/regions/unitgroup/{group.pk}/change/").content.decode()
    assert "10 个" in page
    assert "古交市政府" in page


def test_region_autocomplete_finds_counties(client, demo):
    response = login(client, demo, "taiyuan").get(
        "/admin/autocomplete/",
        {"term": "小店", "app_label": "regions", "model_name": "unit", "field_name": "region"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["小店区"]


def test_leader_reads_but_cannot_add(client, demo):
    client = login(client, demo, "leader")
    assert client.get("/admin/tasks_app/assignment/").status_code == 200
    assert client.get("/admin/tasks_app/assignment/add/").status_code == 403


def test_demo_leaves_work_on_both_sides(client, demo):
    from tasks_app.models import ExtensionRequest, ProgressReport

    assert ProgressReport.objects.filter(review_status="pending").count() == 1
    assert ExtensionRequest.objects.filter(status="pending").count() == 1
    client = login(client, demo, "coordinator")
    queue = client.get("/admin/tasks_app/progressreport/", {"review_status__exact": "pending"})
    assert len(queue.context["cl"].result_list) == 1
    client = login(client, demo, "fgw")
    assert "待审核" in client.get("/tasks/").content.decode()


def test_demo_imports_the_sample_plan_once(demo):
    # the city's own plan; its other plan is the split of an item from the province
    own = WorkPlan.objects.filter(region__code="990100", parent_assignment__isnull=True)
    plan = own.get()
    assert plan.tasks.count() == 37
    count = Assignment.objects.filter(task__plan=plan).count()
    demo_load()
    assert own.count() == 1
    assert Assignment.objects.filter(task__plan=plan).count() == count


def test_coordinators_admin_shows_only_their_region(client, demo):
    client = login(client, demo, "coordinator")  # 云川市
    units = client.get("/admin/regions/unit/").context["cl"].queryset
    assert units.filter(region__code__startswith="14").count() == 0
    assert units.filter(region__code="990100").exists()
    plans = client.get("/admin/tasks_app/workplan/").context["cl"].queryset
    assert {p.region.code for p in plans} == {"990100"}


def test_coordinator_cannot_promote_anyone(client, demo):
    client = login(client, demo, "coordinator")
    fgw = User.objects.get(username="fgw")
    page = client.get(f"/admin/regions/user/{fgw.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    me = User.objects.get(username="coordinator")
    client.post(
        f"/admin/regions/user/{me.pk}/change/", {"username": "coordinator", "is_superuser": "on"}
    )
    me.refresh_from_db()
    assert not me.is_superuser
