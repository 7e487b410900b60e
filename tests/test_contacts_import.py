"""The contacts import: a spreadsheet of a region's contacts and unit users, checked row by
row, the good rows saved, the bad ones reported with their line and reason."""

import base64
import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regions.models import Invitation, Unit, UnitContact, User
from regions.services.contacts_import import contacts_import

URL = "admin:regions_unitcontact_import"
HEADER = ["单位", "姓名", "角色", "手机", "邮箱", "钉钉机器人", "钉钉加签密钥", "企业微信机器人"]
GOOD = [
    ["市发改委", "王联络", "联络人", "138 0000 0001", "fgw@example.org", "", "", ""],
    ["市财政局", "李领导", "分管领导", "13800000002", "", "", "", ""],
    ["小店区政府", "", "联络人", "", "", "https://oapi.dingtalk.com/robot/send?x=1", "SECabc", ""],
    ["太原市审计局", "赵用户", "单位用户", "13800000003", "Zhao@Example.org", "", "", ""],
]
BAD = [
    ["市不存在局", "甲", "联络人", "13800000004", "", "", "", ""],
    ["市发改委", "乙", "科长", "13800000005", "", "", "", ""],
    ["市发改委", "丙", "联络人", "", "not-an-email", "", "", ""],
    ["市发改委", "丁", "联络人", "12345", "", "", "", ""],
    ["市发改委", "戊", "联络人", "", "", "http://insecure.example/robot", "", ""],
    ["市发改委", "己", "联络人", "", "", "", "", ""],
    ["市发改委", "王联络", "联络人", "", "FGW@example.org", "", "", ""],  # same as line 2
    ["别市财政局", "庚", "联络人", "13800000006", "", "", "", ""],
]


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        # a phone number typed into Excel is a number
        sheet.append([int(v) if v.isdigit() else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def other_city_unit(world):
    from regions.models import Region

    return Unit.objects.create(
        region=Region.objects.get(code="990100"), short_name="别市财政局", kind="department"
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_import_saves_good_rows_and_reports_bad_ones(world, other_city_unit, encoding):
    result = contacts_import(
        user=world.coordinator, data=csv_bytes(GOOD + BAD, encoding), filename="c.csv"
    )
    assert (result.contacts_created, result.users_created) == (3, 1)
    reasons = {f.line: f.reason for f in result.failures}
    assert reasons == {
        6: "在太原市的单位目录中找不到单位“市不存在局”",
        7: "角色“科长”应为 联络人、分管领导 或 单位用户",
        8: "邮箱“not-an-email”格式不正确",
        9: "手机号码“12345”格式不正确",
        10: "钉钉机器人地址“http://insecure.example/robot”不是有效的 https 网址",
        11: "没有任何联系方式(手机、邮箱或机器人至少填一项)",
        12: "与第 2 行重复",
        13: "单位“别市财政局”不在您负责的区划(太原市)内",
    }
    fgw = UnitContact.objects.get(unit__short_name="市发改委")
    assert (fgw.name, fgw.phone, fgw.email, fgw.role) == (
        "王联络",
        "13800000001",
        "fgw@example.org",
        "contact",
    )
    assert UnitContact.objects.get(unit__short_name="市财政局").role == "leader"
    robot = UnitContact.objects.get(unit__short_name="小店区政府")
    assert robot.dingtalk_secret == "SECabc"
    user = User.objects.get(email="zhao@example.org")
    assert user.role == "unit_user" and user.unit.short_name == "市审计局"
    assert user.last_name == "赵用户" and not user.has_usable_password()
    assert Invitation.objects.filter(user=user).count() == 1
    assert not UnitContact.objects.filter(unit=other_city_unit).exists()


def test_xlsx_import_and_reimport_updates_rather_than_duplicates(world):
    first = contacts_import(user=world.coordinator, data=xlsx_bytes(GOOD), filename="c.xlsx")
    assert first.failures == [] and first.imported == 4
    assert UnitContact.objects.get(unit__short_name="市财政局").phone == "13800000002"

    changed = [row[:] for row in GOOD]
    changed[0][1] = "王新名"
    changed[3][3] = "13900000009"
    again = contacts_import(user=world.coordinator, data=xlsx_bytes(changed), filename="c.xlsx")
    assert (again.contacts_created, again.contacts_updated) == (0, 3)
    assert (again.users_created, again.users_updated) == (0, 1)
    assert UnitContact.objects.count() == 3
    assert UnitContact.objects.get(unit__short_name="市发改委").name == "王新名"
    assert User.objects.get(email="zhao@example.org").phone == "13900000009"
    assert Invitation.objects.count() == 1  # invited once, when created


def test_another_regions_coordinator_cannot_import_into_this_region(world):
    result = contacts_import(user=world.other_coordinator, data=csv_bytes(GOOD), filename="c.csv")
    assert result.imported == 0 and len(result.failures) == 4
    assert all("找不到" in f.reason or "不在" in f.reason for f in result.failures)
    assert not UnitContact.objects.exists() and not Invitation.objects.exists()


def test_a_users_email_of_another_account_is_refused(world):
    User.objects.create(
        username="boss", email="zhao@example.org", role="leader", region=world.region
    )
    result = contacts_import(user=world.coordinator, data=csv_bytes(GOOD[3:]), filename="c.csv")
    assert [f.reason for f in result.failures] == ["该邮箱已被其他账号使用"]
    assert User.objects.get(username="boss").role == "leader"


def test_page_imports_and_offers_the_failed_rows_as_csv(client, world):
    client.force_login(world.coordinator)
    listing = client.get(reverse("admin:regions_unitcontact_changelist")).content.decode()
    assert "批量导入联系人" in listing
    upload = SimpleUploadedFile("c.csv", csv_bytes(GOOD + BAD[:2]))
    page = client.post(reverse(URL), {"file": upload}).content.decode()
    assert "已导入 4 行" in page
    assert "找不到单位“市不存在局”" in page and "角色“科长”" in page
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', page).group(1)
    rows = list(csv.reader(io.StringIO(base64.b64decode(href).decode("utf-8-sig"))))
    assert rows[0][:3] == ["行号", "原因", "单位"]
    assert [r[0] for r in rows[1:]] == ["6", "7"] and rows[2][4] == "科长"


def test_page_refuses_a_file_over_five_megabytes(client, world):
    client.force_login(world.coordinator)
    big = SimpleUploadedFile("c.csv", csv_bytes(GOOD) + b"#" * (5 * 1024 * 1024))
    page = client.post(reverse(URL), {"file": big}).content.decode()
    assert "文件过大" in page and "5 MB" in page
    assert not UnitContact.objects.exists()


def test_page_refuses_a_missing_column(client, world):
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("c.csv", "姓名,手机\n王,13800000001\n".encode())
    page = client.post(reverse(URL), {"file": upload}).content.decode()
    assert "缺少必需的列:单位、角色" in page


def test_a_leader_cannot_use_the_import(client, world):
    client.force_login(world.leader)
    assert client.get(reverse(URL)).status_code == 404
    upload = SimpleUploadedFile("c.csv", csv_bytes(GOOD))
    assert client.post(reverse(URL), {"file": upload}).status_code == 404
    listing = client.get(reverse("admin:regions_unitcontact_changelist")).content.decode()
    assert "批量导入联系人" not in listing
    assert not UnitContact.objects.exists()


def test_contact_forms_show_the_channels_without_deprecation_warnings(client, world):
    import warnings

    client.force_login(world.coordinator)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        add = client.get(reverse("admin:regions_unitcontact_add")).content.decode()
        unit = client.get(reverse("admin:regions_unit_change", args=[world.czj_unit.pk]))
    assert "钉钉机器人 Webhook" in add and "企业微信机器人 Webhook" in add and "手机" in add
    assert "dingtalk_secret" in unit.content.decode()


def test_a_coordinator_onboards_every_unit_of_the_directory_in_one_upload(world):
    """Every unit of the bundled Taiyuan directory (40: the municipal departments and county
    governments its notice assigns to, and 太原市政府 for its province), a contact and a unit
    user each, in one .xlsx; after it nobody is unreachable and each new user has an
    invitation."""
    from regions.selectors import region_subtree_q, units_without_channel

    units = list(
        Unit.objects.filter(region_subtree_q(world.region, prefix="region__"))
        .order_by("pk")
        .values_list("pk", "short_name")
    )
    assert len(units) == 40
    assert units_without_channel(pk for pk, _name in units)  # before: some are unreachable
    rows = []
    for n, (_pk, name) in enumerate(units):
        rows.append([name, f"联络员{n}", "联络人", f"139{n:08d}", f"c{n}@example.org", "", "", ""])
        rows.append([name, f"用户{n}", "单位用户", "", f"u{n}@example.org", "", "", ""])
    result = contacts_import(user=world.coordinator, data=xlsx_bytes(rows), filename="all.xlsx")
    assert result.failures == []
    assert (result.contacts_created, result.users_created) == (len(units), len(units))
    assert units_without_channel(pk for pk, _name in units) == []
    assert Invitation.objects.count() == len(units)
