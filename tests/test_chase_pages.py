"""催办 from the pages a coordinator works on: an assignment's page, the overdue list and the
matrix. Each goes through the admin's one chase action (its confirmation with the optional
message, its access check) and comes back to the page it started from."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notify.models import Notice
from tasks_app.models import Assignment

pytestmark = pytest.mark.django_db

ON = dt.datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
CHASE = "/admin/tasks_app/workplan/progress/chase/"
CHANGELIST = "/admin/tasks_app/assignment/"


@pytest.fixture
def overdue(world):
    """czj's own item and the county's are overdue on ON; fgw's lead item is done."""
    Assignment.objects.filter(pk__in=[world.czj_own.pk, world.county_own.pk]).update(
        due_date=dt.date(2026, 3, 2)
    )
    Assignment.objects.filter(pk=world.fgw_lead.pk).update(
        due_date=dt.date(2026, 3, 2),
        state=Assignment.State.DONE,
        progress=100,
        signed_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        submitted_at=dt.datetime(2026, 2, 27, tzinfo=dt.UTC),
        done_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    with time_machine.travel(ON, tick=False):
        yield world


def _confirm_then_apply(client, confirm, message):
    """The confirmation page's form, filled with `message` and posted where it points."""
    page = confirm.content.decode()
    assert confirm.status_code == 200 and "督办意见(可选)" in page
    ids = confirm.context["objects"].values_list("pk", flat=True)
    data = {
        "action": "chase_selected",
        "_selected_action": list(ids),
        "apply": "1",
        "comment": message,
        "next": confirm.context["next"],
    }
    return client.post(confirm.context.get("form_action") or CHANGELIST, data), list(ids)


def test_an_assignment_page_chases_its_item_and_comes_back(client, overdue):
    w = overdue
    client.force_login(w.coordinator)
    page_url = f"/admin/tasks_app/assignment/{w.czj_own.pk}/change/"
    page = client.get(page_url).content.decode()
    assert 'id="chase"' in page and "催办此事项" in page
    confirm = client.post(
        CHANGELIST,
        {"action": "chase_selected", "_selected_action": [w.czj_own.pk], "next": page_url},
    )
    done, ids = _confirm_then_apply(client, confirm, "请本周反馈")
    assert ids == [w.czj_own.pk]
    assert done.status_code == 302 and done["Location"] == page_url
    notice = Notice.objects.get(event="chased")
    assert notice.unit == w.czj_unit and "督办意见:请本周反馈" in notice.text
    # a finished item offers no 催办
    done_page = client.get(f"/admin/tasks_app/assignment/{w.fgw_lead.pk}/change/")
    assert 'id="chase"' not in done_page.content.decode()


def test_the_overdue_list_chases_the_ticked_items(client, overdue):
    w = overdue
    client.force_login(w.coordinator)
    listing = client.get("/admin/tasks_app/workplan/progress/overdue/").content.decode()
    assert 'form="overdue-chase"' in listing
    assert f'name="_selected_action" value="{w.czj_own.pk}"' in listing
    assert f'name="_selected_action" value="{w.county_own.pk}"' in listing
    back = "/admin/tasks_app/workplan/progress/overdue/?plan=" + str(w.plan.pk)
    confirm = client.post(
        CHASE,
        {
            # another region's id, a finished item and junk are dropped, not an error
            "_selected_action": [w.czj_own.pk, w.county_own.pk, w.fgw_lead.pk, "x", 10**9],
            "next": back,
        },
    )
    done, ids = _confirm_then_apply(client, confirm, "")
    assert sorted(ids) == sorted([w.czj_own.pk, w.county_own.pk])
    assert done.status_code == 302 and done["Location"] == back
    told = Notice.objects.filter(event="chased").values_list("unit__short_name", flat=True)
    assert sorted(told) == sorted(["市财政局", "小店区政府"])  # one notice per unit


def test_the_matrix_chases_the_overdue_items_of_the_ticked_columns(client, overdue):
    w = overdue
    client.force_login(w.coordinator)
    matrix_url = f"/admin/tasks_app/workplan/{w.plan.pk}/matrix/?by=unit"
    matrix = client.get(matrix_url).content.decode()
    column = f'name="column" value="{w.czj_unit.pk}" form="matrix-chase"'
    assert column in matrix
    confirm = client.post(
        CHASE,
        {"plan": w.plan.pk, "by": "unit", "column": [w.czj_unit.pk], "next": matrix_url},
    )
    done, ids = _confirm_then_apply(client, confirm, "月底前办结")
    assert ids == [w.czj_own.pk]  # czj's shared item is not overdue; the county not ticked
    assert done["Location"] == matrix_url
    assert Notice.objects.get(event="chased").unit == w.czj_unit


def test_the_matrix_by_county_chases_the_own_units_column(client, overdue):
    """By county, the city's own units are one column (本级部门及单位, value 0): ticking it
    chases their overdue items, not the counties'."""
    w = overdue
    client.force_login(w.coordinator)
    matrix_url = f"/admin/tasks_app/workplan/{w.plan.pk}/matrix/"
    matrix = client.get(matrix_url).content.decode()
    assert 'name="column" value="0" form="matrix-chase">本级部门及单位' in matrix
    confirm = client.post(CHASE, {"plan": w.plan.pk, "column": [0], "next": matrix_url})
    _done, ids = _confirm_then_apply(client, confirm, "")
    assert ids == [w.czj_own.pk]  # the county's overdue item is in its own column


def test_nothing_ticked_goes_back_with_a_warning(client, overdue):
    client.force_login(overdue.coordinator)
    back = "/admin/tasks_app/workplan/progress/overdue/"
    answer = client.post(CHASE, {"next": back}, follow=True)
    assert answer.redirect_chain[-1][0] == back
    assert "请先勾选要催办的事项" in answer.content.decode()
    assert not Notice.objects.filter(event="chased").exists()


def test_an_outside_next_is_not_followed(client, overdue):
    w = overdue
    client.force_login(w.coordinator)
    answer = client.post(
        CHASE, {"_selected_action": [w.czj_own.pk], "next": "https://evil.example/"}
    )
    assert answer.context["next"] == "/admin/tasks_app/workplan/progress/overdue/"
    applied = client.post(
        CHANGELIST,
        {
            "action": "chase_selected",
            "_selected_action": [w.czj_own.pk],
            "apply": "1",
            "next": "//evil.example/",
        },
    )
    assert applied.status_code == 302 and applied["Location"] == CHANGELIST


def test_another_regions_plan_is_not_found(client, overdue):
    client.force_login(overdue.other_coordinator)
    answer = client.post(CHASE, {"plan": overdue.plan.pk, "column": [overdue.czj_unit.pk]})
    assert answer.status_code == 404


def test_a_leader_is_offered_no_chase_and_refused_one(client, overdue):
    w = overdue
    client.force_login(w.leader)
    listing = client.get("/admin/tasks_app/workplan/progress/overdue/").content.decode()
    assert "overdue-chase" not in listing and "催办" not in listing
    matrix = client.get(f"/admin/tasks_app/workplan/{w.plan.pk}/matrix/").content.decode()
    assert "matrix-chase" not in matrix and 'name="column"' not in matrix
    page = client.get(f"/admin/tasks_app/assignment/{w.czj_own.pk}/change/").content.decode()
    assert 'id="chase"' not in page
    assert client.post(CHASE, {"_selected_action": [w.czj_own.pk]}).status_code == 403
    assert not Notice.objects.filter(event="chased").exists()


def test_out_of_range_ids_are_dropped_not_a_500(client, overdue):
    w = overdue
    client.force_login(w.coordinator)
    huge = "9" * 30
    picked = client.post(CHASE, {"_selected_action": [w.czj_own.pk, huge]})
    assert picked.status_code == 200 and list(picked.context["objects"]) == [w.czj_own]
    columns = client.post(CHASE, {"plan": w.plan.pk, "by": "unit", "column": [huge]}, follow=True)
    assert "请先勾选要催办的事项" in columns.content.decode()
    assert client.post(CHASE, {"plan": huge, "column": [w.czj_unit.pk]}).status_code == 404


def test_too_many_items_at_once_are_refused_with_a_reason(client, overdue, monkeypatch):
    from reporting import chase

    monkeypatch.setattr(chase, "CHASE_MAX", 1)
    client.force_login(overdue.coordinator)
    answer = client.post(
        CHASE,
        {"_selected_action": [overdue.czj_own.pk, overdue.county_own.pk]},
        follow=True,
    )
    assert "一次最多催办 1 项" in answer.content.decode()
    assert "reason_action" not in str(answer.templates[0].name)
