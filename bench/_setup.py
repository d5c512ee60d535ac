"""Shared by the benchmarks: a fresh database (SQLite file, or the PostgreSQL database named by
DATABASE_URL — emptied by flush), migrated, with a small city, units and users."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def setup_django(prefix: str) -> str:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        tmp = tempfile.mkdtemp(prefix=f"gongzhi-{prefix}-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("GONGZHI_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        call_command("flush", interactive=False, verbosity=0)
        with connection.cursor() as cur:
            cur.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
            cur.execute("INSERT INTO core_auditchainhead (id, last_id, last_hash, count) VALUES (1, 0, '', 0)")
    return connection.vendor


def small_city() -> dict[str, Any]:
    """The test suite's fixture city plus a street office, a department and their users."""
    from tests.builders import make_tree, make_unit, make_user

    from gongzhi.accounts.models import UnitKind
    from gongzhi.cases.catalog import load_default_catalog
    from gongzhi.core.access import Role

    areas = make_tree()
    load_default_catalog()
    street = make_unit("street-430104002", UnitKind.STREET_OFFICE, areas["430104002"])
    dept = make_unit("dept-430104-chengguan", UnitKind.DEPARTMENT, areas["430104"])
    return {
        "areas": areas, "street": street, "dept": dept,
        "dispatcher": make_user("dispatcher", Role.STREET_DISPATCHER, areas["430104002"], unit=street),
        "handler": make_user("handler", Role.DEPT_HANDLER, areas["430104"], unit=dept),
        "supervisor": make_user("supervisor", Role.CENTER_SUPERVISOR, areas["430104"]),
    }
