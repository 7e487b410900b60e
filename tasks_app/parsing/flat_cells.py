"""What one cell of a flattened table holds: a deadline, a problem before its measures, a
numbered list, a person's name or a unit's name.
"""

from __future__ import annotations

import datetime as dt
import re

from tasks_app.parsing.deadlines import find_deadline
from tasks_app.parsing.names import ENDING, STOP

DEADLINE_CELL = re.compile(
    r"(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日)?(?:份)?(?:底|末)?(?:前|之前|以前)?"
    r"|全年|年内|年?底前?|年?末前?|上半年|下半年|第[一二三四]季度(?:末|底)?(?:前)?"
    r"|长期坚持|持续推进|长期)$"
)
YEAR_TARGET = re.compile(r"(?<![每前今明去])全年(?:要|力争|争取)?(?:实现|完成|达到|新增|累计)")


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
