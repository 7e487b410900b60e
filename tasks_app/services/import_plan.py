"""What an outline will create, computed without writing: names resolved to units and
groups, the nodes that are tracked and for which units (collective names expanded, new
units included), and each node's due date. The review page's preview and the import both
use `assignments_plan`, so the total the coordinator confirms is what the import creates."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from core.errors import ApplicationError
from core.models import normalize_name
from regions.matching import directory_rank_suggestions
from regions.models import Region, Unit, UnitGroup
from regions.selectors import (
    directory_resolve_name,
    directory_resolve_names,
    region_subtree_q,
    unit_group_admits,
    unit_groups_members,
)
from tasks_app.models import Role

Target = Unit | UnitGroup
UNIT_KINDS = {k.value for k in Unit.Kind}
NEW = "new:"
SKIP = "none:"  # the coordinator leaves the name unassigned: it creates nothing


def entry_key(entry: dict) -> str:
    """The key of a unit entry in `targets`: a unit chosen by id ("#<pk>", a chip added on
    the review page) or the entry's name as written, normalised."""
    unit_id = entry.get("unit_id")
    return f"#{unit_id}" if unit_id else normalize_name(entry["name"])


def outline_date(value, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ApplicationError(f"{what}“{value}”不是有效日期(应为 YYYY-MM-DD)。") from exc


def outline_validate(outline: dict) -> list[dict]:
    """The outline's tasks, checked: refs unique, parents before children, units well formed."""
    if not isinstance(outline, dict) or not isinstance(outline.get("tasks"), list):
        raise ApplicationError("解析结果格式不正确:缺少 tasks 列表。")
    tasks = outline["tasks"]
    if not tasks:
        raise ApplicationError("没有任何条目,无法创建工作要点。")
    seen: set[str] = set()
    for index, task in enumerate(tasks, start=1):
        ref = str(task.get("ref") or "").strip()
        if not ref:
            raise ApplicationError(f"第 {index} 个条目缺少编号路径(ref)。")
        if ref in seen:
            raise ApplicationError(f"编号路径“{ref}”重复。")
        parent = ref.rsplit("/", 1)[0] if "/" in ref else None
        if parent is not None and parent not in seen:
            raise ApplicationError(f"条目“{ref}”的上级“{parent}”不存在或排在它后面。")
        seen.add(ref)
        if not str(task.get("title") or "").strip():
            raise ApplicationError(f"条目“{ref}”没有标题。")
        for unit in task.get("units") or []:
            if not isinstance(unit, dict) or not normalize_name(unit.get("name", "")):
                raise ApplicationError(f"条目“{ref}”的责任单位格式不正确。")
            unit_id = unit.get("unit_id")
            if unit_id is not None and (not isinstance(unit_id, int) or unit_id <= 0):
                raise ApplicationError(f"条目“{ref}”的单位编号“{unit_id}”无效。")
            if unit.get("role", "responsible") not in Role.values:
                raise ApplicationError(f"条目“{ref}”的单位角色“{unit.get('role')}”无效。")
        outline_date(task.get("deadline"), f"条目“{ref}”的时限")
    return tasks


def outline_names(outline: dict) -> list[str]:
    """Every unit name the outline uses, normalised, in first-seen order (entries that
    name their unit by id are not names to resolve)."""
    names: dict[str, None] = {}
    for task in outline.get("tasks", []):
        for unit in task.get("units") or []:
            if not unit.get("unit_id"):
                names[normalize_name(unit["name"])] = None
    return list(names)


def outline_unit_ids(outline: dict) -> set[int]:
    return {
        u["unit_id"]
        for t in outline.get("tasks", [])
        for u in t.get("units") or []
        if u.get("unit_id")
    }


def outline_resolve(
    *,
    region: Region,
    outline: dict,
    mapping: dict[str, str] | None = None,
    strict: bool = True,
    found: dict | None = None,
) -> tuple[dict[str, Target | str], list[str], list[str], list[str]]:
    """Name → unit or group; names mapped to a new unit stay "new:<kind>" strings.

    Returns (targets, unresolved, ambiguous, problems) without writing anything. A choice
    outside the region is an error; with `strict=False` (the preview) the name is left
    unresolved and the problem returned instead. `found` reuses a directory lookup. A name
    mapped to `SKIP` has no target and is not unresolved: its entries create nothing.
    Entries naming their unit by id are keyed "#<pk>" (`entry_key`), checked the same way.
    """
    mapping = {normalize_name(k): v for k, v in (mapping or {}).items() if v}
    names = outline_names(outline)
    if found is None:
        found = directory_resolve_names(region=region, names=names)
    targets: dict[str, Target | str] = {}
    unresolved, ambiguous, problems = [], [], []
    chosen_units, chosen_groups = {}, {}
    for name in names:
        choice = mapping.get(name, "")
        kind, _sep, value = choice.partition(":")
        if kind in ("unit", "group") and value.isdigit() and len(value) < 19:
            (chosen_units if kind == "unit" else chosen_groups)[name] = int(value)
        elif kind == "new" and value in UNIT_KINDS:
            targets[name] = choice
        elif choice == SKIP:
            continue
        elif found[name].is_resolved:
            targets[name] = found[name].unit or found[name].group
        elif found[name].is_ambiguous:
            ambiguous.append(name)
        else:
            unresolved.append(name)
    in_region = region_subtree_q(region, prefix="region__")
    units = Unit.objects.filter(in_region, pk__in=chosen_units.values()).in_bulk()
    groups = UnitGroup.objects.filter(region=region, pk__in=chosen_groups.values()).in_bulk()
    for chosen, known, what in ((chosen_units, units, "单位"), (chosen_groups, groups, "单位组")):
        for name, pk in chosen.items():
            if pk in known:
                targets[name] = known[pk]
                continue
            problem = f"为“{name}”选择的{what}不存在或不在本区划内。"
            if strict:
                raise ApplicationError(problem)
            problems.append(problem)
            unresolved.append(name)
    ids = outline_unit_ids(outline)
    by_id = Unit.objects.filter(in_region, pk__in=ids).in_bulk() if ids else {}
    for pk in sorted(ids):
        if pk in by_id:
            targets[f"#{pk}"] = by_id[pk]
            continue
        problem = f"编号为 {pk} 的单位不存在或不在本区划内。"
        if strict:
            raise ApplicationError(problem)
        problems.append(problem)
    return targets, unresolved, ambiguous, problems


CHIP_ID = re.compile(r"#\s*(\d{1,18})\s*$")


def outline_chip_entry(*, region: Region, text: str) -> dict:
    """The unit entry a chip added on the review page stands for: "… #<pk>" (the directory
    list's form) names a unit of the region's subtree by id; other text must be a name the
    directory resolves (a unit, an alias or a collective name). Anything else is refused."""
    text = (text or "").strip()
    match = CHIP_ID.search(text)
    if match:
        unit = (
            Unit.objects.filter(region_subtree_q(region, prefix="region__"), is_active=True)
            .filter(pk=int(match.group(1)))
            .first()
        )
        if unit is None:
            raise ApplicationError(
                f"找不到编号为 {match.group(1)} 的单位,或它不在{region}的单位目录中:“{text}”。"
            )
        return {"name": unit.short_name, "role": Role.RESPONSIBLE, "unit_id": unit.pk}
    name = normalize_name(text)
    found = directory_resolve_name(region=region, name=name)
    if not found.is_resolved:
        raise ApplicationError(f"“{text}”不是{region}单位目录中的单位,请从列表中选择。")
    return {"name": name, "role": Role.RESPONSIBLE}


# --- which nodes are tracked, for which units ---------------------------------------------


def tracked_units(tasks: list[dict]) -> tuple[dict[str, list[dict]], list[str]]:
    """For each tracked node (by ref), the unit entries it is tracked for; and the leaves
    nobody is responsible for.

    A node with a clause of its own is tracked as a whole when nothing below it has a
    clause: its sub-items are its content (太原's (一) lists eight kinds of information
    that its units publish). Otherwise its units pass down: every leaf below without a
    clause of its own takes its nearest ancestor's units, and the node itself is tracked
    only if no leaf took them, so no unit is asked to report the same work twice.
    """
    children: dict[str | None, list[dict]] = defaultdict(list)
    for task in tasks:
        ref = task["ref"]
        children[ref.rsplit("/", 1)[0] if "/" in ref else None].append(task)

    has_clause_below: dict[str, bool] = {}

    def clause_below(task: dict) -> bool:
        ref = task["ref"]
        if ref not in has_clause_below:
            has_clause_below[ref] = any(
                bool(c.get("units")) or clause_below(c) for c in children[ref]
            )
        return has_clause_below[ref]

    tracked: dict[str, list[dict]] = {}
    unassigned: list[str] = []

    def walk(task: dict, inherited: list[dict] | None) -> bool:
        """Track `task`'s subtree; True if a leaf in it used `inherited`."""
        own = task.get("units") or []
        kids = children[task["ref"]]
        if own:
            if not clause_below(task):
                tracked[task["ref"]] = own
                return False
            used = False
            for kid in kids:
                used |= walk(kid, own)
            if not used:
                tracked[task["ref"]] = own
            return False
        if not kids:
            if inherited:
                tracked[task["ref"]] = inherited
                return True
            unassigned.append(task["ref"])
            return False
        used = False
        for kid in kids:
            used |= walk(kid, inherited)
        return used

    for root in children[None]:
        walk(root, None)
    return tracked, unassigned


# --- the plan: which assignments the import will create --------------------------------

UnitKey = int | str  # an existing unit's pk, or "new:<name>" for a unit the import creates


@dataclass
class AssignmentPlan:
    """Tracked node (ref) → unit → role; the due date of every node; and for the review
    page, the nodes nobody is responsible for and the sub-items covered by a parent."""

    by_ref: dict[str, dict[UnitKey, str]]
    due_by_ref: dict[str, dt.date]
    unassigned: list[str]
    covered_by: dict[str, str]
    # a unit the import creates, and the collective names of this outline it will belong to
    new_in_groups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(units) for units in self.by_ref.values())


