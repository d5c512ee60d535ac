"""`gongzhi backup create|restore`: the restore drill, on whichever database the suite runs on.

A backup is made by other connections (SQLite's backup API, pg_dump), so the drill needs data
that is committed: these tests work on the test database outside a test transaction, and put
it back exactly as they found it afterwards — with a backup and a restore of their own. (Not
``django_db(transaction=True)``: its flush afterwards would run into the audit trail's
append-only triggers and delete the chain head row the migrations create.)
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import setup_databases, teardown_databases

from gongzhi import cli
from gongzhi.accounts.models import Post, Unit, UnitKind, User
from gongzhi.areas.models import Area
from gongzhi.cases.models import Case, Category, LimitUnit, Step
from gongzhi.cases.services import do_intake
from gongzhi.core import audit, backup
from gongzhi.core.access import Role
from gongzhi.core.models import AuditChainHead, AuditEvent
from gongzhi.core.pii import hash_field_value
from tests.builders import make_tree, make_unit, make_user

IN_GRID_1 = (112.905, 28.205)  # 麓山南路社区第1网格 in the fixture city
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg \x00\x01"


# Read while the tests are collected, before pytest-django points the connection at a test database.
CONFIGURED_DATABASE = str(django_settings.DATABASES["default"]["NAME"])


@pytest.fixture(scope="module")
def _test_database(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django creates the test database only if a selected test is marked django_db;
    the tests here are not (they must run outside a test transaction), so make sure it exists."""
    if str(connection.settings_dict["NAME"]) != CONFIGURED_DATABASE:
        yield
        return
    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        try:
            yield
        finally:
            teardown_databases(databases, verbosity=0)


@pytest.fixture
def committed_db(_test_database: None, django_db_blocker: Any, tmp_path: Path, settings: Any) -> Iterator[None]:
    """The test database with autocommit, restored at the end to the state it was found in."""
    if str(connection.settings_dict["NAME"]) == CONFIGURED_DATABASE:
        pytest.fail("refusing to run a restore drill on the configured database")
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_db_blocker.unblock():
        found = backup.create_backup(tmp_path / "as-found")
        try:
            AuditChainHead.objects.get_or_create(pk=1)  # an earlier flush may have removed it
            yield
        finally:
            settings.MEDIA_ROOT = tmp_path / "media"
            backup.restore_backup(found.path)


def _make_data(media: Path) -> dict[str, Any]:
    tree = make_tree()
    district = tree["430104"]
    chengguan = make_unit("dept-430104-chengguan", UnitKind.DEPARTMENT, district, "岳麓区城管局")
    dispatcher = make_user("dispatcher", Role.STREET_DISPATCHER, tree["430104002"], phone="13907310001")
    make_user("cg_clerk", Role.DEPT_HANDLER, district, unit=chengguan, phone="13907310002")
    lights = Category.objects.create(code="street-lights", name="路灯不亮", workflow="hotline",
                                     handler_level="department", department="chengguan",
                                     limit_amount=Decimal(5), limit_unit=LimitUnit.WORK_DAYS)
    case = do_intake(workflow="hotline", title="麓山南路路灯一周不亮", channel="hotline", category=lights,
                     lon=IN_GRID_1[0], lat=IN_GRID_1[1], reporter_phone="13800138000", kind="投诉").case
    audit.record("backup.drill", actor=dispatcher, obj=case, reason="恢复演练", data={"n": 1})
    photo = media / "cases" / "2026" / "03" / "现场.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)
    return {"case": case, "photo": photo}


def _state() -> dict[str, Any]:
    models: list[Any] = [User, Post, Unit, Area, Category, Case, Step, AuditEvent]
    head = AuditChainHead.objects.get(pk=1)
    return {"counts": {m.__name__: m.objects.count() for m in models},
            "head": (head.last_id, head.last_hash, head.count)}


def _create(out: Path) -> Path:
    buf = io.StringIO()
    call_command("backup", "create", "--output", str(out), stdout=buf)
    text = buf.getvalue()
    assert "GONGZHI_PII_KEYS" in text
    assert "NOT contain" in text
    assert "不含个人信息加密密钥" in text
    (path,) = out.glob("gongzhi-*.tar.gz")
    assert f"backup written: {path}" in text
    return path


def _drop_guards() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
            cur.execute("DROP TRIGGER core_auditevent_no_delete")


