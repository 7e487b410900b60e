"""One row of a flattened table, its cells told apart by meaning.

- glued cells: the unit cells are a run of names (flat_units.find_run). Before the run: the task
  (a 存在问题 cell printed before its first row, or a 任务来源 cell, is cut off the title);
  after it: prose (工作要求 …) and a 完成时限 cell at the end.
- cells between blanks: the title is the first cell; the unit cells lie between the people's
  names (牵头领导, 负责人, 联系人), which are never units; 牵头单位:/配合单位: inside set roles.
Numbered lists inside a text cell become the row's children.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks_app.parsing.flat_cells import (
    DEADLINE_CELL,
    LABEL,
    LIST_MARK,
    cell_list,
    first_sentence,
    is_person,
    is_unit_token,
    split_problem,
)
from tasks_app.parsing.flat_header import Header
from tasks_app.parsing.flat_units import Run
from tasks_app.parsing.names import split_glued


@dataclass
class Row:
    number: str | None
    title: str
    text: str
    units: list[dict]
    deadline_cell: str = ""
    warnings: list[str] = field(default_factory=list)
    children: list[tuple[str, str]] = field(default_factory=list)


SOURCE_BOOK = re.compile(r"《[^《》]{1,60}》[^。,，《]{0,20}$")
SOURCE_END = re.compile(r"(?:报告|要点|意见|方案|通知|文件|会议|纪要|批示|规划|部署|清单)$")
SOURCE_PREFIX = "省市县区州国中党"


def _source_start(cell: str) -> int | None:
    """Where a 任务来源 cell glued after the task begins: 《…》, or 省政府工作报告 and the like."""
    book = SOURCE_BOOK.search(cell)
    if book:
        return book.start() or None
    if not SOURCE_END.search(cell):
        return None
    for i in range(len(cell) - 4, max(0, len(cell) - 30), -1):
        if cell[i] in SOURCE_PREFIX and not any(ch in "。,，;；" for ch in cell[i:]):
            return i or None
    return None


def _title_index(header: Header) -> int:
    tasks = [i for i, r in enumerate(header.roles) if r in ("title", "problem")]
    return tasks[0] if tasks else -1


def glued_row(text: str, header: Header, run: Run | None) -> Row:
    """A row whose cells ran together: the task before the unit run, prose and 完成时限 after."""
    if run is None:
        before, after, units, warnings = text, "", [], []
    else:
        before, after = text[: run.start], text[run.end :]
        units, warnings = run.units, list(run.warnings)
    before, after = before.strip(), after.strip()
    deadline_cell = ""
    if "deadline" in header.roles:
        # The 完成时限 cell ends the cells before the units (…3月市财政局) or the row.
        first = header.before_units("deadline") and run is not None
        tail = DEADLINE_CELL.search(before if first else after)
        if tail and tail.group(0):
            deadline_cell = tail.group(0)
            if first:
                before = before[: tail.start()].strip()
            else:
                after = after[: tail.start()].strip()
    title_cell = before
    if header.before_units("source") and header.roles.index("source") > _title_index(header):
        # 任务来源 between the task and the units (…《政府工作报告》): not part of the title
        cut = _source_start(before)
        if cut:
            title_cell = before[:cut]
    if header.before_units("problem") and ("title" in header.roles):
        problem, measures, guessed = split_problem(before)
        if problem:
            title_cell = measures
            if guessed:
                warnings.append("存在问题与整改措施的分界为推测")
    children = cell_list(after)
    title_cell = title_cell.split(None, 1)[0] if title_cell.strip() else ""  # a blank ends a cell
    return Row(
        None,
        first_sentence(title_cell) or first_sentence(before),
        "\n".join(p for p in (before, after) if p),
        units,
        deadline_cell,
        warnings,
        children,
    )


def spaced_row(text: str, header: Header) -> Row:
    """A row whose cells are separated by white space: number title content … units … text."""
    tokens = text.split()
    if not tokens:
        return Row(None, "", "", [])
    title = tokens[0]
    units: list[dict] = []
    warnings: list[str] = []
    role = "lead" if header.roles.count("lead") and "responsible" not in header.roles else None
    zone_start = None
    zone_end = len(tokens)
    for j in range(1, len(tokens)):
        token = tokens[j]
        label = LABEL.fullmatch(token) or (LABEL.match(token) and is_unit_token(token))
        if zone_start is None:
            if label or is_unit_token(token):
                zone_start = j
            else:
                continue
        if label or is_unit_token(token) or is_person(token):
            continue
        if (
            len(token) <= 20
            and not any(ch in "。,，;；" for ch in token)
            and not LIST_MARK.match(token)
            and not re.search(r"\d", token)
        ):
            continue  # a unit without a usual ending (…综合试点), between other units
        zone_end = j
        break
    if zone_start is not None:
        zone = tokens[zone_start:zone_end]
        # People (负责人) and stray words after the last unit cell are not units.
        while zone and not is_unit_token(zone[-1]) and not LABEL.match(zone[-1]):
            zone.pop()
        current = role or "responsible"
        roles = header.roles
        by_order = (
            "lead" in roles
            and "responsible" in roles
            and roles.index("lead") < roles.index("responsible")
            and not any(LABEL.match(t) for t in zone)
        )
        if by_order:
            current = "lead"  # the first unit cell is the 牵头单位 column
        for token in zone:
            label = LABEL.match(token)
            if label:
                current = "lead" if label.group(1).startswith("牵头") else "responsible"
                token = token[label.end() :]
                if not token:
                    continue
            if is_person(token) and not is_unit_token(token):
                continue
            names = split_glued(token)
            if len(names) > 1:
                warnings.append("单元格内机构名称相连,已按机构名称结尾拆分(推测)")
            units += [{"name": n, "role": current} for n in names if n]
            if by_order:
                current = "responsible"
        middle = " ".join(tokens[1:zone_start])
        after = " ".join(tokens[zone_end:])
    else:
        middle, after = " ".join(tokens[1:]), ""
        warnings.append("未能识别责任单位列")
    deadline_cell = ""
    if "deadline" in header.roles and after:
        last = after.split()[-1]
        if DEADLINE_CELL.fullmatch(last):
            deadline_cell = last
            after = after[: -len(last)].strip()
    children = cell_list(middle) + cell_list(after)
    return Row(
        None,
        first_sentence(title),
        "\n".join(p for p in (title, middle, after) if p),
        units,
        deadline_cell,
        warnings,
        children,
    )
