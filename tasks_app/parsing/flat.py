"""Task tables whose cells a web page ran together into text (see tables.flat_table_items).

The header row is found by its column names, even when they are glued (工作任务牵头单位…) or
letter-spaced (工 作 任 务); a header printed again on a later page is dropped, a different
header ends the table. Rows start at their item numbers (1. / 1、, or a bare 1 between blanks
when the 序号 column has no dot; 8.15 is a date), group rows at 一、 / (一); a table without item
numbers is split after each unit cell (one carrying 牵头, or following a sentence end).

Inside a row the cells are told apart by meaning:
- glued cells: the unit cells are a run of organisation names (glued in a 牵头单位 cell,
  separated by 、 and , in the 责任单位 cell; a blank is an empty cell). Before the run: the task
  (a 存在问题 cell printed before its first row, or a 任务来源 cell, is cut off the title);
  after it: prose (工作要求 …) and a 完成时限 cell at the end.
- cells between blanks: the title is the first cell; the unit cells lie between the people's
  names (牵头领导, 负责人, 联系人), which are never units; 牵头单位:/配合单位: inside set roles.
- cells between tabs (pasted from a spreadsheet): read as a division table (tables.table_tasks).
Numbered lists inside a text cell become child nodes without units.

Every scan is linear: markers come from one pass of one regex, headers from one pass over the
text without blanks, and candidate unit runs are tried left to right, skipping stretches where no
name can end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tasks_app.parsing.clauses import COLLECTIVE
from tasks_app.parsing.deadlines import find_deadline, table_deadline
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.names import (
    ENDING,
    MAX_LEN,
    NAME_BREAK,
    PREFIXES,
    STOP,
    clean_name,
    name_end,
    split_glued,
)
from tasks_app.parsing.numbering import cn_value

# --- the header row ---------------------------------------------------------------------

HEADER_WORDS = {
    "number": ("序号", "编号"),
    "title": (
        "工作任务",
        "主要任务",
        "重点任务",
        "任务内容",
        "任务名称",
        "工作事项",
        "工作内容",
        "具体措施",
        "工作措施",
        "整改目标和措施",
        "整改目标及措施",
        "整改措施",
        "项目名称",
        "目标任务",
        "具体任务",
        "工作举措",
        "主要工作",
        "任务措施",
    ),
    "problem": ("存在问题", "主要问题", "问题清单"),
    "text": (
        "工作要求",
        "项目内容",
        "投资额",
        "负责事项",
        "具体内容",
        "目标要求",
        "主要内容",
        "工作目标",
        "备注",
        "建设内容",
        "工作标准",
    ),
    "lead": ("牵头单位", "牵头部门", "牵头责任单位", "牵头处室", "主责单位", "主办单位"),
    "responsible": (
        "主要责任单位",
        "责任单位",
        "配合单位",
        "责任部门",
        "协办单位",
        "参与单位",
        "配合部门",
        "配合责任单位",
        "责任主体",
        "协同单位",
        "承办单位",
        "责任处室",
        "配合处室",
    ),
    "person": (
        "牵头领导",
        "责任单位负责人",
        "责任领导",
        "分管领导",
        "企业方联系人",
        "联系人",
        "联系方式",
        "负责人",
        "责任人",
    ),
    "source": ("任务来源",),
    "deadline": ("完成时限", "时间节点", "完成时间", "时限要求", "办结时限", "完成期限"),
}
_ROLE_OF = {word: role for role, words in HEADER_WORDS.items() for word in words}
HEADER_RE = re.compile("|".join(sorted(_ROLE_OF, key=len, reverse=True)))
HEADER_GAP = 8  # characters allowed between two column names: 投资额(亿元人民币)
GAP_BREAKERS = set("。,，;；:：、")
TAIL_NOISE = re.compile(r"来源[:：]|附件下载|打印本页|关闭窗口|扫描二维码|责任编辑|【打印】")


@dataclass
class Header:
    roles: list[str]  # column roles in order
    start: int  # in the original text
    end: int
    spaced: bool  # cells separated by white space (9 columns between single spaces)

    @property
    def has_lead_column(self) -> bool:
        return "lead" in self.roles

    @property
    def units_last(self) -> bool:
        """Whether only unit (or deadline, person) columns follow the first unit column."""
        units = [i for i, r in enumerate(self.roles) if r in ("lead", "responsible")]
        rest = self.roles[units[0] :] if units else []
        return bool(units) and all(
            r in ("lead", "responsible", "deadline", "person", "source") for r in rest
        )

    def before_units(self, role: str) -> bool:
        units = [i for i, r in enumerate(self.roles) if r in ("lead", "responsible")]
        return bool(units) and role in self.roles and self.roles.index(role) < units[0]


def find_header(text: str) -> Header | None:
    """The first run of column names that names a task column and a unit column."""
    return next(find_headers(text), None)


def find_headers(text: str) -> Iterator[Header]:
    """Every header row in `text`, in order (one pass)."""
    compact, index = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            compact.append(ch)
            index.append(i)
    squeezed = "".join(compact)
    cluster: list[re.Match] = []

    def accept(cluster: list[re.Match]) -> Header | None:
        # A title just before the header (…主要任务分解表 工作任务 …) is not a column.
        while len(cluster) > 2 and squeezed[cluster[0].end() : cluster[1].start()]:
            rest = [_ROLE_OF[m.group(0)] for m in cluster[1:]]
            if not ({"title", "problem"} & set(rest) and {"lead", "responsible"} & set(rest)):
                break
            cluster = cluster[1:]
        roles = [_ROLE_OF[m.group(0)] for m in cluster]
        has_task = "title" in roles or "problem" in roles
        has_units = "lead" in roles or "responsible" in roles
        if not (has_task and has_units):
            return None
        gaps = [
            text[index[a.end() - 1] + 1 : index[b.start()]] for a, b in itertools.pairwise(cluster)
        ]
        spaced_gaps = sum(1 for gap in gaps if any(ch.isspace() for ch in gap))
        words = [text[index[m.start()] : index[m.end() - 1] + 1] for m in cluster]
        letter_spaced = sum(1 for word in words if any(ch.isspace() for ch in word))
        spaced = bool(gaps) and spaced_gaps >= 0.6 * len(gaps) and letter_spaced <= len(words) / 2
        if len(cluster) < 3 and not spaced:
            return None
        return Header(roles, index[cluster[0].start()], index[cluster[-1].end() - 1] + 1, spaced)

    for m in HEADER_RE.finditer(squeezed):
        if cluster:
            gap = squeezed[cluster[-1].end() : m.start()]
            if len(gap) > HEADER_GAP or any(ch in GAP_BREAKERS for ch in gap):
                found = accept(cluster)
                if found:
                    yield found
                cluster = []
        cluster.append(m)
    found = accept(cluster) if cluster else None
    if found:
        yield found


# --- item numbers -------------------------------------------------------------------------

MARK = re.compile(
    r"(?P<cn>[一二三四五六七八九十]{1,3})、"
    r"|\((?P<pcn>[一二三四五六七八九十]{1,3})\)"
    r"|(?<![\d.])(?P<dot>\d{1,4})(?P<sep>[.、])(?!\d)"
    r"|(?<=\s)(?P<bare>\d{1,4})(?=\s+\D)"
)
FIRST_ROW_WITHIN = 150
MAX_ITEMS = 5000  # as the prose reader
SIGNATURE_END = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
ORDER_NUMBER = re.compile(r"\s*(\d{1,3})[.、]?(?=[\u4e00-\u9fff“《(])")


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


def _marks(body: str) -> tuple[list[Mark], bool]:
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


# --- unit runs ------------------------------------------------------------------------------

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


# --- deadlines in cells -----------------------------------------------------------------------

DEADLINE_CELL = re.compile(
    r"(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日)?(?:份)?(?:底|末)?(?:前|之前|以前)?"
    r"|全年|年内|年?底前?|年?末前?|上半年|下半年|第[一二三四]季度(?:末|底)?(?:前)?"
    r"|长期坚持|持续推进|长期)$"
)
YEAR_TARGET = re.compile(r"(?<![每前今明去])全年(?:要|力争|争取)?(?:实现|完成|达到|新增|累计)")
MIN_YEAR, MAX_YEAR = 1900, 2999
DOC_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")


def text_deadline(text: str, year: int | None) -> tuple[str | None, str | None, str | None]:
    """The row's own text: the prose rules, plus a 全年 target (全年实现…) as the year's end."""
    found = find_deadline(text, year)
    if found.date:
        return found.date.isoformat(), found.text, found.cycle
    target = YEAR_TARGET.search(text)
    if target and year is not None:
        return dt.date(year, 12, 31).isoformat(), "全年", found.cycle
    return None, found.text or None, found.cycle


# --- cells inside a row ------------------------------------------------------------------------

LIST_MARK = re.compile(r"(?<![\d.\-])(\d{1,2})[.、](?!\d)")
PROBLEM_END = re.compile(
    r"不够完善|不够强|不够多|不够优|不足|较大|偏少|偏多|不强|繁重|挑战|遏制|下降|薄弱|突出|滞后"
    r"|隐患|烦恼|困难|问题|短板|缓慢|不高|不够|较多|较少|不畅|不全|不到位|难|偏低|偏高|较低|较弱"
    r"|较差|不快|不均衡|不平衡|不充分|不规范|不健全|不明显|欠缺|缺乏|落后"
)
ACTION_START = re.compile(
    r"出台|落实|进一步|推动|推进|健全|分解|加强|加快|加大|实施|抓好|继续|提高|提升|清理|深化|开展"
    r"|完善|建立|制定|强化|优化|扩大|创新|组织|全面|坚持|做好|高度重视|严格|积极|探索|建设|所有"
    r"|推行|规范|整治|编制|启动|修订|督促|引导|鼓励|支持|保障|确保|力争|争取|新建|改造|培育|打造"
    r"|构建|完成|狠抓|着力|大力|切实|持续|全力"
)
PERSON = re.compile(r"[\u4e00-\u9fff]{2,4}")
ENDS_LIKE_UNIT = re.compile(f"(?:{ENDING.pattern})(?:[(（][^()（）]*[)）])?$")
LABEL = re.compile(r"(牵头单位|配合单位|责任单位|协办单位|参与单位|牵头部门|配合部门)[:：]?")


def split_problem(cell: str) -> tuple[str, str, bool]:
    """A 存在问题 cell printed before the measures: (problem, measures, guessed)."""
    head = cell.split("。", 1)[0][:60]
    if ACTION_START.match(cell):
        return "", cell, False
    candidates = [m for m in PROBLEM_END.finditer(head) if m.end() < len(head)]
    for m in candidates:
        if ACTION_START.match(cell, m.end()):
            return cell[: m.end()], cell[m.end() :], True
    return "", cell, False


def cell_list(text: str) -> list[tuple[str, str]]:
    """A numbered list inside a cell (1.… 2、… 3.…) as [(number, item text)], else []."""
    starts = []
    expected = 1
    for m in LIST_MARK.finditer(text):
        if int(m.group(1)) != expected:
            continue
        before = text[m.start() - 1 : m.start()]
        if expected == 1 and before and before not in ":：;；。,， \n":
            continue
        starts.append(m)
        expected += 1
    if len(starts) < 2:
        return []
    items = []
    for m, nxt in zip(starts, [*starts[1:], None], strict=False):
        body = text[m.end() : nxt.start() if nxt else len(text)].strip()
        items.append((m.group(1), body))
    return items


def first_sentence(text: str) -> str:
    head = re.split(r"[。;；]", text.strip(), maxsplit=1)[0]
    return head.strip().rstrip(",，、:： ")


def is_person(token: str) -> bool:
    """A person's name in a 牵头领导 / 负责人 / 联系人 column: two to four characters, no ending."""
    return bool(PERSON.fullmatch(token)) and not ENDS_LIKE_UNIT.search(token)


