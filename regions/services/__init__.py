"""Writes to the directory: loading region lists and unit lists, standard groups, aliases."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.errors import ApplicationError
from core.models import normalize_name
from regions.models import Alias, Region, Unit, UnitContact, UnitGroup, User
from regions.services.csv_rows import csv_rows

LEVEL_ORDER = {
    Region.Level.PROVINCE: 0,
    Region.Level.PREFECTURE: 1,
    Region.Level.COUNTY: 2,
    Region.Level.TOWNSHIP: 3,
}
_LEVEL_WORDS = {
    "province": Region.Level.PROVINCE,
    "省": Region.Level.PROVINCE,
    "省级": Region.Level.PROVINCE,
    "prefecture": Region.Level.PREFECTURE,
    "地级": Region.Level.PREFECTURE,
    "市": Region.Level.PREFECTURE,
    "county": Region.Level.COUNTY,
    "县": Region.Level.COUNTY,
    "县级": Region.Level.COUNTY,
    "township": Region.Level.TOWNSHIP,
    "乡": Region.Level.TOWNSHIP,
    "乡级": Region.Level.TOWNSHIP,
}
_KIND_WORDS = {
    "department": Unit.Kind.DEPARTMENT,
    "部门": Unit.Kind.DEPARTMENT,
    "government": Unit.Kind.GOVERNMENT,
    "政府": Unit.Kind.GOVERNMENT,
    "zone": Unit.Kind.ZONE,
    "园区": Unit.Kind.ZONE,
    "开发区": Unit.Kind.ZONE,
    "other": Unit.Kind.OTHER,
    "其他": Unit.Kind.OTHER,
}
_REGION_HEADERS = {
    "code": "code",
    "代码": "code",
    "区划代码": "code",
    "行政区划代码": "code",
    "name": "name",
    "名称": "name",
    "单位名称": "name",
    "level": "level",
    "层级": "level",
    "parent": "parent",
    "上级代码": "parent",
}
_UNIT_HEADERS = {
    "region_code": "region_code",
    "区划代码": "region_code",
    "short_name": "short_name",
    "简称": "short_name",
    "full_name": "full_name",
    "全称": "full_name",
    "kind": "kind",
    "类型": "kind",
    "aliases": "aliases",
    "别名": "aliases",
}
_LIST_SEPARATORS = str.maketrans({"、": "|", ";": "|", ",": "|"})


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    units_created: int = 0
    groups_created: int = 0

    def __str__(self) -> str:
        return (
            f"新增 {self.created} 条,更新 {self.updated} 条;"
            f"新增单位 {self.units_created} 个,新增单位组 {self.groups_created} 个"
        )


def infer_level(code: str) -> Region.Level:
    """The level a GB/T 2260 code encodes: XX0000 province, XXYY00 prefecture, else county."""
    if len(code) > 6:
        return Region.Level.TOWNSHIP
    if code[2:] == "0000":
        return Region.Level.PROVINCE
    if code[4:] == "00":
        return Region.Level.PREFECTURE
    return Region.Level.COUNTY


def _parent_candidates(code: str, level: str) -> list[str]:
    if level == Region.Level.TOWNSHIP:
        return [code[:6]]
    if level == Region.Level.COUNTY:
        # Counties directly under a province (省直辖县级行政单位) fall back to the province.
        return [code[:4] + "00", code[:2] + "0000"]
    if level == Region.Level.PREFECTURE:
        return [code[:2] + "0000"]
    return []


@transaction.atomic
def regions_load_csv(
    *, data: bytes, governments: bool = False, groups: bool = False
) -> LoadSummary:
    """Create or update regions from a CSV of GB/T 2260 codes and names.

    Columns: code, name (Chinese headers 区划代码, 名称 also accepted); optional level
    and parent (a code). Level and parent are inferred from the code when absent.
    With `governments`, each region that may receive work from the level above gets its
    government unit (kind government, "<名>政府", full name with its parent's name, aliases
    "<名>人民政府" and the bare name), so the parent's collective name for its children's
    governments (各县(市、区)人民政府, 各市人民政府) stands for them: every county-level
    region, and every region above county level that has a parent in the directory (a
    prefecture under its province). A province has nothing above it in the directory and
    gets none; township governments come from the unit lists. With `groups`, each province,
    prefecture and county gets its standard collective names.
    All or nothing: a bad row aborts the load with its line number.
    """
    rows = csv_rows(data, _REGION_HEADERS, {"code", "name"})
    parsed = []
    for line_no, row in rows:
        code, name = row["code"], normalize_name(row["name"])
        if not code.isdigit() or len(code) not in (6, 9, 12):
            raise ApplicationError(f"第 {line_no} 行:区划代码“{code}”应为 6、9 或 12 位数字。")
        if not name:
            raise ApplicationError(f"第 {line_no} 行:名称为空。")
        level_word = row.get("level", "")
        level = _LEVEL_WORDS.get(level_word.lower()) if level_word else infer_level(code)
        if level is None:
            raise ApplicationError(f"第 {line_no} 行:无法识别的层级“{level_word}”。")
        parsed.append((line_no, code, name, level, row.get("parent", "")))
    if not parsed:
        raise ApplicationError("CSV 中没有区划数据。")

    parsed.sort(key=lambda r: (LEVEL_ORDER[r[3]], r[1]))
    codes = [p[1] for p in parsed]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise ApplicationError(f"区划代码“{dup}”重复出现。")

    known = {r.code: r for r in Region.objects.all()}
    summary = LoadSummary()
    touched: list[Region] = []
    for line_no, code, name, level, parent_code in parsed:
        if parent_code:
            parent = known.get(parent_code)
            if parent is None:
                raise ApplicationError(f"第 {line_no} 行:上级代码“{parent_code}”不存在。")
        else:
            parent = next(
                (known[c] for c in _parent_candidates(code, level) if c in known and c != code),
                None,
            )
        region, created = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        known[code] = region
        touched.append(region)
        if created:
            summary.created += 1
        else:
            summary.updated += 1

    for region in touched:
        if governments and _receives_from_above(region):
            summary.units_created += _ensure_government(region)
        if groups and region.level != Region.Level.TOWNSHIP:
            summary.groups_created += unit_groups_create_standard(region=region)
    return summary


def _receives_from_above(region: Region) -> bool:
    """Whether a region gets its government unit on loading: a county always (the level
    work reaches in the end), a region above it when a region above it is loaded."""
    if region.level == Region.Level.COUNTY:
        return True
    return region.level != Region.Level.TOWNSHIP and region.parent_id is not None


def _ensure_government(region: Region) -> int:
    parent_name = region.parent.name if region.parent else ""
    unit, created = Unit.objects.get_or_create(
        region=region,
        short_name=f"{region.name}政府",
        defaults={
            "full_name": f"{parent_name}{region.name}人民政府",
            "kind": Unit.Kind.GOVERNMENT,
        },
    )
    alias_add_many(unit=unit, names=[f"{region.name}人民政府", region.name])
    return int(created)


def _standard_groups(region: Region) -> list[tuple[str, str, list[str]]]:
    """The collective names documents of a region of this level use, with their rules."""
    rule = UnitGroup.Rule
    if region.level == Region.Level.PROVINCE:
        return [
            ("各市人民政府", rule.CHILD_GOVERNMENTS, ["各市政府", "各市(州)人民政府"]),
            ("省直各部门", rule.DEPARTMENTS, ["省政府各部门", "省直各单位"]),
        ]
    if region.level == Region.Level.PREFECTURE:
        return [
            (
                "各县(市、区)人民政府",
                rule.CHILD_GOVERNMENTS,
                ["各县(市、区)政府", "各县(市、区)", "各县市区人民政府", "各县市区政府"],
            ),
            ("市直各部门", rule.DEPARTMENTS, ["市直各委、局、办", "市政府各部门", "市直各单位"]),
            ("各乡镇(街道)", rule.TOWNSHIP_GOVERNMENTS, ["各乡(镇)、街道", "各乡镇、街道"]),
        ]
    if region.level == Region.Level.COUNTY:
        prefix = region.name[-1]  # 县直 / 区直 / 市直, as the county calls itself
        return [
            ("各乡镇(街道)", rule.CHILD_GOVERNMENTS, ["各乡(镇)、街道", "各乡镇人民政府"]),
            (f"{prefix}直各部门", rule.DEPARTMENTS, [f"{prefix}政府各部门"]),
        ]
    return []


def unit_groups_create_standard(*, region: Region) -> int:
    """Create the region's standard collective names (idempotent); returns how many were new."""
    created_count = 0
    for name, rule, aliases in _standard_groups(region):
        group, created = UnitGroup.objects.get_or_create(
            region=region, name=normalize_name(name), defaults={"rule": rule}
        )
        created_count += int(created)
        alias_add_many(group=group, names=aliases)
    return created_count


