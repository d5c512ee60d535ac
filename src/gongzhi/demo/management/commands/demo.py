"""`gongzhi demo`: migrate, build the demo city if it is not there, print the logins, serve."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from gongzhi.areas.models import Area, Level
from gongzhi.cases.sweeps import start_sweeper
from gongzhi.demo.city import DEMO_LOGINS, DEMO_PASSWORD, load_demo_city


class Command(BaseCommand):
    help = "Set up the demo city (长沙市) and serve it at http://127.0.0.1:8000/"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not start the server")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--sweep-every", type=float, default=60.0,
                            help="run the deadline sweep in the background every N seconds (0: never)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        report = load_demo_city()
        if report is None:
            self.stdout.write("演示城市已存在，跳过生成。")
        else:
            c = report.created
            self.stdout.write(
                f"演示城市 长沙市：{c.get(int(Level.DISTRICT), 0)} 个区县，{c.get(int(Level.STREET), 0)} 个街镇，"
                f"{c.get(int(Level.COMMUNITY), 0)} 个社区/村，{c.get(int(Level.GRID), 0)} 个网格（生成边界），"
                f"{c.get(99, 0)} 栋楼（生成），用时 {time.monotonic() - started:.1f} 秒。"
            )
        self.stdout.write(self.logins_table(options["addr"]))
        if not options["no_serve"]:
            if options["sweep_every"] > 0:
                start_sweeper(options["sweep_every"])  # reminders and escalation while the demo runs
            call_command("runserver", options["addr"], use_reloader=False)

    @staticmethod
    def logins_table(addr: str) -> str:
        rows = [f"\n  共治 演示平台: http://{addr}/\n", f"  所有演示账号的密码: {DEMO_PASSWORD}\n",
                f"  {pad('用户名', 20)}{pad('姓名', 12)}角色 / 辖区"]
        names = dict(Area.objects.filter(path__in=[d.area_path for d in DEMO_LOGINS]).values_list("path", "name"))
        for d in DEMO_LOGINS:
            rows.append(f"  {pad(d.username, 20)}{pad(d.full_name, 12)}{d.role.label} / {names.get(d.area_path, '')}")
        return "\n".join(rows) + "\n"


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 1)
