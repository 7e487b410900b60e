"""Division tables: rows of cells (from .xlsx, .csv, a .docx table, or tab-separated text).

find_table(rows) -> (header row index, {column: index}) | None
table_tasks(rows, columns, year) -> the outline's tasks
cell_units(cell) -> the unit names in one cell (glued names split, see names.py)
"""

from __future__ import annotations

import re

from tasks_app.parsing import clauses
from tasks_app.parsing.deadlines import find_deadline, table_deadline
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.items import after_marker, title_of
from tasks_app.parsing.names import split_glued
from tasks_app.parsing.numbering import marker_at
from tasks_app.parsing.text import squeeze

COLUMNS = {
    "number": ("序号", "编号"),
    "title": (
        "工作任务",
        "主要任务",
        "任务内容",
        "重点任务",
        "工作事项",
        "任务名称",
        "工作内容",
        "项目名称",
        "整改目标",
        "整改措施",
        "具体任务",
        "目标任务",
    ),
    "text": ("具体措施", "工作要求", "工作措施", "具体内容", "目标要求", "主要内容", "工作目标"),
    "lead": ("牵头单位", "牵头部门"),
    "responsible": ("主要责任单位", "责任单位", "配合单位", "责任部门", "协办单位", "参与单位"),
    "deadline": ("完成时限", "时间节点", "完成时间", "时限要求", "时限"),
}

PERSON_COLUMN = re.compile(r"负责人|联系人|联系方式|领导|责任人|任务来源")


def header_map(row: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = squeeze(cell)
        if PERSON_COLUMN.search(name):
            continue  # 牵头领导, 责任单位负责人, 联系人, 任务来源: never units, never the title
        for column, words in COLUMNS.items():
            if column not in found and any(name.startswith(word) for word in words):
                found[column] = index
                break
    return found


def find_table(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:20]):
        columns = header_map(row)
        has_task = "title" in columns or "text" in columns
        has_units = "lead" in columns or "responsible" in columns
        if has_task and has_units:
            return index, columns
    return None


def table_tasks(rows: list[list[str]], columns: dict[str, int], year: int | None) -> list[dict]:
    """The outline's tasks from a division table's rows (below its header row)."""

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    tasks: list[dict] = []
    section: dict | None = None
    item: dict | None = None
    sections = 0
    for row in rows:
        values = [c for c in row if c]
        if not values:
            continue
        number = cell(row, "number").rstrip("、.")
        title, text = cell(row, "title"), cell(row, "text")
        distinct = set(values)
        heading = marker_at(values[0], 0)
        if len(distinct) == 1 and (not number or heading):
            # A section row: one text across the row, such as 一、加大主动公开力度.
            sections += 1
            label = values[0]
            number = heading.number if heading and heading.style == "cn_dun" else str(sections)
            section = _table_task(
                number, number, 1, after_marker(label) if heading else label, "", [], None
            )
            tasks.append(section)
            item = None
            continue
        if item and (not number or number == item["number"]):
            _extend(item, row, cell, year)
            continue
        number = number or str(len([t for t in tasks if t["level"] == (2 if section else 1)]) + 1)
        ref = f"{section['ref']}/{number}" if section else number
        units = cell_unit_roles(cell(row, "lead"), "lead") + cell_unit_roles(
            cell(row, "responsible"), "responsible"
        )
        item = _table_task(
            ref, number, 2 if section else 1, title or title_of(text), text, units, None
        )
        _set_deadline(item, cell(row, "deadline"), year)
        tasks.append(item)
    if not [t for t in tasks if t["level"] == (2 if sections else 1)]:
        raise ParseError("表格中没有任务行。")
    return dedupe_units(tasks)


def cell_units(text: str) -> list[str]:
    """The unit names in one cell: split on separators, then names glued without one."""
    return [name for part in clauses.split_units(text) for name in split_glued(part)]


def cell_unit_roles(text: str, role: str) -> list[dict]:
    """A unit cell's units with their roles: the column's role, unless the cell marks its leads
    (区经发局牵头,区交建局… / A会同B / 市发改委(牵头)) as a 责任单位 cell may."""
    if role == "responsible" and re.search("牵头|会同", text):
        text = re.sub(r"[(（]牵头[)）]", "牵头", text)
        return [
            {"name": name, "role": ref.role}
            for ref in clauses.parse_clause(text)
            for name in split_glued(ref.name)
        ]
    return [{"name": name, "role": role} for name in cell_units(text)]


def _table_task(ref, number, level, title, text, units, deadline) -> dict:
    return {
        "ref": ref,
        "number": number,
        "level": level,
        "title": title,
        "text": text,
        "units": units,
        "deadline": deadline,
        "deadline_text": None,
        "report_cycle": None,
    }


def _extend(item: dict, row: list[str], cell, year: int | None) -> None:
    """A continuation row (merged 序号): more measures and units for the same item."""
    extra = cell(row, "text")
    if extra and extra not in item["text"]:
        item["text"] = f"{item['text']}\n{extra}".strip()
    for role in ("lead", "responsible"):
        item["units"] += cell_unit_roles(cell(row, role), role)
    if not item["deadline"]:
        _set_deadline(item, cell(row, "deadline"), year)


def _set_deadline(item: dict, wording: str, year: int | None) -> None:
    # a 完成时限 cell (3月, 全年, 2019年6月30日, 第三季度, 长期坚持), else the row's own text
    found = table_deadline(wording, year) if wording else find_deadline(item["text"], year)
    item["deadline"] = found.date.isoformat() if found.date else None
    item["deadline_text"] = found.text or None
    item["report_cycle"] = found.cycle


def dedupe_units(tasks: list[dict]) -> list[dict]:
    for task in tasks:
        seen: dict[str, dict] = {}
        for unit in task["units"]:
            unit["collective"] = bool(clauses.COLLECTIVE.search(unit["name"]))
            if not unit["collective"]:
                del unit["collective"]
            if unit["name"] not in seen or unit["role"] == "lead":
                seen[unit["name"]] = unit
        task["units"] = list(seen.values())
    return tasks
