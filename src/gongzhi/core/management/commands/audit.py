"""`gongzhi audit verify`: recompute the hash chain and name the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.audit import verify_chain

PROBLEMS = {
    "link": "记录的 prev_hash 与上一条记录的哈希不一致（记录被删除、插入或调换）",
    "content": "记录内容与其哈希不一致（记录被篡改）",
    "truncated": "链头与最后一条记录不一致（末尾的记录被删除）",
}


class Command(BaseCommand):
    help = "Audit trail tools. `verify` checks the hash chain; exit code 1 when it is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"audit chain ok: {report.checked} rows verified")
            return
        where = f"first broken row: #{report.first_broken_id}" if report.first_broken_id else "rows verified intact"
        raise CommandError(
            f"audit chain BROKEN after {report.checked} good rows; {where}; {PROBLEMS[report.problem]}",
            returncode=1,
        )
