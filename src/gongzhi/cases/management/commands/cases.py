"""`gongzhi cases sweep [--every SECONDS]`: reminders and escalation; safe to run in several processes."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gongzhi.cases.sweeps import sweep


class Command(BaseCommand):
    help = "Case tools. `sweep` reminds near-due cases and escalates overdue ones (run it every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("sweep")
        s.add_argument("--every", type=float, default=0, help="keep running, sweeping every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = sweep(timezone.now())
            self.stdout.write(f"reminded {report.reminded}, escalated {report.escalated}")
            if not options["every"]:
                return
            time.sleep(options["every"])
