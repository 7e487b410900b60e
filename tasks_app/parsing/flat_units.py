"""Unit cells inside a flattened table row: runs of organisation names.

A run is glued names in a 牵头单位 cell, names separated by 、 and , in a 责任单位 cell, with
role words (牵头, 会同, 负责…) between them. Candidate runs are tried left to right, skipping
stretches where no name can end, so the scan stays linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks_app.parsing.flat_cells import DEADLINE_CELL
from tasks_app.parsing.names import MAX_LEN, NAME_BREAK, PREFIXES, STOP, clean_name, name_end

ETC = re.compile(r"等(?:相关|有关|其他)?(?:部门|单位)?")
ROLE_WORD = re.compile(r"(?:按职责)?(?:负责|配合|参与|协助|协办)(?:落实|实施)?")
LIST_SEPS = "、,，;；"
GROUP_SEPS = ",，;；"
LONG_NAME = 10
LEAD_SPLIT_WARNING = "牵头单位名称相连,已按机构名称结尾拆分(推测)"
GLUED_WARNING = "单位名称相连,已按机构名称结尾拆分(推测)"


@dataclass
class Run:
    start: int
    end: int
    units: list[dict]
    good: bool
    warnings: list[str] = field(default_factory=list)


def _parse_run(text: str, start: int, limit: int, lead_glued: bool) -> Run | None:
    names: list[list] = []  # [name, lead?, glued to the previous name?]
    pos = start
    seps = 0
    marked = False
    group_start = 0
    glued = False
    while True:
        found = name_end(text, pos, limit)
        if not found:
            break
        end, after = found
        # 省政府|新闻办: a name with an ending inside; take the longer name if the run goes on.
        # A name starting with a level prefix is a second name glued on (市科协|市人社局).
        more = not _continues(text, after, limit, lead_glued) and name_end(text, after, limit)
        if more and more[0] - pos <= LONG_NAME and _continues(text, more[1], limit, lead_glued):
            if text[after] in PREFIXES:
                names.append([clean_name(text[pos:end]), False, glued])
                pos, glued = after, True
                continue
            end, after = more
        alias = text[end + 1 : after - 1] if after > end else ""
        names.append([clean_name(text[pos:end]), "牵头" in alias, glued])  # 市发改委(牵头)
        marked = marked or "牵头" in alias
        pos = after
        glued = False
        m = ETC.match(text, pos)
        if m and m.end() > pos:
            pos = m.end()
        m = ROLE_WORD.match(text, pos)
        if m:
            pos, marked = m.end(), True
        if text.startswith("牵头", pos):
            for entry in names[group_start:]:
                entry[1] = True
            pos += 2
            marked = True
            m = ROLE_WORD.match(text, pos)
            if m:
                pos = m.end()
        if text.startswith("会同", pos) and name_end(text, pos + 2, limit):
            names[-1][1] = True
            marked = True
            pos += 2
            group_start = len(names)
            continue
        if pos < limit and text[pos] in LIST_SEPS and name_end(text, pos + 1, limit):
            if text[pos] in GROUP_SEPS:
                group_start = len(names)
            seps += 1
            pos += 1
            continue
        joined = pos < limit and text[pos] in "和及与" and name_end(text, pos + 1, limit)
        if joined and (text[pos + 1] in PREFIXES or joined[0] - pos - 1 <= 6):
            seps += 1
            pos += 1
            continue
        if (
            lead_glued
            and not seps
            and pos < limit
            and text[pos] in PREFIXES
            and name_end(text, pos, limit)
        ):
            glued = True
            continue
        break
    if not names:
        return None
    warnings: list[str] = []
    glued_count = 1  # names at the start of the run written without a separator
    while glued_count < len(names) and names[glued_count][2]:
        glued_count += 1
    cell_start = start > 0 and text[start - 1].isspace()  # a blank: the 牵头单位 cell is empty
    # 牵头单位 cell (names glued) then 责任单位 cell: the last glued name opens the latter;
    # a lone name that ends the row is the 牵头单位 cell itself.
    lone = len(names) == 1 and (pos >= limit or text[pos].isspace())
    if lead_glued and not cell_start and not any(n[1] for n in names):
        for entry in names[: max(glued_count - 1, 1)] if glued_count > 1 or lone else []:
            entry[1] = True
    if lead_glued and glued_count > 2:
        warnings.append(LEAD_SPLIT_WARNING)
    elif not lead_glued and any(n[2] for n in names):
        warnings.append(GLUED_WARNING)
    units = [
        {"name": name, "role": "lead" if lead else "responsible"} for name, lead, _ in names if name
    ]
    good = bool(seps or marked or cell_start)
    return Run(start, pos, units, good, warnings)


def _continues(text: str, pos: int, limit: int, lead_glued: bool) -> bool:
    """Whether a unit cell goes on at `pos`: a separator, a role word or a glued name."""
    if pos >= limit or text[pos].isspace():
        return True
    if text[pos] in LIST_SEPS or text.startswith(("牵头", "会同", "等"), pos):
        return True
    if ROLE_WORD.match(text, pos):
        return True
    return lead_glued and text[pos] in PREFIXES and bool(name_end(text, pos, limit))


def find_run(
    text: str,
    start: int,
    limit: int,
    *,
    lead_glued: bool,
    strict: bool = False,
    units_last: bool = False,
) -> Run | None:
    """The first run of unit names in text[start:limit] that reads as a unit cell.

    `strict` (rows without numbers, where a run also ends the row) asks for a role word
    (牵头, 会同) or a list that follows a sentence end or a cell boundary.
    """
    i = start
    ahead = None  # the next ending, blank or stop character: no name ends without one
    while i < limit:
        if ahead is None or ahead.start() < i:
            ahead = NAME_BREAK.search(text, i, limit)
            if ahead is None:
                return None
        if ahead.start() - i > MAX_LEN + 10:
            i = ahead.start() - MAX_LEN - 10
            continue
        ch = text[i]
        boundary = i > 0 and text[i - 1].isspace()
        if ch in PREFIXES or (boundary and not ch.isspace() and ch not in STOP):
            run = _parse_run(text, i, limit, lead_glued)
            first = name_end(text, i, limit)
            if first and first[0] - i > LONG_NAME:
                # 各级公共资源交易平台透明运行省发改委: a title glued to a name. Every start
                # before first[0] - LONG_NAME reaches the same ending and is as long.
                i = max(i + 1, first[0] - LONG_NAME)
                continue
            if run:
                ok = run.good
                if not ok and not strict:
                    # …市财政局3月: a unit cell followed only by the row's 完成时限 cell, or
                    # a unit cell that ends the row of a table whose unit columns come last
                    rest = text[run.end : limit].strip().strip(",，;；。、")
                    ok = bool(DEADLINE_CELL.fullmatch(rest)) if rest else units_last
                if ok and strict:
                    after_sentence = i == start or text[i - 1] in "。;；!！?？ \n" or boundary
                    ok = any(u["role"] == "lead" for u in run.units) or after_sentence
                if ok:
                    return run
                i = max(run.end, i + 1)
                continue
        i += 1
    return None
