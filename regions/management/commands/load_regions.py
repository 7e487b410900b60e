from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from regions.services import regions_load_csv


class Command(BaseCommand):
    help = (
        "从 CSV 导入行政区划(GB/T 2260 代码与名称)。列:code,name(或 区划代码,名称),"
        "可选 level、parent。UTF-8 或 GBK 编码均可。"
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)
        parser.add_argument(
            "--governments", action="store_true", help="为每个县级区划建立其人民政府单位"
        )
        parser.add_argument(
            "--groups",
            action="store_true",
            help="为各级区划建立标准集体名称(如各县(市、区)人民政府)",
        )

    def handle(self, *args, csv_file: Path, governments: bool, groups: bool, **options):
        try:
            data = csv_file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {csv_file}:{exc.strerror}") from exc
        try:
            summary = regions_load_csv(data=data, governments=governments, groups=groups)
        except ApplicationError as exc:
            raise CommandError(f"{csv_file}:{exc.message}(未写入任何数据)") from exc
        self.stdout.write(self.style.SUCCESS(f"区划导入完成:{summary}"))
