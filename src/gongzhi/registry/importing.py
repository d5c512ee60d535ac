"""The Excel 台账 import: read a ledger row by row, check every row, write in batches.

One pass over the file, in one transaction. Every row is checked with the same checkers the
pages use (services.check_person, choice_value, tags.check_tag_values); duplicates within the
file are found through one 64-bit hash per row; every problem goes to the error report as it is
found. The good rows are written 5,000 at a time as they come, with bulk upserts, so
re-importing a ledger updates what it wrote before: people by ID hash, buildings by grid +
address, houses by building + unit + room, organisations by credit code (or name + address),
tags by person + type. By default a file with any bad row writes nothing (all-or-nothing: the
writes stop at the first bad row, the rest is only checked, and the transaction is rolled
back); with ``valid_rows`` the good rows are written. A crash half-way leaves nothing either.

Bulk writes bypass ``Model.save()``, so ``area_path``, ``address_key`` and ``identity_key`` are
set here the way the models' ``save()`` sets them.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import multiprocessing
import os
import re
import threading
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any, NamedTuple

import python_calamine
import xlsxwriter
from django.db import connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, Level
from gongzhi.core import access, audit
from gongzhi.core.idcard import InvalidPhoneError, check_phone
from gongzhi.core.pii import EncryptedField, Sealed, encrypt, hash_field_value, mask
from gongzhi.registry.ledger import LEDGERS, TAG_FIELD_PREFIX, Ledger, auto_map, missing_required
from gongzhi.registry.models import (
    Building,
    Gender,
    House,
    Household,
    HouseUse,
    ImportJob,
    ImportStatus,
    Organisation,
    OrgKind,
    Person,
    PersonTag,
    Relation,
    Residence,
    ResidenceRole,
    ResidencyKind,
    TagType,
    address_key,
    org_key,
)
from gongzhi.registry.services import PersonFields, RegistryInputError, check_person, choice_value
from gongzhi.registry.tags import TagValueError, check_tag_values, encode_values
from gongzhi.registry.xlsx_rows import XlsxBook, XlsxReadError, XlsxTooLargeError, check_zip_sizes

BATCH_SIZE = 5000  # rows per write and per checked batch (bench/registry_import.py: 2,000 → 5,000 = +22 %)
IMPORT_CACHE_KIB = -1_048_576  # SQLite's negative cache_size is in KiB: 1 GiB while an import writes
PAGE_PROBLEMS = 200  # problems kept in memory for the page; the report file has them all
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
ACCEPTED_SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")
STREAMED_SUFFIXES = (".xlsx", ".xlsm")  # read row by row (xlsx_rows); the rest through python-calamine
logger = logging.getLogger(__name__)
NUMERIC_ID = "身份证号被 Excel 存为数字，末位已丢失，请将该列设为文本"


class ImportFileError(ValueError):
    """The file cannot be read as a ledger at all (format, corruption, empty sheet)."""


class MappingError(ValueError):
    """The column mapping cannot work: required columns missing or an unknown target field."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "rule": self.rule}


@dataclass(frozen=True)
class Progress:
    phase: str  # "validate" | "write"
    processed: int
    total: int | None
    valid: int
    rejected: int
    written: int


@dataclass
class ImportResult:
    kind: str
    total: int = 0
    valid: int = 0
    rejected: int = 0
    written: int = 0
    created: int = 0
    refused: bool = False  # rows were bad and nothing was written (all-or-nothing)
    problems: list[Problem] = field(default_factory=list)
    report_path: str = ""


class RowError(Exception):
    def __init__(self, field: str, message: str, value: Any = None) -> None:
        self.field, self.message, self.value = field, message, value
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[type[RowError], tuple[str, str, Any]]:
        return RowError, (self.field, self.message, self.value)  # crosses to the checking processes


# --- reading -------------------------------------------------------------------------------

_HEADER_NOISE = re.compile(r"[\s\u3000]+")


def clean_header(raw: Any) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", "" if raw is None else str(raw)))


