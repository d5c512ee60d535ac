"""Run by test_audit: migrate a fresh database, append from N processes at once, verify.

    python tests/core/audit_appenders.py PROCESSES EVENTS_EACH
Prints `checked <n> ok|broken`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")


def append(count: int) -> None:
    import django

    django.setup()
    from gongzhi.core import audit

    for i in range(count):
        audit.record("test.concurrent", data={"pid": os.getpid(), "i": i})


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    processes, each = int(sys.argv[1]), int(sys.argv[2])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=append, args=(each,)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise SystemExit(f"appender exited with {w.exitcode}")
    from gongzhi.core.audit import verify_chain

    report = verify_chain()
    print("checked", report.checked, "ok" if report.ok else f"broken:{report.first_broken_id}:{report.problem}")  # noqa: T201 (the test reads it)


if __name__ == "__main__":
    main()
