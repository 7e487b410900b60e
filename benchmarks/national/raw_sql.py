"""SQL the benchmark's baselines run: the same figures as each page, written by hand."""

from __future__ import annotations

import benchmarks.national.config  # noqa: F401  (sets up Django first)

# The regions at or below %(p)s (depth 3, as regions.selectors.region_subtree_q).
SUBTREE = """(SELECT s.id FROM regions_region s
              LEFT JOIN regions_region s2 ON s2.id = s.parent_id
              LEFT JOIN regions_region s3 ON s3.id = s2.parent_id
              WHERE %(p)s IN (s.id, s.parent_id, s2.parent_id, s3.parent_id))"""
# The direct child of %(p)s holding the unit's region r (r2, r3: its parent, grandparent).
CHILD = """CASE WHEN r.parent_id = %(p)s THEN r.id WHEN r2.parent_id = %(p)s THEN r2.id
               WHEN r3.parent_id = %(p)s THEN r3.id END"""
JOINS = """FROM tasks_app_assignment a
JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id
JOIN regions_unit u ON u.id = a.unit_id
JOIN regions_region r ON r.id = u.region_id
LEFT JOIN regions_region r2 ON r2.id = r.parent_id
LEFT JOIN regions_region r3 ON r3.id = r2.parent_id"""
IN_REGION = f"w.region_id IN {SUBTREE} AND u.region_id IN {SUBTREE}"
CLAIMED_IN_TIME = (
    "(a.state = 'submitted' AND (a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date <= a.due_date)"
)
OVERDUE = f"(a.state <> 'done' AND a.due_date < %(today)s AND NOT {CLAIMED_IN_TIME})"
DONE_ON_TIME = """(a.state = 'done'
                   AND COALESCE((a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                                (a.done_at AT TIME ZONE 'Asia/Shanghai')::date) <= a.due_date)"""

