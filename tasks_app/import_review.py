"""The import review page's form: reading the coordinator's edits (titles, deadlines, unit
chips, name mappings) from a POST, and the rows and chips the page shows.

A chip is one unit entry of an item, posted as a hidden `t<i>_u` value "role|unit_id|name"
(unit_id empty for a name as written). `t<i>_chips` says the row's chips were on the page,
so a row whose chips were all removed has none. The × of a chip is a submit button
(`remove` = "<i>:<j>") and `t<i>_add` adds a unit from the directory's list, so the page
works as a plain form; the server recomputes the total on every POST."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import ApplicationError
from regions.models import Region, Unit, UnitGroup
from tasks_app.models import Role
from tasks_app.parsing.clauses import COLLECTIVE, split_units
from tasks_app.services.import_plan import NEW, SKIP, ImportPreview, entry_key, outline_chip_entry


@dataclass
class ReviewEdits:
    outline: dict
    mapping: dict[str, str]
    added: int = 0  # chips added from `t<i>_add` in this POST
    removed: bool = False
    focus: int | None = None  # the row the coordinator worked on, to scroll back to
    errors: list[str] = field(default_factory=list)


def chip_value(entry: dict) -> str:
    return f"{entry.get('role', Role.RESPONSIBLE)}|{entry.get('unit_id') or ''}|{entry['name']}"


def _chip_entry(value: str) -> dict:
    role, _sep, rest = value.partition("|")
    unit_id, _sep, name = rest.partition("|")
    name = name.strip()
    if role not in Role.values or not name or (unit_id and not unit_id.isdigit()):
        raise ApplicationError(f"单位“{value}”的格式不正确,请刷新页面后重试。")
    entry = {"name": name, "role": role}
    if unit_id:
        if len(unit_id) > 18:
            raise ApplicationError(f"单位编号“{unit_id}”无效。")
        entry["unit_id"] = int(unit_id)
    elif COLLECTIVE.search(name):
        entry["collective"] = True
    return entry


def _typed_units(post, prefix: str) -> list[dict]:
    """The units of a row as typed into text fields (“、” between names): lead, responsible."""
    return [
        {"name": name, "role": role, **({"collective": True} if COLLECTIVE.search(name) else {})}
        for role, field_name in (("lead", "lead"), ("responsible", "resp"))
        for name in split_units(post.get(prefix + field_name, ""))
    ]


def _row_units(post, index: int, region: Region, edits: ReviewEdits) -> list[dict]:
    prefix = f"t{index}_"
    if prefix + "chips" not in post:
        return _typed_units(post, prefix)
    units = [_chip_entry(value) for value in post.getlist(prefix + "u")]
    row, _sep, position = post.get("remove", "").partition(":")
    if row == str(index) and position.isdigit() and len(position) < 6:
        position = int(position)
        if position < len(units):
            del units[position]
            edits.removed, edits.focus = True, index
    typed = post.get(prefix + "add", "").strip()
    if typed:
        entry = outline_chip_entry(region=region, text=typed)
        if entry_key(entry) not in {entry_key(u) for u in units}:
            units.append(entry)
        edits.added += 1
        edits.focus = index
    return units


def review_edits_from_post(*, post, outline: dict, region: Region) -> ReviewEdits:
    """The outline as the coordinator edited it on the review page, and their name choices.
    A unit that is not in the region's directory raises ApplicationError (nothing is kept)."""
    outline = dict(outline)
    edits = ReviewEdits(outline=outline, mapping={})
    for key in ("title", "doc_number", "issuer", "issued_on"):
        outline[key] = post.get(f"plan_{key}", outline.get(key) or "").strip() or None
    outline["period"] = {
        "start": post.get("plan_period_start") or None,
        "end": post.get("plan_period_end") or None,
    }
    tasks = []
    for index, task in enumerate(outline["tasks"]):
        prefix = f"t{index}_"
        if post.get(prefix + "ref") != task["ref"]:
            tasks.append(task)  # the row was not on the page; keep it as it was
            continue
        tasks.append(
            {
                **task,
                "title": post.get(prefix + "title", task["title"]).strip() or task["title"],
                "units": _row_units(post, index, region, edits),
                "deadline": post.get(prefix + "deadline") or None,
            }
        )
    outline["tasks"] = tasks
    for i in range(min(int(post.get("name_count", 0) or 0), 10_000)):
        name = post.get(f"name_{i}", "")
        choice = post.get(f"map_{i}_other", "") or post.get(f"map_{i}", "")
        if name and choice:
            edits.mapping[name] = choice
    return edits


# --- what the page shows --------------------------------------------------------------------


def _chip_label(target, region: Region) -> str:
    if isinstance(target, Unit):
        return target.short_name if target.region_id == region.pk else f"{target} · {target.region}"
    if isinstance(target, UnitGroup):
        return f"{target.name}(单位组)"
    if isinstance(target, str) and target.startswith(NEW):
        return "新建单位"
    return ""


def review_chips(task: dict, preview: ImportPreview, region: Region) -> list[dict]:
    """One chip per unit entry of an item: what it resolves to, or why it creates nothing."""
    chips = []
    mapped = {n.name: n.mapped for n in preview.names}
    for position, entry in enumerate(task.get("units") or []):
        target = preview.targets.get(entry_key(entry))
        skipped = target is None and mapped.get(entry_key(entry)) == SKIP
        chips.append(
            {
                "position": position,
                "value": chip_value(entry),
                "name": entry["name"],
                "lead": entry.get("role") == Role.LEAD,
                "resolved": target is not None,
                "skipped": skipped,
                "label": _chip_label(target, region),
            }
        )
    return chips


def directory_options(units: list[Unit]) -> list[str]:
    """The values of the add-a-unit list: "<short name> · <region> #<id>"."""
    return [f"{u.short_name} · {u.region} #{u.pk}" for u in units]
