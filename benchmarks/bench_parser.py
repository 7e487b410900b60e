#!/usr/bin/env python
"""Parser time on ordinary and adversarial text at 10 kB, 100 kB and 1 MB: does it grow linearly?

    python benchmarks/bench_parser.py            # all shapes, 10 kB / 100 kB / 1 MB
    python benchmarks/bench_parser.py --sizes 10,100

For each shape and size: the median of several runs of `parse_text` (an outline or the
documented ParseError — either is a result), and the ratio against a baseline run in the same
process on the same text (one pass of a simple linear regex over it, which is what a linear
parser's cost is proportional to). Linear growth shows as a ratio that stays flat from 10 kB
to 1 MB, and as ×10 in time per ×10 in size; backtracking would show as ×100 or worse.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from tasks_app.parsing import ParseError, parse_text  # noqa: E402

CN = "一二三四五六七八九十"


def cn(n: int) -> str:
    """Chinese numerals up to 99 (enough for section numbers)."""
    tens, ones = divmod(n, 10)
    head = (CN[tens - 1] if tens > 1 else "") + ("十" if tens else "")
    return head + (CN[ones - 1] if ones else "")


def notice(size: int) -> str:
    """An ordinary plan: sections, items, clauses and deadlines, as long as asked."""
    parts, n = ["示范市2026年政务公开工作要点\n"], 0
    while sum(len(p.encode()) for p in parts) < size:
        n += 1
        parts.append(f"{cn(n % 99 or 99)}、推进第{n}项重点工作\n")
        for i in range(1, 9):
            parts.append(
                f"({cn(i)})落实第{n}.{i}项措施,完善制度,加强督促检查。2026年{i}月底前完成。"
                f"(市发改委牵头,市财政局、各县(市、区)人民政府负责落实)\n"
            )
    return "".join(parts)


def repeat(unit: str, prefix: str = "", suffix: str = ""):
    def build(size: int) -> str:
        room = size - len(prefix.encode()) - len(suffix.encode())
        body = unit * max(1, room // len(unit.encode()))
        return prefix + body + suffix

    return build


SHAPES = {
    "ordinary notice": notice,
    "ordinary notice, one line": lambda size: notice(size).replace("\n", ""),
    "no 。 and no line break": repeat("加强制度建设完善工作机制", "一、", "。"),
    "open brackets": repeat("(", "一、加强", "负责落实)"),
    "nested clause brackets": repeat("〔(市发改委", "一、加强", ")〕"),
    "deep numbering": repeat("(一)1.(1)①", "一、"),
    "repeated 一、": repeat("一、"),
    "glued unit names": repeat("市发改委市财政局", "一、加强协调。(", "牵头)"),
    "clause labels": repeat("牵头单位:", "一、加强"),
    "dates without end": repeat("2026年6月", "一、加强"),
    "flattened table header": repeat(
        "1.落实任务市发改委市财政局,各县区2026年6月", "序号工作任务牵头单位责任单位完成时限"
    ),
}

BASELINE = re.compile(r"[\u4e00-\u9fff]+|\d+|\S")


def timed(fn, text: str, runs: int) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            outline = fn(text)
            outcome = f"{len(outline['tasks'])} items" if isinstance(outline, dict) else ""
        except ParseError as exc:
            outcome = f"ParseError: {exc.message[:30]}"
        times.append(time.perf_counter() - start)
    return statistics.median(times), outcome


def baseline(text: str) -> int:
    return sum(1 for _ in BASELINE.finditer(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="kB, comma separated")
    args = parser.parse_args()
    sizes = [int(s) * 1000 for s in args.sizes.split(",")]
    print(
        f"{'shape':28} {'size':>7} {'parse s':>9} {'base s':>8} {'ratio':>7} {'×time':>7}  outcome"
    )
    for name, build in SHAPES.items():
        previous = None
        for size in sizes:
            text = build(size)
            runs = 5 if size <= 100_000 else 3
            base, _ = timed(baseline, text, runs)
            took, outcome = timed(parse_text, text, runs)
            growth = f"{took / previous:7.1f}" if previous else f"{'':7}"
            print(
                f"{name:28} {len(text.encode()) // 1000:>5}kB {took:9.4f} {base:8.4f} "
                f"{took / base:7.1f} {growth}  {outcome}"
            )
            previous = took


if __name__ == "__main__":
    main()
