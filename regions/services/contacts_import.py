"""Importing a region's contacts from a spreadsheet (.xlsx, or .csv in UTF-8 or GB18030).

Columns: 单位, 姓名, 角色, 手机, 邮箱, 钉钉机器人, 钉钉加签密钥, 企业微信机器人. A 联络人 or
分管领导 row creates or updates a unit contact (matched within the unit by e-mail, else by
phone, else by robot address); a 单位用户 row creates or updates (by e-mail) a unit user, who
is invited to set a password. Units are resolved by name within the coordinator's region, as
a plan import resolves them. Every row is checked first; the good rows are saved in one
transaction and the bad ones reported, each with its line and reason.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.errors import ApplicationError, ForbiddenError
from core.models import normalize_name
from core.spreadsheets import csv_safe
from regions.models import Region, Unit, UnitContact, User
from regions.selectors import directory_resolve_names
from regions.services.invitations import invitations_create

MAX_BYTES = 5 * 1024 * 1024
COLUMNS = {  # header as written → field
    "单位": "unit",
    "姓名": "name",
    "角色": "role",
    "手机": "phone",
    "邮箱": "email",
    "钉钉机器人": "dingtalk_webhook",
    "钉钉加签密钥": "dingtalk_secret",
    "企业微信机器人": "wecom_webhook",
}
HEADERS = {**COLUMNS, "电子邮箱": "email", "手机号": "phone", "手机号码": "phone"}
USER_ROLE = "unit_user"
ROLES = {
    "联络人": UnitContact.Role.CONTACT,
    "分管领导": UnitContact.Role.LEADER,
    "单位用户": USER_ROLE,
}
_MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_https = URLValidator(schemes=["https"])


@dataclass
class RowFailure:
    line: int
    values: dict[str, str]
    reason: str


@dataclass
class ContactsImportResult:
    contacts_created: int = 0
    contacts_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    failures: list[RowFailure] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return (
            self.contacts_created + self.contacts_updated + self.users_created + self.users_updated
        )

    def __str__(self) -> str:
        return (
            f"导入 {self.imported} 行:新增联系人 {self.contacts_created} 个,更新 "
            f"{self.contacts_updated} 个;新增单位用户 {self.users_created} 个(已发送邀请),"
            f"更新 {self.users_updated} 个;{len(self.failures)} 行未导入。"
        )


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    unit: Unit | None = None
    role: str = ""


# --- reading the file ------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number Excel kept as a number
    return str(value).strip()


def _table(data: bytes, filename: str) -> list[list[str]]:
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ApplicationError("无法读取该 Excel 文件,请另存为 .xlsx 或 CSV。") from exc
        try:
            sheet = workbook.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    if b"\x00" in data:
        raise ApplicationError("请上传 .xlsx 或 .csv 文件。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ApplicationError("无法识别文件编码,请另存为 UTF-8 或 GBK 编码的 CSV。")
    return [[v.strip() for v in row] for row in csv.reader(io.StringIO(text))]


def _rows(data: bytes, filename: str) -> list[_Row]:
    if not data.strip():
        raise ApplicationError("文件为空。")
    if len(data) > MAX_BYTES:
        raise ApplicationError(
            f"文件过大({len(data) / 1024 / 1024:.1f} MB),上限为 {MAX_BYTES // 1024 // 1024} MB。"
        )
    table = _table(data, filename)
    if not table:
        raise ApplicationError("文件为空。")
    columns = [HEADERS.get(normalize_name(h)) for h in table[0]]
    missing = [h for h, f in COLUMNS.items() if f in ("unit", "role") and f not in columns]
    if missing:
        raise ApplicationError(
            f"缺少必需的列:{'、'.join(missing)}(首行应为列名:{'、'.join(COLUMNS)})。"
        )
    rows = []
    for line, values in enumerate(table[1:], start=2):
        if not any(values):
            continue
        row = dict.fromkeys(COLUMNS.values(), "")
        for index, name in enumerate(columns):
            if name and index < len(values):
                row[name] = values[index]
        rows.append(_Row(line=line, values=row))
    if not rows:
        raise ApplicationError("文件中没有联系人数据。")
    return rows


# --- checking the rows -----------------------------------------------------------------------


def _phone(value: str) -> str | None:
    """The number without spaces and dashes, or None if it is not a phone number."""
    digits = re.sub(r"[\s\-()]", "", value)
    return digits if _MOBILE.match(digits) or _LANDLINE.match(digits) else None


def _check_addresses(row: _Row) -> str:
    v = row.values
    if v["email"]:
        try:
            validate_email(v["email"])
        except ValidationError:
            return f"邮箱“{v['email']}”格式不正确"
        v["email"] = v["email"].lower()
    if v["phone"]:
        phone = _phone(v["phone"])
        if phone is None:
            return f"手机号码“{v['phone']}”格式不正确"
        v["phone"] = phone
    for key, label in (("dingtalk_webhook", "钉钉机器人"), ("wecom_webhook", "企业微信机器人")):
        if v[key]:
            try:
                _https(v[key])
            except ValidationError:
                return f"{label}地址“{v[key]}”不是有效的 https 网址"
    if v["dingtalk_secret"] and not v["dingtalk_webhook"]:
        return "填写了钉钉加签密钥,但没有钉钉机器人地址"
    if row.role == USER_ROLE:
        if not v["email"]:
            return "单位用户必须填写邮箱(用于登录邀请)"
        if v["dingtalk_webhook"] or v["wecom_webhook"]:
            return "机器人地址请填在联络人一行,不能填给单位用户"
    elif not (v["email"] or v["phone"] or v["dingtalk_webhook"] or v["wecom_webhook"]):
        return "没有任何联系方式(手机、邮箱或机器人至少填一项)"
    return ""


def _contact_key(row: _Row) -> tuple:
    v = row.values
    address = v["email"] or v["phone"] or v["dingtalk_webhook"] or v["wecom_webhook"]
    return ("contact", row.unit.pk, address)


def _row_key(row: _Row) -> tuple:
    return ("user", row.values["email"]) if row.role == USER_ROLE else _contact_key(row)


def _resolve_units(rows: list[_Row], region: Region) -> dict[str, str]:
    """Set each row's unit; returns the reason for each name that does not resolve."""
    names = {r.values["unit"] for r in rows if r.values["unit"]}
    found = directory_resolve_names(region=region, names=names)
    missing = {n for n, res in found.items() if res.unit is None}
    elsewhere = set()
    if missing:
        folded = {normalize_name(n): n for n in missing}
        for short, full in Unit.objects.filter(
            Q(short_name__in=folded) | Q(full_name__in=folded)
        ).values_list("short_name", "full_name"):
            elsewhere |= {folded[n] for n in (short, full) if n in folded}
    reasons = {}
    for name in missing:
        res = found[name]
        if res.group is not None:
            reasons[name] = f"“{name}”是集体名称,请写具体单位"
        elif res.is_ambiguous:
            reasons[name] = f"单位名称“{name}”对应多个单位,请写全称"
        elif name in elsewhere:
            reasons[name] = f"单位“{name}”不在您负责的区划({region.name})内"
        else:
            reasons[name] = f"在{region.name}的单位目录中找不到单位“{name}”"
    for row in rows:
        res = found.get(row.values["unit"])
        row.unit = res.unit if res is not None else None
    return reasons


