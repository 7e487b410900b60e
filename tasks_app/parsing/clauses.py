"""Responsibility clauses: find them in an item's text and split them into units and roles.

Forms: 〔…负责落实〕, (…牵头负责落实), (X牵头,Y负责落实), X会同Y, 按职责牵头, 分别负责落实,
(牵头单位:X;责任单位:Y), a `责任单位:…` line, and a sentence such as 由X牵头,Y配合.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENERS = {"〔": "〕", "(": ")", "【": "】", "[": "]"}
CLOSERS = {v: k for k, v in OPENERS.items()}

LABELS = {
    "牵头单位": "lead",
    "牵头部门": "lead",
    "责任单位": "responsible",
    "主要责任单位": "responsible",
    "责任部门": "responsible",
    "配合单位": "responsible",
    "协办单位": "responsible",
    "参与单位": "responsible",
}
LABEL_RE = re.compile(
    r"(主要责任单位|牵头单位|牵头部门|责任单位|责任部门|配合单位|协办单位|参与单位)\s*[::]"
)
DEADLINE_LABEL_RE = re.compile(r"(完成时限|时间节点|完成时间|时限要求)\s*[::]")

# What a unit's name ends with; used to tell "A及B" (two units) from 住房和城乡建设局 (one).
UNIT_SUFFIX = re.compile(
    r"(局|委|办|厅|府|会|院|所|部门|单位|中心|管委会|集团|公司|站|队|处|室|社|馆|团|街道|乡镇|部|署|行|区|县|市|园区|示范区)$"
)
UNIT_HINT = re.compile(r"(局|委|办|厅|府|会|院|部门|单位|中心|区|县|街道|乡镇)")
VERB_TAIL = re.compile(
    r"(?:按职责)?(?:分工)?(?:分别|共同|具体|全力)?(?:牵头)?(?:负责|承担|配合|承办|参与|组织)?"
    r"(?:落实|实施|推进|完成|办理)?$"
)
# The verbs of a clause: a stretch with one of them names its own role.
CLAUSE_VERB = re.compile(r"(牵头|会同|负责|落实|配合|承办|实施|参与)")
# The last word of a clause's first sentence.
CLAUSE_END = re.compile(r"(负责落实|负责|落实|牵头|配合|承办|实施|参与)$")
# A name that is a date or a time limit, not a unit (…,6月底完成).
NOT_A_NAME = re.compile(r"\d+\s*[月年日]|完成$|^(下同|不再)|[。:]")
# What follows a unit's name in a 责任分工 sentence: its duty.
DUTY_VERB = re.compile(
    r"(?:具体|全力|业务|检查|分别|共同|协同|负责|组织)*"
    r"(?:牵头|会同|负责|组织实施|实施|配合|参与|指导|协助|作为|各司其职|承办|落实)"
)
# Words that open a shared suffix: 金井、澳前片区开发管理局 names two bureaus.
SUFFIX_START = re.compile(r"片区|新区|开发区|园区|街道|乡镇|镇|乡|人民政府|管委会|管理局")
COLLECTIVE = re.compile(r"各|全体")


@dataclass(frozen=True)
class UnitRef:
    name: str
    role: str  # "lead" or "responsible"
    collective: bool

    def as_dict(self) -> dict:
        data = {"name": self.name, "role": self.role}
        if self.collective:
            data["collective"] = True
        return data


def bracket_groups(text: str) -> list[tuple[int, int, str]]:
    """Top-level bracketed groups as (start, end, inner text); nested brackets stay inside."""
    groups, stack = [], []
    for i, ch in enumerate(text):
        if ch in OPENERS:
            stack.append((ch, i))
        elif ch in CLOSERS and stack and stack[-1][0] == CLOSERS[ch]:
            _, start = stack.pop()
            if not stack:
                groups.append((start, i + 1, text[start + 1 : i]))
    return groups


def looks_like_clause(inner: str) -> bool:
    """A bracket that assigns units: a label, or a first sentence ending with a verb."""
    inner = inner.strip()
    if LABEL_RE.search(inner):
        return True
    first = inner.split("。", 1)[0].strip()
    if len(first) > 400 or not UNIT_HINT.search(first):
        return False
    return bool(CLAUSE_END.search(first))


def split_top_level(text: str, seps: str) -> list[str]:
    """Split on any of `seps` outside brackets: 各县(市、区)人民政府 stays whole."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in OPENERS or ch in "(":
            depth += 1
        elif ch in CLOSERS and depth:
            depth -= 1
        if ch in seps and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _split_conjunctions(name: str) -> list[str]:
    """Split 'A及B' / 'A和B' / 'A与B' where both sides are units, not inside one name."""
    depth = 0
    for i, ch in enumerate(name):
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS and depth:
            depth -= 1
        elif depth == 0 and ch in "及和与" and 0 < i < len(name) - 1:
            left, right = name[:i], name[i + 1 :]
            left_clean = _strip_etc(left)
            if UNIT_SUFFIX.search(left_clean) and (
                UNIT_SUFFIX.search(_strip_etc(right)) or right[0] in "市县区省各国中有相其"
            ):
                return [left, *_split_conjunctions(right)]
    return [name]


def _strip_etc(name: str) -> str:
    """Drop 等, 等部门 and 等区直相关部门-style tails: they name no further unit."""
    return re.sub(r"等[^、,;等]{0,8}?(?:部门|单位)$|等$", "", name.strip())


def expand_shared_suffix(names: list[str]) -> list[str]:
    """金井、澳前片区开发管理局: a bare place name takes the suffix of the next full name."""
    out = list(names)
    for i in range(len(out) - 2, -1, -1):
        bare, full = out[i], out[i + 1]
        if UNIT_SUFFIX.search(bare) or not re.fullmatch(r"[\u4e00-\u9fa5]{1,6}", bare):
            continue
        start = SUFFIX_START.search(full, 1)
        if start:
            out[i] = bare + full[start.start() :]
    return out


def split_units(text: str) -> list[str]:
    names = []
    for part in split_top_level(text, "、,;"):
        for piece in _split_conjunctions(part):
            name = _strip_etc(re.sub(r"^(由|及|和|与|请)", "", piece.strip()))
            name = _drop_alias(name.strip(" 。.:"))
            name = _strip_etc(VERB_TAIL.sub("", name)) or name
            if name and not NOT_A_NAME.search(name):
                names.append(name)
    return expand_shared_suffix(names)


def _drop_alias(name: str) -> str:
    """区森林园林局(区森林园林公司) -> 区森林园林局; 各县(市、区)人民政府 keeps its brackets."""
    match = re.fullmatch(r"(.+?)\s*[(（][^()（）、]{3,}[)）]", name)
    if match and UNIT_SUFFIX.search(match.group(1)):
        return match.group(1)
    return name


def _segment_units(segment: str) -> list[UnitRef]:
    """One comma-separated stretch of a clause: '市财政局牵头', 'X会同Y', 'Y负责落实'."""
    seg = segment.strip()
    lead_text, resp_text = "", seg
    if "会同" in seg:
        lead_text, resp_text = seg.split("会同", 1)
    elif "牵头" in seg:
        at = seg.rfind("牵头")
        lead_text, resp_text = seg[:at], seg[at + 2 :]
    lead_text = re.split(r"(?<!自)由", lead_text)[-1]  # 争取获批由X牵头: X, not the heading
    lead_text = re.sub(r"(按职责|分别|共同|由)$", "", VERB_TAIL.sub("", lead_text))
    resp_text = re.sub(r"^(负责|,)", "", VERB_TAIL.sub("", resp_text))
    refs = [UnitRef(n, "lead", bool(COLLECTIVE.search(n))) for n in split_units(lead_text)]
    refs += [UnitRef(n, "responsible", bool(COLLECTIVE.search(n))) for n in split_units(resp_text)]
    return refs


def _label_value(value: str) -> str:
    """A label's value ends at a deadline label or at any other label (所属片区:…)."""
    value = DEADLINE_LABEL_RE.split(value)[0]
    return re.split(r"[,;]?\s*[\u4e00-\u9fa5]{2,8}[:]", value)[0]


def _unit_refs(names: list[str], role: str) -> list[UnitRef]:
    return [UnitRef(n, role, bool(COLLECTIVE.search(n))) for n in names]


def parse_clause(inner: str) -> list[UnitRef]:
    """The units a clause names, each with its role, in the order written.

    The first sentence is the clause proper; later ones (具体任务均涉及相关市(州)人民政府,
    以下均需相关乡镇配合) add only the unit names they mention.
    """
    first, _, rest = inner.strip().partition("。")
    refs = _first_sentence_units(first)
    for sentence in rest.split("。"):
        refs += _loose_units(sentence)
    return _dedupe(refs)


def _first_sentence_units(inner: str) -> list[UnitRef]:
    if LABEL_RE.search(inner):
        refs = []
        pieces = LABEL_RE.split(inner)
        # pieces: [before, label, value, label, value, ...]
        for label, value in zip(pieces[1::2], pieces[2::2], strict=True):
            refs += _unit_refs(split_units(_label_value(value)), LABELS[label])
        return refs
    # "X、Y牵头,Z负责落实": a stretch with no verb of its own takes the role of the next one.
    segments = split_top_level(inner, ",;")
    refs: list[UnitRef] = []
    pending: list[str] = []
    for segment in segments:
        if not CLAUSE_VERB.search(segment):
            pending.append(segment)
            continue
        found = _segment_units(segment)
        if pending:
            role = found[0].role if found else "responsible"
            refs += _unit_refs(split_units("、".join(pending)), role)
            pending = []
        refs += found
    refs += _unit_refs(split_units("、".join(pending)), "responsible")
    return refs


def _loose_units(sentence: str) -> list[UnitRef]:
    """Unit names in a remark such as 具体任务均涉及相关市(州)人民政府,不再做分工."""
    refs = []
    for segment in split_top_level(sentence, ",;"):
        head = re.split(r"涉及|均需|需|由|请", VERB_TAIL.sub("", segment))[-1]
        for name in split_units(head):
            if UNIT_SUFFIX.search(name) and len(name) <= 30:
                refs.append(UnitRef(name, "responsible", bool(COLLECTIVE.search(name))))
    return refs


def duty_units(text: str) -> list[UnitRef]:
    """A 责任分工 sentence: "A负责…,B组织实施,C配合,D业务检查指导"; every unit named counts."""
    refs: list[UnitRef] = []
    for segment in split_top_level(text, ",;"):
        verb = DUTY_VERB.search(segment)
        if not verb:
            continue
        head = re.split(r"由", segment[: verb.start()])[-1]
        role = "lead" if re.search(r"牵头|会同", verb.group(0)) else "responsible"
        for name in split_units(head):
            if (UNIT_SUFFIX.search(name) or COLLECTIVE.search(name)) and len(name) <= 30:
                refs.append(UnitRef(name, role, bool(COLLECTIVE.search(name))))
    return refs


def _dedupe(refs: list[UnitRef]) -> list[UnitRef]:
    seen: dict[str, UnitRef] = {}
    for ref in refs:
        if ref.name not in seen or (ref.role == "lead" and seen[ref.name].role != "lead"):
            seen[ref.name] = ref
    return list(seen.values())


_SENTENCE_CLAUSE = re.compile(r"^(由)?[^,。;]{2,120}?(牵头|会同)[^。]*?(负责|落实|配合|承办)?$")


def sentence_clause(sentence: str) -> list[UnitRef]:
    """A bare sentence that is only a clause, such as 由市发改委牵头,市财政局配合."""
    s = sentence.strip().rstrip("。.")
    if not s or not (s.startswith("由") or "会同" in s or "牵头" in s):
        return []
    if not _SENTENCE_CLAUSE.match(s):
        return []
    refs = parse_clause(s)
    if refs and all(UNIT_SUFFIX.search(r.name) or r.collective for r in refs):
        return refs
    return []


DUTY_LABEL = re.compile(r"(?:责任分工|职责分工|分工)\s*[:]")
PROSE_LEAD_BY = re.compile(r"(?<!自)由([^,;。由]{2,25}?)牵头(?!单位|部门)")
PROSE_LEAD_OPENING = re.compile(r"^([^,;。由]{2,20}?)牵头(?!单位|部门)")


def prose_leads(sentence: str) -> list[UnitRef]:
    """由X牵头 inside a sentence, or a sentence opening with X牵头: X leads the item."""
    match = PROSE_LEAD_BY.search(sentence) or PROSE_LEAD_OPENING.search(sentence.strip())
    if not match:
        return []
    names = split_units(match.group(1))
    if names and all(UNIT_SUFFIX.search(n) for n in names):
        return _unit_refs(names, "lead")
    return []


def find_clauses(text: str) -> tuple[list[UnitRef], list[tuple[int, int]]]:
    """Every responsibility clause in `text`: the units named and the spans they occupy."""
    refs: list[UnitRef] = []
    spans: list[tuple[int, int]] = []
    for start, end, inner in bracket_groups(text):
        if looks_like_clause(inner):
            refs += parse_clause(inner)
            spans.append((start, end))
    # Labelled lines and bare clause sentences outside brackets.
    outside = _blank_spans(text, spans)
    prose: list[UnitRef] = []
    for match in re.finditer(r"[^。\n]+", outside):
        sentence = match.group(0)
        label = LABEL_RE.search(sentence)
        duty = DUTY_LABEL.search(sentence)
        if label:
            refs += parse_clause(sentence[label.start() :])
            spans.append((match.start() + label.start(), match.end()))
        elif duty:
            refs += duty_units(sentence[duty.end() :])
            spans.append((match.start() + duty.start(), match.end()))
        elif found := sentence_clause(sentence):
            refs += found
            spans.append((match.start(), match.end()))
        else:
            prose += prose_leads(sentence)
    return _dedupe(refs or prose), spans


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = "\n"
    return "".join(chars)


def ends_with_clause(text: str) -> bool:
    """Whether a paragraph closes with a responsibility clause (then its item is complete)."""
    stripped = text.rstrip(" 。.;")
    groups = bracket_groups(stripped)
    if groups and groups[-1][1] == len(stripped) and looks_like_clause(groups[-1][2]):
        return True
    return bool(LABEL_RE.match(stripped))
