"""Organisation names: where a name ends, and names glued together without a separator.

    split_glued("省发改委省经信委") -> ["省发改委", "省经信委"]
    name_end(text, pos) -> the end of the organisation name starting at `pos`, or None
    clean_name("省编办(省审改办)") -> "省编办"

A name ends with an organisation ending (局, 委, 办, 厅, 中心, 政府, 管委会, 公司, …). The
earliest ending that leaves at least three characters closes the name; a longer ending that
follows at once (各设区|市, 省政府|办公厅, 实验区|管委会) extends it. A name is not split
inside (市场监督管理局, 发展和改革委员会): a split needs a new name that starts with a level
prefix (省, 市, 区, 县, 各 …) right after a complete one.
"""

from __future__ import annotations

import re

# Longest first: the regex alternation takes the first that matches at a position.
ENDINGS = (
    "人民政府",
    "领导小组",
    "委员会",
    "管委会",
    "办公厅",
    "办公室",
    "联合会",
    "分公司",
    "指挥部",
    "检察院",
    "有限公司",
    "政府",
    "公司",
    "集团",
    "中心",
    "部门",
    "单位",
    "银行",
    "法院",
    "小组",
    "工会",
    "协会",
    "商会",
    "街道",
    "乡镇",
    "科协",
    "联",
    "供销社",
    "合作社",
    "报社",
    "出版社",
    "局",
    "委",
    "办",
    "厅",
    "处",
    "所",
    "站",
    "队",
    "部",
    "署",
    "院",
    "馆",
    "市",
    "区",
    "县",
    "州",
    "镇",
    "乡",
)
# Endings that continue a complete name: 省政府|办公厅, 实验区|管委会 (not 区财金局|中心).
EXTENDERS = ("人民政府", "委员会", "管委会", "办公厅", "办公室", "领导小组")
AREAS = "市区县州镇乡"
ENDING = re.compile("|".join(sorted(ENDINGS, key=len, reverse=True)))
# Characters a (level-prefixed) name starts with: 省发改委, 区经发局, 各设区市, 市财政局.
PREFIXES = "省市区县州盟旗镇乡各国中"
# What can never be inside a name.
STOP = set("。,，;；:：、!?！？“”\"'《》<>的等0123456789")
ALIAS_OPEN = "(（"
# A bracket of area words belongs to the name: 各乡镇(街道), 各县(市、区).
AREA_BRACKET = re.compile(r"[(（](?:[市区县州镇乡]|街道|乡镇|[、,，])+[)）]")
NAME_BREAK = re.compile("[\\s" + re.escape("".join(sorted(STOP))) + "(（]|" + ENDING.pattern)
CLOSE = {"(": ")", "（": "）"}
MIN_LEN = 3
MAX_LEN = 24


def _bracket_end(text: str, pos: int) -> int | None:
    """The index after the bracket group opening at `pos`, or None if it is not closed soon."""
    close = CLOSE[text[pos]]
    end = text.find(close, pos + 1, pos + 20)
    if end < 0:
        end = text.find(")" if close == "）" else "）", pos + 1, pos + 20)
    return end + 1 if end >= 0 else None


def name_end(text: str, pos: int, limit: int | None = None) -> tuple[int, int] | None:
    """(end of the name, end of an alias bracket after it) for a name starting at `pos`.

    None if no organisation ending closes a name of a plausible length before white space or
    punctuation. The second value is past an alias such as 省编办(省审改办), else the first.
    """
    limit = len(text) if limit is None else min(limit, len(text))
    if pos >= limit or text[pos] in STOP or text[pos].isspace():
        return None
    stop = min(limit, pos + MAX_LEN + 10)
    i = pos
    end = None
    while i < stop:
        m = NAME_BREAK.search(text, i, stop)  # the next ending, bracket, blank or stop character
        if not m:
            break
        ch = m.group(0)
        if ch.isspace() or ch in STOP:
            break
        if ch in ALIAS_OPEN:
            close = _bracket_end(text, m.start())
            if close is None:
                break
            i = close  # 各县(市、区)人民政府: the bracket is inside the name
            continue
        if m.end() - pos >= MIN_LEN:
            end = m.end()
            break
        i = m.end()
    if end is None or end - pos > MAX_LEN:
        return None
    # A longer ending that follows at once extends the name (各设区市, 省政府办公厅).
    while end < limit:
        m = ENDING.match(text, end)
        if not m:
            break
        after = text[m.end() : m.end() + 1]
        # 各设区|市, 县|委: an area word followed by another area word or 委
        area = m.group(0) in AREAS + "委" and text[end - 1] in AREAS
        if m.group(0) in EXTENDERS or area or not after or after in "、,，;；)） \n":
            end = m.end()
        else:
            break
    alias_end = end
    if end < limit and text[end] in ALIAS_OPEN:
        close = _bracket_end(text, end)
        if close is not None and close <= limit:
            if AREA_BRACKET.fullmatch(text[end:close]):
                end = close  # 各乡镇(街道): part of the name, not an alias
            alias_end = close
    return end, alias_end


def clean_name(name: str) -> str:
    """A unit name as written, without an alias in brackets or a trailing 等/等部门."""
    name = name.strip()
    alias = re.search(r"[(（][^()（）]*[)）]$", name)
    if alias and not AREA_BRACKET.fullmatch(alias.group(0)):
        name = name[: alias.start()].strip()
    name = re.sub(r"等(?:相关|有关|其他)?(?:部门|单位)?$", "", name)
    return name.strip(" 、,，;；。.:：")


def split_glued(name: str) -> list[str]:
    """Split names written without a separator; a real single name comes back whole."""
    name = name.strip()
    parts: list[str] = []
    pos = 0
    while pos < len(name):
        found = name_end(name, pos)
        if not found:
            break
        end, alias_end = found
        rest = name[alias_end:]
        if not rest:
            parts.append(name[pos:end])
            return parts
        if rest[0] in PREFIXES and name_end(name, alias_end):
            parts.append(name[pos:end])
            pos = alias_end
            continue
        break
    if not parts:
        return [clean_name(name)] if clean_name(name) else []
    # What is left does not split further: keep it whole.
    tail = clean_name(name[pos:])
    return [*parts, tail] if tail else parts
