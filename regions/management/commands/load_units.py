from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from regions.services import units_load_csv


class Command(BaseCommand):
    help = (
        "从 CSV 导入单位。列:region_code,short_name,full_name,kind,aliases"
        "(kind 为 department/government/zone/other;别名以 | 或 、 分隔)。"
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args, csv_file: Path, **options):
        try:
            data = csv_file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {csv_file}:{exc.strerror}") from exc
        try:
            summary = units_load_csv(data=data)
        except ApplicationError as exc:
            raise CommandError(f"{csv_file}:{exc.message}(未写入任何数据)") from exc
        self.stdout.write(self.style.SUCCESS(f"单位导入完成:{summary}"))
