"""Shared by the injection and upload proofs (test_injection.py, test_uploads.py): hostile text,
the checks that it was stored as sent and shown inert, a small city to submit it in, raw
multipart bodies (the test client would strip a file name's path), and readers for the cells
of an exported workbook and the files under MEDIA_ROOT."""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from django import forms
from django.apps import apps
from django.db import connection
from django.utils.html import escape

from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.areas.models import Area
from gongzhi.cases.models import Category, LimitUnit
from gongzhi.core.access import Role
from tests.builders import make_unit, make_user

# What an attacker types into a text box. NUL is left out on purpose (PostgreSQL cannot store it;
# the forms refuse it); everything else must be stored as it is and shown as text.
PAYLOADS: dict[str, str] = {
    "sql_drop": "'; DROP TABLE cases_case; --",
    "sql_or": '" OR 1=1 --',
    "script": "<script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "svg_onload": '"><svg onload=alert(1)>',
    "template_var": "{{7*7}}",
    "template_tag": "{% debug %}",
    "js_url": "javascript:alert(1)",
    "rtl_override": "\u202egpj.exe\u202c 文件",
    "formula_eq": '=HYPERLINK("http://evil.example/","点此")',
    "formula_plus": "+1+2",
    "formula_minus": "-3+4",
    "formula_at": "@SUM(1+1)",
    "like_wildcards": "100%_达标\\",
    "entity": "&lt;b&gt;&amp;",
}
FORMULA_KEYS = ("formula_eq", "formula_plus", "formula_minus", "formula_at")
LONG_LIMIT = 5000  # the long text for a field without a length limit of its own
ZH = "网格化基层治理共治共享社区居民诉求办理答复回访"