def alias_add_many(
    *, names: list[str], unit: Unit | None = None, group: UnitGroup | None = None
) -> None:
    """Remember other names for a unit or a group (idempotent)."""
    own = {normalize_name(unit.short_name), normalize_name(unit.full_name)} if unit else set()
    if group:
        own.add(group.name)
    for raw in names:
        name = normalize_name(raw)
        if name and name not in own:
            Alias.objects.get_or_create(name=name, unit=unit, group=group)


@transaction.atomic
def units_load_csv(*, data: bytes) -> LoadSummary:
    """Create or update units from a CSV: region_code, short_name, full_name, kind, aliases.

    Aliases are separated by `|` or `、`. Kinds: department/government/zone/other
    (or 部门/政府/园区/其他). Units are matched by region and short name. All or nothing.
    The file's order is the directory's order of each region it lists; a region's units the
    file does not list (its government, made with the region; units added by hand) keep
    their order after the file's, however they were loaded.
    """
    rows = csv_rows(data, _UNIT_HEADERS, {"region_code", "short_name", "kind"})
    regions = {r.code: r for r in Region.objects.all()}
    summary = LoadSummary()
    listed: dict[int, set[int]] = {}  # region → the units the file lists there
    for line_no, row in rows:
        region = regions.get(row["region_code"])
        if region is None:
            raise ApplicationError(
                f"第 {line_no} 行:区划代码“{row['region_code']}”不存在,请先导入区划。"
            )
        short_name = normalize_name(row["short_name"])
        if not short_name:
            raise ApplicationError(f"第 {line_no} 行:简称为空。")
        kind = _KIND_WORDS.get(row["kind"].lower())
        if kind is None:
            raise ApplicationError(f"第 {line_no} 行:无法识别的单位类型“{row['kind']}”。")
        unit, created = Unit.objects.update_or_create(
            region=region,
            short_name=short_name,
            defaults={
                "full_name": normalize_name(row.get("full_name", "")),
                "kind": kind,
                "position": line_no - 1,  # the file's order is the directory's order
            },
        )
        listed.setdefault(region.pk, set()).add(unit.pk)
        if created:
            summary.units_created += 1
        else:
            summary.updated += 1
        aliases = row.get("aliases", "").translate(_LIST_SEPARATORS).split("|")
        alias_add_many(unit=unit, names=[a for a in aliases if a.strip()])
    _place_unlisted_after(listed, last=rows[-1][0] - 1 if rows else 0)  # the last position
    return summary


