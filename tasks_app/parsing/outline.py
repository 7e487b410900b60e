"""The outline of a document: its readers chosen by content, its annexes split into parts.

parse_document(data, filename) and parse_text(text) are the package's entry points. A text is
read as a flattened task table (tables.flat_table_items) or as prose: the notice (notice.py),
lines put back if pasted without breaks (reline.py), the tree of numbered items (tree.py); a
later annex that restarts its numbering is a part of its own. Spreadsheets, .csv files and
tables inside a .docx are division tables (tables.table_tasks). Refs are made unique once,
for every reader (refs.py).
"""

from __future__ import annotations

import re

from tasks_app.parsing import tables
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.notice import NO_ITEMS, header_year, notice_header, start_index, trim_tail
from tasks_app.parsing.readers import decode_text, office_kind, read_csv, read_docx, read_xlsx
from tasks_app.parsing.refs import unique_refs
from tasks_app.parsing.reline import lines_of, split_preamble
from tasks_app.parsing.text import Restorer, clean_line, fold, to_simplified
from tasks_app.parsing.tree import MAX_ITEMS, build_tree, node_tasks

# --- entry points ----------------------------------------------------------------


def parse_document(data: bytes, filename: str = "") -> dict:
    """Parse uploaded bytes: .docx and .xlsx by their content, anything else as text."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ParseError("这是旧版 .doc/.xls 文件,请在 Word/Excel 中另存为 .docx/.xlsx 后再上传。")
    kind = office_kind(data)
    if kind == "docx":
        return _parse_docx(data)
    if kind == "xlsx":
        return _parse_sheets(read_xlsx(data))
    if data[:4] == b"PK\x03\x04":
        raise ParseError("这是一个压缩文件,不是 .docx 或 .xlsx。")
    if data[:5] == b"%PDF-":
        raise ParseError("暂不支持 PDF,请上传 .docx、.xlsx 或复制粘贴正文。")
    if filename.lower().endswith(".csv"):
        return _parse_sheets([read_csv(data)])
    return parse_text(decode_text(data))


def parse_text(text: str) -> dict:
    """Parse plain or pasted text, with or without its line breaks.

    Traditional characters (牽頭單位) are read through their simplified forms; the outline
    gives names and titles back as written.
    """
    written = fold(text)
    simplified = to_simplified(written)
    outline = _parse_folded(simplified)
    if simplified != written:
        outline = _restore(outline, Restorer(written, simplified))
    return outline


def _restore(outline: dict, restore: Restorer) -> dict:
    for key in ("title", "doc_number", "issuer"):
        outline[key] = restore(outline[key])
    for task in outline["tasks"]:
        task["title"] = restore(task["title"])
        task["text"] = "\n".join(restore(line) or "" for line in task["text"].split("\n"))
        task["deadline_text"] = restore(task["deadline_text"])
        for unit in task["units"]:
            unit["name"] = restore(unit["name"])
    return outline


# An annex heading inside the text (附件2 …), not the notice's list of attachments (附件:1.…).
ANNEX_HEADING = re.compile(r"(?:^|(?<=[\s。]))附件\s*(\d{1,2})(?![\d.:、])")


def _parse_folded(text: str) -> dict:
    """The notice and its first numbered part, then each later part (附件2 …) on its own."""
    parts = split_parts(text)
    main = parts[0][1]
    try:
        outline, error = _outline_from_text(main), None
    except ParseError as exc:
        outline, error = None, exc
    header = {k: v for k, v in outline.items() if k != "tasks"} if outline else _header_of(main)
    year = header_year(header)
    tasks = tables.flat_table_items(main, year)
    if tasks is None:
        if outline is None:
            raise error
        tasks = outline["tasks"]
    for label, part in parts[1:]:
        tasks += [_prefixed(label, task) for task in _part_tasks(part, year)]
    if len(tasks) > MAX_ITEMS:
        raise ParseError(f"条目超过 {MAX_ITEMS} 条,请拆分文件后再导入。")
    return {**header, "tasks": unique_refs(tasks)}


def split_parts(text: str) -> list[tuple[str, str]]:
    """The text up to its second annex, then each later annex as (label, text): 附件2, 附件3…

    The first numbered part (the plan, or 附件1) keeps plain refs; a later annex is a part of
    its own when it restarts its numbering, and its label becomes its refs' first segment.
    """
    heads = [m for m in ANNEX_HEADING.finditer(text) if int(m.group(1)) >= 2]
    parts: list[tuple[str, str]] = []
    cuts = [m.start() for m in heads] + [len(text)]
    parts.append(("", text[: cuts[0]]))
    for m, end in zip(heads, cuts[1:], strict=True):
        parts.append((f"附件{m.group(1)}", text[m.end() : end]))
    return parts


def _outline_from_text(text: str) -> dict:
    return _outline_from_lines(lines_of(text))


def _header_of(text: str) -> dict:
    """The notice's number, issuer, date and title when the text has no numbered items."""
    lines = [line for line in (clean_line(x) for x in text.splitlines()) if line]
    if len(lines) < 3:
        lines = split_preamble(" ".join(lines))
    return notice_header(lines[:40], [])


def _part_tasks(text: str, year: int | None) -> list[dict]:
    """A later part: a flattened task table if it is one, else prose; nothing if neither."""
    found = tables.flat_table_items(text, year)
    if found is not None:
        return found
    try:
        lines = lines_of(text)
        body, _tail = trim_tail(lines[start_index(lines) :])
    except ParseError:
        return []
    return node_tasks(build_tree(body), year)


def _prefixed(label: str, task: dict) -> dict:
    return {**task, "ref": f"{label}/{task['ref']}"}


def _outline_from_lines(lines: list[str]) -> dict:
    start = start_index(lines)
    body, tail = trim_tail(lines[start:])
    header = notice_header(lines[:start], tail)
    nodes = build_tree(body)
    if not nodes:
        raise ParseError(NO_ITEMS)
    return {**header, "tasks": node_tasks(nodes, header_year(header))}


# --- division tables (.xlsx, .csv, or a table inside a .docx) ------------------------------


def _parse_sheets(sheets: list[list[list[str]]], preamble: list[str] | None = None) -> dict:
    for rows in sheets:
        found = tables.find_table(rows)
        if found:
            index, columns = found
            before = (preamble or []) + [" ".join(c for c in row if c) for row in rows[:index]]
            return _outline_from_table(before, rows[index + 1 :], columns)
    raise ParseError(
        "表格中没有找到可识别的表头:需要“序号”“工作任务/具体措施”“牵头单位/责任单位”等列。"
    )


def _outline_from_table(preamble: list[str], rows: list[list[str]], columns: dict) -> dict:
    preamble = [line for line in (clean_line(p) for p in preamble) if line]
    header = notice_header(preamble, [])
    if not header["title"] and preamble:
        header["title"] = preamble[0]
    tasks = tables.table_tasks(rows, columns, header_year(header))
    return {**header, "tasks": unique_refs(tasks)}


def _parse_docx(data: bytes) -> dict:
    blocks = read_docx(data)
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            if tables.find_table(block):
                return _parse_sheets([block], preamble=lines)
            lines += [" ".join(c for c in row if c) for row in block]
        else:
            lines.append(block)
    return parse_text("\n".join(lines))
