"""Proof 7d, uploads: every way a file comes in — the case photo on the grid report (page and
JSON), on a workflow step and on the residents' report; the 台账 import page; the command-line
imports — refuses an oversized, empty or wrong-type file (a picture renamed .xlsx, a truncated
workbook, a zip bomb, an SVG with a script where a photo is wanted) with a message that names
the field and the rule, and leaves nothing behind: no row, no file under MEDIA_ROOT. An accepted
file is stored under MEDIA_ROOT whatever its name says (``../../etc/passwd.xlsx``), and is served
back as what it is, not as a page.

``test_every_upload_is_covered`` fails when a new form file field, a view reading request.FILES
or an API operation taking a file appears without being added here."""

from __future__ import annotations

import importlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

import gongzhi
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.cases.models import Attachment, Case, Step
from gongzhi.cases.services import do_intake, do_transition
from gongzhi.core.access import Role
from gongzhi.registry import import_views, xlsx_rows
from gongzhi.registry.models import Building, ImportJob, Person
from tests.builders import client_for
from tests.proof.hostile import (
    IN_GRID_1,
    CaseWorld,
    case_world,
    media_files,
    multipart,
    write_ledger,
)

pytestmark = pytest.mark.django_db

SRC = Path(gongzhi.__file__).parent
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script>'
       b"<rect width='1' height='1'/></svg>")
PHOTO_LIMIT = 10 * 1024 * 1024

# What a photo field is sent (file name, content, claimed type) and the rule it breaks.
WRONG_TYPE = "只接受 JPEG、PNG 或 WebP 图片"
TOO_BIG = "照片不能超过 10 MB"
EMPTY = "空文件"  # Django's own message, in zh-hans: 所提交的是空文件。
BAD_PHOTOS: dict[str, tuple[str, bytes, str, str]] = {
    "empty": ("empty.jpg", b"", "image/jpeg", EMPTY),
    "text": ("note.jpg", "只是文字，不是照片".encode(), "image/jpeg", WRONG_TYPE),
    "svg_with_script": ("x.svg", SVG, "image/svg+xml", WRONG_TYPE),
    "svg_renamed_jpg": ("x.jpg", SVG, "image/jpeg", WRONG_TYPE),
    "html_renamed_png": ("x.png", b"<html><script>alert(1)</script></html>", "image/png", WRONG_TYPE),
    "gif": ("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", WRONG_TYPE),
    "pdf": ("x.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf", WRONG_TYPE),
    "zip_renamed_jpg": ("x.jpg", b"PK\x03\x04" + b"\x00" * 40, "image/jpeg", WRONG_TYPE),
    "oversized_jpeg": ("big.jpg", JPEG[:4] + b"\x00" * (PHOTO_LIMIT + 1 - 4), "image/jpeg", TOO_BIG),
}
# Names a hostile client gives an acceptable photo; the stored name must stay under MEDIA_ROOT.
HOSTILE_NAMES = ["../../etc/passwd.jpg", "..\\..\\windows\\win.jpg", "/etc/shadow.jpg",
                 "<script>alert(1)</script>.jpg", "\u202egpj.exe", "照片" * 150 + ".jpg", "a\"b'c.jpg"]


@pytest.fixture
def cw(tree: dict[str, Area], settings: Any, tmp_path: Path) -> CaseWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    return case_world(tree)


def media_root() -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def accepted_case(cw: CaseWorld) -> Case:
    case = do_intake(workflow="hotline", title="路灯不亮", channel="hotline", category=cw.lights,
                     lon=IN_GRID_1[0], lat=IN_GRID_1[1], reporter_phone="13800138000").case
    do_transition(cw.dispatcher, case.pk, "dispatch", units=[cw.chengguan])
    return do_transition(cw.handler, case.pk, "accept")


def send(c: Client, url: str, fields: dict[str, str], name: str, content: bytes, ctype: str, **extra: Any) -> Any:
    """A multipart POST carrying the file name exactly as given (the test client would strip a path)."""
    data, content_type = multipart(fields, {"photo": (name, content, ctype)})
    return c.generic("POST", url, data, content_type=content_type, **extra)


def labelled_error(html: str, label: str, rule: str) -> bool:
    """Whether the page shows ``rule`` as the error of the field labelled ``label``."""
    return re.search(rf"<label>{re.escape(label)}<input[^>]*>\s*<span class=\"error\" role=\"alert\">[^<]*"
                     rf"{re.escape(rule)}", html) is not None