def _destroy(how: str) -> None:
    if how == "rows":  # every row gone (the audit guards first), then a row the backup never had
        _drop_guards()
        call_command("flush", interactive=False, verbosity=0)
        User.objects.create(username="intruder")
        return
    with connection.cursor() as cur:  # every table gone
        if connection.vendor == "postgresql":
            cur.execute("DROP SCHEMA public CASCADE")
            cur.execute("CREATE SCHEMA public")
        else:
            cur.execute("PRAGMA foreign_keys = OFF")
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for (name,) in cur.fetchall():
                cur.execute(f'DROP TABLE "{name}"')


@pytest.mark.parametrize("destroy", ["rows", "everything"])
@pytest.mark.usefixtures("committed_db")
def test_restore_drill(destroy: str, tmp_path: Path, settings: Any) -> None:
    made = _make_data(Path(settings.MEDIA_ROOT))
    before = _state()
    assert before["counts"]["AuditEvent"] >= 2
    path = _create(tmp_path / "backups")

    _destroy(destroy)
    made["photo"].unlink()
    stray = Path(settings.MEDIA_ROOT) / "stray.txt"
    stray.write_text("written after the backup")

    out = io.StringIO()
    call_command("backup", "restore", str(path), "--yes", stdout=out)
    assert f"audit chain ok: {before['counts']['AuditEvent']} rows verified" in out.getvalue()
    assert _state() == before
    report = audit.verify_chain()
    assert report.ok
    assert report.checked == before["counts"]["AuditEvent"]
    assert not User.objects.filter(username="intruder").exists()
    # Personal data reads with the keys kept outside the backup, and exact search still works.
    assert User.objects.get(username="dispatcher").phone.reveal() == "13907310001"
    assert User.objects.filter(phone_hash=hash_field_value("phone", "13907310002")).exists()
    assert Case.objects.get(pk=made["case"].pk).reporter_phone.reveal() == "13800138000"
    # The media are the backup's; what was there before is kept aside, not deleted.
    assert made["photo"].read_bytes() == PHOTO
    assert not stray.exists()
    (aside,) = Path(settings.MEDIA_ROOT).parent.glob("media.before-restore-*")
    assert (aside / "stray.txt").exists()
    # The append-only guards come back with the database.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(action="backup.drill").update(reason="改过")


@pytest.mark.usefixtures("committed_db")
def test_restore_refuses_without_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree()
    path = _create(tmp_path / "backups")
    Area.objects.filter(path="430102001001001").delete()
    with pytest.raises(CommandError, match="--yes") as refused:
        call_command("backup", "restore", str(path))
    assert refused.value.returncode == 2
    with pytest.raises(SystemExit) as exited:
        cli.main(["backup", "restore", str(path)])
    assert exited.value.code == 2
    assert "Run again with --yes" in capsys.readouterr().err
    assert not Area.objects.filter(path="430102001001001").exists()  # nothing restored


@pytest.mark.usefixtures("committed_db")
def test_backup_holds_no_key_material(tmp_path: Path, settings: Any) -> None:
    _make_data(Path(settings.MEDIA_ROOT))
    path = _create(tmp_path / "backups")
    secrets = [*settings.PII_KEYS, settings.PII_HASH_KEY, settings.SECRET_KEY]
    local = backup.secrets_file()
    if local.exists():
        secrets += json.loads(local.read_text(encoding="utf-8")).values()
    raw = path.read_bytes()
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert set(members) == {"manifest.json", backup.DATABASE_MEMBER[connection.vendor],
                            "media/cases/2026/03/现场.jpg"}
    for secret in filter(None, secrets):
        assert secret.encode() not in raw
        assert all(secret.encode() not in body for body in members.values()), "key material in the backup"
    database = members[backup.DATABASE_MEMBER[connection.vendor]]
    assert b"13907310001" not in database  # the phones are in the backup as ciphertext only
    assert b"13800138000" not in database


