"""Deadlines: explicit absolute ones resolved against the document's year; the rest as text."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
BEFORE = r"(?:前|之前|以前)?"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _quarter_end(year: int, quarter: int) -> dt.date:
    return _month_end(year, quarter * 3)


# (pattern, resolver(match, doc_year) -> date | None). Patterns with a year come first;
# their spans are masked so that 2018年底前 is not read again as 年底前.
NOT_START = r"(?!起|开始|以来|至今)"
# A completion verb after a bare month: 6月完成, 3月初步完成, 9月开工.
DONE = (
    r"(?:份)?(?:初步|基本|全面|正式|前|底前)?(?:完成|建成|开工|通过|获批|实现|启动|出台|印发|投用)"
)
_WITH_YEAR = [
    (
        r"(\d{4})年(\d{1,2})月(\d{1,2})日" + BEFORE + NOT_START,
        lambda m, y: dt.date(int(m[1]), int(m[2]), int(m[3])),
    ),
    (
        r"(?<![\d.])(\d{4})[-.](\d{1,2})[-.](\d{1,2})(?![\d.])" + BEFORE + NOT_START,
        lambda m, y: dt.date(int(m[1]), int(m[2]), int(m[3])),
    ),
    (r"(\d{4})年(\d{1,2})月(?:底|末)" + BEFORE, lambda m, y: _month_end(int(m[1]), int(m[2]))),
    (
        r"(\d{4})年(\d{1,2})月(?:份)?(?:前|之前|以前)",
        lambda m, y: _month_end(int(m[1]), int(m[2])),
    ),
    (r"(\d{4})年(\d{1,2})月" + DONE, lambda m, y: _month_end(int(m[1]), int(m[2]))),
    (r"(\d{4})年(?:年)?底" + BEFORE, lambda m, y: dt.date(int(m[1]), 12, 31)),
    # 2016年末 alone names data (2016年末债务余额); with 前 it is a deadline.
    (r"(\d{4})年(?:年)?末(?:前|之前|以前)", lambda m, y: dt.date(int(m[1]), 12, 31)),
    (r"(\d{4})年(?:年内|内)", lambda m, y: dt.date(int(m[1]), 12, 31)),
    (r"(\d{4})年上半年", lambda m, y: dt.date(int(m[1]), 6, 30)),
    (r"(\d{4})年下半年", lambda m, y: dt.date(int(m[1]), 12, 31)),
    (
        r"(\d{4})年(?:第)?([一二三四1-4])季度(?:末|底)?" + BEFORE,
        lambda m, y: _quarter_end(int(m[1]), CN_DIGITS[m[2]]),
    ),
    # 到2020年 / 力争到2020年: a target year is an end date.
    (r"到(\d{4})年" + NOT_START, lambda m, y: dt.date(int(m[1]), 12, 31)),
]
_NO_YEAR = [
    (
        r"(?<![\d年每])(\d{1,2})月(\d{1,2})日(?:前|之前|以前)",
        lambda m, y: dt.date(y, int(m[1]), int(m[2])),
    ),
    (r"(?<![\d年每])(\d{1,2})月(?:底|末)" + BEFORE, lambda m, y: _month_end(y, int(m[1]))),
    (r"(?<![\d年每])(\d{1,2})月份?(?:前|之前|以前)", lambda m, y: _month_end(y, int(m[1]))),
    (r"(?<![\d年每])(\d{1,2})月" + DONE, lambda m, y: _month_end(y, int(m[1]))),
    (r"明年(?:年)?(?:底|末)" + BEFORE, lambda m, y: dt.date(y + 1, 12, 31)),
    (
        r"(?<![每明一二两三四五六七八九十几\d])(?<!每年)(?:今年|本年度?)?年(?:底|末)" + BEFORE,
        lambda m, y: dt.date(y, 12, 31),
    ),
    (
        r"(?<![每明一二两三四五六七八九十几\d])(?<!每年)(?:今年|本年度?)?年内",
        lambda m, y: dt.date(y, 12, 31),
    ),
    (r"(?<![每\d年])上半年", lambda m, y: dt.date(y, 6, 30)),
    (r"(?<![每\d年])下半年", lambda m, y: dt.date(y, 12, 31)),
    (
        r"(?<![每\d年])(?:第)?([一二三四])季度(?:末|底)?" + BEFORE,
        lambda m, y: _quarter_end(y, CN_DIGITS[m[1]]),
    ),
]
# Wording kept as text: relative, vague or standing.
_RELATIVE = re.compile(
    r"\d+个(?:工作日|自然日|日|月|小时)内|\d+(?:个)?工作日内|\d+日内|尽快|持续(?:推进|开展|加以推进)|"
    r"长期(?:坚持)?|常态化|每(?:个)?(?:月|季度|半年|年|周)"
)
_CYCLES = [(re.compile(r"每(?:个)?季度"), "quarterly"), (re.compile(r"每(?:个)?月"), "monthly")]


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None
    text: str
    cycle: str | None = None


def _absolute(text: str, doc_year: int | None) -> list[tuple[dt.date, str, int]]:
    """Every absolute deadline, as (date, wording, position).

    Patterns with a year run first and mask what they matched, so that 2018年底前 is
    not read a second time as 年底前; year-less ones need the document's year.
    """
    found: list[tuple[dt.date, str, int]] = []
    masked = text
    groups = [_WITH_YEAR] + ([_NO_YEAR] if doc_year is not None else [])
    for patterns in groups:
        for pattern, resolve in patterns:
            for m in re.finditer(pattern, masked):
                try:
                    found.append((resolve(m, doc_year), m.group(0), m.start()))
                except ValueError:  # 2月30日 and the like
                    continue
                masked = masked[: m.start()] + "#" * (m.end() - m.start()) + masked[m.end() :]
    return found


def find_deadline(text: str, doc_year: int | None) -> Deadline:
    """The earliest explicit absolute deadline in `text`, else the first relative wording."""
    found = _absolute(text, doc_year)
    cycle = next((name for pattern, name in _CYCLES if pattern.search(text)), None)
    if found:
        date, wording, _ = min(found, key=lambda f: (f[0], f[2]))
        return Deadline(date, wording, cycle)
    relative = _RELATIVE.search(text)
    return Deadline(None, relative.group(0) if relative else "", cycle)


# A 完成时限 cell that is a whole date: 2019年6月30日, 2019-06-30, 2019/6/30, 2019.06.30 前.
FULL_DATE_CELL = re.compile(
    r"(\d{4})(?:年|-|/|\.)(\d{1,2})(?:月|-|/|\.)(\d{1,2})日?(?:\s*0{1,2}:00(?::00)?)?(?:前|之前|以前)?"
)
DAY_CELL = re.compile(r"(\d{1,2})月(\d{1,2})日(?:前|之前|以前)?")
MONTH_CELL = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:份)?(?:底|末)?(?:前|之前|以前)?")
YEAR_CELL = re.compile(r"(?:(\d{4})年)?(?:全年|年内|年底前?)")


def table_deadline(cell: str, doc_year: int | None) -> Deadline:
    """A deadline column's cell: a whole date, 6月15日, 3月 / 3月底前 (end of March), 全年 /
    年内 / 年底前 (31 December), else the prose rules (第三季度, 上半年; 长期坚持 gives none)."""
    cell = cell.strip()
    if not cell:
        return Deadline(None, "")
    if full := FULL_DATE_CELL.fullmatch(cell):
        return Deadline(_date_or_none(int(full[1]), int(full[2]), int(full[3])), cell)
    if (day := DAY_CELL.fullmatch(cell)) and doc_year is not None:
        return Deadline(_date_or_none(doc_year, int(day[1]), int(day[2])), cell)
    month = MONTH_CELL.fullmatch(cell)
    if month and (month[1] or doc_year) and 1 <= int(month[2]) <= 12:
        return Deadline(_month_end(int(month[1] or doc_year), int(month[2])), cell)
    whole_year = YEAR_CELL.fullmatch(cell)
    if whole_year and (whole_year[1] or doc_year):
        return Deadline(dt.date(int(whole_year[1] or doc_year), 12, 31), cell)
    deadline = find_deadline(cell, doc_year)
    if deadline.date is None and not deadline.text:
        return Deadline(None, cell, deadline.cycle)
    return deadline


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
