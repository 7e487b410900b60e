from django.core.management.base import BaseCommand

from regions.services import directory_load_taiyuan


class Command(BaseCommand):
    help = "导入内置的太原市单位目录:区划、各县(市、区)政府、市直部门、园区与集体名称(可重复执行)。"

    def handle(self, *args, **options):
        summary = directory_load_taiyuan()
        self.stdout.write(self.style.SUCCESS(f"太原市目录:{summary}"))