def _place_unlisted_after(listed: dict[int, set[int]], *, last: int) -> None:
    """Number each listed region's other units after every position the file gave."""
    moved = []
    for region_id, pks in listed.items():
        others = Unit.objects.filter(region_id=region_id).exclude(pk__in=pks)
        for place, unit in enumerate(others.order_by("position", "id"), start=last + 1):
            if unit.position != place:
                unit.position = place
                moved.append(unit)
    Unit.objects.bulk_update(moved, ["position"])


def _bundled(name: str) -> bytes:
    return resources.files("regions").joinpath("data", name).read_bytes()


BUNDLED_DIRECTORIES = ("taiyuan", "yunchuan", "jiangling")
# A bundle that completes another loads it first: jiangling is the fictional province 江岭省
# (in yunchuan's region list) with its departments and a second city, 岚溪市; its first city,
# 云川市, with its counties and departments, is the yunchuan bundle.
_BUNDLE_REQUIRES = {"jiangling": ("yunchuan",)}


@transaction.atomic
def directory_load_bundled(name: str) -> LoadSummary:
    """Load a bundled directory (idempotent): `taiyuan` (太原市), the fictional demo city
    `yunchuan` (云川市), or the fictional province `jiangling` (江岭省, which loads yunchuan
    first); the summary counts what each of them created."""
    if name not in BUNDLED_DIRECTORIES:
        raise ApplicationError(f"没有名为“{name}”的内置名录。")
    summary = LoadSummary()
    for part in (*_BUNDLE_REQUIRES.get(name, ()), name):
        loaded = regions_load_csv(
            data=_bundled(f"{part}_regions.csv"), governments=True, groups=True
        )
        units = units_load_csv(data=_bundled(f"{part}_units.csv"))
        summary.created += loaded.created
        summary.updated += loaded.updated
        summary.units_created += loaded.units_created + units.units_created
        summary.groups_created += loaded.groups_created
    return summary


