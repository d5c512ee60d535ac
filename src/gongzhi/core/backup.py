"""Backup and restore: the database and the media files in one ``.tar.gz``, never the keys.

A backup is ``gongzhi-<YYYYmmdd-HHMMSS>.tar.gz`` holding, in this order:

* ``manifest.json`` — format marker, database vendor, time, row counts, audit chain head;
* ``database.sqlite3`` (SQLite: a copy made with the online backup API, consistent while the
  server writes) or ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom`` of one
  snapshot, the same snapshot the row counts are taken from);
* ``media/…`` — every file under ``MEDIA_ROOT``.

The personal-data keys (GONGZHI_PII_KEYS, GONGZHI_PII_HASH_KEY) and the local secrets file are
never written into it: the ciphertext in the backup is only readable with keys kept elsewhere.

A restore checks the whole file before it changes anything, then puts the media in place (the
previous media directory is moved aside, not deleted), then replaces the database in one step
(SQLite: the backup API into the live file; PostgreSQL: ``pg_restore --single-transaction``),
and checks the audit chain, the row counts and the keys against the restored data.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gongzhi.core import pii
from gongzhi.core.audit import ChainReport, verify_chain

FORMAT = "gongzhi-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
# The tables whose row counts a backup and a restore report, by label.
KEY_MODELS = (
    ("users", "accounts.User"),
    ("units", "accounts.Unit"),
    ("areas", "areas.Area"),
    ("cases", "cases.Case"),
    ("people", "registry.Person"),
    ("audit events", "core.AuditEvent"),
)
KEY_SETTINGS = ("GONGZHI_PII_KEYS", "GONGZHI_PII_HASH_KEY")
PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "options": "PGOPTIONS"}


class BackupError(Exception):
    """Nothing was changed (or, if the message says so, what was); the command exits with 2."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    vendor: str
    counts: dict[str, int]
    media_files: int
    audit_head: dict[str, Any]


@dataclass
class RestoreResult:
    path: Path
    manifest: dict[str, Any]
    counts: dict[str, int]
    media_files: int
    chain: ChainReport
    media_aside: Path | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- shared -------------------------------------------------------------------------------


def _default_connection() -> BaseDatabaseWrapper:
    return connections["default"]


def secrets_file() -> Path:
    return Path(settings.VAR_DIR) / "secrets.json"


def key_sources() -> list[tuple[str, str]]:
    """Where each personal-data key of this process comes from (never the key itself)."""
    local = secrets_file()
    out = []
    for name in KEY_SETTINGS:
        if os.environ.get(name):
            out.append((name, "environment / 环境变量"))
        elif not settings.PRODUCTION and local.exists():
            out.append((name, f"{local}"))
        else:
            out.append((name, "not set / 未设置"))
    return out


def key_reminder() -> list[str]:
    lines = [
        "重要：备份中不含个人信息加密密钥（GONGZHI_PII_KEYS、GONGZHI_PII_HASH_KEY）。请另行妥善保管，"
        "与备份分开存放；没有这些密钥，备份中的身份证号、手机号等个人信息无法读取。",
        "IMPORTANT: the backup does NOT contain the personal-data keys (GONGZHI_PII_KEYS, "
        "GONGZHI_PII_HASH_KEY). Keep them separately from the backup; without them the personal "
        "data in it cannot be read.",
    ]
    sources = key_sources()
    lines += [f"  {name}: {source}" for name, source in sources]
    if any(source == str(secrets_file()) for _, source in sources):
        lines.append(f"  密钥取自本机密钥文件 / keys come from the local secrets file: {secrets_file()} "
                     "— 请单独备份此文件 / back up this file separately.")
    return lines


def _tables() -> list[tuple[str, str]]:
    return [(label, apps.get_model(name)._meta.db_table) for label, name in KEY_MODELS]


def _head_table() -> str:
    return str(apps.get_model("core.AuditChainHead")._meta.db_table)


def _count(cur: Any, existing: set[str]) -> tuple[dict[str, int], dict[str, Any]]:
    """Row counts of the key tables and the audit chain head, through a DB-API cursor."""
    counts: dict[str, int] = {}
    for label, table in _tables():
        if table in existing:
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (model table name)
            counts[label] = int(cur.fetchone()[0])
    head: dict[str, Any] = {}
    if _head_table() in existing:
        cur.execute(f'SELECT last_id, last_hash, count FROM "{_head_table()}" WHERE id = 1')  # noqa: S608
        row = cur.fetchone()
        if row is not None:
            head = {"last_id": int(row[0]), "last_hash": str(row[1]), "count": int(row[2])}
    return counts, head