# benchmarks/bench_progress.py's aggregate (without the periodic-report flag)
REGION_PROGRESS = """
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

# The assessment's per-county figures; working days of lateness from a calendar of
# cumulative working-day numbers passed in (cal), so lateness is a subtraction.
ASSESSMENT = f"""
WITH cal AS (SELECT * FROM unnest(%(days)s::date[], %(ords)s::int[]) AS c(d, n)),
x AS (
  SELECT {CHILD} AS child, a.due_date, a.returns, a.state = 'done' AS done,
         CASE WHEN a.state = 'done'
                THEN COALESCE((a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                              (a.done_at AT TIME ZONE 'Asia/Shanghai')::date)
              WHEN a.state = 'submitted' AND a.submitted_at IS NOT NULL
                THEN (a.submitted_at AT TIME ZONE 'Asia/Shanghai')::date
              ELSE %(today)s END AS until,
         a.state NOT IN ('done', 'submitted')
           AND COALESCE(NULLIF(t.report_cycle, ''), NULLIF(w.report_cycle, '')) IS NOT NULL
           AND (a.last_report_at IS NULL OR a.last_report_at < %(since)s) AS missed
  {JOINS}
  WHERE {IN_REGION} AND a.due_date BETWEEN %(year_start)s AND %(year_end)s
)
SELECT child, COUNT(*), COUNT(*) FILTER (WHERE done),
       COUNT(*) FILTER (WHERE done AND until <= due_date),
       COALESCE(SUM(cu.n - cd.n) FILTER (WHERE until > due_date), 0),
       SUM(returns), COUNT(*) FILTER (WHERE missed)
FROM x LEFT JOIN cal cd ON cd.d = x.due_date LEFT JOIN cal cu ON cu.d = x.until
GROUP BY child
"""

MATRIX = f"""
SELECT a.task_id, {CHILD} AS col, COUNT(*),
       COUNT(*) FILTER (WHERE a.state = 'done'),
       COUNT(*) FILTER (WHERE {OVERDUE}),
       COUNT(*) FILTER (WHERE a.state = 'assigned'),
       COUNT(*) FILTER (WHERE a.state NOT IN ('done', 'submitted')
                        AND a.due_date BETWEEN %(today)s AND %(soon)s),
       AVG(a.progress), MIN(a.id)
{JOINS}
WHERE t.plan_id = %(plan)s AND {IN_REGION}
GROUP BY 1, 2 HAVING {CHILD} IS NOT NULL
"""
MATRIX_NAMES = "SELECT id, name FROM regions_region WHERE parent_id = %(p)s"
MATRIX_TASKS = "SELECT * FROM tasks_app_task WHERE plan_id = %(plan)s ORDER BY position"

OVERDUE_LIST = f"""
SELECT a.*, t.ref, t.title, w.title, u.short_name
{JOINS}
WHERE {IN_REGION} AND {OVERDUE}
ORDER BY a.due_date, u.short_name
LIMIT %(limit)s
"""

OVERDUE_COUNT = f"SELECT COUNT(*) {JOINS} WHERE {IN_REGION} AND {OVERDUE}"

BULLETIN_COUNTIES = f"""
SELECT {CHILD} AS child, COUNT(*), COUNT(*) FILTER (WHERE a.state = 'done'),
       COUNT(*) FILTER (WHERE {DONE_ON_TIME}), COUNT(*) FILTER (WHERE {OVERDUE}),
       COUNT(*) FILTER (WHERE a.returns > 0)
{JOINS}
WHERE t.plan_id = %(plan)s AND a.due_date BETWEEN %(start)s AND %(end)s
GROUP BY 1 HAVING {CHILD} IS NOT NULL
"""
BULLETIN_OVERDUE = f"""
SELECT a.id, a.due_date, a.last_report_at, u.short_name, t.ref, t.title
{JOINS}
WHERE t.plan_id = %(plan)s AND a.due_date <= %(end)s AND {OVERDUE}
ORDER BY a.due_date, u.short_name
LIMIT 500
"""
BULLETIN_OVERDUE_COUNT = f"""
SELECT COUNT(*) {JOINS} WHERE t.plan_id = %(plan)s AND a.due_date <= %(end)s AND {OVERDUE}
"""

ASSIGNMENT_COUNT = f"""
SELECT COUNT(*) FROM tasks_app_assignment a JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id WHERE w.region_id IN {SUBTREE}
"""
ASSIGNMENT_PAGE = f"""
SELECT a.*, t.*, u.*
FROM tasks_app_assignment a JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id JOIN regions_unit u ON u.id = a.unit_id
WHERE w.region_id IN {SUBTREE}
ORDER BY a.due_date, a.id
LIMIT 100
"""

LEDGER = f"""
SELECT t.ref, t.title,
       (SELECT string_agg(p.name_as_written, '、' ORDER BY p.id) FROM tasks_app_responsibility p
         WHERE p.task_id = t.id AND p.role = 'lead'),
       (SELECT string_agg(p.name_as_written, '、' ORDER BY p.id) FROM tasks_app_responsibility p
         WHERE p.task_id = t.id AND p.role = 'responsible'),
       u.short_name, a.due_date, a.state, a.progress, a.last_report_at,
       (SELECT left(pr.text, 500) FROM tasks_app_progressreport pr WHERE pr.assignment_id = a.id
         ORDER BY pr.created_at DESC, pr.id DESC LIMIT 1),
       a.done_at
FROM tasks_app_assignment a JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id JOIN regions_unit u ON u.id = a.unit_id
WHERE t.plan_id = %(plan)s AND w.region_id IN {SUBTREE}
ORDER BY t.position, u.short_name
"""

REMINDER_INSERT = """
INSERT INTO tasks_app_reminder (created_at, updated_at, assignment_id, kind, scheduled_for,
                                unit_id, due_date, attempts, last_error, cancel_reason)
SELECT now(), now(), a.id, %(kind)s, %(day)s, a.unit_id, a.due_date, 0, '', ''
FROM tasks_app_assignment a
JOIN tasks_app_task t ON t.id = a.task_id
JOIN tasks_app_workplan w ON w.id = t.plan_id
WHERE w.status = 'active' AND a.state NOT IN ('done', 'submitted') AND ({rule})
  AND NOT EXISTS (SELECT 1 FROM tasks_app_reminder x WHERE x.assignment_id = a.id
                  AND x.kind = %(kind)s AND x.scheduled_for = %(day)s)
ON CONFLICT DO NOTHING
"""
DIGEST_UNITS = """
INSERT INTO tasks_app_digest (created_at, updated_at, kind, unit_id, scheduled_for, attempts,
                              last_error)
SELECT now(), now(), 'unit_weekly', unit_id, %(monday)s, 0, ''
FROM (SELECT DISTINCT a.unit_id FROM tasks_app_assignment a
      JOIN tasks_app_task t ON t.id = a.task_id JOIN tasks_app_workplan w ON w.id = t.plan_id
      WHERE w.status = 'active' AND a.state NOT IN ('done', 'submitted')) open_units
ON CONFLICT DO NOTHING
"""
DIGEST_COORDINATORS = """
INSERT INTO tasks_app_digest (created_at, updated_at, kind, user_id, scheduled_for, attempts,
                              last_error)
SELECT now(), now(), 'coordinator_daily', id, %(day)s, 0, '' FROM regions_user
WHERE role = 'coordinator' AND is_active AND region_id IS NOT NULL AND email <> ''
ON CONFLICT DO NOTHING
"""
PENDING = """SELECT id FROM tasks_app_reminder WHERE scheduled_for = %(day)s
             AND sent_at IS NULL AND cancelled_at IS NULL ORDER BY id"""
PENDING_DIGESTS = """SELECT id FROM tasks_app_digest WHERE scheduled_for >= %(week)s
                     AND sent_at IS NULL AND cancelled_at IS NULL"""