def directory_load_taiyuan() -> LoadSummary:
    """太原市: regions, county governments, collective names, the notice's departments."""
    return directory_load_bundled("taiyuan")


def unit_contacts_create_placeholder(*, units, domain: str = "example.org") -> int:
    """A contact at `domain` (reserved for examples: mail there goes nowhere) for each of
    `units` that has none, so a demo reaches every unit; returns how many were created."""
    missing = units.filter(contacts__isnull=True)
    created = UnitContact.objects.bulk_create(
        [
            UnitContact(unit_id=pk, name="联络人", email=f"unit-{pk}@{domain}")
            for pk in missing.values_list("pk", flat=True)
        ]
    )
    return len(created)


# --- users and roles -----------------------------------------------------------

ROLE_GROUPS = {
    # Django group name → (role, which permissions its members get in the admin)
    "协调员": ("coordinator", {"add", "change", "delete", "view"}),
    "领导": ("leader", {"view"}),
}
_ROLE_APPS = ("regions", "tasks_app", "notify", "reporting", "hooks")


@transaction.atomic
def roles_setup() -> dict[str, Group]:
    """Create (or refresh) the Django groups that carry each role's admin permissions."""
    perms = list(Permission.objects.filter(content_type__app_label__in=_ROLE_APPS))
    groups = {}
    for name, (_role, actions) in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        chosen = [p for p in perms if p.codename.split("_", 1)[0] in actions]
        # Users are deactivated, never deleted: their reports and reviews keep their author.
        chosen = [p for p in chosen if p.codename != "delete_user"]
        group.permissions.set(chosen)
        groups[name] = group
    return groups


@transaction.atomic
def user_upsert(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    unit: Unit | None = None,
    region: Region | None = None,
) -> User:
    """Create or update a user with a role; coordinators and leaders get admin access."""
    if role == User.Role.UNIT_USER and unit is None:
        raise ApplicationError("单位用户必须指定所属单位。")
    if role in (User.Role.COORDINATOR, User.Role.LEADER) and region is None:
        raise ApplicationError("协调员和领导必须指定负责的区划。")
    user, _ = User.objects.get_or_create(username=username)
    user.role = role
    user.unit = unit
    user.region = region
    user.last_name = display_name
    user.is_active = True
    user.set_password(password)
    user.save()
    user_apply_role(user=user)
    return user


def user_apply_role(*, user: User) -> None:
    """What a role brings: coordinators and leaders use the admin (staff) with their role's
    group of permissions; others do not. Administrators keep what they have."""
    if user.is_superuser:
        return
    staff = user.role in (User.Role.COORDINATOR, User.Role.LEADER)
    if user.is_staff != staff:
        User.objects.filter(pk=user.pk).update(is_staff=staff)
        user.is_staff = staff
    group_names = [name for name, (r, _a) in ROLE_GROUPS.items() if r == user.role]
    if Group.objects.filter(name__in=group_names).count() < len(group_names):
        roles_setup()  # a fresh installation: create the role groups on first use
    user.groups.set(Group.objects.filter(name__in=group_names))


def user_set_digest_preference(*, user: User, receives: bool) -> None:
    """Digests (weekly, daily summaries) may be declined; deadline mails may not."""
    User.objects.filter(pk=user.pk).update(receives_digests=receives)


def users_unlock(*, usernames: list[str]) -> int:
    """Lift the login lockout of these users (django-axes' failure records for their names);
    returns how many records were cleared."""
    from axes.utils import reset

    return sum(reset(username=name) for name in usernames)
