"""The notice around a plan: where the plan starts after its covering notice, the attachments
and signature after it, and the header read from both (number, issuer, date, title, period).
"""

from __future__ import annotations

import datetime as dt
import re

from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.numbering import marker_at

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
ORG_LINE = re.compile(rf"^[\u4e00-\u9fa5()]{{2,30}}{ORG_SUFFIX}$")
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[::]?")
ISSUES_A_PLAN = re.compile(r"现将《|印发给你们|现印发|予以印发|印发《")

NO_ITEMS = "没有找到编号条目(如“一、”“(一)”“1.”),无法拆分为任务。"


def start_index(lines: list[str]) -> int:
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


def trim_tail(lines: list[str]) -> tuple[list[str], list[str]]:
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


def notice_header(preamble: list[str], tail: list[str]) -> dict:
    """Number, issuer, date of issue, title and period from the lines around the plan."""
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


def header_year(header: dict) -> int | None:
    """The year that dates without one fall in: the period's first year, else the issue's."""
    if header["period"]["start"]:
        return int(header["period"]["start"][:4])
    if header["issued_on"]:
        return int(header["issued_on"][:4])
    return None
