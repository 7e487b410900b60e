import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from regions.models import Region, Unit, User
from tasks_app.models import Assignment, ProgressReport, Task, WorkPlan


class Command(BaseCommand):
    help = (
        "生成压测数据:一个省、若干地市与县、每县一个政府单位、一份工作要点(每个任务交办给每个县)。"
        "省级规模:--counties 129 --tasks 100;全国规模:--counties 2844 --tasks 100。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--counties", type=int, default=129)
        parser.add_argument("--tasks", type=int, default=100)
        parser.add_argument("--reports-per-assignment", type=int, default=1)
        parser.add_argument("--code", default="980000", help="省级区划代码(默认 980000,虚构)")
        parser.add_argument("--seed", type=int, default=42)

    @transaction.atomic
    def handle(self, *args, counties, tasks, reports_per_assignment, code, seed, **options):
        if Region.objects.filter(code=code).exists():
            raise CommandError(f"区划 {code} 已存在:请换一个 --code 或先清理数据。")
        started = time.monotonic()
        rng = random.Random(seed)
        province = Region.objects.create(code=code, name=f"压测省{code}", level="province")
        prefectures = Region.objects.bulk_create(
            [
                Region(
                    code=f"{code[:2]}{p + 1:02d}00",
                    name=f"压测市{p + 1}",
                    level="prefecture",
                    parent=province,
                )
                for p in range((counties + 29) // 30)
            ]
        )
        county_regions = Region.objects.bulk_create(
            [
                Region(
                    code=f"{prefectures[c // 30].code[:4]}{c % 30 + 1:02d}",
                    name=f"压测县{c + 1}",
                    level="county",
                    parent=prefectures[c // 30],
                )
                for c in range(counties)
            ]
        )
        governments = Unit.objects.bulk_create(
            [Unit(region=r, short_name=f"{r.name}政府", kind="government") for r in county_regions]
        )
        Unit.objects.bulk_create(
            [Unit(region=province, short_name=f"省厅{n + 1}", kind="department") for n in range(40)]
        )
        plan = WorkPlan.objects.create(
            title=f"压测工作要点({counties} 县 × {tasks} 项)",
            region=province,
            period_start="2026-01-01",
            period_end="2026-12-31",
            status="active",
        )
        task_rows = Task.objects.bulk_create(
            [
                Task(
                    plan=plan,
                    ref=str(n + 1),
                    number=str(n + 1),
                    title=f"重点任务{n + 1}",
                    position=n,
                    due_date=f"2026-{rng.randint(3, 12):02d}-28",
                )
                for n in range(tasks)
            ]
        )
        now = timezone.now()
        author = User.objects.filter(is_superuser=True).first() or User.objects.create(
            username=f"seed{code}"
        )
        created = 0
        for chunk_start in range(0, len(task_rows), 10):
            batch = []
            for task in task_rows[chunk_start : chunk_start + 10]:
                for unit in governments:
                    roll = rng.random()
                    state = (
                        "done"
                        if roll < 0.35
                        else "submitted"
                        if roll < 0.45
                        else "in_progress"
                        if roll < 0.85
                        else "assigned"
                    )
                    batch.append(
                        Assignment(
                            task=task,
                            unit=unit,
                            due_date=task.due_date,
                            state=state,
                            progress=100
                            if state in ("done", "submitted")
                            else rng.randint(0, 90)
                            if state == "in_progress"
                            else 0,
                            signed_at=None if state == "assigned" else now,
                            submitted_at=now if state == "submitted" else None,
                            done_at=now if state == "done" else None,
                            last_report_at=now
                            if state != "assigned" and reports_per_assignment
                            else None,
                            returns=1 if rng.random() < 0.05 else 0,
                        )
                    )
            rows = Assignment.objects.bulk_create(batch, batch_size=5000)
            created += len(rows)
            if reports_per_assignment:
                ProgressReport.objects.bulk_create(
                    [
                        ProgressReport(
                            assignment=a, author=author, text="压测进展", progress=a.progress
                        )
                        for a in rows
                        if a.state != "assigned"
                        for _ in range(reports_per_assignment)
                    ],
                    batch_size=5000,
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"{province.name}:{len(prefectures)} 个地市、{counties} 个县、{tasks} 项任务、"
                f"{created:,} 个交办事项,用时 {time.monotonic() - started:.1f} 秒。"
                f"region id={province.pk} plan id={plan.pk}"
            )
        )
