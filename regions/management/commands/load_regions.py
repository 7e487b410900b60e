from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from regions.services import BUNDLED_DIRECTORIES, directory_load_bundled, regions_load_csv


class Command(BaseCommand):
    help = (
        "从 CSV 导入行政区划(GB/T 2260 代码与名称)。列:code,name(或 区划代码,名称),"
        "可选 level、parent。UTF-8 或 GBK 编码均可。"
        "或用 --bundled 导入内置名录(区划、政府、集体名称和部门)。"
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path, nargs="?")
        parser.add_argument(
            "--bundled",
            choices=BUNDLED_DIRECTORIES,
            help="导入内置名录:taiyuan(太原市)、yunchuan(虚构的云川市)、"
            "jiangling(虚构的江岭省,含云川市和岚溪市)",
        )
        parser.add_argument(
            "--governments",
            action="store_true",
            help="为每个县级区划、以及有上级区划的地级区划建立其人民政府单位",
        )
        parser.add_argument(
            "--groups",
            action="store_true",
            help="为各级区划建立标准集体名称(如各县(市、区)人民政府)",
        )

    def handle(
        self,
        *args,
        csv_file: Path | None,
        bundled: str | None,
        governments: bool,
        groups: bool,
        **options,
    ):
        if (csv_file is None) == (bundled is None):
            raise CommandError("请指定一个 CSV 文件或 --bundled 名录(二者选一)。")
        if bundled:
            try:
                summary = directory_load_bundled(bundled)
            except ApplicationError as exc:
                raise CommandError(f"{bundled}:{exc.message}(未写入任何数据)") from exc
            self.stdout.write(self.style.SUCCESS(f"内置名录 {bundled} 导入完成:{summary}"))
            return
        try:
            data = csv_file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {csv_file}:{exc.strerror}") from exc
        try:
            summary = regions_load_csv(data=data, governments=governments, groups=groups)
        except ApplicationError as exc:
            raise CommandError(f"{csv_file}:{exc.message}(未写入任何数据)") from exc
        self.stdout.write(self.style.SUCCESS(f"区划导入完成:{summary}"))
