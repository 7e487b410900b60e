"""The numbers that open a flattened table's rows: groups at 一、 / (一), rows at 1. / 1、.

A bare 1 between blanks counts when the 序号 column has no dot (8.15 is a date); a number is
kept only when it fits the table's numbering (one pass of one regex).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks_app.parsing.numbering import cn_value

MARK = re.compile(
    r"(?P<cn>[一二三四五六七八九十]{1,3})、"
    r"|\((?P<pcn>[一二三四五六七八九十]{1,3})\)"
    r"|(?<![\d.])(?P<dot>\d{1,4})(?P<sep>[.、])(?!\d)"
    r"|(?<=\s)(?P<bare>\d{1,4})(?=\s+\D)"
)
FIRST_ROW_WITHIN = 150


@dataclass
class Mark:
    kind: str  # cn, pcn, item
    value: int
    number: str
    start: int
    end: int


def _row_style(body: str, marks: list[re.Match]) -> str | None:
    """How the rows are numbered: 'dot' (1.), 'dun' (1、), 'bare' (1 between spaces) or None."""
    anchor = 0
    for m in marks:
        if m.group("cn") or m.group("pcn"):
            anchor = m.end()
            continue
        if m.start() - anchor > FIRST_ROW_WITHIN:
            return None
        value = m.group("dot") or m.group("bare")
        if value == "1":
            if m.group("bare"):
                return "bare"
            return "dot" if m.group("sep") == "." else "dun"
        return None
    return None


def find_marks(body: str) -> tuple[list[Mark], bool]:
    """The group and row numbers that fit the table's numbering, in order."""
    raw = list(MARK.finditer(body))
    style = _row_style(body, raw)
    out: list[Mark] = []
    section = sub = item = 0
    group_since_item = False
    for m in raw:
        if m.group("cn"):
            value = cn_value(m.group("cn"))
            before = body[m.start() - 1 : m.start()]
            if value == section + 1 and not (before and before in "、一二三四五六七八九十"):
                out.append(Mark("cn", value, m.group("cn"), m.start(), m.end()))
                section, sub, group_since_item = value, 0, True
        elif m.group("pcn"):
            value = cn_value(m.group("pcn"))
            if value == sub + 1 or (value == 1 and group_since_item and sub):
                out.append(Mark("pcn", value, f"({m.group('pcn')})", m.start(), m.end()))
                sub, group_since_item = value, True
        elif style:
            kind = "bare" if m.group("bare") else ("dot" if m.group("sep") == "." else "dun")
            if (m.group("sep") and kind != style) or (m.group("bare") and style != "bare"):
                continue
            value = int(m.group("dot") or m.group("bare"))
            if value == item + 1 or (value == 1 and group_since_item):
                out.append(Mark("item", value, str(value), m.start(), m.end()))
                item, group_since_item = value, False
    return out, style is not None
