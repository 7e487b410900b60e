"""Reads of the directory: regions, units, groups, and names as documents write them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.models import normalize_name
from regions.models import Alias, Region, Unit, UnitContact, UnitGroup, User

# GB/T 2260 has four levels below the country, so a subtree is at most three steps deep.
_MAX_DEPTH = 3


# --- official order ------------------------------------------------------------------------
# Regions in GB/T 2260 code order (小店区 140105, 迎泽区 140106, 杏花岭区 140107 …), units by
# their region's code, then the directory's own order (`Unit.position`), then as added. Every
# table, matrix, chart, ledger, bulletin and assessment lists regions and units this way
# (ranked tables: equal ranks in this order); a region's own units (本级部门及单位), where
# they are one row, come first.

OWN_UNITS_ROW = "本级部门及单位"


def region_order(prefix: str = "") -> list[str]:
    """order_by() arguments for regions in official order (`prefix`: a path to a region)."""
    return [f"{prefix}code"]


def unit_order(prefix: str = "") -> list[str]:
    """order_by() arguments for units in official order (`prefix`: a path to a unit, such as
    "unit__")."""
    return [f"{prefix}region__code", f"{prefix}position", f"{prefix}id"]


def child_regions_in_order(region: Region) -> dict[int, str]:
    """The direct children of `region` (its counties, for a city), pk → name, in official
    order (a dict keeps it)."""
    return dict(
        Region.objects.filter(parent=region).order_by(*region_order()).values_list("pk", "name")
    )


def region_subtree_q(region: Region, *, prefix: str = "") -> Q:
    """A Q matching `region` and everything below it (one SQL condition, no recursion)."""
    q = Q(**{f"{prefix}pk": region.pk})
    path = f"{prefix}parent"
    for _ in range(_MAX_DEPTH):
        q |= Q(**{f"{path}_id": region.pk})
        path = f"{path}__parent"
    return q


def region_subtree(*, region: Region) -> QuerySet[Region]:
    return Region.objects.filter(region_subtree_q(region))


def units_below(*, region: Region) -> QuerySet[Unit]:
    """The units of `region` and of the regions below it, found down the parent index one
    level at a time (each level a subquery): a province's 169 units in ~2 ms, where the
    ORs up a joined region chain (region_subtree_q) hash every region and unit (~7 ms)."""
    level = Region.objects.filter(parent_id=region.pk).values("pk")
    q = Q(region_id=region.pk)
    for _ in range(_MAX_DEPTH):
        q |= Q(region_id__in=level)
        level = Region.objects.filter(parent_id__in=level).values("pk")
    return Unit.objects.filter(q)


@dataclass(frozen=True)
class Resolution:
    """What a name as written resolves to: one unit, one group, several candidates, or nothing."""

    name: str
    unit: Unit | None = None
    group: UnitGroup | None = None
    candidates: tuple[Unit | UnitGroup, ...] = field(default=())

    @property
    def is_resolved(self) -> bool:
        return self.unit is not None or self.group is not None

    @property
    def is_ambiguous(self) -> bool:
        return not self.is_resolved and len(self.candidates) > 1


def directory_resolve_names(*, region: Region, names: Iterable[str]) -> dict[str, Resolution]:
    """Resolve names as a document of `region` writes them, in three queries for any number.

    A name matches a unit of the region's subtree by short name, full name or alias,
    or a unit group of the region by name or alias (names are NFKC-folded first).
    When several units match, one of the region itself wins over ones further down;
    a tie is ambiguous and left to the coordinator. Keys of the result are the names
    as given.
    """
    asked = {name: normalize_name(name) for name in names}
    wanted = set(asked.values()) - {""}
    if not wanted:
        return {name: Resolution(name=name) for name in asked}

    in_subtree = region_subtree_q(region, prefix="region__")
    matches: dict[str, dict[tuple[str, int], Unit | UnitGroup]] = {n: {} for n in wanted}

    units = Unit.objects.filter(in_subtree, is_active=True).filter(
        Q(short_name__in=wanted) | Q(full_name__in=wanted)
    )
    for unit in units.select_related("region"):
        for name in {unit.short_name, unit.full_name} & wanted:
            matches[name][("unit", unit.pk)] = unit

    groups = UnitGroup.objects.filter(region=region, name__in=wanted).select_related("region")
    for group in groups:
        matches[group.name][("group", group.pk)] = group

    aliases = Alias.objects.filter(name__in=wanted).filter(
        Q(unit__is_active=True) & region_subtree_q(region, prefix="unit__region__")
        | Q(group__region_id=region.pk)
    )
    aliases = aliases.select_related("unit__region", "group__region")
    for alias in aliases:
        target = alias.unit or alias.group
        kind = "unit" if alias.unit_id else "group"
        matches[alias.name][(kind, target.pk)] = target

    resolved = {norm: _pick(norm, found, region) for norm, found in matches.items()}
    return {name: resolved.get(norm, Resolution(name=name)) for name, norm in asked.items()}


def _pick(name: str, found: dict, region: Region) -> Resolution:
    if not found:
        return Resolution(name=name)
    targets = sorted(found.values(), key=lambda t: (isinstance(t, UnitGroup), t.pk))
    best = [t for t in targets if t.region_id == region.pk] or targets
    if len(best) > 1:
        return Resolution(name=name, candidates=tuple(targets))
    target = best[0]
    if isinstance(target, UnitGroup):
        return Resolution(name=name, group=target, candidates=(target,))
    return Resolution(name=name, unit=target, candidates=(target,))


def directory_resolve_name(*, region: Region, name: str) -> Resolution:
    return directory_resolve_names(region=region, names=[name])[name]


def unit_group_members(*, group: UnitGroup) -> QuerySet[Unit]:
    """The active units a collective name stands for, by the group's rule."""
    active = Unit.objects.filter(is_active=True).select_related("region")
    rule = UnitGroup.Rule
    if group.rule == rule.CHILD_GOVERNMENTS:
        return active.filter(kind=Unit.Kind.GOVERNMENT, region__parent_id=group.region_id)
    if group.rule == rule.TOWNSHIP_GOVERNMENTS:
        return active.filter(
            region_subtree_q(group.region, prefix="region__"),
            kind=Unit.Kind.GOVERNMENT,
            region__level=Region.Level.TOWNSHIP,
        )
    if group.rule == rule.DEPARTMENTS:
        return active.filter(kind=Unit.Kind.DEPARTMENT, region_id=group.region_id)
    if group.rule == rule.ZONES:
        return active.filter(kind=Unit.Kind.ZONE, region_id=group.region_id)
    return active.filter(custom_groups=group)