def long_zh(n: int) -> str:
    """``n`` characters of Chinese text (not one repeated character, so nothing collapses it)."""
    return (ZH * (n // len(ZH) + 1))[:n]


def payloads_for(max_length: int | None) -> dict[str, str]:
    """The payloads, plus the longest Chinese text the field takes (exactly its limit)."""
    return {**PAYLOADS, "long_zh": long_zh(max_length or LONG_LIMIT)}


MARKUP = re.compile(r"[<>\"'&]")


JSON_SCRIPT = re.compile(r'<script id="[\w-]+" type="application/json">(.*?)</script>', re.S)


def inert_problems(html: str, value: str, where: str) -> list[str]:
    """Why ``value`` is not shown as inert text in ``html`` (empty if it is): markup must appear
    only escaped; text that a template engine would evaluate must appear as it was typed.
    Data for the page's scripts (``json_script``) is checked apart: it must parse as JSON."""
    problems = []
    for block in JSON_SCRIPT.findall(html):
        try:
            json.loads(block)
        except ValueError:
            problems.append(f"{where}: a json_script block does not parse")
    html = JSON_SCRIPT.sub("", html)
    escaped = str(escape(value))
    if MARKUP.search(value):
        if value in html:
            problems.append(f"{where}: {value!r} appears unescaped")
        if escaped not in html:
            problems.append(f"{where}: the escaped form {escaped!r} is not on the page")
    elif value not in html:
        problems.append(f"{where}: {value!r} is not on the page as typed")
    live = _LiveMarkup()
    live.feed(html)
    live.close()
    problems += [f"{where}: live markup on the page: {found}" for found in live.found]
    return problems


def unescaped_problems(html: str, value: str, where: str) -> list[str]:
    """For a page that may or may not repeat ``value`` (a search box, a refusal): if it does, only
    escaped, and nothing on it would run."""
    problems = []
    html = JSON_SCRIPT.sub("", html)
    if MARKUP.search(value) and value in html:
        problems.append(f"{where}: {value!r} appears unescaped")
    live = _LiveMarkup()
    live.feed(html)
    live.close()
    return problems + [f"{where}: live markup on the page: {found}" for found in live.found]


class _LiveMarkup(HTMLParser):
    """What a browser would run: event handlers and scripts calling alert(, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            v = (value or "").strip().lower()
            if name.startswith("on") and "alert(" in v:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "data") and v.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and "alert(" in data:
            self.found.append(f"<script>{data[:60]!r}")


def text_fields(form: forms.Form) -> dict[str, forms.CharField]:
    """The free-text fields of a form: every CharField (hidden ones too: a client can post them)."""
    return {name: f for name, f in form.fields.items() if isinstance(f, forms.CharField)}


def schema_text_fields(schema: Any) -> dict[str, int | None]:
    """The str fields of a django-ninja schema (pydantic model) with their max_length, if any."""
    out: dict[str, int | None] = {}
    for name, info in schema.model_fields.items():
        ann = info.annotation
        if ann is str or (getattr(ann, "__args__", None) and str in ann.__args__):
            limit = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
            out[name] = limit
    return out


# --- counts: hostile SQL must not touch any other row or table ---------------------------------

def table_counts() -> dict[str, int]:
    """Rows per table of every model, in one query (a dropped table would make it fail)."""
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)
                     if m._meta.managed and not m._meta.proxy})
    q = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {q(t)}" for t in tables)
    with connection.cursor() as cur:
        cur.execute(sql)
        return {t: int(n) for t, n in cur.fetchall()}


def count_problems(before: dict[str, int], after: dict[str, int], may_grow: Iterable[str], where: str) -> list[str]:
    allowed = set(may_grow)
    problems = []
    for table, n in before.items():
        m = after.get(table)
        if m is None:
            problems.append(f"{where}: table {table} is gone")
        elif m < n:
            problems.append(f"{where}: {table} lost rows ({n} → {m})")
        elif m > n and table not in allowed:
            problems.append(f"{where}: {table} grew ({n} → {m}), which it should not")
    return problems


# --- a small city: cases ------------------------------------------------------------------------

IN_GRID_1 = (112.905, 28.205)  # inside 麓山南路社区第1网格 of tests.builders' tree
GRID_1 = "430104002014001"


@dataclass
class CaseWorld:
    tree: dict[str, Area]
    chengguan: Unit
    street: Unit
    community: Unit
    dispatcher: User
    handler: User
    chief: User
    supervisor: User
    grid_worker: User
    lights: Category
    garbage: Category


def case_world(tree: dict[str, Area]) -> CaseWorld:
    district, street, community = tree["430104"], tree["430104002"], tree["430104002014"]
    chengguan = make_unit("dept-430104-chengguan", UnitKind.DEPARTMENT, district, "岳麓区城管局")
    street_office = make_unit("street-430104002", UnitKind.STREET_OFFICE, street, "岳麓街道办事处")
    committee = make_unit("community-430104002014", UnitKind.COMMUNITY_COMMITTEE, community, "麓山南路社区居委会")
    lights = Category.objects.create(code="street-lights", name="路灯不亮", workflow="hotline",
                                     handler_level="department", department="chengguan",
                                     limit_amount=Decimal(5), limit_unit=LimitUnit.WORK_DAYS)
    garbage = Category.objects.create(code="garbage", name="暴露垃圾", workflow="grid_event",
                                      limit_amount=Decimal(4), limit_unit=LimitUnit.WORK_HOURS)
    return CaseWorld(
        tree=tree, chengguan=chengguan, street=street_office, community=committee,
        dispatcher=make_user("p_dispatcher", Role.STREET_DISPATCHER, street, unit=street_office),
        handler=make_user("p_handler", Role.DEPT_HANDLER, district, unit=chengguan),
        chief=make_user("p_chief", Role.CENTER_DUTY_CHIEF, district),
        supervisor=make_user("p_supervisor", Role.CENTER_SUPERVISOR, district),
        grid_worker=make_user("p_gridder", Role.GRID_WORKER, tree[GRID_1], unit=committee),
        lights=lights, garbage=garbage,
    )


# --- raw multipart: the file name exactly as a hostile client sends it --------------------------

def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body; ``files`` maps a field to (file name, content, content type)."""
    boundary = f"----proof{uuid.uuid4().hex}"
    out = BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, (filename, content, ctype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {ctype}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def media_files(root: Path | str) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def write_ledger(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    """A workbook whose every string is a text cell, headers too (xlsxwriter's write() would turn
    a string starting with "=" into a formula)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("台账")
    for r, row in enumerate([headers, *rows]):
        for col, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, col, value)
            elif value is not None:
                sheet.write(r, col, value)
    book.close()
    return path


# --- workbook cells, read from the sheet XML (what Excel and openpyxl read) ----------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@dataclass(frozen=True)
class Cell:
    sheet: str
    ref: str
    type: str  # the t attribute: s (shared string), inlineStr, str (a formula's text), n, b …
    value: str
    formula: str | None  # the <f> text when the cell is a formula


def workbook_cells(data: bytes) -> list[Cell]:
    """Every cell of every worksheet of an xlsx, with its type and whether it is a formula."""
    cells: list[Cell] = []
    with zipfile.ZipFile(BytesIO(data)) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")) for si in root.findall("m:si", _NS)]
        for name in sorted(n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            root = ET.fromstring(z.read(name))
            for c in root.iter(f"{{{_NS['m']}}}c"):
                t = c.get("t", "n")
                f = c.find("m:f", _NS)
                v = c.find("m:v", _NS)
                if t == "s" and v is not None:
                    value = shared[int(v.text or "0")]
                elif t == "inlineStr":
                    value = "".join(x.text or "" for x in c.iter(f"{{{_NS['m']}}}t"))
                else:
                    value = (v.text or "") if v is not None else ""
                cells.append(Cell(name, c.get("r", ""), t, value, (f.text or "") if f is not None else None))
    return cells


def workbook_hyperlinks(data: bytes) -> list[str]:
    with zipfile.ZipFile(BytesIO(data)) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/_rels/")
                and b"hyperlink" in z.read(n)]


def formula_problems(data: bytes, values: Iterable[str], where: str) -> list[str]:
    """Each of ``values`` must be in the workbook as a string cell holding exactly that text;
    no cell may be a formula and no cell may carry a hyperlink."""
    cells = workbook_cells(data)
    problems = [f"{where}: {c.ref} is a formula {c.formula!r}" for c in cells if c.formula is not None]
    problems += [f"{where}: hyperlinks in {n}" for n in workbook_hyperlinks(data)]
    strings = {c.value for c in cells if c.type in ("s", "inlineStr")}
    problems += [f"{where}: {v!r} is not a string cell" for v in values if v not in strings]
    return problems