def _media_files() -> list[Path]:
    """Regular files under MEDIA_ROOT, without the secrets file or backups kept inside it."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    never = {secrets_file().resolve()}
    skip_dirs = {(Path(settings.VAR_DIR) / "backups").resolve()}
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in skip_dirs
                             and not d.startswith(".gongzhi-"))
        for name in sorted(filenames):
            path = here / name
            if path.is_file() and not path.is_symlink() and path.resolve() not in never:
                files.append(path)
    return files


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


# -- PostgreSQL tools ---------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(p) for p in part.split(".") if p.isdigit())

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} not found on PATH or under /usr/lib/postgresql/*/bin — install the "
                      f"PostgreSQL client tools (e.g. `apt install postgresql-client`) / 未找到 {name}")


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the configured database: the password never goes on a command line."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        value = settings_dict.get(key)
        if value:
            env[var] = str(value)
    for option, var in PG_OPTION_ENV.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value:
            env[var] = str(value)
    return env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as exc:
        raise BackupError(f"{what}: cannot run {argv[0]}: {exc}") from exc
    if done.returncode != 0:
        raise BackupError(f"{what}: {Path(argv[0]).name} exited with {done.returncode}: "
                          f"{done.stderr.strip() or done.stdout.strip()}")


# -- create -------------------------------------------------------------------------------


def _sqlite_path(conn: BaseDatabaseWrapper) -> Path:
    name = str(conn.settings_dict["NAME"])
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(f"the SQLite database {name!r} is not a file; nothing to back up")
    return Path(name)


def _dump_sqlite(conn: BaseDatabaseWrapper, dest: Path) -> tuple[dict[str, int], dict[str, Any]]:
    live = _sqlite_path(conn)
    if not live.is_file():
        raise BackupError(f"the SQLite database file {live} does not exist")
    src = sqlite3.connect(str(live), timeout=20)
    dst = sqlite3.connect(str(dest))
    try:
        src.backup(dst)  # one step: a consistent read snapshot; WAL writers are not blocked
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
        check = dst.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"the copy of {live} fails SQLite's integrity check: {check}")
        existing = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return _count(dst.cursor(), existing)
    except sqlite3.Error as exc:
        raise BackupError(f"could not copy the SQLite database {live}: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _dump_postgresql(conn: BaseDatabaseWrapper, dest: Path) -> tuple[dict[str, int], dict[str, Any]]:
    tool = find_pg_tool("pg_dump")
    # A separate connection holds one snapshot open: counted and dumped from the same state.
    database: Any = getattr(conn, "Database")  # noqa: B009 (the driver module, psycopg)
    raw = database.connect(**conn.get_connection_params())
    try:
        raw.autocommit = True
        cur = raw.cursor()
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = str(cur.fetchone()[0])
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        existing = {str(r[0]) for r in cur.fetchall()}
        counted = _count(cur, existing)
        _run([tool, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dest}"],
             pg_env(conn.settings_dict), "pg_dump")
        cur.execute("COMMIT")
    finally:
        raw.close()
    return counted


def _free_name(directory: Path, stem: str, suffix: str) -> Path:
    path, n = directory / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}{suffix}"
    return path


def create_backup(output: Path | None = None, *, now: datetime | None = None) -> BackupResult:
    conn = _default_connection()
    vendor = conn.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    out_dir = Path(output) if output is not None else Path(settings.VAR_DIR) / "backups"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the backup directory {out_dir}: {exc}") from exc
    moment = now or timezone.now()
    stamp = timezone.localtime(moment).strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix=".gongzhi-backup-", dir=out_dir) as tmp:
        db_file = Path(tmp) / DATABASE_MEMBER[vendor]
        if vendor == "sqlite":
            counts, head = _dump_sqlite(conn, db_file)
        else:
            counts, head = _dump_postgresql(conn, db_file)
        media = _media_files()
        root = Path(settings.MEDIA_ROOT)
        manifest = {
            "format": FORMAT, "version": VERSION, "vendor": vendor, "database": DATABASE_MEMBER[vendor],
            "created_at": timezone.localtime(moment).isoformat(timespec="seconds"),
            "counts": counts, "audit_head": head,
            "media_files": len(media), "media_bytes": sum(p.stat().st_size for p in media),
        }
        partial = Path(tmp) / "backup.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it holds personal data
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(moment.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(db_file, arcname=DATABASE_MEMBER[vendor], recursive=False)
            for path in media:
                tar.add(path, arcname=f"{MEDIA}/{path.relative_to(root).as_posix()}", recursive=False)
        target = _free_name(out_dir, f"gongzhi-{stamp}", ".tar.gz")
        os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, vendor, counts, len(media), head)


# -- restore ------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup file; BackupError for anything that is not one."""
    if not path.exists():
        raise BackupError(f"no such backup file: {path}")
    if not path.is_file():
        raise BackupError(f"not a file: {path}")
    not_ours = f"{path} is not a gongzhi backup (expected a .tar.gz written by `gongzhi backup create`)"
    try:
        with tarfile.open(path, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(not_ours)
            stream = tar.extractfile(first)
            if stream is None:
                raise BackupError(not_ours)
            manifest: Any = json.loads(stream.read().decode())
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{not_ours}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(not_ours)
    if manifest.get("version") != VERSION:
        raise BackupError(f"{path} is a gongzhi backup of format version {manifest.get('version')}; "
                          f"this version of gongzhi reads version {VERSION}")
    vendor = manifest.get("vendor")
    if vendor not in DATABASE_MEMBER or manifest.get("database") != DATABASE_MEMBER[vendor]:
        raise BackupError(f"{path}: the manifest names an unknown database kind {vendor!r}")
    return manifest


def describe_target() -> str:
    conn = _default_connection()
    if conn.vendor == "sqlite":
        return f"the SQLite database {conn.settings_dict['NAME']}"
    s = conn.settings_dict
    return f"the PostgreSQL database {s.get('NAME')} on {s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"


def _checked_members(tar: tarfile.TarFile, manifest: dict[str, Any], path: Path) -> Iterator[tarfile.TarInfo]:
    seen_db = False
    for member in tar:
        name = member.name
        if name == MANIFEST:
            continue
        if name == manifest["database"] and member.isfile():
            seen_db = True
        elif not (name.startswith(f"{MEDIA}/") and (member.isfile() or member.isdir())):
            raise BackupError(f"{path}: unexpected entry {name!r} in the backup; nothing was changed")
        yield member
    if not seen_db:
        raise BackupError(f"{path}: the backup has no {manifest['database']}; nothing was changed")


def _unpack(path: Path, manifest: dict[str, Any], staging: Path) -> None:
    try:
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(staging, members=_checked_members(tar, manifest, path), filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} cannot be unpacked ({exc}); nothing was changed") from exc


def _check_sqlite_copy(db: Path) -> None:
    try:
        with contextlib.closing(sqlite3.connect(str(db))) as c:
            check = c.execute("PRAGMA quick_check").fetchone()
            has = c.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"the database in the backup is not a readable SQLite file: {exc}") from exc
    if not check or check[0] != "ok" or not has:
        raise BackupError(f"the database in the backup fails its check ({check}); nothing was changed")


