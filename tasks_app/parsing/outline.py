"""From lines (or table rows) to the outline: the tree of numbered items, units, deadlines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from tasks_app.parsing import clauses, tables
from tasks_app.parsing.deadlines import find_deadline
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.items import after_marker, title_of
from tasks_app.parsing.numbering import LIST_STYLES, Marker, Numbering, gap_level, marker_at
from tasks_app.parsing.readers import decode_text, office_kind, read_csv, read_docx, read_xlsx
from tasks_app.parsing.text import Restorer, clean_line, fold, to_simplified

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
MAX_GAP_CHECKS = 300  # numbers that skip some are looked into this often at most


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


NO_ITEMS = "没有找到编号条目(如“一、”“(一)”“1.”),无法拆分为任务。"
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
    year = _doc_year(header)
    tasks = tables.flat_table_items(main, year)
    if tasks is None:
        if outline is None:
            raise error
        tasks = outline["tasks"]
    for label, part in parts[1:]:
        tasks += [_prefixed(label, task) for task in _part_tasks(part, year)]
    if len(tasks) > MAX_ITEMS:
        raise ParseError(f"条目超过 {MAX_ITEMS} 条,请拆分文件后再导入。")
    return {**header, "tasks": _unique_refs(tasks)}


def _unique_refs(tasks: list[dict]) -> list[dict]:
    """Every ref once: a number repeated under the same parent becomes `3~2` (with a warning),
    and the items under it follow it, so each child still names the parent before it."""
    seen: set[str] = set()
    latest: dict[str, str] = {}  # ref as numbered -> ref given, for the last item so numbered
    for task in tasks:
        written = task["ref"]
        parent, _, last = written.rpartition("/")
        ref = f"{latest[parent]}/{last}" if parent in latest else written
        if ref in seen:
            base, n = ref, 2
            while ref in seen:
                ref, n = f"{base}~{n}", n + 1
            task["warnings"] = [*(task.get("warnings") or []), f"编号“{last}”重复,已记为“{ref}”"]
        seen.add(ref)
        latest[written] = ref
        task["ref"] = ref
    return tasks


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


def _lines_of(text: str) -> list[str]:
    lines = [clean_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ParseError("文件是空的,没有可解析的内容。")
    return _reline(" ".join(lines)) if _is_flat(lines) else lines


def _outline_from_text(text: str) -> dict:
    return _outline_from_lines(_lines_of(text))


def _header_of(text: str) -> dict:
    """The notice's number, issuer, date and title when the text has no numbered items."""
    lines = [line for line in (clean_line(x) for x in text.splitlines()) if line]
    if len(lines) < 3:
        lines = _split_preamble(" ".join(lines))
    return _header(lines[:40], [])


def _part_tasks(text: str, year: int | None) -> list[dict]:
    """A later part: a flattened task table if it is one, else prose; nothing if neither."""
    found = tables.flat_table_items(text, year)
    if found is not None:
        return found
    try:
        lines = _lines_of(text)
        body, _tail = _trim_tail(lines[_start_index(lines) :])
    except ParseError:
        return []
    return _finish(_build_tree(body), year)


def _prefixed(label: str, task: dict) -> dict:
    return {**task, "ref": f"{label}/{task['ref']}"}


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
            return _inline_list_start(text, m.start())
    raise ParseError("没有找到编号条目(如“一、”“(一)”“1.”),无法拆分为任务。")


ISSUES_A_PLAN = re.compile(r"现将《|印发给你们|现印发|予以印发|印发《")


def _inline_list_start(text: str, start: int) -> int:
    """A notice that is itself the task list may open with a list (…为:1.新开工…;2.…).

    When the notice issues no separate plan, a list of two or more numbers before its
    first 一、 is part of the outline, so the plan starts at that list's 1.
    """
    before = text[:start]
    if ISSUES_A_PLAN.search(before):
        return start
    for m in re.finditer(r"(?<=[:;。])1[.、](?!\d)", before):
        if re.search(rf"[;。]2{re.escape(m.group(0)[1])}", before[m.end() :]):
            return m.start()
    return start


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
    gap_checks = 0
    while pos < len(text):
        marker = marker_at(text, pos)
        fits = marker and numbering.level_for(marker, strict=True)
        if marker and fits is None and gap_checks < MAX_GAP_CHECKS:
            gap_checks += 1
            fits = gap_level(numbering, marker, text, pos)
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
        parts = [piece.strip()]
        if marker.style in LIST_STYLES and next_level < lvl:
            parts = _split_summary(parts[0])
            prev = pieces[index - 1]
            if prev[0] and prev[0].style == marker.style and _ends_semicolon(prev[2]):
                parts = [*_split_first_sentence(parts[0]), *parts[1:]]
        if index == len(pieces) - 1:
            parts = [*parts[:-1], *_split_tail(parts[-1])]
        lines += parts
    return lines


PLAN_TITLE_END = re.compile(rf"{PLAN_WORDS}\s*$")


