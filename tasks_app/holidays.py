"""Reading the State Council's 放假调休 notice into days: pure functions, no database.

    一、元旦:1月1日至3日放假调休,共3天。1月4日(星期日)上班。

Each numbered item names a holiday before its colon. In a sentence that says 放假 every
date or range of dates is a day off; in a sentence that says 上班 every date is a make-up
working day. Dates take the notice's year unless they write their own, and a range that
runs from December into January starts in the year before. What does not add up — a
weekday in brackets that is not that date's, a "共N天" that is not the length of the range —
is reported, never silently fixed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

_WEEKDAYS = "一二三四五六日"
_ITEM = re.compile(r"(?:^|[\s。;])[一二三四五六七八九十]{1,3}、\s{0,3}([^:\s。]{1,12}):")
_DATE = (
    r"(?:(?P<y1>\d{4})年)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日"
    r"(?:\((?:星期|周)(?P<w1>[一二三四五六日天])\))?"
    r"(?:\s{0,2}(?:至|到|—|-|~)\s{0,2}(?:(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日"
    r"(?:\((?:星期|周)(?P<w2>[一二三四五六日天])\))?)?"
)
_DATE_RE = re.compile(_DATE)
_TOTAL = re.compile(r"共\s{0,2}(\d{1,2})\s{0,2}天")


@dataclass(frozen=True)
class Day:
    date: dt.date
    kind: str  # "off" or "work"
    name: str


@dataclass
class Schedule:
    year: int
    days: list[Day] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _weekday_matches(day: dt.date, written: str | None) -> bool:
    if not written:
        return True
    return _WEEKDAYS[day.weekday()] == ("日" if written == "天" else written)


def parse_notice(text: str, year: int) -> Schedule:
    """The days off and make-up working days a notice for `year` announces."""
    schedule = Schedule(year=year)
    text = unicodedata.normalize("NFKC", text or "")
    starts = list(_ITEM.finditer(text))
    if not starts:
        schedule.warnings.append("没有找到“一、元旦:…”这样的条目,请检查粘贴的通知原文。")
        return schedule
    seen: dict[dt.date, Day] = {}
    for index, match in enumerate(starts):
        name = match.group(1)
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        for sentence in re.split(r"[。;\n]", text[match.end() : end]):
            kind = "work" if "上班" in sentence else "off" if "放假" in sentence else None
            if kind is None:
                continue
            dates = _sentence_days(sentence, kind, name, year, schedule)
            total = _TOTAL.search(sentence)
            if kind == "off" and total and int(total.group(1)) != len(dates):
                schedule.warnings.append(
                    f"{name}:通知写“共{total.group(1)}天”,识别出 {len(dates)} 天,请核对。"
                )
            for day in dates:
                if day.date in seen and seen[day.date] != day:
                    schedule.warnings.append(f"{day.date} 在通知中出现两次,按后一次记为{name}。")
                seen[day.date] = day
    schedule.days = sorted(seen.values(), key=lambda d: d.date)
    if not schedule.days:
        schedule.warnings.append("没有识别出任何放假或调休上班的日期。")
    return schedule


def _sentence_days(sentence, kind, name, year, schedule) -> list[Day]:
    days = []
    for m in _DATE_RE.finditer(sentence):
        try:
            first = dt.date(int(m["y1"] or year), int(m["m1"]), int(m["d1"]))
            last = first
            if m["d2"]:
                last = dt.date(
                    int(m["y2"] or m["y1"] or year), int(m["m2"] or m["m1"]), int(m["d2"])
                )
        except ValueError:
            schedule.warnings.append(f"{name}:“{m.group(0)}”不是有效日期,已跳过。")
            continue
        if last < first and not m["y1"]:  # 12月31日至1月2日: the range starts the year before
            first = first.replace(year=first.year - 1)
        if (last - first).days > 40:
            schedule.warnings.append(f"{name}:“{m.group(0)}”跨度过长,已跳过。")
            continue
        for written, day in ((m["w1"], first), (m["w2"], last)):
            if not _weekday_matches(day, written):
                actual = _WEEKDAYS[day.weekday()]
                schedule.warnings.append(
                    f"{name}:{day} 是星期{actual},通知写的是星期{written},请核对。"
                )
        day = first
        while day <= last:
            days.append(Day(day, kind, name))
            day += dt.timedelta(days=1)
    return days