def unit_group_admits(group: UnitGroup, *, kind: str, region: Region) -> bool:
    """Whether a unit of `kind` in `region`, not yet in the directory, would be a member of
    `group` by its rule: the same rules as `unit_group_members`, for one unit in Python."""
    rule = UnitGroup.Rule
    if group.rule == rule.CHILD_GOVERNMENTS:
        return kind == Unit.Kind.GOVERNMENT and region.parent_id == group.region_id
    if group.rule == rule.TOWNSHIP_GOVERNMENTS:
        in_subtree = group.region_id in (
            region.pk,
            region.parent_id,
            getattr(region.parent, "parent_id", None),
            getattr(getattr(region.parent, "parent", None), "parent_id", None),
        )
        return kind == Unit.Kind.GOVERNMENT and region.level == Region.Level.TOWNSHIP and in_subtree
    if group.rule == rule.DEPARTMENTS:
        return kind == Unit.Kind.DEPARTMENT and region.pk == group.region_id
    if group.rule == rule.ZONES:
        return kind == Unit.Kind.ZONE and region.pk == group.region_id
    return False  # a custom list names its members one by one


def unit_groups_members(*, groups: Iterable[UnitGroup]) -> dict[int, list[Unit]]:
    """Each group's members, one query per group (a plan names a handful of groups)."""
    return {group.pk: list(unit_group_members(group=group)) for group in groups}


