"""The assignment life cycle: every allowed transition works, every other is refused."""

import datetime as dt
import threading

import pytest
from django.db import connection

from core.errors import ApplicationError, ForbiddenError, NotFoundError
from tasks_app.models import Assignment, ExtensionRequest, ProgressReport
from tasks_app.services import assignments as svc

S = Assignment.State


def state(assignment):
    assignment.refresh_from_db()
    return assignment.state


def signed(world, assignment=None, user=None):
    assignment = assignment or world.czj_own
    svc.assignment_sign(user=user or world.czj, assignment_id=assignment.pk)
    return assignment


def submitted(world):
    a = signed(world)
    svc.report_create(
        user=world.czj, assignment_id=a.pk, text="已完成", progress=100, completion=True
    )
    return a


def pending_report(assignment):
    return ProgressReport.objects.get(assignment=assignment, review_status="pending")


# --- allowed transitions -----------------------------------------------------------------


def test_sign_moves_assigned_to_in_progress(world):
    a = signed(world)
    assert state(a) == S.IN_PROGRESS and a.signed_at is not None


def test_progress_report_updates_progress_and_keeps_state(world):
    a = signed(world)
    report = svc.report_create(user=world.czj, assignment_id=a.pk, text="完成一半", progress=50)
    a.refresh_from_db()
    assert (a.state, a.progress, a.last_report_at) == (S.IN_PROGRESS, 50, report.created_at)
    assert report.review_status == "not_needed"


def test_completion_claim_submits_for_review_at_100(world):
    a = submitted(world)
    a.refresh_from_db()
    assert (a.state, a.progress) == (S.SUBMITTED, 100) and a.submitted_at is not None
    assert pending_report(a).kind == "completion"


def test_accept_makes_it_done(world):
    a = submitted(world)
    svc.report_review(user=world.coordinator, report_id=pending_report(a).pk, accept=True)
    a.refresh_from_db()
    assert a.state == S.DONE and a.done_at is not None
    assert ProgressReport.objects.get(assignment=a).review_status == "accepted"


def test_return_sends_it_back_with_the_reason(world):
    a = submitted(world)
    report = pending_report(a)
    svc.report_review(
        user=world.coordinator, report_id=report.pk, accept=False, comment="缺少佐证材料"
    )
    report.refresh_from_db()
    assert state(a) == S.IN_PROGRESS
    assert (report.review_status, report.review_comment, report.reviewed_by) == (
        "returned",
        "缺少佐证材料",
        world.coordinator,
    )
    # and the unit can claim again
    svc.report_create(
        user=world.czj, assignment_id=a.pk, text="已补充", progress=100, completion=True
    )
    assert state(a) == S.SUBMITTED


def test_extension_approved_moves_the_due_date_and_keeps_the_old_one(world):
    a = signed(world)
    old = a.due_date
    new = old + dt.timedelta(days=30)
    request = svc.extension_request_create(
        user=world.czj, assignment_id=a.pk, requested_due_date=new, reason="需协调"
    )
    svc.extension_request_decide(user=world.coordinator, request_id=request.pk, approve=True)
    a.refresh_from_db()
    request.refresh_from_db()
    assert a.due_date == new and request.previous_due_date == old and request.status == "approved"
    dues = [r.due_date for r in a.history.order_by("history_date")]
    assert dues[0] == old and dues[-1] == new


def test_extension_rejected_leaves_the_due_date(world):
    a = signed(world)
    old = a.due_date
    request = svc.extension_request_create(
        user=world.czj,
        assignment_id=a.pk,
        requested_due_date=old + dt.timedelta(days=9),
        reason="r",
    )
    svc.extension_request_decide(
        user=world.coordinator, request_id=request.pk, approve=False, comment="时间来得及"
    )
    a.refresh_from_db()
    assert a.due_date == old and ExtensionRequest.objects.get().status == "rejected"


def test_coordinator_changes_due_date_and_reassigns(world):
    a = world.czj_own
    svc.assignment_change_due_date(
        user=world.coordinator,
        assignment_id=a.pk,
        due_date=dt.date(2026, 8, 1),
        reason="市政府调整",
    )
    signed(world, a)
    svc.assignment_reassign(
        user=world.coordinator, assignment_id=a.pk, unit_id=world.fgw_unit.pk, reason="职责调整"
    )
    a.refresh_from_db()
    assert (a.unit, a.state, a.signed_at, a.due_date) == (
        world.fgw_unit,
        S.ASSIGNED,
        None,
        dt.date(2026, 8, 1),
    )


