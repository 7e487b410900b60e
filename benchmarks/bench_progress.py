#!/usr/bin/env python
"""Progress endpoints at province and national scale, against one raw SQL aggregate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints \\
        .venv/bin/python benchmarks/bench_progress.py

In a fresh test database: `seed_scale` at province scale (129 counties × 100 tasks) and
national scale (2,844 counties × 100 tasks); then, for each, REQUESTS calls of the
region-progress, unit-progress and matrix endpoints (in-process, a coordinator of the
province) and, in the same run, the one raw SQL aggregate that computes the same region
figures (counts by county-level child, without the periodic-report flag). Prints p50,
p95 and the ratio; the target at national scale: region p95 ≤ 1.5 × raw p95 + 20 ms.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.core.signals import request_started  # noqa: E402
from django.db import reset_queries  # noqa: E402

request_started.disconnect(reset_queries)  # keep the query log across requests to count them

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from regions.models import Region  # noqa: E402
from regions.services import user_upsert  # noqa: E402
from tasks_app.models import WorkPlan  # noqa: E402
from tasks_app.selectors import today  # noqa: E402

REQUESTS = int(os.environ.get("REQUESTS", "30"))
RAW = """
SELECT CASE WHEN r.parent_id = %(p)s THEN r.id WHEN r2.parent_id = %(p)s THEN r2.id
            WHEN r3.parent_id = %(p)s THEN r3.id END AS child,
       COUNT(*),
       COUNT(*) FILTER (WHERE a.state = 'done'),
       COUNT(*) FILTER (WHERE a.state = 'done'
                        AND (a.done_at AT TIME ZONE 'Asia/Shanghai')::date <= a.due_date),
       COUNT(*) FILTER (WHERE a.state <> 'done' AND a.due_date < %(today)s),
       COUNT(*) FILTER (WHERE a.returns > 0)
FROM tasks_app_assignment a
JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id
JOIN regions_unit u ON u.id = a.unit_id
JOIN regions_region r ON r.id = u.region_id
LEFT JOIN regions_region r2 ON r2.id = r.parent_id
LEFT JOIN regions_region r3 ON r3.id = r2.parent_id
WHERE w.status = 'active' AND (r.id = %(p)s OR r.parent_id = %(p)s OR r2.parent_id = %(p)s
                               OR r3.parent_id = %(p)s)
GROUP BY 1
"""


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(fn) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def run(scale: str, counties: int, code: str) -> None:
    out = StringIO()
    started = time.perf_counter()
    call_command(
        "seed_scale", counties=counties, tasks=100, reports_per_assignment=1, code=code, stdout=out
    )
    province = Region.objects.get(code=code)
    plan = WorkPlan.objects.get(region=province)
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = user_upsert(
        username=f"bench{code}", password="pw-123456", role="coordinator", region=province
    )
    api = APIClient()
    api.force_authenticate(user)
    count = plan.tasks.count() * counties
    print(f"\n{scale}: {counties:,} counties, {count:,} assignments (seeded in {seeded:.0f} s)")

    def call(path):
        return lambda: api.get(path, {"region": province.pk, "page_size": 100}).status_code

    results = {}
    for name, path in (
        ("region progress", "/api/progress/regions/"),
        ("unit progress", "/api/progress/units/"),
        ("matrix", f"/api/progress/matrix/{plan.pk}/"),
    ):
        with CaptureQueriesContext(connection) as queries:
            call(path)()
        n = len(queries.captured_queries)
        results[name] = measure(call(path))
        p50, p95 = results[name]
        print(f"  {name:<16} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   queries {n}")

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW, {"p": province.pk, "today": today()})
            return cursor.fetchall()

    raw50, raw95 = measure(raw)
    print(f"  {'raw SQL':<16} p50 {raw50:8.1f} ms   p95 {raw95:8.1f} ms")
    p50, p95 = results["region progress"]
    print(
        f"  region/raw: p50 {p50 / raw50:.2f}×, p95 {p95 / raw95:.2f}×; "
        f"target p95 ≤ 1.5 × {raw95:.1f} + 20 = {1.5 * raw95 + 20:.1f} ms → "
        f"{'met' if p95 <= 1.5 * raw95 + 20 else 'NOT met'}"
    )


def main() -> None:
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}; {REQUESTS} requests each")
        scales = os.environ.get("SCALES", "province,national").split(",")
        if "province" in scales:
            run("province", 129, "980000")
        if "national" in scales:
            run("national", 2844, "970000")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