def _split_preamble(preamble: str) -> list[str]:
    """Recover the notice's lines well enough to find its number, issuer, date and title."""
    preamble = DOC_NUMBER.sub(lambda m: f"\n{m.group(0)}\n", preamble)
    preamble = DATE.sub(lambda m: f"\n{m.group(0)}\n", preamble)
    preamble = re.sub(r"(的通知》?)", r"\1\n", preamble)
    # the plan's title, when the preamble ends with it: its last sentence on a line of its own
    # (found from the last break backwards, not by a regex that rescans the run at each start)
    cut = max(preamble.rfind("\n"), preamble.rfind("。")) + 1
    if PLAN_TITLE_END.search(preamble, cut):
        preamble = preamble[:cut] + "\n" + preamble[cut:]
    return [line.strip() for line in re.split(r"[\n。]", preamble) if line.strip()]


TAIL_START = re.compile(
    rf"附件\s*\d*\s*[:]|[\u4e00-\u9fa5()]{{2,30}}(?:{ORG_SUFFIX}|管委会)\s*\d{{4}}年\d{{1,2}}月\d{{1,2}}日\s*(?=附件|$)"
)


def _split_tail(text: str) -> list[str]:
    """The last item of a one-line text runs into the attachment list and the signature."""
    found = TAIL_START.search(text)
    if not found or found.start() == 0:
        return [text]
    head, tail = text[: found.start()].strip(), text[found.start() :]
    tail = re.sub(r"\s*(\d{4}年\d{1,2}月\d{1,2}日)\s*", r"\n\1\n", tail)
    return [head, *(line.strip() for line in tail.split("\n") if line.strip())]


def _ends_semicolon(text: str) -> bool:
    return text.rstrip().endswith((";", "；"))


def _split_first_sentence(text: str) -> list[str]:
    """The last entry of a `;` list ends at its full stop; the rest is the parent's text."""
    head, sep, rest = text.partition("。")
    return [head + sep, rest.strip()] if sep and rest.strip() else [text]


def _split_summary(text: str) -> list[str]:
    """The last item of a list may carry the section's closing remarks: split them off.

    The remarks start after a full stop or right after a clause, with a word that speaks of
    the whole section (各县(市、区)…, 以上…), and never in the item's first sentence.
    """
    cuts = [m.end() for m in re.finditer("。", text)]
    cuts += [
        end for _, end, inner in clauses.bracket_groups(text) if clauses.looks_like_clause(inner)
    ]
    first = text.find("。") + 1
    for cut in sorted(set(cuts)):
        if cut >= first and SUMMARY_OPENER.match(text[cut:].strip()):
            return [text[:cut].strip(), text[cut:].strip()]
    return [text]


# --- lines to tree ----------------------------------------------------------------------


def _start_index(lines: list[str]) -> int:
    """The first line of the plan: after its title line, else the first 一、 / (一) / 1."""
    firsts = [i for i, line in enumerate(lines) if (m := marker_at(line, 0)) and m.value == 1]
    if not firsts:
        raise ParseError(NO_ITEMS)
    for i in reversed(range(len(lines) - 1)):
        if PLAN_TITLE_LINE.match(lines[i]) and i + 1 in firsts:
            return i + 1
    return _after_notice_paragraphs(lines, firsts[0])


def _after_notice_paragraphs(lines: list[str], start: int) -> int:
    """Skip a covering notice's own numbered paragraphs (一、高度重视…二、压实责任…).

    They follow the sentence that issues the plan, each is a long paragraph with no
    numbered children, and the plan's own numbering then restarts in another style.
    """
    if not ISSUES_A_PLAN.search("".join(lines[:start])):
        return start
    first = marker_at(lines[start], 0)
    i = start
    while i < len(lines) and (m := marker_at(lines[i], 0)) and m.style == first.style:
        if m.value != i - start + 1 or len(lines[i]) < 40 or "。" not in lines[i]:
            return start
        i += 1
    restart = marker_at(lines[i], 0) if i < len(lines) else None
    if i - start >= 2 and restart and restart.value == 1 and restart.style != first.style:
        return i
    return start


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
    if siblings and last.marker.style in LIST_STYLES and _ends_semicolon(siblings[-1].paras[-1]):
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


def _finish(nodes: list[Node], doc_year: int | None) -> list[dict]:
    tasks = []
    previous: dict = {}
    for node in nodes:
        warnings = _numbering_warnings(node, previous)
        if node.paras and not node.paras[0] and len(node.paras) > 1:
            node.paras = [node.paras[1], *node.paras[2:]]  # number alone on its line
        parent_ref = node.parent.ref if node.parent else ""
        # as numbered; a number restarted under the same parent is made unique once, for
        # every reader, by _unique_refs
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
        raise ParseError(NO_ITEMS)
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
    tasks = tables.table_tasks(rows, columns, _doc_year(header))
    return {**header, "tasks": _unique_refs(tasks)}


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