# --- what counts as an upload ---------------------------------------------------------------

PHOTO_FORMS = {"gongzhi.cases.forms.GridReportForm.photo", "gongzhi.cases.forms.ActionForm.photo",
               "gongzhi.cases.forms.ResidentReportForm.photo"}
FILE_VIEWS = {"cases/views.py", "cases/public.py", "registry/import_views.py"}


def test_every_upload_is_covered() -> None:
    file_fields = set()
    for path in sorted(SRC.glob("*/forms.py")):
        module = importlib.import_module(f"gongzhi.{path.parent.name}.forms")
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                file_fields |= {f"{module.__name__}.{name}.{f}" for f, field in obj.base_fields.items()
                                if isinstance(field, forms.FileField)}
    assert file_fields == PHOTO_FORMS
    readers = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "request.FILES" in p.read_text()}
    assert readers == FILE_VIEWS
    from django.apps import apps
    from django.db import models

    stored = {f"{m._meta.label}.{f.name}" for m in apps.get_models() for f in m._meta.get_fields()
              if isinstance(f, models.FileField)}
    assert stored == {"cases.Attachment.file"}
    from gongzhi.api import api

    schema = api.get_openapi_schema()
    bodies = {(path, method): list((op.get("requestBody") or {}).get("content", {}))
              for path, ops in schema["paths"].items() for method, op in ops.items()}
    takes_files = {k: v for k, v in bodies.items() if set(v) - {"application/json"}}
    assert not takes_files, f"API operations that take files, not covered here: {takes_files}"


# --- case photos ----------------------------------------------------------------------------

def test_grid_report_photo_page_and_json(cw: CaseWorld) -> None:
    c = client_for(cw.grid_worker)
    base = {"title": "楼下暴露垃圾", "category": str(cw.garbage.pk), "lon": str(IN_GRID_1[0]),
            "lat": str(IN_GRID_1[1]), "datum": "wgs84"}
    problems: list[str] = []
    for key, (name, content, ctype, rule) in BAD_PHOTOS.items():
        for mode in ("page", "json"):
            where = f"/cases/report/ ({mode}) photo={key}"
            cases = Case.objects.count()
            extra = {"HTTP_ACCEPT": "application/json"} if mode == "json" else {}
            resp = send(c, "/cases/report/", {**base, "client_key": f"{key}-{mode}"}, name, content, ctype, **extra)
            if resp.status_code != 400:
                problems.append(f"{where}: expected 400, got {resp.status_code}")
            elif mode == "json":
                errors = resp.json().get("errors", {}).get("photo", [])
                if not any(rule in e for e in errors):
                    problems.append(f"{where}: errors are {resp.json()}")
            elif not labelled_error(resp.content.decode(), "现场照片", rule):
                problems.append(f"{where}: the page does not show {rule!r} at the photo field")
            if Case.objects.count() != cases or Attachment.objects.exists():
                problems.append(f"{where}: a case or an attachment was stored")
            if media_files(media_root()):
                problems.append(f"{where}: files left in MEDIA_ROOT: {media_files(media_root())}")
    assert not problems, "\n".join(problems)


def test_resident_report_photo(cw: CaseWorld) -> None:
    public = Client()
    base = {"title": "小区门口路灯坏了", "reporter_phone": "13800138000", "lon": str(IN_GRID_1[0]),
            "lat": str(IN_GRID_1[1]), "datum": "wgs84"}
    problems: list[str] = []
    for key, (name, content, ctype, rule) in BAD_PHOTOS.items():
        where = f"/track/report/ photo={key}"
        resp = send(public, "/track/report/", base, name, content, ctype)
        if resp.status_code != 400:
            problems.append(f"{where}: expected 400, got {resp.status_code}")
        elif not labelled_error(resp.content.decode(), "照片（可不传）", rule):
            problems.append(f"{where}: the page does not show {rule!r} at the photo field")
        if Case.objects.exists() or Attachment.objects.exists() or media_files(media_root()):
            problems.append(f"{where}: something was stored")
    assert not problems, "\n".join(problems)