def is_unit_token(token: str) -> bool:
    if not 3 <= len(token) <= 40 or any(ch in STOP for ch in token):
        return False
    return bool(ENDS_LIKE_UNIT.search(token))


# --- the table ------------------------------------------------------------------------------


def document_year(text: str) -> int | None:
    m = DOC_YEAR.search(text[:5000])
    return int(m.group(1)) if m else None


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


def _glued_row(text: str, header: Header, run: Run | None) -> Row:
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


def _spaced_row(text: str, header: Header) -> Row:
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
    marks, numbered = _marks(body)
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
            add_row(_spaced_row(segment, header), number)
            return
        if number is not None:
            run = find_run(
                segment,
                0,
                len(segment),
                lead_glued=header.has_lead_column,
                units_last=header.units_last,
            )
            add_row(_glued_row(segment, header, run), number)
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
                    add_row(_glued_row(rest, header, None), None)
                return
            if segment[pos : run.start].strip():
                add_row(_glued_row(segment[pos : run.end], header, _shift(run, -pos)), None)
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
    from tasks_app.parsing import tables
    from tasks_app.parsing.text import clean_line

    rows = [[clean_line(cell) for cell in line.split("\t")] for line in text.splitlines()]
    found = tables.find_table(rows)
    if not found:
        return None
    index, columns = found
    try:
        tasks = tables.table_tasks(rows[index + 1 :], columns, year)
    except ParseError:
        return None
    return tasks if any(t["units"] for t in tasks) else None