def assignments_plan(
    *,
    region: Region,
    tasks: list[dict],
    targets: dict[str, Target | str],
    period_end: dt.date | None,
) -> AssignmentPlan:
    """The assignments an outline's import creates: each tracked node (`tracked_units`)
    for each unit its entries name, collective names expanded to their members — the
    directory's, plus any unit the import itself creates that the group's rule admits —
    a unit named twice counted once (lead wins). Names missing from `targets` (not yet
    resolved) count for nothing. Due dates: the node's own deadline, else its nearest
    ancestor's, else `period_end`."""
    groups = {t for t in targets.values() if isinstance(t, UnitGroup)}
    members: dict[int, list[UnitKey]] = {
        pk: [u.pk for u in units] for pk, units in unit_groups_members(groups=groups).items()
    }
    new_in_groups: dict[str, list[str]] = {}
    for name, target in targets.items():
        if isinstance(target, str) and target.startswith(NEW):
            kind = target[len(NEW) :]
            for written, group in targets.items():
                if isinstance(group, UnitGroup) and unit_group_admits(
                    group, kind=kind, region=region
                ):
                    members[group.pk].append(NEW + name)
                    new_in_groups.setdefault(name, []).append(written)

    tracked, unassigned = tracked_units(tasks)
    by_ref: dict[str, dict[UnitKey, str]] = {}
    for ref, entries in tracked.items():
        roles: dict[UnitKey, str] = {}
        for entry in entries:
            target = targets.get(entry_key(entry))
            if target is None:
                continue
            if isinstance(target, UnitGroup):
                keys = members[target.pk]
            elif isinstance(target, str):
                keys = [NEW + normalize_name(entry["name"])]
            else:
                keys = [target.pk]
            role = entry.get("role", Role.RESPONSIBLE)
            for key in keys:
                if key not in roles or role == Role.LEAD:
                    roles[key] = role
        by_ref[ref] = roles

    due: dict[str, dt.date] = {}
    covered: dict[str, str] = {}
    for task in tasks:
        ref = task["ref"]
        parent = ref.rsplit("/", 1)[0] if "/" in ref else None
        own = outline_date(task.get("deadline"), f"条目“{ref}”的时限")
        due[ref] = own or (due.get(parent) if parent else None) or period_end
        if ref not in tracked and ref not in unassigned and parent:
            covered[ref] = parent if parent in tracked else covered.get(parent, "")
    return AssignmentPlan(
        by_ref=by_ref,
        due_by_ref=due,
        unassigned=unassigned,
        covered_by={ref: anc for ref, anc in covered.items() if anc},
        new_in_groups=new_in_groups,
    )