# --- refused transitions, each with a message --------------------------------------------


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ("assigned", "sign_again_after", "已签收"),
        ("assigned", "report", "请先签收"),
        ("assigned", "review", "不需要审核"),
        ("in_progress", "sign", "已签收"),
        ("submitted", "report", "等待审核"),
        ("submitted", "complete", "等待审核"),
        ("submitted", "sign", "已签收"),
        ("done", "report", "已办结"),
        ("done", "extend", "已办结"),
        ("done", "review_again", "已审核"),
        ("done", "reassign", "已办结"),
        ("submitted", "reassign", "待审核"),
        ("in_progress", "return_without_reason", "退回理由"),
    ],
)
def test_transitions_that_are_not_allowed_are_refused(world, setup, action, message):
    a = world.czj_own
    if setup in ("in_progress", "submitted", "done"):
        signed(world, a)
    if setup in ("submitted", "done"):
        svc.report_create(
            user=world.czj, assignment_id=a.pk, text="完成", progress=100, completion=True
        )
    if setup == "done":
        svc.report_review(user=world.coordinator, report_id=pending_report(a).pk, accept=True)
    if action == "sign_again_after":
        signed(world, a)
    before = (state(a), ProgressReport.objects.count())

    actions = {
        "sign_again_after": lambda: svc.assignment_sign(user=world.czj, assignment_id=a.pk),
        "sign": lambda: svc.assignment_sign(user=world.czj, assignment_id=a.pk),
        "report": lambda: svc.report_create(
            user=world.czj, assignment_id=a.pk, text="x", progress=10
        ),
        "complete": lambda: svc.report_create(
            user=world.czj, assignment_id=a.pk, text="x", progress=100, completion=True
        ),
        "extend": lambda: svc.extension_request_create(
            user=world.czj,
            assignment_id=a.pk,
            requested_due_date=a.due_date + dt.timedelta(days=5),
            reason="r",
        ),
        "review": lambda: svc.report_review(
            user=world.coordinator,
            report_id=svc.report_create(
                user=world.czj, assignment_id=signed(world, a).pk, text="x", progress=5
            ).pk,
            accept=True,
        ),
        "review_again": lambda: svc.report_review(
            user=world.coordinator,
            report_id=ProgressReport.objects.get(assignment=a).pk,
            accept=True,
        ),
        "reassign": lambda: svc.assignment_reassign(
            user=world.coordinator, assignment_id=a.pk, unit_id=world.fgw_unit.pk, reason="r"
        ),
        "return_without_reason": lambda: svc.report_review(
            user=world.coordinator,
            report_id=svc.report_create(
                user=world.czj, assignment_id=a.pk, text="x", progress=100, completion=True
            ).pk,
            accept=False,
            comment=" ",
        ),
    }
    with pytest.raises(ApplicationError, match=message):
        actions[action]()
    if action not in ("review", "return_without_reason"):
        assert (state(a), ProgressReport.objects.count()) == before


def test_extension_must_move_later_need_a_reason_and_only_one_may_wait(world):
    a = signed(world)
    later = a.due_date + dt.timedelta(days=10)
    with pytest.raises(ApplicationError, match="应晚于当前期限"):
        svc.extension_request_create(
            user=world.czj, assignment_id=a.pk, requested_due_date=a.due_date, reason="r"
        )
    with pytest.raises(ApplicationError, match="延期理由"):
        svc.extension_request_create(
            user=world.czj, assignment_id=a.pk, requested_due_date=later, reason=" "
        )
    svc.extension_request_create(
        user=world.czj, assignment_id=a.pk, requested_due_date=later, reason="r"
    )
    with pytest.raises(ApplicationError, match="正在等待审批"):
        svc.extension_request_create(
            user=world.czj, assignment_id=a.pk, requested_due_date=later, reason="r"
        )


def test_reassign_to_a_unit_that_already_has_the_task_is_refused(world):
    with pytest.raises(ApplicationError, match="已有该任务的交办事项"):
        svc.assignment_reassign(
            user=world.coordinator,
            assignment_id=world.czj_shared.pk,
            unit_id=world.fgw_unit.pk,
            reason="r",
        )
    assert state(world.czj_shared) == S.ASSIGNED


# --- who may do it ----------------------------------------------------------------------


def test_another_unit_cannot_see_let_alone_sign(world):
    with pytest.raises(NotFoundError):
        svc.assignment_sign(user=world.county, assignment_id=world.czj_own.pk)


def test_lead_unit_sees_but_cannot_act_for_its_partner(world):
    # 市发改委 leads 一/(一) and so may see 市财政局's assignment there, not sign it
    with pytest.raises(ForbiddenError, match="本单位"):
        svc.assignment_sign(user=world.fgw, assignment_id=world.czj_shared.pk)


def test_leader_and_units_cannot_review_and_other_regions_see_nothing(world):
    a = submitted(world)
    report = pending_report(a)
    for user in (world.leader, world.czj):
        with pytest.raises(ForbiddenError):
            svc.report_review(user=user, report_id=report.pk, accept=True)
    with pytest.raises(NotFoundError):
        svc.report_review(user=world.other_coordinator, report_id=report.pk, accept=True)
    assert state(a) == S.SUBMITTED


