"""Text pasted without its line breaks (from a web page): the lines put back.

The breaks go before each item number that fits the numbering, after a list's last item when
the section's closing remarks follow it, and before the attachments and the signature; the
notice before the plan is cut into lines well enough to read its header.
"""

from __future__ import annotations

import re

from tasks_app.parsing import clauses
from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.notice import DATE, DOC_NUMBER, ISSUES_A_PLAN, ORG_SUFFIX, PLAN_WORDS
from tasks_app.parsing.numbering import LIST_STYLES, Marker, Numbering, gap_level, marker_at
from tasks_app.parsing.text import clean_line
from tasks_app.parsing.tree import BOUNDARY, SUMMARY_OPENER, ends_semicolon

TRAILING_NOISE = re.compile(r"\s*(扫描二维码|打印本页|关闭窗口|分享到)[^。]{0,40}$")
MAX_GAP_CHECKS = 300  # numbers that skip some are looked into this often at most


def lines_of(text: str) -> list[str]:
    """The text's non-empty lines; put back first when it was pasted without them."""
    lines = [clean_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ParseError("文件是空的,没有可解析的内容。")
    return _reline(" ".join(lines)) if _is_flat(lines) else lines


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

    lines = split_preamble(preamble)
    for index, (marker, lvl, piece) in enumerate(pieces):
        if marker is None:
            continue
        next_level = next((lv for m, lv, _ in pieces[index + 1 :] if m), -1)
        parts = [piece.strip()]
        if marker.style in LIST_STYLES and next_level < lvl:
            parts = _split_summary(parts[0])
            prev = pieces[index - 1]
            if prev[0] and prev[0].style == marker.style and ends_semicolon(prev[2]):
                parts = [*_split_first_sentence(parts[0]), *parts[1:]]
        if index == len(pieces) - 1:
            parts = [*parts[:-1], *_split_tail(parts[-1])]
        lines += parts
    return lines


PLAN_TITLE_END = re.compile(rf"{PLAN_WORDS}\s*$")


def split_preamble(preamble: str) -> list[str]:
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
