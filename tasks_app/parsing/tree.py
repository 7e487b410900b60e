"""From lines to the tree of numbered items, and from the tree to the outline's tasks.

Each line is cut at the item numbers that fit the numbering so far; an unnumbered paragraph goes
to the item above it, or to that item's parent when it speaks for the whole list. A task's
units come from its clauses, its deadline from its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks_app.parsing import clauses
from tasks_app.parsing.deadlines import find_deadline
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.items import after_marker, title_of
from tasks_app.parsing.numbering import LIST_STYLES, Marker, Numbering, marker_at

# Sentences that open a section's closing remarks after its list of sub-items.
SUMMARY_OPENER = re.compile(
    r"^(各县\(市、区\)|各县市区|各市|各地|各部门|各单位|各有关|市直各|市直有关|市级有关|省直各|"
    r"按照[“\"]|同时,|此外,|另外,|以上)"
)
BOUNDARY = "。;!?〕)】:"
MAX_ITEMS = 5000


@dataclass
class Node:
    marker: Marker
    parent: Node | None
    level: int
    paras: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    ref: str = ""

    @property
    def is_list_item(self) -> bool:
        """A one-paragraph entry of a list: `1.批准服务信息。申报要求…`."""
        first = self.paras[0] if self.paras else ""
        _head, sep, body = first.partition("。")
        return self.marker.style in LIST_STYLES and bool(sep) and bool(body.strip())

    @property
    def closed(self) -> bool:
        return bool(self.paras) and clauses.ends_with_clause(self.paras[-1])


def ends_semicolon(text: str) -> bool:
    """Whether a list entry ends with ; (a `;` list: its last entry ends at its full stop)."""
    return text.rstrip().endswith((";", "；"))


def _split_line(line: str, numbering: Numbering) -> list[tuple[Marker | None, int, str]]:
    """A line as pieces, each (marker that starts it or None, level, text)."""
    pieces: list[tuple[Marker | None, int, str]] = []
    marker = marker_at(line, 0)
    level = numbering.level_for(marker, strict=False) if marker else None
    current, current_level, last = (marker, level, 0) if level is not None else (None, 0, 0)
    if current:
        numbering.push(current, current_level)
    pos = current.end if current else 0
    while pos < len(line):
        if line[pos - 1 : pos] in BOUNDARY and (inline := marker_at(line, pos)):
            fits = numbering.level_for(inline, strict=True)
            if fits is not None:
                pieces.append((current, current_level, line[last:pos]))
                numbering.push(inline, fits)
                current, current_level, last = inline, fits, pos
                pos = inline.end
                continue
        pos += 1
    pieces.append((current, current_level, line[last:]))
    return pieces


def build_tree(lines: list[str]) -> list[Node]:
    """The numbered items of the plan's lines, in order, each linked to its parent."""
    numbering = Numbering()
    nodes: list[Node] = []
    path: list[Node] = []
    target: Node | None = None
    for line in lines:
        for marker, level, piece in _split_line(line, numbering):
            if marker is not None:
                del path[level:]
                parent = path[-1] if path else None
                node = Node(marker, parent, level + 1, [after_marker(piece)])
                if parent:
                    parent.children.append(node)
                path.append(node)
                nodes.append(node)
                target = node
                if len(nodes) > MAX_ITEMS:
                    raise ParseError(f"条目超过 {MAX_ITEMS} 条,请拆分文件后再导入。")
                continue
            text = piece.strip()
            if not text or target is None:
                continue
            last = path[-1]
            if clauses.LABEL_RE.match(text) or clauses.DEADLINE_LABEL_RE.match(text):
                last.paras.append(text)  # 牵头单位:… lines belong to the item above
                continue
            if target is last and last.parent and _speaks_for_parent(last, text):
                target = last.parent
            target.paras.append(text)
    return nodes


def _speaks_for_parent(last: Node, text: str) -> bool:
    """Whether an unnumbered paragraph after the list item `last` belongs to its parent.

    So it does after a one-paragraph list entry (1.批准服务信息。申报要求…), when it speaks
    of the whole list (以上两个…, 各县(市、区)…), or when it is a clause on its own after a
    list none of whose earlier entries had a clause of their own ((1)…(4) then (责任单位:…)).
    """
    if last.is_list_item:
        return True
    siblings = last.parent.children[-50:-1] if last.parent else []
    if siblings and last.marker.style in LIST_STYLES and ends_semicolon(siblings[-1].paras[-1]):
        return True
    if last.marker.style not in LIST_STYLES:
        return False
    if SUMMARY_OPENER.match(text):
        return True
    stripped = text.strip().rstrip("。.;")
    groups = clauses.bracket_groups(stripped)
    own_clause = bool(groups) and groups[0][0] == 0 and groups[0][1] == len(stripped)
    own_clause = own_clause or bool(clauses.LABEL_RE.match(stripped))
    return (
        own_clause
        and bool(siblings)
        and not any(clauses.find_clauses("\n".join(s.paras))[0] for s in siblings)
    )


def _numbering_warnings(node: Node, previous: dict) -> list[str]:
    """A number that skips some (1. then 3.) is kept, but the reader should check it."""
    key, style, value = (id(node.parent), node.marker.style), node.marker.style, node.marker.value
    fits = value == previous.get(key, 0) + 1
    if key not in previous:  # a first child may continue the numbering of the section before
        fits = fits or value == previous.get(style, 0) + 1
    skipped = not fits and value > previous.get(key, 0)
    previous[key] = previous[style] = value
    if skipped:
        return [f"编号不连续:{node.marker.number}之前缺少编号,请核对是否漏项"]
    return []


def node_tasks(nodes: list[Node], doc_year: int | None) -> list[dict]:
    """The outline's tasks from the tree's nodes: refs, titles, units, deadlines, warnings."""
    tasks = []
    previous: dict = {}
    for node in nodes:
        warnings = _numbering_warnings(node, previous)
        if node.paras and not node.paras[0] and len(node.paras) > 1:
            node.paras = [node.paras[1], *node.paras[2:]]  # number alone on its line
        parent_ref = node.parent.ref if node.parent else ""
        # as numbered; a number restarted under the same parent is made unique once, for
        # every reader, by refs.unique_refs
        ref = f"{parent_ref}/{node.marker.number}" if parent_ref else node.marker.number
        node.ref = ref
        text = "\n".join(p for p in node.paras if p)
        units, _ = clauses.find_clauses(text)
        deadline = find_deadline(text, doc_year)
        tasks.append(
            {
                "ref": ref,
                "number": node.marker.number,
                "level": node.level,
                "title": title_of(node.paras[0] if node.paras else "") or node.marker.number,
                "text": text,
                "units": [u.as_dict() for u in units],
                "deadline": deadline.date.isoformat() if deadline.date else None,
                "deadline_text": deadline.text or None,
                "report_cycle": deadline.cycle,
            }
        )
        if warnings:
            tasks[-1]["warnings"] = warnings
    return tasks