def test_step_photo(cw: CaseWorld) -> None:
    c = client_for(cw.handler)
    problems: list[str] = []
    for key, (name, content, ctype, rule) in BAD_PHOTOS.items():
        case = accepted_case(cw)
        where = f"/cases/…/act/ photo={key}"
        resp = send(c, f"/cases/{case.number}/act/", {"action": "reply", "version": str(case.version),
                                                      "note": "已修复"}, name, content, ctype)
        page = c.get(resp["Location"]).content.decode() if resp.status_code == 302 else ""
        if not re.search(rf"<li class=\"error\">photo: [^<]*{re.escape(rule)}", page):
            problems.append(f"{where}: no message naming the photo field and {rule!r}")
        after = Case.objects.get(pk=case.pk)
        if after.version != case.version or Step.objects.filter(case=case, action="reply").exists():
            problems.append(f"{where}: the reply was taken although its photo was refused")
        if Attachment.objects.exists() or media_files(media_root()):
            problems.append(f"{where}: something was stored")
    assert not problems, "\n".join(problems)


def test_accepted_photos_stay_under_media_root_and_are_served_as_images(cw: CaseWorld) -> None:
    media = media_root().resolve()
    grid, handler, public = client_for(cw.grid_worker), client_for(cw.handler), Client()
    base = {"title": "楼下暴露垃圾", "category": str(cw.garbage.pk), "lon": str(IN_GRID_1[0]),
            "lat": str(IN_GRID_1[1]), "datum": "wgs84"}
    resident = {"title": "路灯坏了", "reporter_phone": "13800138000", "lon": str(IN_GRID_1[0]),
                "lat": str(IN_GRID_1[1]), "datum": "wgs84"}
    problems: list[str] = []
    for i, name in enumerate(HOSTILE_NAMES):
        for where, content, ctype in ((f"grid report {name!r}", JPEG, "image/jpeg"),
                                      (f"resident report {name!r}", PNG, "image/png"),
                                      (f"step {name!r}", JPEG, "image/jpeg")):
            before = set(Attachment.objects.values_list("pk", flat=True))
            if where.startswith("grid"):
                resp = send(grid, "/cases/report/", {**base, "client_key": f"n{i}"}, name, content, ctype)
            elif where.startswith("resident"):
                resp = send(public, "/track/report/", resident, name, content, ctype)
            else:
                case = accepted_case(cw)
                resp = send(handler, f"/cases/{case.number}/act/", {"action": "reply", "version": str(case.version),
                                                                    "note": "已修复"}, name, content, ctype)
            new = Attachment.objects.exclude(pk__in=before)
            if resp.status_code not in (200, 302) or new.count() != 1:
                problems.append(f"{where}: not accepted ({resp.status_code}, {new.count()} attachments)")
                continue
            item = new.get()
            stored = (media / item.file.name).resolve()
            if media not in stored.parents or ".." in Path(item.file.name).parts or "\\" in item.file.name:
                problems.append(f"{where}: stored as {item.file.name!r}")
            elif stored.read_bytes() != content:
                problems.append(f"{where}: the stored file differs from the upload")
            served = client_for(cw.dispatcher).get(f"/cases/{item.case.number}/files/{item.pk}/")
            if served.status_code != 200 or served["Content-Type"] != ctype:
                problems.append(f"{where}: served as {served.status_code} {served.get('Content-Type')}")
            elif served.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{where}: served without nosniff")
            elif re.search(r"[\r\n]", served.get("Content-Disposition", "")):
                problems.append(f"{where}: Content-Disposition {served['Content-Disposition']!r}")
    files = [p.resolve() for p in media_files(media)]
    if any(media not in p.parents for p in files) or len(files) != Attachment.objects.count():
        problems.append(f"files outside MEDIA_ROOT or without a row: {files}")
    assert not problems, "\n".join(problems)


# --- the 台账 import page -----------------------------------------------------------------------

GRID = "430104002014001"


def good_ledger(path: Path) -> Path:
    return write_ledger(path, ["楼栋名称", "地址", "所属网格"], [["麓山南路9栋", "麓山南路9号", GRID]])


def zip_bomb(path: Path, template: Path, member: str, megabytes: int = 24) -> Path:
    """A copy of ``template`` whose ``member`` unpacks to ``megabytes`` MB of one cell (about 1000:1)."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != member:
                out.writestr(info, src.read(info.filename))
        with out.open(member, "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            block = b"A" * (1 << 20)
            for _ in range(megabytes):
                f.write(block)
            f.write(b"</t></is></c></row></sheetData></worksheet>")
    return path


def ods(path: Path, content_megabytes: int = 0) -> Path:
    """An OpenDocument spreadsheet; with ``content_megabytes``, its content.xml is a bomb."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
                   '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        with z.open("content.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument'
                    b':xmlns:office:1.0"><office:body><office:spreadsheet>')
            for _ in range(content_megabytes):
                f.write(b" " * (1 << 20))
            f.write(b"</office:spreadsheet></office:body></office:document-content>")
    return path