def unit_mail_recipients_many(
    unit_ids: Iterable[int], *, digest: bool = False
) -> dict[int, list[str]]:
    """The addresses each unit's mail goes to (two queries for any number of units): its
    active users' and its contacts'; for a digest, only users who have not opted out."""
    unit_ids = set(unit_ids)
    found: dict[int, set[str]] = {pk: set() for pk in unit_ids}
    users = User.objects.filter(unit_id__in=unit_ids, is_active=True).exclude(email="")
    if digest:
        users = users.filter(receives_digests=True)
    contacts = UnitContact.objects.filter(
        unit_id__in=unit_ids, role=UnitContact.Role.CONTACT
    ).exclude(email="")
    for unit_id, email in [
        *users.values_list("unit_id", "email"),
        *contacts.values_list("unit_id", "email"),
    ]:
        found[unit_id].add(email)
    return {pk: sorted(emails) for pk, emails in found.items()}


def escalation_mail_recipients_many(
    pairs: Iterable[tuple[int, int]],
) -> dict[tuple[int, int], list[str]]:
    """Who hears of an escalation, per (unit, region): the unit's leaders (分管领导) and the
    region's active coordinators. Two queries for any number of pairs."""
    pairs = set(pairs)
    leaders: dict[int, set[str]] = {}
    for unit_id, email in (
        UnitContact.objects.filter(unit_id__in={u for u, _ in pairs}, role=UnitContact.Role.LEADER)
        .exclude(email="")
        .values_list("unit_id", "email")
    ):
        leaders.setdefault(unit_id, set()).add(email)
    coordinators: dict[int, set[str]] = {}
    for region_id, email in (
        User.objects.filter(
            role=User.Role.COORDINATOR, is_active=True, region_id__in={r for _, r in pairs}
        )
        .exclude(email="")
        .values_list("region_id", "email")
    ):
        coordinators.setdefault(region_id, set()).add(email)
    return {(u, r): sorted(leaders.get(u, set()) | coordinators.get(r, set())) for u, r in pairs}


def units_without_channel(units: QuerySet[Unit] | Iterable[int]) -> list[Unit]:
    """The units nobody can be told anything through, in official order (one query for any
    number; `units` a queryset is kept in SQL): no contact with any address, and no active
    user with an e-mail or a phone."""
    if not isinstance(units, QuerySet):  # ids; a queryset (of units or ids) is a subquery
        units = set(units)
        if not units:
            return []
    contact = UnitContact.objects.filter(unit=OuterRef("pk")).filter(
        ~Q(email="") | ~Q(phone="") | ~Q(dingtalk_webhook="") | ~Q(wecom_webhook="")
    )
    user = User.objects.filter(unit=OuterRef("pk"), is_active=True).filter(
        ~Q(email="") | ~Q(phone="")
    )
    return list(
        Unit.objects.filter(pk__in=units)
        .filter(~Exists(contact), ~Exists(user))
        .select_related("region")
        .order_by(*unit_order())
    )


def unreachable_warning(units: list[Unit], *, listed: int = 20) -> str:
    """ "N 个单位没有联系方式:…" for a page that is about to tell them something ("" if none)."""
    if not units:
        return ""
    names = "、".join(u.short_name for u in units[:listed])
    more = "等" if len(units) > listed else ""
    return f"{len(units)} 个单位没有联系方式:{names}{more}。"


def region_coordinator_ids(region_id: int) -> list[int]:
    """The active coordinators of one region itself (the office that runs its plans): who
    is told of what waits for the coordinating office."""
    return list(
        User.objects.filter(
            is_active=True, role=User.Role.COORDINATOR, region_id=region_id
        ).values_list("pk", flat=True)
    )
