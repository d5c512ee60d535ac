"""`gongzhi cases sweep [--every SECONDS]`: reminders and escalation; safe to run in several processes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gongzhi.cases.catalog import load_default_catalog
from gongzhi.cases.sweeps import sweep, sweep_every


class Command(BaseCommand):
    help = "Case tools. `sweep` reminds near-due cases and escalates overdue ones (run it every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("sweep")
        s.add_argument("--every", type=float, default=0, help="keep running, sweeping every N seconds")
        sub.add_parser("load-catalog", help="create or update the default 派单目录")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-catalog":
            self.stdout.write(f"{load_default_catalog()} categories loaded")
            return
        if options["every"]:
            sweep_every(options["every"])  # until stopped; failures are logged and retried
            return
        report = sweep(timezone.now())
        self.stdout.write(f"reminded {report.reminded}, escalated {report.escalated}")
