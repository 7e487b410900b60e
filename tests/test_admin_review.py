"""The coordinator's review queue, extension approvals, reassignment, and the audit trail."""

import datetime as dt

from django.urls import reverse

from tasks_app.models import Assignment, ExtensionRequest, ProgressReport
from tasks_app.services import assignments as svc

MGMT = {"evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0"}


def claim(world, assignment, user):
    svc.assignment_sign(user=user, assignment_id=assignment.pk)
    return svc.report_create(
        user=user, assignment_id=assignment.pk, text="已完成", progress=100, completion=True
    )


def test_queue_shows_pending_claims_and_accepts_one(client, world):
    report = claim(world, world.czj_own, world.czj)
    client.force_login(world.coordinator)
    queue = client.get(
        reverse("admin:tasks_app_progressreport_changelist"), {"review_status__exact": "pending"}
    )
    assert "待审核 1 份" in queue.content.decode()
    assert [r.pk for r in queue.context["cl"].result_list] == [report.pk]
    page = client.get(
        reverse("admin:tasks_app_progressreport_change", args=[report.pk])
    ).content.decode()
    assert "通过,办结" in page and "退回" in page
    response = client.post(
        reverse("admin:tasks_app_progressreport_change", args=[report.pk]),
        {"_accept": "1", **MGMT},
        follow=True,
    )
    assert "已通过,事项办结" in response.content.decode()
    assert Assignment.objects.get(pk=world.czj_own.pk).state == "done"


def test_return_needs_a_reason(client, world):
    report = claim(world, world.czj_own, world.czj)
    client.force_login(world.coordinator)
    url = reverse("admin:tasks_app_progressreport_change", args=[report.pk])
    response = client.post(url, {"_return": "1", "review_comment_input": "", **MGMT}, follow=True)
    assert "退回时请填写退回理由" in response.content.decode()
    client.post(url, {"_return": "1", "review_comment_input": "请附公开网址", **MGMT})
    report.refresh_from_db()
    assert (report.review_status, report.review_comment) == ("returned", "请附公开网址")


def test_bulk_accept_and_bulk_return_with_one_reason(client, world):
    first = claim(world, world.czj_own, world.czj)
    second = claim(world, world.czj_shared, world.czj)
    third = claim(world, world.county_own, world.county)
    client.force_login(world.coordinator)
    url = reverse("admin:tasks_app_progressreport_changelist")
    client.post(url, {"action": "accept_selected", "_selected_action": [first.pk, second.pk]})
    assert set(Assignment.objects.filter(state="done").values_list("pk", flat=True)) == {
        world.czj_own.pk,
        world.czj_shared.pk,
    }

    ask = client.post(url, {"action": "return_selected", "_selected_action": [third.pk]})
    assert "退回办结申请" in ask.content.decode()  # the page that asks for the reason
    client.post(
        url,
        {
            "action": "return_selected",
            "_selected_action": [third.pk],
            "apply": "1",
            "comment": "数据不全",
        },
    )
    third.refresh_from_db()
    assert (third.review_status, third.review_comment) == ("returned", "数据不全")


def test_extension_approved_in_bulk_moves_due_dates(client, world):
    a = world.czj_own
    new = a.due_date + dt.timedelta(days=40)
    request = svc.extension_request_create(
        user=world.czj, assignment_id=a.pk, requested_due_date=new, reason="r"
    )
    client.force_login(world.coordinator)
    client.post(
        reverse("admin:tasks_app_extensionrequest_changelist"),
        {"action": "approve_selected", "_selected_action": [request.pk]},
    )
    assert ExtensionRequest.objects.get().status == "approved"
    assert Assignment.objects.get(pk=a.pk).due_date == new


def test_reassign_and_due_date_through_the_assignment_form(client, world):
    a = world.czj_own
    client.force_login(world.coordinator)
    url = reverse("admin:tasks_app_assignment_change", args=[a.pk])
    form = {"unit": world.county_unit.pk, "due_date": "2026-12-15", "change_reason": ""}
    response = client.post(url, form, follow=True)
    assert "请填写改派原因" in response.content.decode()
    assert Assignment.objects.get(pk=a.pk).unit == world.czj_unit  # nothing half-done
    client.post(url, {**form, "change_reason": "职责调整"})
    a.refresh_from_db()
    assert (a.unit, str(a.due_date)) == (world.county_unit, "2026-12-15")


def test_audit_trail_shows_return_and_resubmission_with_actors_and_times(client, world):
    a = world.czj_own
    first = claim(world, a, world.czj)
    svc.report_review(user=world.coordinator, report_id=first.pk, accept=False, comment="缺少材料")
    svc.report_create(
        user=world.czj, assignment_id=a.pk, text="已补充材料", progress=100, completion=True
    )

    records = list(Assignment.objects.get(pk=a.pk).history.order_by("history_date", "history_id"))
    trail = [
        (r.history_user.username if r.history_user else None, r.state, r.history_change_reason)
        for r in records
    ]
    assert trail == [
        ("coord", "assigned", "导入工作要点"),
        ("czj", "in_progress", "签收"),
        ("czj", "submitted", "提交办结申请"),
        ("coord", "in_progress", "退回:缺少材料"),
        ("czj", "submitted", "提交办结申请"),
    ]
    assert all(r.history_date for r in records)
    assert records[3].history_date < records[4].history_date

    client.force_login(world.coordinator)
    page = client.get(reverse("admin:tasks_app_assignment_history", args=[a.pk])).content.decode()
    for text in ("退回:缺少材料", "提交办结申请", "coord", "czj"):
        assert text in page
    report_page = client.get(
        reverse("admin:tasks_app_progressreport_history", args=[first.pk])
    ).content.decode()
    assert "退回:缺少材料" in report_page
    # and the unit sees the same story on its assignment page
    client.force_login(world.czj)
    timeline = client.get(reverse("assignment_detail", args=[a.pk])).content.decode()
    assert timeline.index("退回:缺少材料") < timeline.rindex("申请办结")
    assert ProgressReport.objects.filter(assignment=a).count() == 2


def test_admin_index_shows_what_waits_for_the_coordinator(client, world):
    claim(world, world.czj_own, world.czj)
    client.force_login(world.coordinator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "待审核的办结申请" in page and "?review_status__exact=pending" in page
    client.force_login(world.other_coordinator)
    other = client.get(reverse("admin:index"))
    assert other.status_code == 200
    assert "<strong>0</strong>" in other.content.decode()  # nothing from another region