def _check(rows: list[_Row], region: Region) -> tuple[list[_Row], list[RowFailure]]:
    unit_reasons = _resolve_units(rows, region)
    good, failures, seen = [], [], {}
    for row in rows:
        v = row.values
        role = ROLES.get(normalize_name(v["role"]))
        if not v["unit"]:
            reason = "没有填写单位"
        elif row.unit is None:
            reason = unit_reasons[v["unit"]]
        elif role is None:
            reason = f"角色“{v['role']}”应为 联络人、分管领导 或 单位用户"
        else:
            row.role = role
            reason = _check_addresses(row)
        if not reason:
            key = _row_key(row)
            if key in seen:
                reason = f"与第 {seen[key]} 行重复"
            else:
                seen[key] = row.line
        if reason:
            failures.append(RowFailure(row.line, dict(v), reason))
        else:
            good.append(row)
    return good, failures


# --- saving ----------------------------------------------------------------------------------


def _save_contacts(rows: list[_Row], result: ContactsImportResult) -> None:
    existing: dict[tuple, UnitContact] = {}
    for contact in UnitContact.objects.filter(unit_id__in={r.unit.pk for r in rows}):
        for address in (
            contact.email,
            contact.phone,
            contact.dingtalk_webhook,
            contact.wecom_webhook,
        ):
            if address:
                existing.setdefault(("contact", contact.unit_id, address), contact)
    new, changed, now = [], [], timezone.now()
    fields = ["name", "role", "email", "phone", "dingtalk_webhook", "dingtalk_secret"]
    fields.append("wecom_webhook")
    for row in rows:
        v = row.values
        contact = existing.get(_contact_key(row))
        if contact is None:
            new.append(UnitContact(unit=row.unit, role=row.role, **_contact_values(v)))
            continue
        contact.role, contact.updated_at = row.role, now
        for key, value in _contact_values(v).items():
            if value:  # a blank cell keeps what the contact has
                setattr(contact, key, value)
        changed.append(contact)
    UnitContact.objects.bulk_create(new)
    UnitContact.objects.bulk_update(changed, [*fields, "updated_at"])
    result.contacts_created += len(new)
    result.contacts_updated += len(changed)


