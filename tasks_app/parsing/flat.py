"""Task tables whose cells a web page ran together into text (see tables.flat_table_items).

This module assembles the items. The header row is found by its column names (flat_header); a
header printed again on a later page is dropped, a different header ends the table. Rows start
at their item numbers (flat_marks: 1. / 1、, or a bare 1 between blanks when the 序号 column has
no dot; 8.15 is a date), group rows at 一、 / (一); a table without item numbers is split after
each unit cell (flat_units: one carrying 牵头, or following a sentence end). Inside a row the
cells are told apart by meaning (flat_rows); cells between tabs (pasted from a spreadsheet) are
read as a division table (division_table.table_tasks). Numbered lists inside a text cell become
child nodes without units.

Every scan is linear: markers come from one pass of one regex, headers from one pass over the
text without blanks, and candidate unit runs are tried left to right, skipping stretches where no
name can end.
"""

from __future__ import annotations

import re

from tasks_app.parsing.clauses import COLLECTIVE
from tasks_app.parsing.deadlines import find_deadline, table_deadline
from tasks_app.parsing.division_table import find_table, table_tasks
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.flat_cells import first_sentence, text_deadline
from tasks_app.parsing.flat_header import Header, find_headers
from tasks_app.parsing.flat_marks import find_marks
from tasks_app.parsing.flat_rows import Row, glued_row, spaced_row
from tasks_app.parsing.flat_units import Run, find_run
from tasks_app.parsing.text import clean_line

MAX_ITEMS = 5000  # as the prose reader
SIGNATURE_END = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
ORDER_NUMBER = re.compile(r"\s*(\d{1,3})[.、]?(?=[\u4e00-\u9fff“《(])")
TAIL_NOISE = re.compile(r"来源[:：]|附件下载|打印本页|关闭窗口|扫描二维码|责任编辑|【打印】")
MIN_YEAR, MAX_YEAR = 1900, 2999
DOC_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")


def document_year(text: str) -> int | None:
    """The first year written near the start of `text` (20xx年 or 19xx年)."""
    m = DOC_YEAR.search(text[:5000])
    return int(m.group(1)) if m else None


def _task(ref, number, level, title, text, units=(), warnings=()) -> dict:
    task = {
        "ref": ref,
        "number": number,
        "level": level,
        "title": title,
        "text": text,
        "units": _dedupe(list(units)),
        "deadline": None,
        "deadline_text": None,
        "report_cycle": None,
    }
    if warnings:
        task["warnings"] = list(dict.fromkeys(warnings))
    return task


