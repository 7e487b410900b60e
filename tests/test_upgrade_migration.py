"""A database filled at the layout before the split (tasks_app 0010, every model in
tasks_app) migrates to the new layout and keeps every row, link and granted permission."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD = [
    ("tasks_app", "0010_holiday_calendar"),
    ("notify", None),
    ("reporting", None),
]
MOVED = {
    "notify": ["reminder", "reminderpolicy", "digest", "maillog"],
    "reporting": [
        "exportjob",
        "bulletin",
        "historicalbulletin",
        "bulletindelivery",
        "assessmentscheme",
    ],
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def _fill_old_layout(apps) -> dict:
    get = apps.get_model
    ContentType, Permission, Group = (
        get("contenttypes", "ContentType"),
        get("auth", "Permission"),
        get("auth", "Group"),
    )
    # the old database knows these models under tasks_app only
    for app, models in MOVED.items():
        ContentType.objects.filter(app_label=app, model__in=models).delete()
    bulletin_type = ContentType.objects.create(app_label="tasks_app", model="bulletin")
    view = Permission.objects.create(
        content_type=bulletin_type, codename="view_bulletin", name="Can view 通报"
    )
    group = Group.objects.create(name="旧协调员")
    group.permissions.add(view)

    region = get("regions", "Region").objects.create(code="990000", name="旧省", level="province")
    unit = get("regions", "Unit").objects.create(
        region=region, short_name="旧单位", full_name="旧单位", kind="department"
    )
    user = get("regions", "User").objects.create(
        username="old-coordinator", role="coordinator", region=region
    )
    plan = get("tasks_app", "WorkPlan").objects.create(
        title="旧工作要点",
        region=region,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        status="active",
    )
    task = get("tasks_app", "Task").objects.create(
        plan=plan, ref="1", title="任务", text="任务", position=1, due_date=dt.date(2026, 6, 30)
    )
    assignment = get("tasks_app", "Assignment").objects.create(
        task=task, unit=unit, role="lead", due_date=dt.date(2026, 6, 30)
    )
    now = timezone.now()
    reminder = get("tasks_app", "Reminder").objects.create(
        assignment=assignment,
        kind="overdue",
        scheduled_for=dt.date(2026, 7, 2),
        unit=unit,
        due_date=assignment.due_date,
        sent_at=now,
        attempts=1,
    )
    digest = get("tasks_app", "Digest").objects.create(
        kind="unit_weekly", unit=unit, scheduled_for=dt.date(2026, 6, 29)
    )
    get("tasks_app", "MailLog").objects.create(
        region=region,
        kind="overdue",
        recipients="a@example.gov.cn",
        subject="催办",
        body="正文",
        reminder=reminder,
        digest=digest,
    )
    get("tasks_app", "ReminderPolicy").objects.create(plan=plan, before_days="3", overdue_every=4)
    get("tasks_app", "ExportJob").objects.create(user=user, plan=plan, format="csv", status="done")
    bulletin = get("tasks_app", "Bulletin").objects.create(
        plan=plan,
        title="第一期通报",
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
        status="published",
        figures={"total": 1},
        published_at=now,
        published_by=user,
    )
    get("tasks_app", "HistoricalBulletin").objects.create(
        id=bulletin.pk,
        plan=plan,
        title=bulletin.title,
        period_start=bulletin.period_start,
        period_end=bulletin.period_end,
        status="draft",
        history_date=now,
        history_type="+",
        created_at=now,
        updated_at=now,
    )
    get("tasks_app", "BulletinDelivery").objects.create(bulletin=bulletin, unit=unit, sent_at=now)
    get("tasks_app", "AssessmentScheme").objects.create(region=region, year=2026, p_missed=3)
    return {
        "reminder": reminder.pk,
        "digest": digest.pk,
        "bulletin": bulletin.pk,
        "plan": plan.pk,
        "type": bulletin_type.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_old_layout_keeps_every_row_after_the_split():
    old = _fill_old_layout(_migrate(OLD))
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from notify.models import Digest, MailLog, Reminder, ReminderPolicy
    from reporting.models import AssessmentScheme, Bulletin, BulletinDelivery, ExportJob

    reminder = Reminder.objects.get(pk=old["reminder"])
    assert (reminder.kind, reminder.attempts, reminder.sent_at is not None) == ("overdue", 1, True)
    assert reminder.assignment.task.plan_id == old["plan"]
    mail = MailLog.objects.get()
    assert (mail.reminder_id, mail.digest_id, mail.subject) == (
        old["reminder"],
        old["digest"],
        "催办",
    )
    assert Digest.objects.get(pk=old["digest"]).unit.short_name == "旧单位"
    assert ReminderPolicy.objects.get(plan_id=old["plan"]).overdue_every == 4
    assert ExportJob.objects.get().format == "csv"
    bulletin = Bulletin.objects.get(pk=old["bulletin"])
    assert (bulletin.title, bulletin.figures) == ("第一期通报", {"total": 1})
    assert [h.status for h in bulletin.history.all()] == ["draft"]
    assert BulletinDelivery.objects.get().bulletin_id == bulletin.pk
    assert str(AssessmentScheme.objects.get().p_missed) == "3.00"
    # the permission granted on the old content type is still granted, now under reporting
    moved = ContentType.objects.get(pk=old["type"])
    assert (moved.app_label, moved.model) == ("reporting", "bulletin")
    group = Group.objects.get(name="旧协调员")
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("reporting", "view_bulletin")
    ]
    assert not ContentType.objects.filter(app_label="tasks_app", model__in=MOVED["reporting"])
