"""Case numbers: the local date of receipt and the case id (20261201000123).

On PostgreSQL each process reserves ids from the table's sequence in blocks, so a case is
inserted with its number in one statement; elsewhere (SQLite: in-process, one writer) the row
is inserted first and numbered from the id it got. Reserved ids a process never uses leave gaps,
which numbers may have.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime

from django.db import connection
from django.utils import timezone

BLOCK = 50
_lock = threading.Lock()
_reserved: dict[tuple[int, str], list[int]] = {}


def case_number(received: datetime, case_id: int) -> str:
    return f"{timezone.localtime(received):%Y%m%d}{case_id:06d}"


def reserve_case_id(table: str) -> int | None:
    """The next id for ``table`` from this process's block, or None where ids come from the insert."""
    if connection.vendor != "postgresql":
        return None
    key = (os.getpid(), connection.alias)  # a forked child must not reuse its parent's block
    with _lock:
        block = _reserved.setdefault(key, [])
        if not block:
            with connection.cursor() as cur:
                cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                            [table, BLOCK])
                block.extend(sorted((int(r[0]) for r in cur.fetchall()), reverse=True))
        return block.pop()


def forget_reserved() -> None:
    """Drop reserved ids (tests that recreate the database)."""
    with _lock:
        _reserved.clear()