def _restore_sqlite(conn: BaseDatabaseWrapper, db: Path) -> None:
    live = _sqlite_path(conn)
    live.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(db))
    dst = sqlite3.connect(str(live), timeout=20)
    try:
        # The backup API writes the pages into the live file in one write transaction: other
        # connections wait on the lock, then see the restored database; a failure changes nothing.
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"could not write the SQLite database {live}: {exc} "
                          "(is the server holding it? stop it and retry)") from exc
    finally:
        dst.close()
        src.close()


def _restore_postgresql(conn: BaseDatabaseWrapper, dump: Path, tool: str) -> None:
    # --dbname= empty: libpq takes the database (and everything else) from PG* variables.
    _run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          "--no-password", "--dbname=", str(dump)], pg_env(conn.settings_dict),
         "pg_restore (nothing was changed: it runs in one transaction)")


def _swap_media(staged: Path) -> Path | None:
    """Put the staged media in place; returns where the previous media directory was moved."""
    root = Path(settings.MEDIA_ROOT)
    aside = None
    if root.exists():
        if root.is_dir() and not any(root.iterdir()):
            root.rmdir()
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            aside = _free_name(root.parent, f"{root.name}.before-restore-{stamp}", "")
            os.rename(root, aside)
    try:
        os.rename(staged, root)
    except OSError:
        if aside is not None:
            os.rename(aside, root)
        raise
    return aside