def _dedupe(units: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for unit in units:
        name = unit["name"]
        entry = {"name": name, "role": unit["role"]}
        if COLLECTIVE.search(name):
            entry["collective"] = True
        if name not in seen or (entry["role"] == "lead" and seen[name]["role"] != "lead"):
            seen[name] = entry
    return list(seen.values())


def _with_deadline(task: dict, row: Row, year: int | None) -> dict:
    own = row.text
    for _number, body in row.children:
        own = own.replace(body, "")
    if row.deadline_cell:
        found = table_deadline(row.deadline_cell, year)
        task["deadline"] = found.date.isoformat() if found.date else None
        task["deadline_text"] = found.text or None
        task["report_cycle"] = find_deadline(own, year).cycle
    else:
        task["deadline"], task["deadline_text"], task["report_cycle"] = text_deadline(own, year)
    return task


def flat_table_items(text: str, year: int | None) -> list[dict] | None:
    """The items of the first task table in `text`, or None (see tables.flat_table_items)."""
    headers = find_headers(text)
    header = next(headers, None)
    if header is None:
        return None
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        year = None  # no date can be built on it
    if year is None:  # the table's title (…2026年…分解表) first, then the notice
        near = DOC_YEAR.findall(text[max(0, header.start - 120) : header.start])
        year = int(near[-1]) if near else document_year(text[: header.start])
        year = year or document_year(text)
    body_end = len(text)
    noise = TAIL_NOISE.search(text, header.end)
    if noise:
        body_end = noise.start()
    repeats: list[Header] = []
    for again in headers:
        if again.start >= body_end:
            break
        if again.roles != header.roles:
            body_end = again.start  # another table: the caller's next part
            break
        repeats.append(again)  # the same header printed again (on every page)
    if repeats:
        pieces, last = [], 0
        for again in repeats:
            pieces += [text[last : again.start], " "]
            last = again.end
        shift = sum(again.end - again.start - 1 for again in repeats)
        text, body_end = "".join(pieces) + text[last:], body_end - shift
    body = text[header.end : body_end]
    line_start = text.rfind("\n", 0, header.start) + 1
    line_end = text.find("\n", header.end)
    if "\t" in text[line_start : line_end if line_end >= 0 else len(text)]:
        return _tab_rows(text[line_start:body_end], year)
    marks, numbered = find_marks(body)
    tasks: list[dict] = []
    parents: dict[str, dict | None] = {"cn": None, "pcn": None}
    counter = 0

    def parent_ref() -> tuple[str, int]:
        parent = parents["pcn"] or parents["cn"]
        return (parent["ref"], parent["level"]) if parent else ("", 0)

    def add_row(row: Row, number: str | None) -> None:
        nonlocal counter
        counter += 1
        number = number or str(counter)
        base, level = parent_ref()
        ref = f"{base}/{number}" if base else number
        warnings = list(row.warnings)
        if not row.units and "合并" not in " ".join(warnings):
            warnings.append("该行没有责任单位(可能是合并单元格,只印在首行)")
        task = _task(ref, number, level + 1, row.title, row.text, row.units, warnings)
        tasks.append(_with_deadline(task, row, year))
        refs = {ref}
        for child_number, body in row.children:
            child_ref, n = f"{ref}/{child_number}", 2
            while child_ref in refs:  # a second list in another cell of the same row
                child_ref, n = f"{ref}/{child_number}~{n}", n + 1
            refs.add(child_ref)
            child = _task(child_ref, child_number, level + 2, first_sentence(body), body)
            child["deadline"], child["deadline_text"], child["report_cycle"] = text_deadline(
                body, year
            )
            tasks.append(child)

    def rows_of(segment: str, number: str | None) -> None:
        if header.spaced:
            add_row(spaced_row(segment, header), number)
            return
        if number is not None:
            run = find_run(
                segment,
                0,
                len(segment),
                lead_glued=header.has_lead_column,
                units_last=header.units_last,
            )
            add_row(glued_row(segment, header, run), number)
            return
        # No item numbers: each unit cell closes its row.
        pos = 0
        while pos < len(segment):
            # A 序号 cell glued to its row (…市财政局2推进…) is the row's order number.
            own = ORDER_NUMBER.match(segment, pos)
            if own and int(own.group(1)) == counter + 1:
                pos = own.end()
            run = find_run(
                segment, pos, len(segment), lead_glued=header.has_lead_column, strict=True
            )
            if run is None:
                # Text after the last unit cell: a row without units, unless it is short or a
                # signature (issuer and date) after the table.
                rest = segment[pos:].strip()
                if len(rest) > 15 and not SIGNATURE_END.search(rest):
                    add_row(glued_row(rest, header, None), None)
                return
            if segment[pos : run.start].strip():
                add_row(glued_row(segment[pos : run.end], header, _shift(run, -pos)), None)
            # else names with no task before them (the issuer signing after the table): no row
            pos = run.end

    if marks and marks[0].start > 0:
        head = body[: marks[0].start].strip()
        if head and not numbered:
            rows_of(body[: marks[0].start], None)
    for mark, nxt in zip(marks, [*marks[1:], None], strict=False):
        segment = body[mark.end : nxt.start if nxt else len(body)]
        if mark.kind in ("cn", "pcn"):
            title, rest = _group_title(segment, numbered)
            base = parents["cn"] if mark.kind == "pcn" else None
            ref = f"{base['ref']}/{mark.number}" if base else mark.number
            level = base["level"] + 1 if base else 1
            text = segment.strip() if numbered else title
            node = _task(ref, mark.number, level, title or mark.number, text)
            if mark.kind == "cn":
                parents["cn"], parents["pcn"] = node, None
            else:
                parents["pcn"] = node
            tasks.append(node)
            if rest:
                rows_of(rest, None)
        else:
            rows_of(segment, mark.number)
    if not marks:
        rows_of(body, None)
    if not any(t.get("units") for t in tasks):
        return None
    if len(tasks) > MAX_ITEMS:
        raise ParseError(f"条目超过 {MAX_ITEMS} 条,请拆分文件后再导入。")
    return tasks


def _group_title(segment: str, numbered: bool) -> tuple[str, str]:
    """A group row's title, and the rows that follow it in a table without item numbers.

    With item numbers the group row is the whole segment. Without, its title runs to the first
    blank; with no blank near, to the first comma or full stop, and the rows are read from the
    start of the segment again so that none is lost.
    """
    if numbered:
        return first_sentence(segment), ""
    stripped = segment.strip()
    parts = stripped.split(None, 1)
    if len(parts) > 1 and len(parts[0]) <= 40:
        return first_sentence(parts[0]), parts[1]
    head = re.split(r"[,，。;；]", stripped, maxsplit=1)[0][:30]
    return head, stripped


def _shift(run: Run, delta: int) -> Run:
    return Run(run.start + delta, run.end + delta, run.units, run.good, run.warnings)


def _tab_rows(text: str, year: int | None) -> list[dict] | None:
    """Rows pasted from a spreadsheet: one line per row, cells between tabs (empty ones kept)."""
    rows = [[clean_line(cell) for cell in line.split("\t")] for line in text.splitlines()]
    found = find_table(rows)
    if not found:
        return None
    index, columns = found
    try:
        tasks = table_tasks(rows[index + 1 :], columns, year)
    except ParseError:
        return None
    return tasks if any(t["units"] for t in tasks) else None