# --- what the review page shows -------------------------------------------------------------


@dataclass
class NameStatus:
    name: str
    target: Target | None
    mapped: str  # the coordinator's choice, if any
    ambiguous: bool
    suggestions: list[Target]

    @property
    def skipped(self) -> bool:
        return self.mapped == SKIP


@dataclass
class ImportPreview:
    names: list[NameStatus]
    plan: AssignmentPlan
    problems: list[str] = field(default_factory=list)
    # entry key (`entry_key`) → what it resolves to now, as the import would resolve it
    targets: dict[str, Target | str] = field(default_factory=dict)

    @property
    def unresolved(self) -> list[NameStatus]:
        return [n for n in self.names if n.target is None and not n.mapped]

    @property
    def assignments_by_ref(self) -> dict[str, int]:
        return {ref: len(units) for ref, units in self.plan.by_ref.items()}

    @property
    def total_assignments(self) -> int:
        return self.plan.total

    @property
    def unassigned(self) -> list[str]:
        return self.plan.unassigned

    @property
    def covered_by(self) -> dict[str, str]:
        return self.plan.covered_by

    @property
    def due_by_ref(self) -> dict[str, str]:
        return {ref: day.isoformat() if day else "" for ref, day in self.plan.due_by_ref.items()}


def import_preview(
    *, region: Region, outline: dict, mapping: dict[str, str], period_end: dt.date | None = None
) -> ImportPreview:
    """Names with what they resolve to (or suggestions), and the assignments the import would
    create now (`assignments_plan`, as the import itself computes them)."""
    names = outline_names(outline)
    resolved = directory_resolve_names(region=region, names=names)
    mapping = {normalize_name(k): v for k, v in mapping.items() if v}
    missing = [n for n in names if not resolved[n].is_resolved]
    ranked = directory_rank_suggestions(region=region, names=missing)
    suggestions = {n: [s.target for s in found] for n, found in ranked.items()}
    statuses = [
        NameStatus(
            name=n,
            target=resolved[n].unit or resolved[n].group,
            mapped=mapping.get(n, ""),
            ambiguous=resolved[n].is_ambiguous,
            suggestions=list(resolved[n].candidates)
            if resolved[n].is_ambiguous
            else suggestions.get(n, []),
        )
        for n in names
    ]
    targets, _unresolved, _ambiguous, problems = outline_resolve(
        region=region, outline=outline, mapping=mapping, strict=False, found=resolved
    )
    try:
        end = period_end or outline_date((outline.get("period") or {}).get("end"), "截止日期")
    except ApplicationError as exc:
        end, problems = None, [*problems, exc.message]
    plan = assignments_plan(
        region=region, tasks=outline.get("tasks", []), targets=targets, period_end=end
    )
    return ImportPreview(names=statuses, plan=plan, problems=problems, targets=targets)