def test_reassign_only_to_units_of_the_coordinators_region(world):
    from regions.models import Region, Unit

    far = Unit.objects.create(
        region=Region.objects.get(code="990100"), short_name="别市局", kind="department"
    )
    with pytest.raises(NotFoundError):
        svc.assignment_reassign(
            user=world.coordinator, assignment_id=world.czj_own.pk, unit_id=far.pk, reason="r"
        )


# --- concurrency -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_completion_claims_leave_one_consistent_state(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (set DATABASE_URL; .ci/run does)")
    a = signed(world)
    barrier = threading.Barrier(4)
    outcomes = []

    def claim(n):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            svc.report_create(
                user=world.czj, assignment_id=a.pk, text=f"完成{n}", progress=100, completion=True
            )
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.message)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.count("ok") == 1, outcomes
    assert all("等待审核" in o for o in outcomes if o != "ok")
    a.refresh_from_db()
    assert a.state == S.SUBMITTED
    assert ProgressReport.objects.filter(assignment=a, kind="completion").count() == 1


def test_approving_an_old_request_never_moves_the_due_date_earlier(world):
    # the unit asks for +30 days; meanwhile the coordinator moves the date +90 days
    a = signed(world)
    old = a.due_date
    request = svc.extension_request_create(
        user=world.czj,
        assignment_id=a.pk,
        requested_due_date=old + dt.timedelta(days=30),
        reason="r",
    )
    later = old + dt.timedelta(days=90)
    svc.assignment_change_due_date(
        user=world.coordinator, assignment_id=a.pk, due_date=later, reason="统一调整"
    )
    svc.extension_request_decide(user=world.coordinator, request_id=request.pk, approve=True)
    a.refresh_from_db()
    request.refresh_from_db()
    assert a.due_date == later and request.status == "approved"
    # the history cites the date as it was at the decision, not the stale one asked from
    reason = request.history.latest("history_date").history_change_reason
    assert f"当前期限 {later:%Y-%m-%d}" in reason and "期限不变" in reason


def test_approval_history_states_old_and_new_due_dates(world):
    a = signed(world)
    svc.assignment_change_due_date(
        user=world.coordinator, assignment_id=a.pk, due_date=dt.date(2026, 9, 1), reason="r"
    )
    request = svc.extension_request_create(
        user=world.czj, assignment_id=a.pk, requested_due_date=dt.date(2026, 10, 15), reason="r"
    )
    svc.assignment_change_due_date(
        user=world.coordinator, assignment_id=a.pk, due_date=dt.date(2026, 9, 20), reason="r"
    )
    svc.extension_request_decide(user=world.coordinator, request_id=request.pk, approve=True)
    a.refresh_from_db()
    assert a.due_date == dt.date(2026, 10, 15)
    reason = a.history.latest("history_date").history_change_reason
    assert reason == "同意延期:2026-09-20 → 2026-10-15"  # from today's date, not the stale 09-01


def test_an_extension_of_a_finished_item_cannot_be_approved(world):
    a = signed(world)
    request = svc.extension_request_create(
        user=world.czj,
        assignment_id=a.pk,
        requested_due_date=a.due_date + dt.timedelta(days=9),
        reason="r",
    )
    report = svc.report_create(
        user=world.czj, assignment_id=a.pk, text="完成", progress=100, completion=True
    )
    svc.report_review(user=world.coordinator, report_id=report.pk, accept=True)
    due = Assignment.objects.get(pk=a.pk).due_date
    with pytest.raises(ApplicationError, match="已办结"):
        svc.extension_request_decide(user=world.coordinator, request_id=request.pk, approve=True)
    assert Assignment.objects.get(pk=a.pk).due_date == due
    assert ExtensionRequest.objects.get().status == "pending"


def test_a_refusal_needs_a_reason_and_the_unit_reads_it(client, world):
    a = signed(world)
    request = svc.extension_request_create(
        user=world.czj,
        assignment_id=a.pk,
        requested_due_date=a.due_date + dt.timedelta(days=9),
        reason="r",
    )
    with pytest.raises(ApplicationError, match="理由"):
        svc.extension_request_decide(user=world.coordinator, request_id=request.pk, approve=False)
    client.force_login(world.coordinator)
    url = "/admin/tasks_app/extensionrequest/"
    ask = client.post(url, {"action": "reject_selected", "_selected_action": [request.pk]})
    assert "理由" in ask.content.decode() and ExtensionRequest.objects.get().status == "pending"
    client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [request.pk],
            "apply": "1",
            "comment": "任务时间来得及,请按期完成",
        },
    )
    assert ExtensionRequest.objects.get().status == "rejected"
    client.force_login(world.czj)
    page = client.get(f"/tasks/{a.pk}/").content.decode()
    assert "不同意延期" in page and "任务时间来得及,请按期完成" in page
