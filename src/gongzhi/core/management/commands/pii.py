"""`gongzhi pii rotate`: re-encrypt every protected value under the current key.

Key rotation: put a new key in front of GONGZHI_PII_KEYS (keep the old ones after it),
restart, run `gongzhi pii rotate`, then drop the old keys. See docs/operations.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core.pii import rotate_all


class Command(BaseCommand):
    help = "Personal-data vault tools. `rotate` re-encrypts all protected values with the current key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate"])
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        changed = rotate_all(batch_size=options["batch_size"])
        self.stdout.write(f"re-encrypted {changed} values with the current key")
