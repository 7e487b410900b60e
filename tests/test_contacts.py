"""Contacts at scale: the channels a unit contact holds, and the units nobody can reach."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from regions.models import Unit, UnitContact, User
from regions.selectors import (
    escalation_mail_recipients_many,
    unit_mail_recipients_many,
    units_without_channel,
    unreachable_warning,
)
from reporting.services.bulletins import bulletin_create


def test_a_contact_needs_at_least_one_address(taiyuan):
    unit = Unit.objects.get(short_name="市发改委")
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitContact.objects.create(unit=unit, name="无地址")
    UnitContact.objects.create(unit=unit, phone="13800000000")
    UnitContact.objects.create(unit=unit, wecom_webhook="https://qyapi.weixin.qq.com/x")
    assert UnitContact.objects.filter(unit=unit).count() == 2


def test_email_is_unique_per_unit_only_when_given(taiyuan):
    unit = Unit.objects.get(short_name="市发改委")
    UnitContact.objects.create(unit=unit, phone="13800000001")
    UnitContact.objects.create(unit=unit, phone="13800000002")  # two blank e-mails are fine
    UnitContact.objects.create(unit=unit, email="a@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitContact.objects.create(unit=unit, email="a@example.org")


def test_mail_recipients_skip_contacts_without_email(taiyuan):
    unit = Unit.objects.get(short_name="市发改委")
    region = unit.region
    UnitContact.objects.create(unit=unit, phone="13800000000")
    UnitContact.objects.create(unit=unit, email="c@example.org")
    UnitContact.objects.create(unit=unit, role="leader", phone="13900000000")
    UnitContact.objects.create(unit=unit, role="leader", email="l@example.org")
    assert unit_mail_recipients_many([unit.pk]) == {unit.pk: ["c@example.org"]}
    pairs = escalation_mail_recipients_many([(unit.pk, region.pk)])
    assert pairs == {(unit.pk, region.pk): ["l@example.org"]}


def test_units_without_channel_finds_units_nobody_can_reach(taiyuan):
    # given: one unit per way to be reached, and two that cannot be
    units = {u.short_name: u for u in Unit.objects.filter(region=taiyuan)[:7]}
    names = list(units)
    by_email, by_phone, by_robot, by_user, by_user_phone, nobody, inactive = names
    UnitContact.objects.create(unit=units[by_email], email="x@example.org")
    UnitContact.objects.create(unit=units[by_phone], phone="13800000000")
    UnitContact.objects.create(unit=units[by_robot], dingtalk_webhook="https://oapi.dingtalk.com/r")
    User.objects.create(username="u1", role="unit_user", unit=units[by_user], email="u@x.org")
    User.objects.create(username="u2", role="unit_user", unit=units[by_user_phone], phone="1")
    User.objects.create(username="u3", role="unit_user", unit=units[nobody])  # no address
    User.objects.create(
        username="u4", role="unit_user", unit=units[inactive], email="i@x.org", is_active=False
    )
    # when
    found = units_without_channel(u.pk for u in units.values())
    # then
    assert sorted(u.short_name for u in found) == sorted([nobody, inactive])


def test_units_without_channel_query_count_does_not_grow(taiyuan, django_assert_num_queries):
    few = list(Unit.objects.values_list("pk", flat=True)[:2])
    many = list(Unit.objects.values_list("pk", flat=True))
    assert len(many) > 20
    with django_assert_num_queries(1):
        units_without_channel(few)
    with django_assert_num_queries(1):
        units_without_channel(many)
    with django_assert_num_queries(1):  # a queryset stays in SQL
        units_without_channel(Unit.objects.all())


def test_warning_lists_twenty_names_then_etc(taiyuan):
    units = list(Unit.objects.order_by("pk")[:25])
    text = unreachable_warning(units)
    assert text.startswith("25 个单位没有联系方式")
    assert units[19].short_name in text and units[20].short_name not in text
    assert text.endswith("等。")
    assert unreachable_warning([]) == ""


# --- shown before anything goes out ------------------------------------------------------

DOC = (
    "测试市2026年政务公开工作要点\n一、加强公开\n"
    "(一)公开审计结果。每月发布。(市审计局、市财政局负责落实)\n"
)


def test_plan_import_review_warns_of_units_without_contacts(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tasks_app.models import ImportJob

    UnitContact.objects.create(unit=world.czj_unit, email="czj@example.org")
    client.force_login(world.coordinator)
    client.post(
        reverse("admin:tasks_app_workplan_import"),
        {"region": world.region.pk, "file": SimpleUploadedFile("p.txt", DOC.encode())},
    )
    job = ImportJob.objects.get()
    page = client.get(reverse("admin:tasks_app_workplan_import_review", args=[job.pk]))
    text = page.content.decode()
    assert "1 个单位没有联系方式:市审计局" in text
    assert "将创建 2 个交办事项" in text  # a warning, not a refusal

    UnitContact.objects.create(unit=Unit.objects.get(short_name="市审计局"), phone="138")
    page = client.get(reverse("admin:tasks_app_workplan_import_review", args=[job.pk]))
    assert "没有联系方式" not in page.content.decode()


def test_bulletin_draft_page_warns_of_units_without_contacts(client, world):
    bulletin = bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
    )
    plan_units = Unit.objects.filter(assignments__task__plan=world.plan).distinct()
    for unit in plan_units.exclude(pk=world.county_unit.pk):
        UnitContact.objects.create(unit=unit, email=f"u{unit.pk}@example.org")
    client.force_login(world.coordinator)
    page = client.get(f"/admin/reporting/bulletin/{bulletin.pk}/change/").content.decode()
    assert "1 个单位没有联系方式:小店区政府" in page
    assert 'type="submit"' in page  # still editable and publishable


def test_every_demo_unit_has_a_contact_at_example_org(db, settings, tmp_path):
    from tasks_app.demo import demo_load

    settings.VAR_DIR = tmp_path
    demo_load()
    units = Unit.objects.all()
    assert units.exists()
    assert units_without_channel(units.values_list("pk", flat=True)) == []
    assert not units.filter(contacts__isnull=True).exists()
    emails = UnitContact.objects.values_list("email", flat=True)
    assert all(email.endswith("@example.org") for email in emails)
    count = UnitContact.objects.count()
    demo_load()  # loading again adds none
    assert UnitContact.objects.count() == count