@pytest.mark.usefixtures("committed_db")
def test_a_restore_with_other_keys_is_written_but_exits_1(tmp_path: Path, settings: Any) -> None:
    make_user("dispatcher", Role.STREET_DISPATCHER, make_tree()["430104002"], phone="13907310001")
    path = _create(tmp_path / "backups")
    keys, hash_key = settings.PII_KEYS, settings.PII_HASH_KEY
    settings.PII_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="GONGZHI_PII_KEYS cannot decrypt") as failed:
        call_command("backup", "restore", str(path), "--yes", stdout=io.StringIO())
    assert failed.value.returncode == 1
    settings.PII_KEYS, settings.PII_HASH_KEY = keys, "another-hash-key"
    with pytest.raises(CommandError, match="GONGZHI_PII_HASH_KEY is not the one") as failed:
        call_command("backup", "restore", str(path), "--yes", stdout=io.StringIO())
    assert failed.value.returncode == 1
    settings.PII_HASH_KEY = hash_key
    assert User.objects.get(username="dispatcher").phone.reveal() == "13907310001"


def test_media_never_takes_the_secrets_file_or_old_backups(tmp_path: Path, settings: Any) -> None:
    settings.VAR_DIR = settings.MEDIA_ROOT = tmp_path  # a careless MEDIA_ROOT: the whole var/
    (tmp_path / "secrets.json").write_text('{"pii_key": "x"}')
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "gongzhi-20260101-000000.tar.gz").write_bytes(b"old")
    (tmp_path / "upload.pdf").write_bytes(b"%PDF")
    assert backup._media_files() == [tmp_path / "upload.pdf"]


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return path


def _manifest(**kw: Any) -> bytes:
    vendor = kw.pop("vendor", connection.vendor)
    data = {"format": "gongzhi-backup", "version": 1, "vendor": vendor, "created_at": "2026-03-01T10:00:00+08:00",
            "database": backup.DATABASE_MEMBER[vendor], "counts": {}, "media_files": 0, **kw}
    return json.dumps(data).encode()


def test_what_is_not_a_backup_is_refused_with_exit_2(tmp_path: Path) -> None:
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    cases = {
        tmp_path / "missing.tar.gz": "no such backup file",
        tmp_path / "notes.txt": "not a gongzhi backup",
        _tar(tmp_path / "other.tar.gz", {"README": b"hello"}): "not a gongzhi backup",
        _tar(tmp_path / "v9.tar.gz", {"manifest.json": _manifest(version=9)}): "format version 9",
        _tar(tmp_path / "other-db.tar.gz", {"manifest.json": _manifest(vendor=other)}):
            f"backup of a {other} database",
    }
    (tmp_path / "notes.txt").write_text("not a backup")
    for path, message in cases.items():
        with pytest.raises(CommandError, match=message) as refused:
            call_command("backup", "restore", str(path), "--yes")
        assert refused.value.returncode == 2


@pytest.mark.usefixtures("committed_db")
def test_a_backup_with_a_bad_member_changes_nothing(tmp_path: Path, settings: Any) -> None:
    make_tree()
    media = Path(settings.MEDIA_ROOT)
    media.mkdir()
    (media / "keep.txt").write_text("mine")
    name = backup.DATABASE_MEMBER[connection.vendor]
    for members, message in [
        ({"manifest.json": _manifest(), "media/x.txt": b"x"}, f"has no {name}"),
        ({"manifest.json": _manifest(), name: b"garbage", "../evil.txt": b"x"}, "unexpected entry"),
        ({"manifest.json": _manifest(), name: b"garbage"}, "database"),
    ]:
        with pytest.raises(CommandError, match=message) as refused:
            call_command("backup", "restore", str(_tar(tmp_path / "bad.tar.gz", members)), "--yes")
        assert refused.value.returncode == 2
    assert Area.objects.count() == 16
    assert (media / "keep.txt").read_text() == "mine"
    assert not list(media.parent.glob(".gongzhi-restore-*"))


def test_a_missing_postgresql_tool_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: ["/usr/lib/postgresql/9.6/bin/pg_dump",
                                                              "/usr/lib/postgresql/17/bin/pg_dump"])
    assert backup.find_pg_tool("pg_dump") == "/usr/lib/postgresql/17/bin/pg_dump"
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    with pytest.raises(backup.BackupError, match="pg_restore not found on PATH"):
        backup.find_pg_tool("pg_restore")


def test_postgresql_connection_details_travel_in_the_environment() -> None:
    env = backup.pg_env({"HOST": "db.internal", "PORT": 5433, "USER": "gz", "PASSWORD": "s3cret",
                         "NAME": "gongzhi", "OPTIONS": {"sslmode": "require"}})
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.internal", "5433", "gz", "s3cret", "gongzhi", "require")
