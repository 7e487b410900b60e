"""The database itself refuses impossible rows (not only the services)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from notify.models import Reminder
from regions.models import Region, Unit, User
from tasks_app.models import (
    Assignment,
    Evidence,
    ExtensionRequest,
    ProgressReport,
    Responsibility,
    Task,
    WorkPlan,
)

DUE = dt.date(2018, 12, 31)


def refused():
    """Expect the database to refuse; the savepoint keeps the test's transaction usable."""

    class _Refused:
        def __enter__(self):
            self._raises = pytest.raises(IntegrityError)
            self._raises.__enter__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def __exit__(self, *exc):
            self._atomic.__exit__(*exc)
            return self._raises.__exit__(*exc)

    return _Refused()


@pytest.fixture
def unit(taiyuan) -> Unit:
    return Unit.objects.get(region=taiyuan, short_name="市发改委")


@pytest.fixture
def task(taiyuan) -> Task:
    plan = WorkPlan.objects.create(
        title="测试要点", region=taiyuan, period_start=dt.date(2018, 1, 1), period_end=DUE
    )
    return Task.objects.create(plan=plan, ref="一", number="一", title="条目", due_date=DUE)


@pytest.fixture
def assignment(task, unit) -> Assignment:
    return Assignment.objects.create(task=task, unit=unit, due_date=DUE)


@pytest.fixture
def user(unit) -> User:
    return User.objects.create(username="u1", role=User.Role.UNIT_USER, unit=unit)


def test_second_assignment_of_same_task_and_unit_is_refused(assignment):
    with refused():
        Assignment.objects.create(task=assignment.task, unit=assignment.unit, due_date=DUE)


@pytest.mark.parametrize("progress", [101, 250])
def test_progress_above_100_is_refused(task, unit, progress):
    with refused():
        Assignment.objects.create(task=task, unit=unit, due_date=DUE, progress=progress)


def test_progress_update_past_100_is_refused(assignment):
    with refused():
        Assignment.objects.filter(pk=assignment.pk).update(progress=101)


def test_unknown_assignment_state_is_refused(task, unit):
    with refused():
        Assignment.objects.create(task=task, unit=unit, due_date=DUE, state="finished")


def test_started_assignment_needs_signing_time(assignment):
    with refused():
        Assignment.objects.filter(pk=assignment.pk).update(state=Assignment.State.IN_PROGRESS)
    Assignment.objects.filter(pk=assignment.pk).update(
        state=Assignment.State.IN_PROGRESS, signed_at=timezone.now()
    )


def test_done_needs_done_time_and_full_progress(assignment):
    now = timezone.now()
    rows = Assignment.objects.filter(pk=assignment.pk)
    with refused():
        rows.update(state="done", signed_at=now, progress=100)
    with refused():
        rows.update(state="done", signed_at=now, done_at=now, progress=90)
    with refused():
        rows.update(done_at=now)  # a done time on an open assignment
    rows.update(state="done", signed_at=now, done_at=now, progress=100)


def test_submitted_needs_submission_time(assignment):
    with refused():
        Assignment.objects.filter(pk=assignment.pk).update(
            state="submitted", signed_at=timezone.now()
        )


def test_unit_user_without_unit_and_coordinator_without_region_are_refused(db):
    with refused():
        User.objects.create(username="a", role=User.Role.UNIT_USER)
    with refused():
        User.objects.create(username="b", role=User.Role.COORDINATOR)
    with refused():
        User.objects.create(username="c", role="mayor")


def test_responsibility_names_exactly_one_unit_or_group(task, unit, taiyuan):
    group = taiyuan.unit_groups.get(name="市直各部门")
    with refused():
        Responsibility.objects.create(task=task, role="lead", name_as_written="?")
    with refused():
        Responsibility.objects.create(
            task=task, unit=unit, group=group, role="lead", name_as_written="?"
        )
    Responsibility.objects.create(task=task, unit=unit, role="lead", name_as_written="市发改委")
    with refused():
        Responsibility.objects.create(task=task, unit=unit, role="responsible", name_as_written="x")


def test_report_progress_range_and_review_only_for_completion(assignment, user):
    with refused():
        ProgressReport.objects.create(assignment=assignment, author=user, text="t", progress=101)
    with refused():
        ProgressReport.objects.create(
            assignment=assignment, author=user, text="t", progress=50, review_status="pending"
        )
    with refused():
        ProgressReport.objects.create(
            assignment=assignment,
            author=user,
            kind="completion",
            text="t",
            progress=100,
            review_status="accepted",  # accepted by nobody
        )


def test_evidence_is_a_file_or_a_link_not_both_nor_neither(assignment, user):
    report = ProgressReport.objects.create(
        assignment=assignment, author=user, text="t", progress=10
    )
    with refused():
        Evidence.objects.create(report=report)
    with refused():
        Evidence.objects.create(report=report, file="evidence/a.pdf", url="https://example.org")
    Evidence.objects.create(report=report, url="https://example.org/notice")


def test_extension_must_move_later_and_only_one_may_wait(assignment, user):
    with refused():
        ExtensionRequest.objects.create(
            assignment=assignment,
            requested_by=user,
            previous_due_date=DUE,
            requested_due_date=DUE,
            reason="r",
        )
    later = DUE + dt.timedelta(days=30)
    ExtensionRequest.objects.create(
        assignment=assignment,
        requested_by=user,
        previous_due_date=DUE,
        requested_due_date=later,
        reason="r",
    )
    with refused():
        ExtensionRequest.objects.create(
            assignment=assignment,
            requested_by=user,
            previous_due_date=DUE,
            requested_due_date=later,
            reason="again",
        )


def test_reminder_once_per_assignment_kind_and_day(assignment):
    Reminder.objects.create(assignment=assignment, kind="overdue", scheduled_for=DUE)
    Reminder.objects.create(assignment=assignment, kind="escalation", scheduled_for=DUE)
    with refused():
        Reminder.objects.create(assignment=assignment, kind="overdue", scheduled_for=DUE)


def test_unknown_region_level_is_refused(db):
    with refused():
        Region.objects.create(code="990000", name="测试", level="village")
