"""From lines (or table rows) to the outline: the tree of numbered items, units, deadlines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from tasks_app.parsing import clauses, tables
from tasks_app.parsing.deadlines import find_deadline
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.items import after_marker, title_of
from tasks_app.parsing.numbering import LIST_STYLES, Marker, Numbering, marker_at
from tasks_app.parsing.readers import decode_text, office_kind, read_csv, read_docx, read_xlsx
from tasks_app.parsing.text import clean_line, fold

PLAN_WORDS = (
    r"(?:工作要点|实施方案|分工方案|工作方案|任务分解表|任务清单|工作计划|责任分工表?|任务分工)"
)
PLAN_TITLE_LINE = re.compile(rf"^[^。;!?]{{2,80}}{PLAN_WORDS}$")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,12}[〔\[(【]\d{4}[〕\])】]\d{1,4}号")
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
ORG_SUFFIX = r"(?:办公厅|办公室|人民政府|政府|委员会|领导小组|局|委|办)"
ISSUER = re.compile(rf"([\u4e00-\u9fa5()]{{2,40}}?{ORG_SUFFIX})关于印发")
NOTICE_TITLE = re.compile(r"关于印发《?(.+?)》?的通知")
PERIOD_RANGE = re.compile(r"(\d{4})\s*[-—–~至到]\s*(\d{4})\s*年")
YEAR = re.compile(r"(\d{4})\s*年")
SIGNATURE_NOISE = re.compile(r"二维码|关注我们|打印本页|关闭窗口|责任编辑|来源:|分享到")
TRAILING_NOISE = re.compile(r"\s*(扫描二维码|打印本页|关闭窗口|分享到)[^。]{0,40}$")
ORG_LINE = re.compile(rf"^[\u4e00-\u9fa5()]{{2,30}}{ORG_SUFFIX}$")
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[::]?")
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
    """Parse plain or pasted text, with or without its line breaks."""
    lines = [clean_line(line) for line in fold(text).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ParseError("文件是空的,没有可解析的内容。")
    try:
        if _is_flat(lines):
            lines = _reline(" ".join(lines))
        return _outline_from_lines(lines)
    except ParseError:  # a flattened task table with no item numbers the prose reader sees
        if not (items := tables.flat_table_items(fold(text), None)):
            raise
        preamble = _split_preamble(tables.table_preamble(fold(text)))
        return {**_header(preamble, []), "tasks": items}


# --- text without line breaks ---------------------------------------------------------


def _line_markers(lines: list[str]) -> int:
    return sum(1 for line in lines if marker_at(line, 0))


def _is_flat(lines: list[str]) -> bool:
    """Text pasted from a web page: item numbers inside lines rather than at their starts."""
    if not any((m := marker_at(line, 0)) and m.value == 1 for line in lines):
        return True
    return _line_markers(lines) < 3 and max(len(line) for line in lines) > 300


def _plan_start(text: str) -> int:
    """Where the plan itself begins in one long line: after its title, else at 一、."""
    title = re.search(rf"{PLAN_WORDS}(?=\s*(?:一、|\(一\)|1[.、]))", text)
    if title:
        return title.end()
    for m in re.finditer(r"一、|\(一\)", text):
        if m.start() == 0 or text[m.start() - 1] in BOUNDARY + " ":
            return m.start()
    raise ParseError("没有找到编号条目(如“一、”“(一)”“1.”),无法拆分为任务。")


def _reline(text: str) -> list[str]:
    """Put the line breaks back: before each item number that fits the numbering, after clauses."""
    text = TRAILING_NOISE.sub("", text)
    start = _plan_start(text)
    preamble = text[:start]
    numbering = Numbering()
    pieces: list[tuple[Marker | None, int, str]] = []  # (marker, level, text)
    pos, last = start, start
    current: Marker | None = None
    level = 0
    while pos < len(text):
        marker = marker_at(text, pos)
        fits = marker and numbering.level_for(marker, strict=True)
        if marker and fits is not None:
            pieces.append((current, level, text[last:pos]))
            numbering.push(marker, fits)
            current, level, last = marker, fits, pos
            pos = marker.end
        else:
            pos += 1
    pieces.append((current, level, text[last:]))

    lines = _split_preamble(preamble)
    for index, (marker, lvl, piece) in enumerate(pieces):
        if marker is None:
            continue
        next_level = next((lv for m, lv, _ in pieces[index + 1 :] if m), -1)
        parts = _split_after_clauses(piece.strip())
        if marker.style in LIST_STYLES and next_level < lvl and len(parts) == 1:
            parts = _split_summary(parts[0])
        lines += parts
    return lines


def _split_preamble(preamble: str) -> list[str]:
    """Recover the notice's lines well enough to find its number, issuer, date and title."""
    preamble = DOC_NUMBER.sub(lambda m: f"\n{m.group(0)}\n", preamble)
    preamble = DATE.sub(lambda m: f"\n{m.group(0)}\n", preamble)
    preamble = re.sub(r"(的通知》?)", r"\1\n", preamble)
    preamble = re.sub(rf"([^\n。]*{PLAN_WORDS})\s*$", r"\n\1", preamble)
    return [line.strip() for line in re.split(r"[\n。]", preamble) if line.strip()]


