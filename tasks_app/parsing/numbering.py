"""Item numbers: 一、 (一) 1. 1、 (1) ①, full- or half-width, and which level each opens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_value(numeral: str) -> int | None:
    """一 → 1, 十 → 10, 十五 → 15, 二十三 → 23 (up to 99)."""
    if not numeral or any(ch not in _CN and ch != "十" for ch in numeral):
        return None
    if "十" not in numeral:
        return _CN[numeral] if len(numeral) == 1 else None
    tens, _, ones = numeral.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0)


MARKER = re.compile(
    r"(?P<cn_paren>\((?P<v1>[一二三四五六七八九十]{1,3})\)[、.]?)"
    r"|(?P<cn_dun>(?P<v2>[一二三四五六七八九十]{1,3})[、])"
    r"|(?P<ar_paren>\((?P<v3>\d{1,3})\)[、.]?)"
    r"|(?P<ar_dot>(?P<v4>\d{1,3})[.](?!\d))"
    r"|(?P<ar_dun>(?P<v5>\d{1,3})、)"
    r"|(?P<circled>[①-⑳])"
)
# The usual order of levels, outermost first: 一、 (一) 1. 1、 (1) ①.
RANK = {"cn_dun": 0, "cn_paren": 1, "ar_dot": 2, "ar_dun": 2, "ar_paren": 3, "circled": 4}
# Styles whose items are short, one-paragraph entries of a list (1. 2. …, (1), ①).
LIST_STYLES = {"ar_dot", "ar_dun", "ar_paren", "circled"}


@dataclass(frozen=True)
class Marker:
    style: str
    value: int
    number: str  # as the ref writes it: 一, (一), 1, (1), ①
    start: int
    end: int


def marker_at(text: str, pos: int) -> Marker | None:
    m = MARKER.match(text, pos)
    if not m:
        return None
    style = m.lastgroup if m.lastgroup in MARKER.groupindex else None
    for name in ("cn_paren", "cn_dun", "ar_paren", "ar_dot", "ar_dun", "circled"):
        if m.group(name):
            style = name
            break
    raw = m.group(style)
    if style == "circled":
        value, number = CIRCLED.index(raw) + 1, raw
    elif style in ("cn_paren", "cn_dun"):
        digits = m.group("v1") or m.group("v2")
        value = cn_value(digits)
        if value is None:
            return None
        number = f"({digits})" if style == "cn_paren" else digits
    else:
        digits = m.group("v3") or m.group("v4") or m.group("v5")
        value = int(digits)
        number = f"({digits})" if style == "ar_paren" else digits
    if value == 0:
        return None
    return Marker(style, value, number, m.start(), m.end())


@dataclass
class Numbering:
    """The open lists, outermost first: which style each level uses and its last value.

    A style already open closes the deeper levels; a new style opens a deeper level.
    `seen` remembers each style's last value even after its level closed, so numbering
    that continues across sections ((四) under 二, then (五) under 三) is recognised.
    """

    stack: list[list] = field(default_factory=list)  # [style, last value]
    seen: dict[str, int] = field(default_factory=dict)

    def level_for(self, marker: Marker, *, strict: bool) -> int | None:
        """The 0-based level `marker` would open, or None if it does not fit here."""
        for level, (style, last) in enumerate(self.stack):
            if style == marker.style:
                if marker.value == last + 1 or not strict:
                    return level
                return None
        if self.stack and marker.value == 1 and RANK[marker.style] < RANK[self.stack[0][0]]:
            return 0  # 一、 after a list of 1. 2.: an outer numbering never nests in an inner one
        if marker.value == 1 or marker.value == self.seen.get(marker.style, 0) + 1:
            return len(self.stack)
        return None if strict else len(self.stack)

    def push(self, marker: Marker, level: int) -> None:
        del self.stack[level:]
        self.stack.append([marker.style, marker.value])
        self.seen[marker.style] = marker.value


def cn_numeral(value: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 23 → 二十三 (the inverse of cn_value, up to 99)."""
    digits = "一二三四五六七八九"
    tens, ones = divmod(value, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens - 1] + "十")
    return head + (digits[ones - 1] if ones else "")


def marker_text(style: str, value: int) -> str:
    """How a number is written in folded text: (四), 四、, (2), 2., 2、, ②."""
    if style == "cn_paren":
        return f"({cn_numeral(value)})"
    if style == "cn_dun":
        return f"{cn_numeral(value)}、"
    if style == "ar_paren":
        return f"({value})"
    if style == "ar_dot":
        return f"{value}."
    if style == "ar_dun":
        return f"{value}、"
    return CIRCLED[value - 1] if 0 < value <= len(CIRCLED) else ""


MAX_GAP = 5
GAP_WINDOW = 8000


def gap_level(numbering: Numbering, marker: Marker, text: str, pos: int) -> int | None:
    """The level of a number that skips some (1. then 3., (三) then (六)), or None.

    A skip is accepted when the missing number does not come later in the same list, that
    is before the next number of an enclosing list. The refs keep the document's numbers.
    """
    for level, (style, last) in enumerate(numbering.stack):
        if style != marker.style:
            continue
        if not last + 1 < marker.value <= last + MAX_GAP:
            return None
        window = text[pos : pos + GAP_WINDOW]
        end = len(window)
        for outer_style, outer_last in numbering.stack[:level]:
            found = window.find(marker_text(outer_style, outer_last + 1))
            if found != -1:
                end = min(end, found)
        if marker_text(style, last + 1) in window[:end]:
            return None
        return level
    return None