def _undo_media(aside: Path | None, root: Path, staged: Path) -> None:
    os.rename(root, staged)
    if aside is not None:
        os.rename(aside, root)


def _live_counts(conn: BaseDatabaseWrapper) -> dict[str, int]:
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cur:
        counts, _head = _count(cur, existing)
    return counts


def check_keys(conn: BaseDatabaseWrapper) -> str:
    """'' if the configured keys read the protected values (or there are none), else the problem."""
    qn = conn.ops.quote_name
    for model, fld in pii.encrypted_fields():
        table, column = qn(model._meta.db_table), qn(fld.column)
        names = {f.name: f for f in model._meta.concrete_fields}
        hash_field = names.get(f"{fld.name}_hash")
        cols = f"{column}, {qn(hash_field.column)}" if hash_field else column
        where = f"{column} <> ''" + (f" AND {qn(hash_field.column)} <> ''" if hash_field else "")
        with conn.cursor() as cur:
            cur.execute(f"SELECT {cols} FROM {table} WHERE {where} LIMIT 1")  # noqa: S608 (names quoted)
            row = cur.fetchone()
        if row is None:
            continue
        try:
            plain = pii.decrypt(row[0])
        except ImproperlyConfigured:
            return ("the configured GONGZHI_PII_KEYS cannot decrypt the restored personal data — "
                    "configure the keys the backup was made with / 当前密钥无法解密恢复的个人信息")
        if hash_field and pii.hash_field_value(fld.kind, plain) != row[1]:
            return ("the configured GONGZHI_PII_HASH_KEY is not the one the backup was made with: exact "
                    "search on protected values will find nothing / 当前检索密钥与备份时不同")
        return ""
    return ""


def _pending_migrations(conn: BaseDatabaseWrapper) -> int:
    executor = MigrationExecutor(conn)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def check_target(manifest: dict[str, Any], path: Path) -> None:
    vendor = _default_connection().vendor
    if manifest["vendor"] != vendor:
        raise BackupError(f"{path} is a backup of a {manifest['vendor']} database; the configured "
                          f"database is {vendor}; nothing was changed")


def restore_backup(path: Path) -> RestoreResult:
    manifest = read_manifest(path)
    check_target(manifest, path)
    conn = _default_connection()
    if conn.in_atomic_block:
        raise BackupError("a restore cannot run inside a database transaction")
    tool = find_pg_tool("pg_restore") if conn.vendor == "postgresql" else ""
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside MEDIA_ROOT, so the media directory moves into place with one rename.
    staging = Path(tempfile.mkdtemp(prefix=".gongzhi-restore-", dir=root.parent))
    try:
        _unpack(path, manifest, staging)
        db = staging / manifest["database"]
        if conn.vendor == "sqlite":
            _check_sqlite_copy(db)
        else:
            _run([tool, "--list", str(db)], dict(os.environ), f"{path}: the database dump is unreadable")
        staged_media = staging / MEDIA
        staged_media.mkdir(exist_ok=True)
        media_files = sum(1 for p in staged_media.rglob("*") if p.is_file())
        connections.close_all()
        try:
            aside = _swap_media(staged_media)
        except OSError as exc:
            raise BackupError(f"cannot put the media files in place at {root}: {exc}; nothing was changed") from exc
        try:
            if conn.vendor == "sqlite":
                _restore_sqlite(conn, db)
            else:
                _restore_postgresql(conn, db, tool)
        except BackupError:
            _undo_media(aside, root, staged_media)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    result = RestoreResult(path, manifest, _live_counts(conn), media_files, verify_chain(), media_aside=aside)
    if result.counts != manifest.get("counts"):
        result.problems.append(f"row counts differ from the backup's {manifest.get('counts')} "
                               "(was something writing to the database during the restore?)")
    if not result.chain.ok:
        result.problems.append(f"the audit chain is broken after the restore ({result.chain.problem}, "
                               f"first broken row #{result.chain.first_broken_id}); run `gongzhi audit verify`")
    keys = check_keys(conn)
    if keys:
        result.problems.append(keys)
    pending = _pending_migrations(conn)
    if pending:
        result.notes.append(f"the restored database lacks {pending} migration(s) of this version: run `gongzhi migrate`")
    return result