@pytest.fixture
def importer(tree: dict[str, Area], role_users: dict[str, User], settings: Any, tmp_path: Path) -> Client:
    settings.MEDIA_ROOT = tmp_path / "media"
    return client_for(role_users[Role.COMMUNITY_WORKER])


def bad_ledgers(tmp: Path) -> dict[str, tuple[str, bytes, str]]:
    """file name → (file name sent, content, the rule the page must state)."""
    good = good_ledger(tmp / "good.xlsx").read_bytes()
    bomb = zip_bomb(tmp / "bomb.xlsx", tmp / "good.xlsx", "xl/worksheets/sheet1.xml").read_bytes()
    return {
        "empty xlsx": ("台账.xlsx", b"", "文件是空的"),
        "empty csv": ("台账.csv", b"", "文件是空的"),
        "png renamed .xlsx": ("台账.xlsx", PNG, "不是 Excel"),
        "text renamed .xlsx": ("台账.xlsx", "姓名,身份证号\n张三,1".encode(), "不是 Excel"),
        "truncated xlsx": ("台账.xlsx", good[: len(good) // 2], "已损坏"),
        "zip bomb xlsx": ("台账.xlsx", bomb, "疑似压缩炸弹"),
        "zip bomb ods": ("台账.ods", ods(tmp / "bomb.ods", 24).read_bytes(), "疑似压缩炸弹"),
        "png renamed .csv": ("台账.csv", PNG, "含二进制内容"),
        "png renamed .xls": ("台账.xls", PNG, "不是 Excel"),
        "pdf": ("台账.pdf", b"%PDF-1.4\n", "不支持的文件格式"),
        "no suffix": ("台账", good, "不支持的文件格式"),
        "double suffix": ("台账.xlsx.exe", good, "不支持的文件格式"),
        "svg": ("台账.svg", SVG, "不支持的文件格式"),
    }


def upload(c: Client, name: str, content: bytes, kind: str = "buildings") -> Any:
    data, ctype = multipart({"kind": kind}, {"file": (name, content, "application/octet-stream")})
    return c.generic("POST", "/registry/import/", data, content_type=ctype)


def test_import_page_refuses_bad_files_and_keeps_nothing(importer: Client, tmp_path: Path, settings: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    problems: list[str] = []
    cases = bad_ledgers(tmp_path)
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 1 << 20)  # the check, without sending 200 MB
    cases["oversized"] = ("台账.xlsx", good_ledger(tmp_path / "g.xlsx").read_bytes() + b"\x00" * (1 << 20),
                          "上限为 1 MB")
    for label, (name, content, rule) in cases.items():
        resp = upload(importer, name, content)
        page = resp.content.decode()
        error = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
        if resp.status_code != 400 or error is None:
            problems.append(f"{label}: expected 400 with an error, got {resp.status_code}")
        elif rule not in error.group(1) or "文件" not in error.group(1):
            problems.append(f"{label}: the error {error.group(1)!r} does not say {rule!r} about the file")
        if ImportJob.objects.exists() or media_files(settings.MEDIA_ROOT):
            problems.append(f"{label}: left {ImportJob.objects.count()} jobs, {media_files(settings.MEDIA_ROOT)}")
    assert not problems, "\n".join(problems)
    assert import_views.MAX_UPLOAD_BYTES == 1 << 20
    monkeypatch.undo()
    assert import_views.MAX_UPLOAD_BYTES == 200 * 2**20  # the configured limit, said on the page
    assert "文件不超过 200 MB" in importer.get("/registry/import/").content.decode()


def test_import_page_stores_an_accepted_file_under_media_root_whatever_its_name(
        importer: Client, tmp_path: Path, settings: Any) -> None:
    good = good_ledger(tmp_path / "good.xlsx").read_bytes()
    media = Path(settings.MEDIA_ROOT).resolve()
    problems: list[str] = []
    for name in ("../../etc/passwd.xlsx", "..\\..\\boot.xlsx", "/etc/cron.d/x.xlsx", "<img src=x onerror=alert(1)>.xlsx",
                 "\u202exslx.exe.xlsx", "a\"b'c.xlsx"):
        resp = upload(importer, name, good)
        job = ImportJob.objects.order_by("-id").first()
        if resp.status_code != 302 or job is None:
            problems.append(f"{name!r}: not accepted ({resp.status_code})")
            continue
        stored = Path(job.file_path).resolve()
        if stored.parent != media / "imports" or not stored.exists() or stored.read_bytes() != good:
            problems.append(f"{name!r}: stored at {job.file_path!r}")
        if "/" in job.file_name or "\\" in job.file_name or job.file_name in ("", ".", ".."):
            problems.append(f"{name!r}: the job keeps the name {job.file_name!r}")
        page = importer.get(resp["Location"]).content.decode()
        if "<img src=x" in page:
            problems.append(f"{name!r}: the name is shown unescaped")
    assert not problems, "\n".join(problems)


def test_a_giant_row_is_refused_not_read_into_memory(importer: Client, tmp_path: Path, settings: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """One row bigger than the reader holds at a time (64 MB; 2 MB here) is refused, even when
    the file is not a bomb by its compression ratio."""
    monkeypatch.setattr(xlsx_rows, "MAX_ROW_CHARS", 2 << 20)
    good_ledger(tmp_path / "good.xlsx")
    path = tmp_path / "wide.xlsx"
    import random

    rng = random.Random(7)
    with zipfile.ZipFile(tmp_path / "good.xlsx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, src.read(info.filename))
        cells = "".join(f'<c t="inlineStr"><is><t>{rng.getrandbits(64):x}</t></is></c>' for _ in range(80_000))
        out.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                     'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                     f"{cells}</row></sheetData></worksheet>")
    resp = upload(importer, "wide.xlsx", path.read_bytes())
    assert resp.status_code == 400
    assert "过大" in resp.content.decode()
    assert not ImportJob.objects.exists()
    assert not media_files(settings.MEDIA_ROOT)


# --- the command line -------------------------------------------------------------------------

def test_cli_imports_refuse_bad_files_with_exit_codes_and_messages(
        tree: dict[str, Area], role_users: dict[str, User], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = role_users[Role.COMMUNITY_WORKER].username
    problems: list[str] = []
    buildings = Building.objects.count()
    for label, (name, content, rule) in bad_ledgers(tmp_path).items():
        path = tmp_path / "cli" / label / name
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        for command, args, code in (
            ("registry", ["import", str(path), "--kind", "buildings", "--user", user], 1),
            ("insight", ["train", "--file", str(path), "--label-column", "一级分类", "--text-columns", "留言主题"], 2),
        ):
            try:
                call_command(command, *args)
            except CommandError as exc:
                if exc.returncode != code or rule not in str(exc):
                    problems.append(f"{command} {label}: exit {exc.returncode}, {exc}")
            else:
                problems.append(f"{command} {label}: accepted")
    missing = tmp_path / "no-such.xlsx"
    with pytest.raises(CommandError, match="文件不存在") as exc:
        call_command("registry", "import", str(missing), "--kind", "buildings", "--user", user)
    assert exc.value.returncode == 1
    for command, args in (("areas", ["import-grids"]), ("calendar", ["import"])):
        for label, content in (("png", PNG), ("empty", b""), ("truncated json", b'{"type": "FeatureCollection", ')):
            path = tmp_path / f"{command}-{label}.{'geojson' if command == 'areas' else 'csv'}"
            path.write_bytes(content)
            try:
                call_command(command, *args, str(path))
            except CommandError as err:
                if not str(err).strip() or err.returncode == 0:
                    problems.append(f"{command} {label}: exit {err.returncode} {err}")
            else:
                problems.append(f"{command} {label}: accepted")
    if Building.objects.count() != buildings or Person.objects.exists() or Area.objects.count() != len(tree):
        problems.append("a refused file wrote rows")
    assert not problems, "\n".join(problems)


def test_the_json_api_refuses_a_body_over_the_request_limit(tree: dict[str, Area], role_users: dict[str, User],
                                                            settings: Any) -> None:
    """DATA_UPLOAD_MAX_MEMORY_SIZE (12 MB) bounds a JSON body: a bigger one is a 4xx, nothing stored."""
    cw = case_world(tree)
    c = client_for(cw.dispatcher)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 12 * 1024 * 1024
    big = json.dumps({"title": "路灯", "description": "长" * (limit // 3 + 1), "area": "430104002014"})
    resp = c.post("/api/cases", big, content_type="application/json")
    assert 400 <= resp.status_code < 500, resp.status_code
    assert not Case.objects.exists()
