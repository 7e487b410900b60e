"""The public page of a plan (政务公开): anonymous HTML and JSON of a frozen snapshot, at an
opaque token; nothing private ever in it (every JSON key against an allow-list, every
private string of the database against the bytes served); unpublishing removes it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.errors import ForbiddenError, NotFoundError
from regions.services import user_upsert
from reporting.models import PublicPlan
from reporting.services.public_plans import plan_publish, plan_unpublish
from tasks_app.models import Assignment, ProgressReport
from tasks_app.services import assignments as svc
from tasks_app.services.report_visibility import reports_set_public
from tests.conftest import add_assignments

ON = dt.date(2026, 7, 15)  # after 一/(一)'s due date (June): it is overdue then

# Every key the JSON may hold, at any depth. A new key fails the test until it is added here,
# after asking whether the public may read it.
ALLOWED_KEYS = {
    # top level
    "plan",
    "as_of",
    "published_at",
    "totals",
    "tasks",
    # plan
    "title",
    "doc_number",
    "issuer",
    "issued_on",
    "period_start",
    "period_end",
    # totals
    "tasks_done",
    "tasks_overdue",
    "assignments",
    "assignments_done",
    "completion_percent",
    # a task
    "ref",
    "number",
    "level",
    "due_date",
    "units",
    "lead_units",
    "state",
    "done",
    "progress_percent",
    "public_reports",
    # a public report
    "unit",
    "date",
    "text",
}


def _keys(value, path="$"):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, f"{path}.{key}"
            yield from _keys(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _keys(inner, f"{path}[{i}]")


def _claim(world, assignment, text):
    assignment.refresh_from_db()
    user = world.czj if assignment.unit_id == world.czj_unit.pk else world.fgw
    if assignment.state == assignment.State.ASSIGNED:
        svc.assignment_sign(user=user, assignment_id=assignment.pk)
    return svc.report_create(
        user=user, assignment_id=assignment.pk, text=text, progress=100, completion=True
    )


@pytest.fixture
def busy(world):
    """The world's plan with everything private a plan gathers: people with names, mails and
    phones; a progress report; a returned claim (with its reason); an accepted claim; an
    extension request refused with a reason; a comment."""
    from notify.services.comments import comment_create
    from regions.models import UnitContact, User

    for n, user in enumerate(User.objects.all()):
        User.objects.filter(pk=user.pk).update(
            first_name=f"名私密{n}",
            last_name=f"姓名私密{n}号",
            email=f"private{n}@mail.example.org",
            phone=f"1390000{n:04d}",
        )
    UnitContact.objects.create(
        unit=world.czj_unit,
        name="联络人私密",
        email="liaison@mail.example.org",
        phone="13800001111",
    )
    a = world.czj_own
    svc.assignment_sign(user=world.czj, assignment_id=a.pk)
    svc.report_create(
        user=world.czj, assignment_id=a.pk, text="内部进展:尚未公开的情况", progress=40
    )
    returned = _claim(world, a, "第一次办结申请的正文")
    svc.report_review(
        user=world.coordinator, report_id=returned.pk, accept=False, comment="退回理由保密"
    )
    extension = svc.extension_request_create(
        user=world.czj,
        assignment_id=a.pk,
        requested_due_date=a.due_date + dt.timedelta(days=30),
        reason="延期理由保密",
    )
    svc.extension_request_decide(
        user=world.coordinator, request_id=extension.pk, approve=False, comment="审批意见保密"
    )
    comment_create(user=world.coordinator, assignment_id=a.pk, text="沟通记录保密内容")
    accepted = _claim(world, world.czj_shared, "财政预算已在门户网站全文公开")
    svc.report_review(user=world.coordinator, report_id=accepted.pk, accept=True)
    return accepted


def _private_strings(world) -> set[str]:
    """What the database holds that the public must never read."""
    from notify.models import Comment
    from regions.models import UnitContact, User
    from tasks_app.models import Evidence, ExtensionRequest

    found = set()
    for u in User.objects.all():
        found |= {u.first_name, u.last_name, u.email, u.phone}
    for c in UnitContact.objects.all():
        found |= {c.name, c.email, c.phone}
    found |= set(Comment.objects.values_list("text", flat=True))
    for e in ExtensionRequest.objects.all():
        found |= {e.reason, e.decision_comment}
    for r in ProgressReport.objects.all():
        found.add(r.review_comment)
        if not r.is_public:
            found.add(r.text)
    found |= {e.file.name for e in Evidence.objects.all()}
    return {s for s in found if s and len(s) >= 4}


def _get(token: str, suffix: str = "/"):
    return Client().get(f"/public/{token}{suffix}")


def _served(token: str) -> str:
    """The HTML and the JSON as served, without the token itself (random letters)."""
    html = _get(token).content.decode()
    data = _get(token, ".json").content.decode()
    return (html + data).replace(token, "")


def test_anyone_reads_the_published_page_and_json_without_signing_in(world):
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)

    html = _get(page.token)
    data = _get(page.token, ".json")

    assert html.status_code == 200 and data.status_code == 200
    text = html.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "<caption>" in text and '<th scope="col">责任单位</th>' in text
    assert "<script" not in text.lower() and "/admin/" not in text
    assert world.plan.title in text and "公开财政预算" in text and "市财政局" in text
    body = data.json()
    assert body["plan"]["title"] == world.plan.title
    assert body["as_of"] == "2026-07-15"
    rows = {t["ref"]: t for t in body["tasks"]}
    assert rows["一/(一)"]["lead_units"] and rows["一/(一)"]["state"] == "已逾期"
    assert rows["一/(一)"]["assignments"] == 2 and rows["一/(一)"]["done"] == 0
    assert body["totals"]["assignments"] == Assignment.objects.filter(task__plan=world.plan).count()


def test_a_task_whose_units_all_claimed_in_time_is_not_overdue_while_the_claims_wait(world):
    """The public state uses the one overdue rule: a completion claim filed by the due date
    is not overdue while it waits for review, even after the due date."""
    task = world.czj_own.task
    items = Assignment.objects.filter(task=task).select_related("unit")
    due = max(a.due_date for a in items)
    filed = timezone.make_aware(dt.datetime.combine(due, dt.time(10)))
    with time_machine.travel(filed, tick=False):
        for a in items:
            user = user_upsert(
                username=f"claim{a.pk}", password="pw-123456", role="unit_user", unit=a.unit
            )
            svc.assignment_sign(user=user, assignment_id=a.pk)
            svc.report_create(
                user=user, assignment_id=a.pk, text="完成", progress=100, completion=True
            )
    page = plan_publish(
        user=world.coordinator, plan_id=world.plan.pk, on=due + dt.timedelta(days=10)
    )
    rows = {t["ref"]: t for t in _get(page.token, ".json").json()["tasks"]}
    assert rows[task.ref]["state"] == "推进中"


def test_every_json_key_is_in_the_allow_list_and_nothing_private_is_served(world, busy):
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)

    body = _get(page.token, ".json").json()

    unexpected = [(k, where) for k, where in _keys(body) if k not in ALLOWED_KEYS]
    assert unexpected == []
    served = _served(page.token)
    private = _private_strings(world)
    assert "退回理由保密" in private and "姓名私密0号" in private and "沟通记录保密内容" in private
    assert [s for s in private if s in served] == []
    assert not re.search(r'"(id|pk|author|user|email|phone)"', served)


def test_a_report_text_appears_only_once_marked_public_and_republished(world, busy):
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    assert busy.text not in _served(page.token)

    changed, problems = reports_set_public(
        user=world.coordinator, report_ids=[busy.pk], public=True
    )
    assert (changed, problems) == (1, [])
    assert busy.text not in _served(page.token)  # frozen until published again

    plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)

    served = _served(page.token)
    assert busy.text in served
    assert "内部进展:尚未公开的情况" not in served and "第一次办结申请的正文" not in served


def test_only_accepted_reports_may_be_marked_public_and_only_by_a_coordinator(world, busy):
    returned = ProgressReport.objects.get(review_status="returned")

    changed, problems = reports_set_public(
        user=world.coordinator, report_ids=[returned.pk], public=True
    )

    assert changed == 0 and len(problems) == 1
    returned.refresh_from_db()
    assert not returned.is_public
    with pytest.raises(ForbiddenError):
        reports_set_public(user=world.leader, report_ids=[busy.pk], public=True)
    changed, _ = reports_set_public(user=world.other_coordinator, report_ids=[busy.pk], public=True)
    assert changed == 0  # another region's coordinator does not see it
    busy.refresh_from_db()
    assert not busy.is_public


def test_the_page_is_frozen_until_published_again(world):
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    claim = _claim(world, world.czj_own, "已办结")
    svc.report_review(user=world.coordinator, report_id=claim.pk, accept=True)

    assert _get(page.token, ".json").json()["totals"]["assignments_done"] == 0

    again = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)

    assert again.token == page.token  # the same address while it stays published
    assert _get(page.token, ".json").json()["totals"]["assignments_done"] == 1


def test_unpublishing_answers_not_found_like_an_unknown_token(world):
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    unknown = _get("x" + page.token)

    plan_unpublish(user=world.coordinator, plan_id=world.plan.pk)

    for suffix in ("/", ".json"):
        gone = _get(page.token, suffix)
        assert gone.status_code == 404
        assert gone.content == unknown.content
    again = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    assert again.token != page.token  # a withdrawn address never comes back
    assert _get(page.token).status_code == 404 and _get(again.token).status_code == 200
    assert PublicPlan.history.filter(plan=world.plan).count() == 3


def test_tokens_are_long_random_and_unrelated_to_ids(world):
    from tests.admin_samples import build_other_city

    other = build_other_city(world)

    mine = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    theirs = plan_publish(user=world.other_coordinator, plan_id=other.plan.pk, on=ON)

    for page in (mine, theirs):
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", page.token)
    assert mine.token != theirs.token
    prefix = len(
        [a for a, b in zip(mine.token, theirs.token, strict=True) if a == b]
    )  # matching positions: random ones share about 1 in 64
    assert prefix < 16
    assert _get(str(world.plan.pk)).status_code == 404


def test_cache_headers_follow_the_publishing_time(world):
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)

    first = _get(page.token)

    assert first["Cache-Control"] == "public, max-age=300"
    assert first["ETag"] and first["Last-Modified"]
    assert _get(page.token, ".json")["ETag"] == first["ETag"]
    again = Client().get(f"/public/{page.token}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    refreshed = Client().get(f"/public/{page.token}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert refreshed.status_code == 200 and refreshed["ETag"] != first["ETag"]


def test_a_leader_and_another_regions_coordinator_cannot_publish(world, client):
    with pytest.raises(ForbiddenError):
        plan_publish(user=world.leader, plan_id=world.plan.pk, on=ON)
    with pytest.raises(NotFoundError):
        plan_publish(user=world.other_coordinator, plan_id=world.plan.pk, on=ON)
    client.force_login(world.leader)
    url = f"/admin/tasks_app/workplan/{world.plan.pk}/public/"
    assert client.post(url, {"action": "publish"}).status_code == 403
    client.force_login(world.other_coordinator)
    assert client.post(url, {"action": "publish"}).status_code == 404
    assert not PublicPlan.objects.exists()
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    with pytest.raises(ForbiddenError):
        plan_unpublish(user=world.leader, plan_id=world.plan.pk)
    with pytest.raises(NotFoundError):
        plan_unpublish(user=world.other_coordinator, plan_id=world.plan.pk)
    assert _get(page.token).status_code == 200


def test_the_plans_admin_page_offers_publishing_to_coordinators_only(world, client):
    url = f"/admin/tasks_app/workplan/{world.plan.pk}/change/"
    client.force_login(world.coordinator)
    assert "公开进展</button>" in client.get(url).content.decode()

    response = client.post(
        f"/admin/tasks_app/workplan/{world.plan.pk}/public/", {"action": "publish"}, follow=True
    )

    page = PublicPlan.objects.get(plan=world.plan)
    text = response.content.decode()
    assert f"/public/{page.token}/" in text and "取消公开</button>" in text
    client.force_login(world.leader)
    text = client.get(url).content.decode()
    assert f"/public/{page.token}/" in text
    assert "公开(刷新数据)</button>" not in text and "取消公开</button>" not in text


@pytest.mark.parametrize("more", [0, 40])
def test_the_public_page_reads_the_snapshot_only(world, django_assert_num_queries, more):
    add_assignments(world, world.czj_unit, more)
    page = plan_publish(user=world.coordinator, plan_id=world.plan.pk, on=ON)
    client = Client()

    with django_assert_num_queries(1):
        assert client.get(f"/public/{page.token}/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"/public/{page.token}.json").status_code == 200
