"""Timing and the table: percentiles, pairs of page and baseline, the printed table."""

from __future__ import annotations

import statistics
import time

from django.db import connection

from benchmarks.national.config import (
    MIN_REQUESTS,
    REQUESTS,
    ROW_SECONDS,
    ROWS,
    WARMUP,
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def raw(sql: str, params: dict):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def raw_all(*queries):
    def run():
        return [raw(sql, params)() for sql, params in queries]

    return run


def measure_pair(page, baseline) -> tuple[list[float], list[float]]:
    """Alternate a request and its raw baseline, so load from elsewhere hits both alike."""
    for _ in range(WARMUP):
        page()
        baseline()
    pages, raws = [], []
    started = time.monotonic()
    for n in range(1, REQUESTS + 1):
        seconds, _ = timed(page)
        pages.append(seconds * 1000)
        seconds, _ = timed(baseline)
        raws.append(seconds * 1000)
        if n >= MIN_REQUESTS and time.monotonic() - started > ROW_SECONDS:
            break
    return pages, raws


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


class Table:
    def __init__(self, baseline: str = "raw baseline") -> None:
        self.rows: list[tuple[str, ...]] = []
        self.baseline = baseline  # the baseline column's heading

    def add(self, *cells: str) -> None:
        self.rows.append(cells)
        print("  " + " | ".join(cells), flush=True)  # as it goes, for a long run

    def http(self, what: str, page, baseline, slack_ms: float, hard_ms: float = 0) -> None:
        if int(what.split(".")[0]) not in ROWS:
            return
        try:
            pages, raws = measure_pair(page, baseline)
        except Exception as exc:  # a failing page is reported in its row, the run goes on
            self.add(what, f"error: {exc}"[:80], "", "", "", "—")
            return
        p50, p95 = percentiles(pages)
        r50, r95 = percentiles(raws)
        measured = f"p50 {ms(p50)} / p95 {ms(p95)} (n={len(pages)})"
        baseline_text = f"p50 {ms(r50)} / p95 {ms(r95)}"
        if hard_ms:
            target, met = f"p95 ≤ {ms(hard_ms)}", p95 <= hard_ms
        else:
            limit = 1.5 * r95 + slack_ms
            target, met = f"p95 ≤ 1.5×raw+{slack_ms:.0f} = {ms(limit)}", p95 <= limit
        self.add(what, measured, baseline_text, f"{p95 / r95:.1f}×", target, yes(met))

    def print(self) -> None:
        header = ("what", "measured", self.baseline, "ratio", "target", "met?")
        widths = [max(len(str(row[i])) for row in [header, *self.rows]) for i in range(len(header))]
        line = "-+-".join("-" * w for w in widths)
        print("\n" + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        print(line)
        for row in self.rows:
            print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def yes(met: bool) -> str:
    return "yes" if met else "NO"