def _split_after_clauses(text: str) -> list[str]:
    """A clause closes its paragraph: what follows it starts a new one."""
    parts, start = [], 0
    for _, end, inner in clauses.bracket_groups(text):
        if clauses.looks_like_clause(inner):
            stop = end + 1 if text[end : end + 1] in ("。", ".") else end
            if text[stop:].strip():
                parts.append(text[start:stop].strip())
                start = stop
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _split_summary(text: str) -> list[str]:
    """The last item of a list may carry the section's closing remarks: split them off."""
    sentences = re.split(r"(?<=。)", text)
    for i in range(2, len(sentences)):
        if SUMMARY_OPENER.match(sentences[i].strip()):
            return ["".join(sentences[:i]).strip(), "".join(sentences[i:]).strip()]
    return [text]


# --- lines to tree ----------------------------------------------------------------------


def _start_index(lines: list[str]) -> int:
    """The first line of the plan: after its title line, else the first 一、 / (一) / 1."""
    firsts = [i for i, line in enumerate(lines) if (m := marker_at(line, 0)) and m.value == 1]
    if not firsts:
        raise ParseError("没有找到编号条目(如“一、”“(一)”“1.”),无法拆分为任务。")
    for i in reversed(range(len(lines) - 1)):
        if PLAN_TITLE_LINE.match(lines[i]) and i + 1 in firsts:
            return i + 1
    return firsts[0]


def _trim_tail(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut attachments and the signature (issuer, date, page noise) off the end."""
    for i, line in enumerate(lines):
        if ATTACHMENT.match(line) and not marker_at(line, 0):
            lines = lines[:i]
            break
    tail: list[str] = []
    while lines:
        line = lines[-1]
        if (
            DATE_LINE.match(line)
            or (SIGNATURE_NOISE.search(line) and len(line) <= 40)
            or (ORG_LINE.match(line) and not marker_at(line, 0))
        ):
            tail.insert(0, lines.pop())
        else:
            break
    return lines, tail


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


def _build_tree(lines: list[str]) -> list[Node]:
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
            if target is last and last.parent and (last.closed or last.is_list_item):
                target = last.parent
            target.paras.append(text)
    return nodes


def _finish(nodes: list[Node], doc_year: int | None) -> list[dict]:
    tasks, seen_refs = [], set()
    for node in nodes:
        if node.paras and not node.paras[0] and len(node.paras) > 1:
            node.paras = [node.paras[1], *node.paras[2:]]  # number alone on its line
        parent_ref = node.parent.ref if node.parent else ""
        ref = f"{parent_ref}/{node.marker.number}" if parent_ref else node.marker.number
        base, n = ref, 2
        while ref in seen_refs:  # numbering restarted under the same parent
            ref, n = f"{base}~{n}", n + 1
        seen_refs.add(ref)
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
    return tasks


# --- the notice around the plan ----------------------------------------------------------


def _header(preamble: list[str], tail: list[str]) -> dict:
    text = "\n".join(preamble)
    doc_number = DOC_NUMBER.search(text)
    from_notice = ISSUER.search(text.replace("《", "\n"))
    signature = next((line for line in reversed(preamble + tail) if ORG_LINE.match(line)), "")
    issuer = from_notice.group(1) if from_notice else signature
    title = next((line for line in reversed(preamble) if PLAN_TITLE_LINE.match(line)), "")
    if title:
        title = DATE.split(title)[-1] if DATE.search(title) else title
        title = re.sub(r"^.*(通知》?|号)", "", title)
    notice = NOTICE_TITLE.search(text)
    if not title and notice:
        title = notice.group(1)
    dates = [DATE_LINE.match(line) for line in preamble + tail]
    dates = [d for d in dates if d]
    issued_on = _date(dates[-1]) if dates else None
    period = _period(title or (notice.group(1) if notice else ""), issued_on)
    return {
        "title": title or (preamble[0][:80] if preamble else ""),
        "doc_number": doc_number.group(0) if doc_number else "",
        "issuer": issuer,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "period": period,
    }


def _date(match: re.Match) -> dt.date | None:
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _period(title: str, issued_on: dt.date | None) -> dict:
    span = PERIOD_RANGE.search(title)
    if span:
        first, last = int(span[1]), int(span[2])
    elif year := YEAR.search(title):
        first = last = int(year[1])
    elif issued_on:
        first = last = issued_on.year
    else:
        return {"start": None, "end": None}
    return {"start": dt.date(first, 1, 1).isoformat(), "end": dt.date(last, 12, 31).isoformat()}


def _doc_year(header: dict) -> int | None:
    if header["period"]["start"]:
        return int(header["period"]["start"][:4])
    if header["issued_on"]:
        return int(header["issued_on"][:4])
    return None


def _outline_from_lines(lines: list[str]) -> dict:
    start = _start_index(lines)
    body, tail = _trim_tail(lines[start:])
    header = _header(lines[:start], tail)
    nodes = _build_tree(body)
    if not nodes:
        raise ParseError("没有找到编号条目(如“一、”“(一)”“1.”),无法拆分为任务。")
    return {**header, "tasks": _finish(nodes, _doc_year(header))}


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
    header = _header(preamble, [])
    if not header["title"] and preamble:
        header["title"] = preamble[0]
    return {**header, "tasks": tables.table_tasks(rows, columns, _doc_year(header))}


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
