"""The conversation (沟通记录) on the unit's assignment page, in the admin and in the API:
who sees it, who posts, mentions highlighted, text escaped, queries fixed."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from notify.models import Comment
from notify.services.comments import comment_create
from regions.services import user_upsert

SECRET = "财政局内部意见"


@pytest.fixture
def zhang(world):
    return user_upsert(
        username="zhangsan",
        password="pw-123456",
        role="unit_user",
        display_name="张三",
        unit=world.czj_unit,
    )


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _page(client, user, assignment_id):
    client.force_login(user)
    return client.get(f"/tasks/{assignment_id}/")


# --- the unit's page -----------------------------------------------------------------------


def test_a_unit_posts_and_sees_the_thread_with_author_unit_local_minute_and_mentions(
    client, world, zhang
):
    a = world.czj_own.pk
    client.force_login(world.czj)
    response = client.post(f"/tasks/{a}/comments/", {"text": "@张三 请核实预算表"})
    assert response.status_code == 302 and response["Location"] == f"/tasks/{a}/#comments"
    comment = Comment.objects.get()
    assert list(comment.mentions.all()) == [zhang]
    # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai
    Comment.objects.filter(pk=comment.pk).update(
        created_at=dt.datetime(2026, 3, 1, 23, 30, 59, tzinfo=dt.UTC)
    )
    html = client.get(f"/tasks/{a}/").content.decode()
    assert "沟通记录" in html and f'action="/tasks/{a}/comments/"' in html
    assert "<strong>czj</strong>(市财政局)" in html
    assert "2026-03-02 07:30" in html
    assert '<mark class="mention">@张三</mark> 请核实预算表' in html
    assert "留言:@张三 请核实预算表" in html  # and a line in the timeline


def test_a_comment_is_escaped_on_the_page_and_in_the_admin(client, world):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> @coord'
    comment_create(user=world.czj, assignment_id=world.czj_own.pk, text=attack)
    for url, user in [
        (f"/tasks/{world.czj_own.pk}/", world.czj),
        (f"/admin/tasks_app/assignment/{world.czj_own.pk}/change/", world.coordinator),
    ]:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert '<script>alert("x")' not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x" in html, url
        assert '<mark class="mention">@coord</mark>' in html, url


def test_an_empty_post_is_refused_with_a_message_and_nothing_is_saved(client, world):
    client.force_login(world.czj)
    response = client.post(f"/tasks/{world.czj_own.pk}/comments/", {"text": "  "}, follow=True)
    assert "留言内容不能为空" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_post_goes_back_to_a_local_next_page_only(client, world):
    a = world.czj_own.pk
    client.force_login(world.coordinator)
    admin_page = f"/admin/tasks_app/assignment/{a}/change/"
    back = client.post(f"/tasks/{a}/comments/", {"text": "好", "next": admin_page})
    assert back["Location"] == f"{admin_page}#comments"
    away = client.post(f"/tasks/{a}/comments/", {"text": "好", "next": "https://evil.example/"})
    assert away["Location"] == f"/tasks/{a}/#comments"


def test_a_leader_reads_the_thread_without_a_post_box_and_cannot_post(client, world):
    comment_create(user=world.czj, assignment_id=world.czj_own.pk, text=SECRET)
    html = _page(client, world.leader, world.czj_own.pk).content.decode()
    assert SECRET in html and "发布留言" not in html
    assert client.post(f"/tasks/{world.czj_own.pk}/comments/", {"text": "x"}).status_code == 403
    assert (
        _api(world.leader)
        .get(f"/api/assignments/{world.czj_own.pk}/comments/")
        .json()["results"][0]["text"]
        == SECRET
    )
    response = _api(world.leader).post(
        f"/api/assignments/{world.czj_own.pk}/comments/", {"text": "x"}, format="json"
    )
    assert response.status_code == 403 and "领导只能查看" in response.json()["detail"]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("who", ["county", "other_coordinator"])
def test_another_units_or_regions_thread_is_not_found_in_page_api_and_admin(client, world, who):
    comment_create(user=world.czj, assignment_id=world.czj_own.pk, text=SECRET)
    user = getattr(world, who)
    a = world.czj_own.pk
    client.force_login(user)
    assert client.get(f"/tasks/{a}/").status_code == 404
    assert client.post(f"/tasks/{a}/comments/", {"text": "x"}).status_code == 404
    api = _api(user)
    assert api.get(f"/api/assignments/{a}/comments/").status_code == 404
    for body in ({"text": "x"}, {}):  # not found whatever the body, never a 400
        assert api.post(f"/api/assignments/{a}/comments/", body, format="json").status_code == 404
    admin = client.get(f"/admin/tasks_app/assignment/{a}/change/", follow=True)
    assert SECRET not in admin.content.decode()
    assert Comment.objects.count() == 1


def test_the_lead_unit_reads_and_writes_its_partners_thread_on_its_task_only(client, world):
    shared, other = world.czj_shared.pk, world.czj_own.pk
    comment_create(user=world.czj, assignment_id=shared, text="@fgw 已配合")
    html = _page(client, world.fgw, shared).content.decode()
    assert '<mark class="mention">@fgw</mark> 已配合' in html and "发布留言" in html
    assert client.post(f"/tasks/{shared}/comments/", {"text": "收到"}).status_code == 302
    api = _api(world.fgw)
    assert (
        api.post(
            f"/api/assignments/{shared}/comments/", {"text": "再次确认"}, format="json"
        ).status_code
        == 201
    )
    assert [
        c["text"] for c in api.get(f"/api/assignments/{shared}/comments/").json()["results"]
    ] == [
        "@fgw 已配合",
        "收到",
        "再次确认",
    ]
    # not a thread of a task it does not lead
    assert client.get(f"/tasks/{other}/").status_code == 404
    assert client.post(f"/tasks/{other}/comments/", {"text": "x"}).status_code == 404
    assert api.get(f"/api/assignments/{other}/comments/").status_code == 404


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_shows_the_thread_with_a_post_box_for_coordinators_only(client, world):
    comment_create(user=world.czj, assignment_id=world.czj_own.pk, text=SECRET)
    url = f"/admin/tasks_app/assignment/{world.czj_own.pk}/change/"
    client.force_login(world.coordinator)
    html = client.get(url).content.decode()
    assert SECRET in html and "发布留言" in html and f'value="{url}"' in html
    client.force_login(world.leader)
    html = client.get(url).content.decode()
    assert SECRET in html and "发布留言" not in html


# --- the API --------------------------------------------------------------------------------


def test_the_api_posts_and_lists_comments_with_mentions(world, zhang):
    api = _api(world.czj)
    url = f"/api/assignments/{world.czj_own.pk}/comments/"
    created = api.post(url, {"text": "@张三 @coord 请看"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["author"] == "czj" and body["author_unit"] == "市财政局"
    assert sorted(body["mentions"]) == ["coord", "zhangsan"]
    coordinator = _api(world.coordinator)
    assert coordinator.post(url, {"text": "收到"}, format="json").status_code == 201
    rows = coordinator.get(url).json()["results"]
    assert [(r["author_name"], r["author_unit"]) for r in rows] == [
        ("czj", "市财政局"),
        ("coord", None),
    ]
    assert api.post(url, {"text": "   "}, format="json").status_code == 400
    assert api.post(url, {"text": "字" * 5001}, format="json").status_code == 400


def test_the_schema_documents_the_comments_endpoint(client, world):
    client.force_login(world.coordinator)
    schema = client.get("/api/schema/?format=json").json()
    item = schema["paths"]["/api/assignments/{assignment_id}/comments/"]
    assert {"get", "post"} <= set(item)


# --- queries --------------------------------------------------------------------------------


def _count(get, url) -> int:
    get(url)
    with CaptureQueriesContext(connection) as queries:
        response = get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


# the thread's share of each: the access check, the comments, their mentions, the timeline's
# comments, and for the lead unit whether it may write in a partner's thread; plus the bell (1)
QUERIES = {
    ("czj", "tasks"): 14,
    ("fgw", "tasks"): 15,
    ("coordinator", "admin"): 15,  # + the write check (its plan) and 下级分解落实
    ("czj", "api"): 4,
}


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("czj", "/tasks/{a}/"),
        ("fgw", "/tasks/{shared}/"),
        ("coordinator", "/admin/tasks_app/assignment/{a}/change/"),
        ("czj", "/api/assignments/{a}/comments/"),
    ],
)
def test_the_thread_costs_the_same_queries_for_1_and_50_comments(client, world, zhang, who, url):
    url = url.format(a=world.czj_own.pk, shared=world.czj_shared.pk)
    target = world.czj_shared.pk if who == "fgw" else world.czj_own.pk
    user = getattr(world, who)
    if url.startswith("/api/"):
        get = _api(user).get
    else:
        client.force_login(user)
        get = client.get

    def add(n):
        for i in range(n):
            comment_create(user=world.czj, assignment_id=target, text=f"第{i}条 @张三 @coord")

    add(1)
    one = _count(get, url)
    add(49)
    assert (one, _count(get, url)) == (QUERIES[(who, url.split("/")[1])],) * 2, url
