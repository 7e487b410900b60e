from django.core.management.base import BaseCommand

from tasks_app.demo import demo_load


class Command(BaseCommand):
    help = (
        "导入演示数据:太原市和虚构的江岭省(云川市、岚溪市)单位目录、角色、演示账号"
        "和示例工作要点(可重复执行),并打印登录信息。"
    )

    def handle(self, *args, **options):
        logins = demo_load()
        self.stdout.write(self.style.SUCCESS("演示账号(用户名 / 密码):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<12} {login.password:<16} {login.description}")