def _contact_values(v: dict[str, str]) -> dict[str, str]:
    keys = ("name", "email", "phone", "dingtalk_webhook", "dingtalk_secret", "wecom_webhook")
    return {k: v[k] for k in keys}


def _save_users(
    rows: list[_Row], coordinator: User, result: ContactsImportResult
) -> list[RowFailure]:
    """Create or update unit users by e-mail; a user of that e-mail who is not a unit user
    the coordinator manages is left alone and the row refused."""
    from regions.access import units_for_user

    emails = {r.values["email"] for r in rows}
    by_email: dict[str, list[User]] = {}
    for user in User.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=emails):
        by_email.setdefault(user.lower_email, []).append(user)
    managed = set(
        units_for_user(coordinator)
        .filter(pk__in={u.unit_id for users in by_email.values() for u in users if u.unit_id})
        .values_list("pk", flat=True)
    )
    taken = set(
        User.objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=emails)
        .values_list("lower_name", flat=True)
    )
    failures, new, changed = [], [], []
    for row in rows:
        v = row.values
        found = by_email.get(v["email"], [])
        if len(found) > 1 or (
            found and (found[0].role != User.Role.UNIT_USER or found[0].unit_id not in managed)
        ):
            failures.append(RowFailure(row.line, dict(v), "该邮箱已被其他账号使用"))
            continue
        if found:
            user = found[0]
            user.unit = row.unit
            user.last_name = v["name"] or user.last_name
            user.phone = v["phone"] or user.phone
            changed.append(user)
            continue
        username = v["email"] if v["email"] not in taken else f"{v['email']}-{row.line}"
        user = User(
            username=username[:150],
            email=v["email"],
            last_name=v["name"],
            phone=v["phone"],
            role=User.Role.UNIT_USER,
            unit=row.unit,
        )
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new)
    User.objects.bulk_update(changed, ["unit", "last_name", "phone"])
    if new:
        created = list(User.objects.filter(username__in=[u.username for u in new]))
        invitations_create(users=created)
    result.users_created += len(new)
    result.users_updated += len(changed)
    return failures


def contacts_import(*, user: User, data: bytes, filename: str = "") -> ContactsImportResult:
    """Import the file's contacts into the coordinator's region (see the module's doc)."""
    if not user.is_coordinator:
        raise ForbiddenError("只有协调员可以导入联系人。")
    if user.region_id is None:
        raise ApplicationError("导入联系人按负责区划解析单位:请使用负责区划的协调员账号。")
    rows = _rows(data, filename)
    good, failures = _check(rows, user.region)
    result = ContactsImportResult()
    with transaction.atomic():
        _save_contacts([r for r in good if r.role != USER_ROLE], result)
        failures += _save_users([r for r in good if r.role == USER_ROLE], user, result)
    result.failures = sorted(failures, key=lambda f: f.line)
    return result


def failures_csv(failures: list[RowFailure]) -> bytes:
    """The failed rows with their line and reason, to fix and import again (UTF-8 with BOM,
    which Excel opens as such)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "原因", *COLUMNS])
    for failure in failures:
        values = [csv_safe(failure.values.get(f, "")) for f in COLUMNS.values()]
        writer.writerow([failure.line, failure.reason, *values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
