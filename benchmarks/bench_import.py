#!/usr/bin/env python
"""Parse and import times: the Taiyuan notice and a synthetic 500-item document.

    python benchmarks/bench_import.py   # on SQLite, or on the DATABASE_URL given
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints python benchmarks/bench_import.py

Each figure is the median of several runs in a fresh test database. The baseline is a
plain bulk insert of the same tasks and assignments in the same process, so the ratio
says what parsing, resolving names and expanding groups cost on top of writing rows.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from regions.models import Region, Unit  # noqa: E402
from regions.services import directory_load_taiyuan  # noqa: E402
from tasks_app.models import Assignment, Task, WorkPlan  # noqa: E402
from tasks_app.parsing import parse_document, parse_text  # noqa: E402
from tasks_app.services.imports import workplan_import  # noqa: E402

TAIYUAN = ROOT.parent / "shared" / "seeds" / "003_079112ff1aadfc6f.txt"
RUNS = 7


def synthetic(items: int = 500, seed: int = 42) -> str:
    """A plan of 10 sections × 5 parts × 10 items, clauses and deadlines of every kind."""
    rng = random.Random(seed)
    departments = [
        "市发改委",
        "市财政局",
        "市教育局",
        "市民政局",
        "市环保局",
        "市审计局",
        "市交通运输局",
        "市水务局",
        "市卫计委",
        "市住建委",
        "市农委",
        "市房产局",
    ]
    deadlines = ["6月底前", "年底前", "第三季度", "2026年9月30日前", "尽快", "每季度", "年内", ""]
    cn = "一二三四五六七八九十"
    lines = ["测试市2026年政务公开工作要点"]
    n = 0
    part = 0
    for s in range(10):
        lines.append(f"{cn[s]}、第{s + 1}部分工作")
        for _ in range(5):
            part += 1
            tens, ones = divmod(part, 10)
            number = (
                (cn[tens - 1] if tens > 1 else "")
                + ("十" if tens else "")
                + (cn[ones - 1] if ones else "")
            )
            lines.append(f"({number})第{part}项重点工作")
            for i in range(1, items // 50 + 1):
                n += 1
                units = "、".join(rng.sample(departments, rng.randint(1, 4)))
                if rng.random() < 0.3:
                    units += "及各县(市、区)人民政府"
                lead = rng.choice(departments)
                clause = rng.choice(
                    [
                        f"〔{units}负责落实〕",
                        f"({lead}牵头,{units}负责落实)",
                        f"({lead}牵头负责落实)",
                    ]
                )
                lines.append(f"{i}.事项{n}。{rng.choice(deadlines)}完成相关信息公开。{clause}")
    return "\n".join(lines)


def median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def baseline_insert(region: Region, tasks: int, assignments: int) -> None:
    """The same number of rows, written with plain bulk inserts: the floor for an import."""
    plan = WorkPlan.objects.create(
        title="baseline", region=region, period_start="2026-01-01", period_end="2026-12-31"
    )
    rows = Task.objects.bulk_create(
        [
            Task(plan=plan, ref=str(i), title="t", due_date="2026-12-31", position=i)
            for i in range(tasks)
        ]
    )
    units = list(Unit.objects.all()[:40])
    Assignment.objects.bulk_create(
        [
            Assignment(
                task=rows[i % len(rows)],
                unit=units[i // len(rows) % len(units)],
                due_date="2026-12-31",
            )
            for i in range(assignments)
        ]
    )


def main() -> None:
    old = setup_databases(verbosity=0, interactive=False)
    try:
        directory_load_taiyuan()
        region = Region.objects.get(code="140100")
        vendor = connection.vendor
        docs = {"synthetic 500 items": synthetic()}
        if TAIYUAN.exists():
            docs = {"Taiyuan notice": TAIYUAN.read_text("utf-8"), **docs}
        print(f"database: {vendor}; median of {RUNS} runs")
        print(
            f"{'document':<22}{'nodes':>6}{'assign.':>8}{'parse ms':>10}{'import ms':>11}"
            f"{'baseline ms':>13}{'import/base':>13}"
        )
        for name, text in docs.items():
            data = text.encode()
            parse_ms = median_ms(lambda data=data: parse_document(data))
            outline = parse_text(text)
            result = workplan_import(outline=outline, region=region, user=None)
            import_ms = median_ms(
                lambda outline=outline: workplan_import(outline=outline, region=region, user=None)
            )
            base_ms = median_ms(lambda r=result: baseline_insert(region, r.tasks, r.assignments))
            print(
                f"{name:<22}{result.tasks:>6}{result.assignments:>8}{parse_ms:>10.1f}"
                f"{import_ms:>11.1f}{base_ms:>13.1f}{import_ms / base_ms:>13.2f}"
            )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