def _empty(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


class LedgerFile:
    """An uploaded ledger: its header row and its data rows, read lazily with their real
    (1-based, Excel) row numbers. xlsx is streamed (xlsx_rows), other spreadsheets are read
    with python-calamine, CSV in UTF-8
    (with or without BOM) or GBK/GB18030."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise ImportFileError(f"不支持的文件格式「{suffix or '无扩展名'}」：请上传 xlsx、xls 或 csv 文件")
        if self.path.is_file() and self.path.stat().st_size == 0:
            raise ImportFileError(_("文件是空的（0 字节）：请选择要导入的台账文件。"))
        self.is_csv = suffix == ".csv"
        self._sheet: python_calamine.CalamineSheet | None = None
        self._book: XlsxBook | None = None
        self._encoding = ""
        if self.is_csv:
            self._encoding = _detect_encoding(self.path)
        elif suffix in STREAMED_SUFFIXES:
            # Streamed: python-calamine would hold the whole sheet in memory (1.5 GB for 1 M rows).
            try:
                self._book = XlsxBook(str(self.path))
            except XlsxTooLargeError as exc:
                raise too_large(exc) from None
            except XlsxReadError as exc:
                raise ImportFileError(f"文件已损坏或不是 Excel 文件，无法读取（{exc}）") from None
            if not self._book.sheet_names:
                raise ImportFileError("文件中没有工作表")
        else:
            try:
                if zipfile.is_zipfile(self.path):  # .xlsb, .ods: calamine holds the whole sheet in memory
                    with zipfile.ZipFile(self.path) as z:
                        check_zip_sizes(z)
                book = python_calamine.CalamineWorkbook.from_path(str(self.path))
                if not book.sheet_names:
                    raise ImportFileError("文件中没有工作表")
                self._sheet = book.get_sheet_by_index(0)
            except XlsxTooLargeError as exc:
                raise too_large(exc) from None
            except (python_calamine.CalamineError, zipfile.BadZipFile) as exc:
                raise ImportFileError(f"文件已损坏或不是 Excel 文件，无法读取（{exc}）") from None
        self.header_row, self.headers = self._find_headers()

    def _raw_rows(self) -> Iterator[tuple[int, list[Any]]]:
        if self._book is not None:
            try:
                for i, row in enumerate(self._book.rows(0)):
                    yield i + 1, row
            except XlsxTooLargeError as exc:
                raise too_large(exc) from None
            except XlsxReadError as exc:
                raise ImportFileError(f"文件已损坏，无法读取（{exc}）") from None
            return
        if self._sheet is not None:
            for i, row in enumerate(self._sheet.iter_rows()):
                yield i + 1, row
            return
        with self.path.open(encoding=self._encoding, newline="") as f:
            reader = csv.reader(f)
            try:
                for line in reader:
                    yield reader.line_num, list(line)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise ImportFileError(f"CSV 文件第 {reader.line_num} 行无法读取（{exc}）") from None

    def _find_headers(self) -> tuple[int, list[str]]:
        """The first row with two or more filled cells — past a title row above it (one filled
        cell, often merged); a one-column sheet's first non-empty row within ten rows."""
        found: tuple[int, list[Any]] | None = None
        for number, row in self._raw_rows():
            filled = sum(1 for v in row if text(v))
            if filled >= 2:
                found = (number, row)
                break
            if filled and found is None:
                found = (number, row)
            if found is not None and number - found[0] >= 10:
                break
        if found is None:
            raise ImportFileError("工作表是空的：没有找到表头行")
        number, row = found
        headers = [clean_header(v) for v in row]
        while headers and not headers[-1]:
            headers.pop()
        seen: dict[str, int] = {}
        for i, h in enumerate(headers):
            if h:
                seen[h] = seen.get(h, 0) + 1
                if seen[h] > 1:
                    headers[i] = f"{h}({seen[h]})"
        return number, headers

    @property
    def total_hint(self) -> int | None:
        """Rows below the header (empty ones included) when known without reading the file."""
        if self._book is not None:
            last = re.search(r"(\d+)$", self._book.dimension(0) or "")
            return max(int(last.group(1)) - self.header_row, 0) if last else None
        if self._sheet is None:
            return None
        return max(self._sheet.height - self.header_row, 0)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The data rows below the header, skipping empty ones."""
        for number, row in self._raw_rows():
            if number > self.header_row and not _empty(row):
                yield number, row


def too_large(exc: XlsxTooLargeError) -> ImportFileError:
    return ImportFileError(_("文件过大，无法读取：%(detail)s。请检查文件，或拆分后上传。") % {"detail": exc})


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as f:
        sample = f.read(256 * 1024)
    if not sample.strip():
        raise ImportFileError("文件是空的")
    if b"\x00" in sample[:4096]:
        raise ImportFileError("文件不是文本格式的 CSV（含二进制内容）：请上传 xlsx、xls 或 csv 文件")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError("CSV 文件编码无法识别：请保存为 UTF-8 或 GBK 编码") from None


# --- cell values ---------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def text(value: Any) -> str:
    if type(value) is str:  # most cells: skip the checks below
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def id_text(value: Any) -> str:
    """An ID number cell as text; a number cell that has lost digits is refused, not guessed."""
    if isinstance(value, float) or (isinstance(value, str) and _SCIENTIFIC.match(value.strip())):
        raise RowError("id_number", NUMERIC_ID, value)
    return text(value)


_DATES: dict[str, date] = {}  # date cells as text, parsed once each: a ledger repeats its dates


def date_value(field: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if type(value) is str and (known := _DATES.get(value)) is not None:
        return known
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))  # an Excel date serial in a General cell
    raw = str(value).strip()
    m = _DATE_TEXT.match(raw)
    if not m and len(raw) == 8 and raw.isdigit():
        m = re.match(r"(\d{4})(\d{2})(\d{2})", raw)
    if m:
        try:
            parsed = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        else:
            if isinstance(value, str):
                if len(_DATES) > 50_000:
                    _DATES.clear()
                _DATES[value] = parsed
            return parsed
    raise RowError(field, f"日期格式不正确：「{raw}」，应为 YYYY-MM-DD", value)


def int_value(field: str, value: Any, low: int, high: int) -> int | None:
    raw = text(value)
    if not raw:
        return None
    try:
        number = float(raw.removesuffix("层"))
    except ValueError:
        raise RowError(field, f"应为整数，实为「{raw}」", value) from None
    if not number.is_integer() or not low <= number <= high:
        raise RowError(field, f"应为 {low} 到 {high} 之间的整数，实为「{raw}」", value)
    return int(number)


def float_value(field: str, value: Any, low: float, high: float) -> float | None:
    raw = text(value)
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise RowError(field, f"应为数字，实为「{raw}」", value) from None
    if not low <= number <= high:
        raise RowError(field, f"应在 {low} 到 {high} 之间，实为「{raw}」", value)
    return number


def limited(field: str, raw: str, limit: int) -> str:
    """A cell for a column of ``limit`` characters: a longer one is refused, never cut short."""
    if len(raw) > limit:
        raise RowError(field, _("不能超过 %(limit)d 个字，实为 %(n)d 个字") % {"limit": limit, "n": len(raw)}, raw)
    return raw


def room_text(value: Any) -> str:
    return limited("room", text(value).removesuffix("室"), 20)


def unit_text(value: Any) -> str:
    raw = text(value)
    return limited("unit_no", raw.removesuffix("单元") or raw, 20)


def phone_value(field: str, value: Any) -> str:
    raw = text(value)
    if not raw:
        return ""
    try:
        return check_phone(raw)
    except InvalidPhoneError as exc:
        raise RowError(field, str(exc), value) from None


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_credit_code(raw: str) -> str:
    """统一社会信用代码 (GB 32100-2015): 18 characters, the last a mod-31 check character."""
    code = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(code) != 18:
        raise RowError("credit_code", f"统一社会信用代码应为18位，实为 {len(code)} 位 (GB 32100)", raw)
    if any(c not in USCC_CHARS for c in code) or not code[2:8].isdigit():
        raise RowError("credit_code", "统一社会信用代码含无效字符（不使用 I、O、Z、S、V；第3–8位为行政区划码）(GB 32100)", raw)
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    expected = USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        raise RowError("credit_code", f"统一社会信用代码校验位错误：应为 {expected}，实为 {code[17]} (GB 32100 checksum)", raw)
    return code


RESIDENCY_WORDS = {"户籍": ResidencyKind.REGISTERED, "常住": ResidencyKind.REGISTERED, "本地": ResidencyKind.REGISTERED,
                   "流动": ResidencyKind.FLOATING, "外来": ResidencyKind.FLOATING, "暂住": ResidencyKind.FLOATING,
                   "境外": ResidencyKind.OVERSEAS}
RELATION_WORDS = {"本人": Relation.SELF, "户主本人": Relation.SELF, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE,
                  "妻子": Relation.SPOUSE, "丈夫": Relation.SPOUSE, "子": Relation.CHILD, "女": Relation.CHILD,
                  "儿子": Relation.CHILD, "女儿": Relation.CHILD, "长子": Relation.CHILD, "长女": Relation.CHILD,
                  "次子": Relation.CHILD, "次女": Relation.CHILD, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
                  "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "外孙": Relation.GRANDCHILD,
                  "外孙女": Relation.GRANDCHILD, "兄弟": Relation.SIBLING, "姐妹": Relation.SIBLING}
GENDER_WORDS = {"男性": "男", "女性": "女", "M": "男", "F": "女"}
_TAG_SPLIT = re.compile(r"[,，、;；/\s]+")


# --- lookups shared by the rows of one import ------------------------------------------------

@dataclass(frozen=True)
class GridRef:
    id: int
    path: str
    name: str


class Lookups:
    """Grids, buildings and tag types loaded once per import, and the user's scope per grid,
    so checking a row costs no query."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.grids_by_code: dict[str, GridRef] = {}
        self.grids_by_name: dict[str, list[GridRef]] = defaultdict(list)
        for pk, code, path, name in Area.objects.filter(level__in=(Level.GRID, Level.MICRO_GRID), is_active=True)\
                .values_list("id", "code", "path", "name"):
            ref = GridRef(pk, path, name)
            self.grids_by_code[code] = ref
            self.grids_by_code[path] = ref
            self.grids_by_name[name].append(ref)
        self.not_grids = dict(Area.objects.filter(level__lt=Level.GRID).values_list("code", "name"))
        self._allowed: dict[str, bool] = {}
        self._buildings: dict[tuple[int, str], int] | None = None
        self._buildings_any: dict[str, list[tuple[int, int]]] = {}
        self.building_grid: dict[int, GridRef] = {}
        self._keys: dict[str, str] = {}  # building cell → address_key: a ledger repeats its buildings
        self.tag_types: dict[str, TagType] = {}
        for tt in TagType.objects.all():
            self.tag_types[tt.name] = tt
            self.tag_types[tt.code] = tt

    def warm(self) -> None:
        """Load what checking rows reads lazily, so forked checkers need no database."""
        self._load_buildings()
        for ref in self.grids_by_code.values():
            self.allowed(ref.path)

    def allowed(self, path: str) -> bool:
        if path not in self._allowed:
            self._allowed[path] = access.can(self.user, access.CHANGE, "registry", path, context=False)
        return self._allowed[path]

    def grid(self, value: Any, *, field: str = "grid") -> GridRef:
        raw = text(value)
        ref = self.grids_by_code.get(raw)
        if ref is None:
            named = self.grids_by_name.get(raw, [])
            if len(named) > 1:
                raise RowError(field, f"网格名称「{raw}」不唯一，请填写网格编码", value)
            if not named:
                if raw in self.not_grids:
                    raise RowError(field, f"「{self.not_grids[raw]}」不是网格，请填写网格编码或名称", value)
                raise RowError(field, f"未知网格「{raw}」", value)
            ref = named[0]
        if not self.allowed(ref.path):
            raise RowError(field, f"「{ref.name}」不在您的管辖范围内，无权导入", value)
        return ref

    def _load_buildings(self) -> dict[tuple[int, str], int]:
        if self._buildings is None:
            self._buildings = {}
            grids = {g.id: g for g in self.grids_by_code.values()}
            names: dict[tuple[int, str], list[int]] = defaultdict(list)
            qs = access.restrict(Building.objects.all(), self.user, access.CHANGE, "registry")
            for pk, grid_id, key, name in qs.values_list("id", "grid_id", "address_key", "name").iterator(chunk_size=5000):
                self._buildings[(grid_id, key)] = pk
                names[(grid_id, address_key(name))].append(pk)
                self._buildings_any.setdefault(key, []).append((grid_id, pk))
                if grid_id in grids:
                    self.building_grid[pk] = grids[grid_id]
            for k, pks in names.items():
                if len(pks) == 1:
                    self._buildings.setdefault(k, pks[0])
        return self._buildings

    def building(self, value: Any, grid: GridRef | None) -> int:
        """A building by address (or by name within the grid); without a grid the address must
        be unique across the user's area."""
        raw = text(value)
        key = self._keys.get(raw)
        if key is None:
            if len(self._keys) > 100_000:  # a ledger of free-text addresses: do not grow without bound
                self._keys.clear()
            key = self._keys[raw] = address_key(raw)
        known = self._load_buildings()
        if grid is not None:
            pk = known.get((grid.id, key))
            if pk is None:
                raise RowError("building", f"「{grid.name}」中没有楼栋「{raw}」（请先导入楼栋台账）", value)
            return pk
        matches = self._buildings_any.get(key, [])
        if len(matches) > 1:
            raise RowError("building", f"楼栋地址「{raw}」在多个网格中存在，请填写所属网格", value)
        if not matches:
            raise RowError("building", f"未知楼栋「{raw}」（不在您的辖区，或请先导入楼栋台账）", value)
        return matches[0][1]

    def remember_building(self, pk: int, grid: GridRef, key: str) -> None:
        if self._buildings is not None:
            self._buildings[(grid.id, key)] = pk
            self._buildings_any.setdefault(key, []).append((grid.id, pk))
        self.building_grid[pk] = grid

    def tag_type(self, name: str, *, field: str) -> TagType:
        tt = self.tag_types.get(name)
        if tt is None:
            raise RowError(field, f"未知的重点人群类别「{name}」", name)
        if not tt.is_active:
            raise RowError(field, f"重点人群类别「{tt.name}」已停用", name)
        return tt


def tag_field_labels() -> list[str]:
    labels: list[str] = []
    for tt in TagType.objects.filter(is_active=True):
        labels += [f["label"] for f in tt.fields if f["label"] not in labels]
    return labels


# --- one handler per ledger kind ------------------------------------------------------------

class Record(NamedTuple):
    row: int
    key: str
    data: Any  # the handler's checked values: a dict, or the people ledger's PersonRow


class Handler:
    kind = ""

    def __init__(self, lookups: Lookups, mapped: set[str], today: date) -> None:
        self.lookups, self.mapped, self.today = lookups, mapped, today
        self.ledger: Ledger = LEDGERS[self.kind]

    def parse(self, row: int, cells: dict[str, Any]) -> Record:
        raise NotImplementedError

    def check_batch(self, records: list[Record]) -> dict[int, RowError]:
        """Checks that need the database, one query per batch."""
        return {}

    def write_batch(self, records: list[Record]) -> int:
        raise NotImplementedError

    def update_fields(self, always: list[str], optional: dict[str, str]) -> list[str]:
        """What an upsert overwrites: the always-set fields plus those whose column is in the file
        (a ledger without a 联系电话 column must not blank the phones on file)."""
        return always + [f for col, f in optional.items() if col in self.mapped]


_CHOICE_CACHE: dict[tuple[str, str], str] = {}


def cached_choice(field: str, raw: str, choices: Any, default: str = "") -> str:
    """services.choice_value, remembered per distinct value: the same rule, without translating
    every label again for each of a million rows."""
    key = (f"{field}:{choices.__name__}:{default}", raw)
    value = _CHOICE_CACHE.get(key)
    if value is None:
        try:
            value = choice_value(field, raw, choices, default)
        except RegistryInputError as exc:
            raise RowError(field, str(exc).split(": ", 1)[-1], raw) from None
        if len(_CHOICE_CACHE) > 10_000:  # free text in a choice column: do not grow without bound
            _CHOICE_CACHE.clear()
        _CHOICE_CACHE[key] = value
    return value


def _person_fields(cells: dict[str, Any], today: date) -> PersonFields:
    gender = text(cells.get("gender"))
    residency = text(cells.get("residency"))
    relation = text(cells.get("relation"))
    birth = date_value("birth_date", cells.get("birth_date"))
    try:
        # Choices are checked below through the cache; check_person does the rest of its rules.
        fields = check_person(
            name=text(cells.get("name")), id_number=id_text(cells.get("id_number")),
            phone=text(cells.get("phone")), birth_date=birth, ethnicity=text(cells.get("ethnicity")),
            registered_address=text(cells.get("registered_address")), today=today,
        )
    except RegistryInputError as exc:
        raise RowError(exc.field, str(exc).split(": ", 1)[-1], cells.get(exc.field)) from None
    given = cached_choice("gender", GENDER_WORDS.get(gender, gender), Gender) if gender else ""
    if given and fields.gender and given != fields.gender:
        raise RowError("gender", "性别与身份证号第17位不符 (GB 11643: odd = male)", gender)
    residency = RESIDENCY_WORDS.get(residency.removesuffix("人口").removesuffix("人员"), residency)
    return fields._replace(
        gender=fields.gender or given,
        residency=cached_choice("residency", residency, ResidencyKind, ResidencyKind.REGISTERED),
        relation=cached_choice("relation", RELATION_WORDS.get(relation, relation), Relation))


PERSON_PURPOSE = Person._meta.get_field("purpose").get_default()
PERSON_BASIS = Person._meta.get_field("legal_basis").get_default()


def _db_values(model: type[models.Model], names: list[str]) -> tuple[list[str], list[tuple[int, Callable[[Any], Any]]]]:
    """Column names, and the converters of the columns that need one for raw executemany
    writes: encrypted fields through the model field (each value encrypted), dates and times
    through the backend (remembered per value: a batch shares its timestamp and many dates)."""
    columns: list[str] = []
    prep: list[tuple[int, Callable[[Any], Any]]] = []
    ops = connection.ops
    for i, name in enumerate(names):
        f = model._meta.get_field(name)
        assert isinstance(f, models.Field)
        columns.append(ops.quote_name(f.column))
        if isinstance(f, EncryptedField):
            prep.append((i, f.get_prep_value))
        elif isinstance(f, models.DateTimeField):
            prep.append((i, _remembered(ops.adapt_datetimefield_value)))
        elif isinstance(f, models.DateField):
            prep.append((i, _remembered(ops.adapt_datefield_value)))
    return columns, prep


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = out = convert(value)
            return out
    return remembered


def _prepared(rows: list[list[Any]], prep: list[tuple[int, Callable[[Any], Any]]]) -> list[list[Any]]:
    for row in rows:
        for i, p in prep:
            row[i] = p(row[i])
    return rows


def raw_insert(model: type[models.Model], names: list[str], rows: list[list[Any]]) -> None:
    """INSERT many rows (COPY on PostgreSQL, one executemany on SQLite): Django's bulk_create
    compiles every value of every row through the SQL compiler, which costs more than the
    database's work here. The rows' lists are converted in place."""
    columns, prep = _db_values(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    values = _prepared(rows, prep)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # COPY: one stream for the whole batch instead of a statement per row.
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        cur.executemany(sql, values)


def raw_update(model: type[models.Model], names: list[str], rows: list[list[Any]]) -> None:
    """UPDATE many rows by primary key in one executemany; each row is its values in the order
    of ``names``, then the primary key."""
    columns, prep = _db_values(model, names)
    sets = ", ".join(f"{c} = %s" for c in columns)
    sql = f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {sets} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cur:
        cur.executemany(sql, _prepared(rows, prep))


def select_in(model: type[models.Model], columns: str, column: str, values: Collection[Any],
              where: str = "") -> list[tuple[Any, ...]]:
    """``SELECT columns FROM model's table WHERE column IN values [AND where]`` without the ORM's
    work per value (a batch looks up thousands of keys): on PostgreSQL one array parameter
    (``= ANY``: a query of thousands of placeholders costs the driver more to parse than the
    server to run), elsewhere in chunks of placeholders the backend accepts."""
    table = connection.ops.quote_name(model._meta.db_table)
    also = f" AND {where}" if where else ""
    items = list(values)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT {columns} FROM {table} WHERE {column} = ANY(%s){also}", [items])  # noqa: S608
            found: list[tuple[Any, ...]] = cur.fetchall()
            return found
        chunk = min(connection.features.max_query_params or 2000, 2000)
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(items), chunk):
            part = items[i:i + chunk]
            cur.execute(f"SELECT {columns} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(part))}){also}",  # noqa: S608
                        part)
            out.extend(cur.fetchall())
        return out


class PersonRow(NamedTuple):
    """A checked row of the people ledger: plain values, cheap to send back from a checker."""

    fields: PersonFields
    grid: GridRef
    building_id: int | None
    unit_no: str
    room: str
    household: str
    since: date | None
    tags: tuple[int, ...]
    # Encrypted where rows are checked (in parallel with --workers), not at the write.
    sealed_id: str
    sealed_phone: str

    @property
    def house_key(self) -> tuple[int, str, str] | None:
        return (self.building_id, self.unit_no, self.room) if self.building_id else None


class PeopleHandler(Handler):
    kind = "people"

    def parse(self, row: int, cells: dict[str, Any]) -> Record:
        fields = _person_fields(cells, self.today)
        if not fields.id_number or not fields.id_number_hash:
            raise RowError("id_number", "身份证号不能为空 (required)", "")
        grid = self.lookups.grid(cells.get("grid"))
        building_raw, room = text(cells.get("building")), room_text(cells.get("room"))
        building_id = None
        if building_raw or room:
            if not building_raw:
                raise RowError("building", "填写了房号，须同时填写楼栋地址", "")
            if not room:
                raise RowError("room", "填写了楼栋，须同时填写房号", "")
            building_id = self.lookups.building(building_raw, grid)
        since = date_value("since", cells.get("since"))
        if since and since > self.today:
            raise RowError("since", f"入住日期 {since} 晚于今天", cells.get("since"))
        tags: list[int] = []
        for name in _TAG_SPLIT.split(text(cells.get("tags"))) if cells.get("tags") else ():
            if not name:
                continue
            tt = self.lookups.tag_type(name, field="tags")
            try:
                check_tag_values(tt, {})
            except TagValueError as exc:
                raise RowError("tags", f"「{tt.name}」有必填字段（{exc.field}），请用重点人群名单导入", name) from None
            tags.append(tt.pk)
        household = limited("household_number", text(cells.get("household_number")), 30)
        return Record(row, fields.id_number_hash, PersonRow(
            fields, grid, building_id, unit_text(cells.get("unit_no")), room, household, since, tuple(tags),
            encrypt(fields.id_number), encrypt(fields.phone) if fields.phone else ""))

    def write_batch(self, records: list[Record]) -> int:
        now = timezone.now()
        rows: list[PersonRow] = [r.data for r in records]
        houses = self._houses(rows)
        households = self._households(rows, houses, now)
        existing = {h: (pk, path) for h, pk, path in select_in(
            Person, "id_number_hash, id, area_path", "id_number_hash", [r.key for r in records])}
        always = ["name", "id_number", "id_number_hash", "gender", "birth_date", "grid", "area_path", "updated_at"]
        optional = {"ethnicity": "ethnicity", "residency": "residency", "registered_address": "registered_address",
                    "relation": "relation", "household_number": "household"}
        names = self.update_fields(always, optional)
        inserts: list[list[Any]] = []
        updates: list[list[Any]] = []
        phones: list[list[Any]] = []
        for r in records:
            d: PersonRow = r.data
            f = d.fields
            household = households[d.household] if d.household else None
            pk = existing.get(r.key, (None, ""))[0]
            if pk is None:
                inserts.append([f.name, Sealed(d.sealed_id), f.id_number_hash, Sealed(d.sealed_phone), f.phone_hash,
                                f.gender, f.birth_date, f.ethnicity, f.residency, f.registered_address, f.relation,
                                d.grid.id, d.grid.path, now, household, None, PERSON_PURPOSE, PERSON_BASIS, None])
                continue
            values = {"name": f.name, "id_number": Sealed(d.sealed_id), "id_number_hash": f.id_number_hash,
                      "gender": f.gender, "birth_date": f.birth_date, "ethnicity": f.ethnicity,
                      "residency": f.residency, "registered_address": f.registered_address, "relation": f.relation,
                      "grid": d.grid.id, "area_path": d.grid.path, "updated_at": now, "household": household}
            updates.append([values[n] for n in names] + [pk])
            if "phone" in self.mapped and f.phone:  # a blank phone cell keeps the phone on file
                phones.append([Sealed(d.sealed_phone), f.phone_hash, pk])
        if inserts:
            raw_insert(Person, ["name", "id_number", "id_number_hash", "phone", "phone_hash", "gender", "birth_date",
                                "ethnicity", "residency", "registered_address", "relation", "grid", "area_path",
                                "updated_at", "household", "left_at", "purpose", "legal_basis", "anonymised_at"],
                       inserts)
        if updates:
            raw_update(Person, names, updates)
        if phones:
            raw_update(Person, ["phone", "phone_hash"], phones)
        ids = {h: pk for h, (pk, _path) in existing.items()}
        if inserts:
            ids.update(select_in(Person, "id_number_hash, id", "id_number_hash", [row[2] for row in inserts]))
        heads = [[ids[r.key], households[r.data.household]] for r in records
                 if r.data.household and r.data.fields.relation == Relation.SELF]
        if heads:
            raw_update(Household, ["head"], heads)
        self._residences(records, ids, houses)
        moved: dict[str, list[int]] = defaultdict(list)
        for r in records:
            pk, old_path = existing.get(r.key, (None, ""))
            if pk and old_path != r.data.grid.path:
                moved[r.data.grid.path].append(pk)
        for path, pks in moved.items():
            PersonTag.objects.filter(person_id__in=pks).update(area_path=path)
        wanted = {t for r in records for t in r.data.tags}
        basis = ({pk: (p, b) for pk, p, b in TagType.objects.filter(pk__in=wanted).values_list("pk", "purpose", "legal_basis")}
                 if wanted else {})
        tags = [PersonTag(person_id=ids[r.key], tag_type_id=t, values="", area_path=r.data.grid.path,
                          purpose=basis[t][0], legal_basis=basis[t][1])
                for r in records for t in r.data.tags]
        if tags:
            PersonTag.objects.bulk_create(tags, ignore_conflicts=True)
        return len(records)

    def _houses(self, rows: list[PersonRow]) -> dict[tuple[int, str, str], tuple[int, str]]:
        """(building, unit, room) → (house id, area path), the missing houses created."""
        keys = {k for d in rows if (k := d.house_key) is not None}
        if not keys:
            return {}

        def known() -> dict[tuple[int, str, str], tuple[int, str]]:
            # All three columns of the (building, unit, room) index constrained, so the index is
            # probed per combination rather than scanned through every house of each building.
            return {(b, u, r): (pk, path) for pk, b, u, r, path in House.objects.filter(
                building_id__in={k[0] for k in keys}, unit_no__in={k[1] for k in keys},
                room__in={k[2] for k in keys}).order_by().values_list("id", "building_id", "unit_no", "room",
                                                                      "area_path")}
        found = known()
        now = timezone.now()
        new = []
        for k in keys - found.keys():
            grid = self.lookups.building_grid[k[0]]
            new.append([k[0], grid.id, grid.path, k[1], k[2], HouseUse.OWNER.value, now])
        if new:
            raw_insert(House, ["building", "grid", "area_path", "unit_no", "room", "use", "updated_at"], new)
            found = known()
        return found

    def _households(self, rows: list[PersonRow], houses: dict[tuple[int, str, str], tuple[int, str]],
                    now: datetime) -> dict[str, int]:
        numbers = {d.household: d for d in rows if d.household}
        if not numbers:
            return {}
        existing: dict[str, int] = dict(select_in(Household, "number, id", "number", numbers))
        names = ["grid", "area_path", "house", "kind", "updated_at"]
        inserts, updates = [], []
        for number, d in numbers.items():
            key = d.house_key
            house = houses.get(key) if key else None
            row = [d.grid.id, d.grid.path, house[0] if house else None, d.fields.residency, now]
            if number in existing:
                updates.append([*row, existing[number]])
            else:
                inserts.append([*row, number])
        if updates:
            raw_update(Household, names, updates)
        if inserts:
            raw_insert(Household, [*names, "number"], inserts)
            existing.update(select_in(Household, "number, id", "number", [row[-1] for row in inserts]))
        return existing

    def _residences(self, records: list[Record], ids: dict[str, int],
                    houses: dict[tuple[int, str, str], tuple[int, str]]) -> None:
        """services.move_person in bulk: a new current residence ends the previous one."""
        wanted = {}
        for r in records:
            key = r.data.house_key
            house = houses.get(key) if key else None
            if house is not None:
                wanted[ids[r.key]] = (house, r.data.since or self.today)
        if not wanted:
            return
        current: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for pk, person_id, house_id in select_in(
                Residence, "id, person_id, house_id", "person_id", wanted,
                f"role = '{ResidenceRole.LIVES.value}' AND until IS NULL"):
            current[person_id].append((pk, house_id))
        ends: dict[date, list[int]] = defaultdict(list)
        new: list[list[Any]] = []
        for person_id, ((house_id, house_path), since) in wanted.items():
            if any(h == house_id for _pk, h in current[person_id]):
                continue
            ends[since].extend(pk for pk, _h in current[person_id])
            new.append([person_id, house_id, ResidenceRole.LIVES.value, since, None, house_path])
        for until, pks in ends.items():
            if pks:
                Residence.objects.filter(pk__in=pks).update(until=until)
        if new:
            raw_insert(Residence, ["person", "house", "role", "since", "until", "area_path"], new)


class BuildingsHandler(Handler):
    kind = "buildings"

    def parse(self, row: int, cells: dict[str, Any]) -> Record:
        name, address = text(cells.get("name")), text(cells.get("address"))
        if not name:
            raise RowError("name", "楼栋名称不能为空 (required)", "")
        if not address:
            raise RowError("address", "地址不能为空 (required)", "")
        if len(name) > 80 or len(address) > 200:
            raise RowError("name" if len(name) > 80 else "address", "名称不能超过 80 个字，地址不能超过 200 个字",
                           name if len(name) > 80 else address)
        grid = self.lookups.grid(cells.get("grid"))
        lon = float_value("lon", cells.get("lon"), 73, 136)
        lat = float_value("lat", cells.get("lat"), 3, 54)
        if (lon is None) != (lat is None):
            raise RowError("lon" if lon is None else "lat", "经度和纬度须同时填写", "")
        key = address_key(address)
        return Record(row, f"{grid.id}|{key}", {
            "grid": grid, "name": name, "address": address, "key": key,
            "floors": int_value("floors", cells.get("floors"), 1, 200), "lon": lon, "lat": lat})

    def write_batch(self, records: list[Record]) -> int:
        now = timezone.now()
        objs = [Building(grid_id=r.data["grid"].id, area_path=r.data["grid"].path, name=r.data["name"],
                         address=r.data["address"], address_key=r.data["key"], floors=r.data["floors"],
                         lon=r.data["lon"], lat=r.data["lat"], updated_at=now) for r in records]
        fields = self.update_fields(["name", "address", "area_path", "updated_at"],
                                    {"floors": "floors", "lon": "lon", "lat": "lat"})
        Building.objects.bulk_create(objs, update_conflicts=True, unique_fields=["grid", "address_key"],
                                     update_fields=fields)
        return len(objs)


class HousesHandler(Handler):
    kind = "houses"

    def parse(self, row: int, cells: dict[str, Any]) -> Record:
        grid = self.lookups.grid(cells.get("grid")) if text(cells.get("grid")) else None
        building_id = self.lookups.building(cells.get("building"), grid)
        bgrid = self.lookups.building_grid.get(building_id)
        if bgrid is None or not self.lookups.allowed(bgrid.path):
            raise RowError("building", "该楼栋不在您的管辖范围内，无权导入", cells.get("building"))
        room = room_text(cells.get("room"))
        if not room:
            raise RowError("room", "房号不能为空 (required)", "")
        unit_no = unit_text(cells.get("unit_no"))
        use = cached_choice("use", text(cells.get("use")), HouseUse, HouseUse.OWNER)
        area = text(cells.get("floor_area")).removesuffix("㎡").removesuffix("平方米")
        floor_area = None
        if area:
            try:
                floor_area = Decimal(area).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise RowError("floor_area", f"面积应为数字，实为「{area}」", cells.get("floor_area")) from None
            if not 0 < floor_area < 1_000_000:
                raise RowError("floor_area", f"面积应在 0 到 1000000 之间，实为「{area}」", cells.get("floor_area"))
        return Record(row, f"{building_id}|{unit_no}|{room}", {
            "building_id": building_id, "grid": bgrid, "unit_no": unit_no, "room": room, "use": use,
            "floor": int_value("floor", cells.get("floor"), -10, 200), "floor_area": floor_area})

    def write_batch(self, records: list[Record]) -> int:
        now = timezone.now()
        objs = [House(building_id=r.data["building_id"], grid_id=r.data["grid"].id, area_path=r.data["grid"].path,
                      unit_no=r.data["unit_no"], room=r.data["room"], floor=r.data["floor"], use=r.data["use"],
                      floor_area=r.data["floor_area"], updated_at=now) for r in records]
        fields = self.update_fields(["updated_at"], {"floor": "floor", "use": "use", "floor_area": "floor_area"})
        House.objects.bulk_create(objs, update_conflicts=True, unique_fields=["building", "unit_no", "room"],
                                  update_fields=fields)
        return len(objs)


class OrganisationsHandler(Handler):
    kind = "organisations"

    def parse(self, row: int, cells: dict[str, Any]) -> Record:
        name = text(cells.get("name"))
        if not name:
            raise RowError("name", "名称不能为空 (required)", "")
        if len(name) > 120:
            raise RowError("name", "名称不能超过 120 个字", name)
        raw_code = text(cells.get("credit_code"))
        code = check_credit_code(raw_code) if raw_code else ""
        kind = cached_choice("kind", text(cells.get("kind")), OrgKind, OrgKind.COMPANY)
        address = limited("address", text(cells.get("address")), 200)
        grid = self.lookups.grid(cells.get("grid"))
        phone = phone_value("contact_phone", cells.get("contact_phone"))
        key = org_key(code, name, address)
        return Record(row, key, {"name": name, "kind": kind, "code": code, "address": address, "grid": grid,
                                 "contact_name": limited("contact_name", text(cells.get("contact_name")), 60),
                                 "phone": phone})

    def write_batch(self, records: list[Record]) -> int:
        now = timezone.now()
        objs = [Organisation(grid_id=r.data["grid"].id, area_path=r.data["grid"].path, name=r.data["name"],
                             kind=r.data["kind"], credit_code=r.data["code"], address=r.data["address"],
                             contact_name=r.data["contact_name"], contact_phone=r.data["phone"],
                             contact_phone_hash=hash_field_value("phone", r.data["phone"]), identity_key=r.key,
                             updated_at=now) for r in records]
        fields = self.update_fields(["name", "grid", "area_path", "updated_at"], {
            "kind": "kind", "credit_code": "credit_code", "address": "address", "contact_name": "contact_name",
            "contact_phone": "contact_phone"})
        if "contact_phone" in fields:
            fields.append("contact_phone_hash")
        Organisation.objects.bulk_create(objs, update_conflicts=True, unique_fields=["identity_key"],
                                         update_fields=fields)
        return len(objs)


class TagsHandler(Handler):
    kind = "tags"

    def parse(self, row: int, cells: dict[str, Any]) -> Record:
        number = id_text(cells.get("id_number"))
        try:
            fields = check_person(name="-", id_number=number, today=self.today)
        except RegistryInputError as exc:
            raise RowError("id_number", str(exc).split(": ", 1)[-1], number) from None
        if not fields.id_number:
            raise RowError("id_number", "身份证号不能为空 (required)", "")
        tag_name = text(cells.get("tag"))
        if not tag_name:
            raise RowError("tag", "重点人群类别不能为空 (required)", "")
        tt = self.lookups.tag_type(tag_name, field="tag")
        raw = {k[len(TAG_FIELD_PREFIX):]: v for k, v in cells.items()
               if k.startswith(TAG_FIELD_PREFIX) and text(v)}
        try:
            values = check_tag_values(tt, {k: text(v) for k, v in raw.items()})
        except TagValueError as exc:
            raise RowError(TAG_FIELD_PREFIX + exc.field, str(exc).split(": ", 1)[-1], raw.get(exc.field, "")) from None
        return Record(row, f"{fields.id_number_hash}|{tt.pk}", {
            "hash": fields.id_number_hash, "tag_type": tt, "values": encode_values(values),
            "since": date_value("since", cells.get("since")), "name": text(cells.get("name"))})

    def check_batch(self, records: list[Record]) -> dict[int, RowError]:
        people = {h: (pk, path, name) for h, pk, path, name in Person.objects.filter(
            id_number_hash__in=[r.data["hash"] for r in records]).order_by().values_list(
            "id_number_hash", "id", "area_path", "name")}
        errors: dict[int, RowError] = {}
        for r in records:
            found = people.get(r.data["hash"])
            if found is None:
                errors[r.row] = RowError("id_number", "该身份证号的人员未登记，请先导入人员台账", "")
            elif not self.lookups.allowed(found[1]):
                errors[r.row] = RowError("id_number", "该人员不在您的管辖范围内，无权导入", "")
            elif r.data["name"] and r.data["name"] != found[2]:
                errors[r.row] = RowError("name", f"姓名与登记的「{found[2]}」不符", r.data["name"])
            else:
                r.data["person"] = (found[0], found[1])
        return errors

    def write_batch(self, records: list[Record]) -> int:
        objs = [PersonTag(person_id=r.data["person"][0], tag_type_id=r.data["tag_type"].pk, values=r.data["values"],
                          since=r.data["since"], area_path=r.data["person"][1], purpose=r.data["tag_type"].purpose,
                          legal_basis=r.data["tag_type"].legal_basis) for r in records]
        fields = ["values", "area_path"] + (["since"] if "since" in self.mapped else [])
        PersonTag.objects.bulk_create(objs, update_conflicts=True, unique_fields=["person", "tag_type"],
                                      update_fields=fields)
        return len(objs)


HANDLERS: dict[str, type[Handler]] = {h.kind: h for h in (
    PeopleHandler, BuildingsHandler, HousesHandler, OrganisationsHandler, TagsHandler)}


# --- the engine ----------------------------------------------------------------------------

def check_mapping(kind: str, headers: list[str], mapping: dict[str, str] | None = None,
                  overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The header → field mapping to use: the automatic one, changed by ``overrides`` (a field of
    "" drops a header). Refuses unknown headers/fields and missing required columns."""
    if kind not in LEDGERS:
        raise MappingError(f"未知的台账类型「{kind}」，应为 {'/'.join(LEDGERS)} 之一")
    ledger = LEDGERS[kind]
    labels = tag_field_labels() if kind == "tags" else []
    result = dict(mapping) if mapping is not None else auto_map(ledger, headers, labels)
    valid = {c.field for c in ledger.columns} | {TAG_FIELD_PREFIX + lbl for lbl in labels}
    for header, target in (overrides or {}).items():
        header = clean_header(header)
        if header not in headers:
            raise MappingError(f"文件中没有表头「{header}」（表头有：{'、'.join(h for h in headers if h)}）")
        result.pop(header, None)
        if target:
            result[header] = target
    for header, target in result.items():
        if target not in valid:
            raise MappingError(f"表头「{header}」对应的字段「{target}」不存在")
    taken: dict[str, str] = {}
    for header, target in result.items():
        if target in taken:
            raise MappingError(f"表头「{taken[target]}」和「{header}」对应了同一个字段「{ledger.label_of(target)}」")
        taken[target] = header
    missing = missing_required(ledger, result)
    if missing:
        names = "、".join(c.label for c in missing)
        raise MappingError(f"缺少必填列：{names}；请在表头中加上这些列，或在对应步骤中指定哪一列是它们（未导入任何数据）")
    return result


class ReportWriter:
    """Every problem to an xlsx file as it is found (constant memory); the first ones kept for the page."""

    def __init__(self, path: str, ledger: Ledger, header_of: dict[str, str]) -> None:
        self.path, self.ledger, self.header_of = path, ledger, header_of
        self.first: list[Problem] = []
        self.count = 0
        self._book: Any = None
        self._sheet: Any = None

    def add(self, row: int, err: RowError) -> None:
        col = self.ledger.column(err.field)
        value = text(err.value)
        if value and ((col is not None and col.masked) or err.field in ("id_number", "phone", "contact_phone")):
            value = mask("id_number" if err.field == "id_number" else "phone", value)
        problem = Problem(row, self.header_of.get(err.field) or self.ledger.label_of(err.field), value, err.message)
        self.count += 1
        if len(self.first) < PAGE_PROBLEMS:
            self.first.append(problem)
        if self.path:
            if self._book is None:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                # The report repeats what the ledger said: text stays text, never a formula or a link.
                self._book = xlsxwriter.Workbook(self.path, {"constant_memory": True, "strings_to_formulas": False,
                                                             "strings_to_urls": False})
                self._sheet = self._book.add_worksheet("错误报告")
                self._sheet.write_row(0, 0, ["行号", "列", "值", "问题"])
                self._sheet.set_column(0, 0, 8)
                self._sheet.set_column(1, 2, 18)
                self._sheet.set_column(3, 3, 70)
            self._sheet.write_row(self.count, 0, [problem.row, problem.column, problem.value, problem.rule])

    def close(self) -> str:
        if self._book is not None:
            self._book.close()
            return self.path
        return ""


ProgressFn = Callable[[Progress], None]


# Rows can be checked in forked processes (the CLI's --workers) for these ledgers: their checks
# read only the lookups loaded before the fork. The buildings ledger remembers rows as it goes.
PARALLEL_KINDS = ("people",)
QUEUED_BATCHES = 2  # per checking process: what the reader may be ahead of them (memory stays flat)
_INHERITED: list[Any] = []


def _forked() -> None:
    """In a forked reader or checker: the parent's database connections set aside, untouched —
    closing one here would end the parent's session (PostgreSQL) or its locks (SQLite) — and
    never used (this process needs no database)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED.append(conn.connection)  # kept referenced: never finalised in this process
            conn.connection = None


def _check_rows(handler: Handler, batch: list[tuple[int, dict[str, Any]]]) -> tuple[list[Record], dict[int, RowError]]:
    records: list[Record] = []
    errors: dict[int, RowError] = {}
    for number, cells in batch:
        try:
            records.append(handler.parse(number, cells))
        except RowError as exc:
            errors[number] = exc
    return records, errors


def _reader(run: _Run, tasks: Queue[Any], results: Queue[Any], checkers: int) -> None:
    """The reading process: the file's rows in numbered batches, for the checkers."""
    _forked()
    try:
        for seq, batch in enumerate(run._raw_batches()):
            tasks.put((seq, batch))
    except Exception as exc:  # sent to the parent, which raises it
        results.put(("failed", exc))
    finally:
        for _ in range(checkers):
            tasks.put(None)


def _checker(handler: Handler, tasks: Queue[Any], results: Queue[Any]) -> None:
    """A checking process: batches parsed until the reader says there are no more."""
    _forked()
    try:
        while (item := tasks.get()) is not None:
            seq, batch = item
            results.put(("checked", seq, len(batch), *_check_rows(handler, batch)))
    except Exception as exc:  # sent to the parent, which raises it
        results.put(("failed", exc))
    results.put(("done",))


class _Run:
    def __init__(self, source: LedgerFile, kind: str, user: Any, mapping: dict[str, str],
                 progress: ProgressFn | None, today: date | None, workers: int = 1) -> None:
        self.source, self.kind, self.user = source, kind, user
        self.progress = progress
        self.workers = workers
        self.columns = [(i, mapping[h]) for i, h in enumerate(source.headers) if h in mapping]
        self.header_of = {f: h for h, f in mapping.items()}
        self.handler = HANDLERS[kind](Lookups(user), set(mapping.values()), today or timezone.localdate())

    def cells(self, row: list[Any]) -> dict[str, Any]:
        n = len(row)
        return {f: row[i] for i, f in self.columns if i < n}

    def _batches(self) -> Iterator[tuple[list[Record], dict[int, RowError], int]]:
        """Parsed rows in batches with the errors found, and how many rows were read so far."""
        parallel = self.workers > 1 and self.kind in PARALLEL_KINDS and \
            (self.source.total_hint or 0) >= 2 * BATCH_SIZE and "fork" in multiprocessing.get_all_start_methods()
        checked = self._checked_in_processes() if parallel else (
            (len(batch), *_check_rows(self.handler, batch)) for batch in self._raw_batches())
        read = 0
        for n, records, errors in checked:
            read += n
            errors.update(self.handler.check_batch(records))
            yield [r for r in records if r.row not in errors], errors, read

    def _raw_batches(self) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, row in self.source.rows():
            batch.append((number, self.cells(row)))
            if len(batch) >= BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    def _checked_in_processes(self) -> Iterator[tuple[int, list[Record], dict[int, RowError]]]:
        """The raw batches checked, in file order, from forked processes: one reads the file, the
        others check rows (CPU-bound: ID checks, keyed hashes, encryption), while this one
        writes. Checking needs no database: the lookups are loaded before the fork."""
        self.handler.lookups.warm()
        ctx = multiprocessing.get_context("fork")
        tasks: Queue[Any] = ctx.Queue(QUEUED_BATCHES * self.workers)
        results: Queue[Any] = ctx.Queue()
        procs = [ctx.Process(target=_reader, args=(self, tasks, results, self.workers), daemon=True)]
        procs += [ctx.Process(target=_checker, args=(self.handler, tasks, results), daemon=True)
                  for _ in range(self.workers)]
        for proc in procs:
            proc.start()
        try:
            waiting: dict[int, tuple[int, list[Record], dict[int, RowError]]] = {}
            done = following = 0
            while True:
                if following in waiting:
                    yield waiting.pop(following)
                    following += 1
                    continue
                if done == self.workers:
                    break
                message = results.get()
                if message[0] == "failed":
                    raise message[1]
                if message[0] == "done":
                    done += 1
                else:
                    _kind, seq, n, records, errors = message
                    waiting[seq] = (n, records, errors)
            assert not waiting, "every batch read was checked and written in order"
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                proc.join()

    def run(self, report: ReportWriter, *, write: bool, valid_rows: bool = False) -> tuple[int, int, int, int]:
        """One pass: every row checked and every problem reported; with ``write``, the good rows
        of each batch written as they come (the caller holds the transaction) — until a row is
        refused, unless ``valid_rows``: then the import is refused, and only checked from there.
        Returns (total, valid, rejected, written)."""
        seen: dict[int, int] = {}  # hash of the row's identity → first row number
        total = valid = rejected = written = 0
        hint = self.source.total_hint
        phase = "write" if write else "validate"
        for records, errors, read in self._batches():
            problems: list[tuple[int, RowError]] = list(errors.items())
            good: list[Record] = []
            for r in records:
                h = hash(r.key)
                first = seen.get(h)
                if first is not None:
                    field = "id_number" if self.kind in ("people", "tags") else self.handler.ledger.columns[0].field
                    what = {"people": "身份证号", "tags": "身份证号+重点人群类别", "buildings": "网格+地址",
                            "houses": "楼栋+单元+房号", "organisations": "信用代码（或名称+地址）"}[self.kind]
                    problems.append((r.row, RowError(field, f"{what}与第 {first} 行重复", "")))
                else:
                    seen[h] = r.row
                    good.append(r)
            valid += len(good)
            rejected += len(problems)
            for number, err in sorted(problems, key=lambda p: p[0]):
                report.add(number, err)
            if problems and not valid_rows:
                write = False
            if write and good:
                written += self.handler.write_batch(good)
            total = read
            if self.progress:
                self.progress(Progress(phase, read, hint, valid, rejected, written))
        return total, valid, rejected, written


def validate_file(path: Path | str, kind: str, user: Any, *, mapping: dict[str, str] | None = None,
                  report_path: str = "", progress: ProgressFn | None = None, today: date | None = None) -> ImportResult:
    """What an import of this file would reject, and why; nothing written."""
    source = LedgerFile(path)
    mapping = check_mapping(kind, source.headers, mapping)
    run = _Run(source, kind, user, mapping, progress, today)
    report = ReportWriter(report_path, run.handler.ledger, run.header_of)
    total, valid, rejected, _written = run.run(report, write=False)
    return ImportResult(kind=kind, total=total, valid=valid, rejected=rejected, problems=report.first,
                        report_path=report.close())


@contextmanager
def _bulk_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the person indexes while a large ledger is
    written (a 1 M-person registry's ID-hash, phone-hash and name indexes outgrow the
    connection's usual 32 MB and every random insert became a read), restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        (before,) = cur.fetchone()
        cur.execute(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size={int(before)}")


def import_file(path: Path | str, kind: str, user: Any, *, mapping: dict[str, str] | None = None,
                valid_rows: bool = False, report_path: str = "", progress: ProgressFn | None = None,
                file_name: str = "", today: date | None = None, workers: int = 1) -> ImportResult:
    """Check the whole file and write it in one transaction: all or nothing — a bad row refuses
    the import (what was written is rolled back) unless ``valid_rows``; one audit event.
    ``workers`` > 1 checks the rows of a large people ledger in that many forked processes (the
    CLI; a web process with threads does not fork)."""
    source = LedgerFile(path)
    mapping = check_mapping(kind, source.headers, mapping)
    run = _Run(source, kind, user, mapping, progress, today, workers)
    report = ReportWriter(report_path, run.handler.ledger, run.header_of)
    with _bulk_cache(), transaction.atomic():
        total, valid, rejected, written = run.run(report, write=True, valid_rows=valid_rows)
        result = ImportResult(kind=kind, total=total, valid=valid, rejected=rejected, written=written,
                              problems=report.first, report_path=report.close())
        if rejected and not valid_rows:
            result.refused, result.written = True, 0
            transaction.set_rollback(True)
    audit.record("registry.import", actor=user, data={
        "kind": kind, "file": file_name or Path(path).name, "total": total, "valid": valid,
        "rejected": result.rejected, "written": result.written, "valid_rows_only": valid_rows,
        "refused": result.refused})
    return result


# --- jobs: the page's imports, with progress in an ImportJob row ------------------------------

def progress_path(job: ImportJob) -> Path:
    return Path(f"{job.file_path}.progress.json")


def _job_progress(job: ImportJob) -> ProgressFn:
    """The running job's counts, for the page, in a small file beside the upload: the rows being
    written are inside the import's transaction, where an update of the job's row would be too
    (and on SQLite no other connection may write before it commits)."""
    path = progress_path(job)
    scratch = path.with_suffix(".tmp")

    def update(p: Progress) -> None:
        scratch.write_text(json.dumps({"processed": p.processed, "total_rows": p.total, "valid": p.valid,
                                       "rejected": p.rejected, "written": p.written}))
        os.replace(scratch, path)  # the page never reads half a file
    return update


RUNNING = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


def with_live_counts(job: ImportJob) -> ImportJob:
    """The job as the page shows it: while it runs, the counts from its progress file."""
    if job.status in RUNNING:
        try:
            counts = json.loads(progress_path(job).read_text())
        except (OSError, ValueError):
            return job
        for name in ("processed", "valid", "rejected", "written"):
            setattr(job, name, int(counts.get(name) or 0))
        if counts.get("total_rows") is not None:
            job.total_rows = int(counts["total_rows"])
    return job


def run_job(job_id: int, *, write: bool) -> ImportJob:
    """Validate (``write=False``) or import the job's file; the counts go to its progress file
    every batch, and to the job when it ends."""
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    job.status = ImportStatus.IMPORTING if write else ImportStatus.VALIDATING
    job.processed = job.written = 0
    job.save(update_fields=["status", "processed", "written"])
    report = str(Path(job.file_path).with_suffix("")) + "-错误报告.xlsx"
    Path(report).unlink(missing_ok=True)
    kwargs: dict[str, Any] = {"mapping": job.mapping, "report_path": report, "progress": _job_progress(job)}
    try:
        if write:
            result = import_file(job.file_path, job.kind, job.uploaded_by, valid_rows=job.valid_rows_only,
                                 file_name=job.file_name, **kwargs)
        else:
            result = validate_file(job.file_path, job.kind, job.uploaded_by, **kwargs)
    except (ImportFileError, MappingError) as exc:
        progress_path(job).unlink(missing_ok=True)
        job.status, job.message, job.finished_at = ImportStatus.FAILED, str(exc), timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        return job
    except Exception:
        progress_path(job).unlink(missing_ok=True)
        logger.exception("import job %s failed", job_id)
        job.status, job.message, job.finished_at = ImportStatus.FAILED, "导入时发生内部错误，已记录日志", timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        raise
    job.total_rows, job.valid, job.rejected, job.written = result.total, result.valid, result.rejected, result.written
    job.processed = result.total
    job.problems = [p.as_dict() for p in result.problems]
    job.report_path = result.report_path
    if not write:
        job.status = ImportStatus.VALIDATED
    else:
        job.status = ImportStatus.REFUSED if result.refused else ImportStatus.DONE
        job.finished_at = timezone.now()
    job.save()
    progress_path(job).unlink(missing_ok=True)
    return job


def start_job(job: ImportJob, *, write: bool, background: bool) -> None:
    """Run now, or in a thread for a large file (the page polls the job's counts)."""
    if not background:
        run_job(job.pk, write=write)
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING if write else ImportStatus.VALIDATING, processed=0)

    def main() -> None:
        try:
            run_job(job.pk, write=write)
        except Exception:  # noqa: S110 (logged by run_job; a thread has no caller to raise to)
            pass
        finally:
            connection.close()

    threading.Thread(target=main, name=f"import-job-{job.pk}", daemon=True).start()
