"""Suggestions for unit names the directory does not know, ranked by the directory's shape.

A name as a document writes it (“环保局”, “市财政”, “清徐县”) is compared with every name the
directory knows for a unit or group of the region's subtree: short name, full name and
aliases. The ranking is, in this order:

1. **the same suffix class**: the kind of body the name's ending says it is — a 局 suggests
   局s, a 委 委s, a 办 办s, a name ending in 政府 or in a place (县/区/市) the governments —
   before bodies of another kind; a name with no known ending prefers no class;
2. **the same region**: the region the name points at (a prefix naming a region of the
   subtree, such as “小店区…”; otherwise the import's region itself) before other regions;
3. **the score**: rapidfuzz's similarity of the whole names and of their cores (the name
   without its region prefix and its suffix), whichever is higher; below `MIN_SCORE`, a
   name is not suggested at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.models import normalize_name
from regions.models import Region, Unit, UnitGroup
from regions.selectors import region_subtree, region_subtree_q

Target = Unit | UnitGroup

# (ending, class), longest endings first so “委员会” is not read as “会”
SUFFIX_CLASSES: list[tuple[str, str]] = sorted(
    [
        ("人民政府", "government"),
        ("政府", "government"),
        ("委员会", "commission"),
        ("委", "commission"),
        ("办公室", "office"),
        ("办", "office"),
        ("局", "bureau"),
        ("中心", "centre"),
        ("院", "court"),
        ("厅", "department"),
        ("部", "department"),
        ("开发区", "zone"),
        ("高新区", "zone"),
        ("园区", "zone"),
        ("管委会", "zone"),
        ("联合会", "association"),
        ("协会", "association"),
        ("会", "association"),
        ("总工会", "association"),
        ("县", "government"),
        ("区", "government"),
        ("市", "government"),
        ("旗", "government"),
    ],
    key=lambda pair: -len(pair[0]),
)
PLACE_PREFIXES = ("市", "县", "区", "省")
MIN_SCORE = 45.0


def suffix_class(name: str) -> tuple[str, str]:
    """The class a name's ending says (“” if none) and the ending itself."""
    for ending, cls in SUFFIX_CLASSES:
        if name.endswith(ending) and len(name) > len(ending):
            return cls, ending
    return "", ""


def target_class(target: Target) -> str:
    if isinstance(target, Unit) and target.kind == Unit.Kind.GOVERNMENT:
        return "government"
    if isinstance(target, Unit) and target.kind == Unit.Kind.ZONE:
        return "zone"
    return suffix_class(
        normalize_name(target.short_name if isinstance(target, Unit) else target.name)
    )[0]


class Places:
    """The regions of the subtree and the prefixes a name uses for them (“小店区”, “小店”),
    indexed by their first character (a province has thousands of them)."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.by_first: dict[str, list[tuple[str, int]]] = {}
        for region in regions:
            prefixes = {region.name}
            if len(region.name) > 2 and region.name[-1] in "市县区旗":
                prefixes.add(region.name[:-1])
            for prefix in prefixes:
                self.by_first.setdefault(prefix[:1], []).append((prefix, region.pk))


def name_place(name: str, places: Places, home: int) -> tuple[int, str]:
    """The region a name points at and the prefix that says so; the home region otherwise."""
    best: tuple[int, str] = (home, "")
    for prefix, region_id in places.by_first.get(name[:1], ()):
        if name.startswith(prefix) and len(prefix) > len(best[1]):
            best = (region_id, prefix)
    if not best[1] and name[:1] in PLACE_PREFIXES:
        return home, name[:1]
    return best


def name_core(name: str, places: Places, home: int) -> str:
    """The name without the place it starts with and the class word it ends with."""
    _region, prefix = name_place(name, places, home)
    core = name[len(prefix) :]
    _cls, ending = suffix_class(core)
    return core[: len(core) - len(ending)] if ending else core


@dataclass(frozen=True)
class Suggestion:
    target: Target
    score: float
    same_class: bool
    same_region: bool

    @property
    def rank_key(self) -> tuple:
        return (not self.same_class, not self.same_region, -self.score)


def rank_suggestions(
    *,
    name: str,
    known: list[tuple[str, Target]],
    places: Places,
    home: int,
    limit: int = 5,
    cores: list[str] | None = None,
) -> list[Suggestion]:
    """The best `limit` targets for one name, ranked as the module says. `cores` (the
    known names' `name_core`s) may be computed once for many names."""
    if not known:
        return []
    wanted = normalize_name(name)
    cls, _ending = suffix_class(wanted)
    region_id, _prefix = name_place(wanted, places, home)
    core = name_core(wanted, places, home)
    names = [n for n, _t in known]
    if cores is None:
        cores = [name_core(n, places, home) for n in names]
    best: dict[tuple[str, int], tuple[float, Target]] = {}
    for query, choices in ((wanted, names), (core, cores)):
        if not query:
            continue
        for _choice, score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=None, score_cutoff=MIN_SCORE
        ):
            target = known[index][1]
            key = (type(target).__name__, target.pk)
            if score > best.get(key, (0.0, None))[0]:
                best[key] = (score, target)
    ranked = [
        Suggestion(
            target=target,
            score=score,
            same_class=bool(cls) and target_class(target) == cls,
            same_region=target.region_id == region_id,
        )
        for score, target in best.values()
    ]
    ranked.sort(key=lambda s: (*s.rank_key, s.target.pk))
    return ranked[:limit]


def directory_known_names(*, region: Region) -> list[tuple[str, Target]]:
    """Every name the directory knows in `region`'s subtree, with what it names."""
    units = (
        Unit.objects.filter(region_subtree_q(region, prefix="region__"), is_active=True)
        .select_related("region")
        .prefetch_related("aliases")
    )
    groups = UnitGroup.objects.filter(region=region).prefetch_related("aliases")
    known: list[tuple[str, Target]] = []
    for unit in units:
        names = {unit.short_name, unit.full_name, *(a.name for a in unit.aliases.all())}
        known += [(normalize_name(n), unit) for n in names if n]
    for group in groups:
        names = {group.name, *(a.name for a in group.aliases.all())}
        known += [(normalize_name(n), group) for n in names if n]
    return known


def directory_rank_suggestions(
    *, region: Region, names: Iterable[str], limit: int = 5
) -> dict[str, list[Suggestion]]:
    """For names the directory does not know: ranked suggestions (four queries in all)."""
    names = list(names)
    if not names:
        return {}
    known = directory_known_names(region=region)
    places = Places(region_subtree(region=region))
    cores = [name_core(n, places, region.pk) for n, _t in known]
    return {
        name: rank_suggestions(
            name=name, known=known, places=places, home=region.pk, limit=limit, cores=cores
        )
        for name in names
    }
