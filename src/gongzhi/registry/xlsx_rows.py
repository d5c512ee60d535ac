"""A streaming row reader for .xlsx/.xlsm files: the sheet XML is decompressed and parsed a
chunk at a time, so memory stays flat however many rows the sheet has (python-calamine loads
the whole sheet first — python-calamine issue #42).

    for row in iter_xlsx_rows("台账.xlsx"):          # the first sheet
        ...
    with XlsxBook(path) as book:                     # several passes over one file
        book.sheet_names; book.rows(0); book.dimension(0)

Only the shared-strings table (xl/sharedStrings.xml) is held in memory, as a list of str: a
``t="s"`` cell is an index into it, so it must be loaded before the first row, and its size is
that of the distinct strings in the workbook (what Excel and WPS save; xlsxwriter's
constant_memory mode writes inline strings instead and has no table).

Values are the ones python-calamine gives for the same cell (the importer depends on them):

* text → ``str`` (shared, inline and formula strings; rich-text runs joined, phonetic runs
  left out; ``<t>`` text without ``xml:space="preserve"`` stripped of XML whitespace, ``_xHHHH_``
  escapes decoded, line ends normalised to ``\\n`` — all as calamine does);
* numbers → always ``float`` (13800138000 stored as a number is ``13800138000.0``: that is how
  the importer tells an ID number Excel has turned into a number);
* booleans → ``bool``;
* numbers with a date/time number format (built-in 14–22, 27–36, 45, 47, 50–58, or a custom
  format with d/m/y/h/s outside quotes and brackets) → ``datetime.time`` when below 1,
  ``datetime.date`` when whole, else ``datetime.datetime`` (to the millisecond); a duration
  format (46, ``[h]:mm`` …) → ``datetime.timedelta``; the 1900 date system with its leap-year
  bug, or the 1904 one when the workbook says so; ``t="d"`` ISO dates → date/datetime;
* errors (``#N/A`` …) and empty cells → ``None``.

Rows differ from calamine's in shape only, on purpose:

* a row is a list up to its last non-empty cell, missing cells in between are ``None``
  (calamine pads every row to the sheet's width with ``""``); ``None`` and ``""`` mean the
  same to the importer (``_empty``, ``text``, ``date_value``);
* an empty row before the last non-empty one is yielded as ``[]`` so that the n-th row
  yielded is Excel row n; empty rows after the last one are not yielded (nor by calamine);
* column A is always index 0 (calamine starts its rows at the first used column);
* a boolean cell holding something other than 0/1/true/false yields its text (calamine
  refuses the whole file).

Parsing: a regular-expression scanner over the decompressed text, a chunk of whole rows at a
time, for sheets written the usual way (unprefixed element names, attributes r, s, t in that
order — Excel, WPS, LibreOffice, xlsxwriter); any chunk it cannot account for (the count of
cell tags differs from the cells it matched) is parsed again with expat, and a sheet with
prefixed names or not in UTF-8 is parsed with expat throughout. Expat with Python handlers
alone is 3–4× slower than the scanner (about 7,700 against 26,000–36,000 rows/s on a
15-column constant_memory file on the 2-core development machine; bench/xlsx_rows.py).
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Generator, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath
from types import TracebackType
from typing import IO, Any
from xml.parsers import expat

__all__ = ["XlsxBook", "XlsxReadError", "XlsxTooLargeError", "check_zip_sizes", "iter_xlsx_rows", "sheet_names"]

CHUNK = 1 << 20  # bytes of compressed-member output read at a time
# Zip bombs: a part that unpacks to more than this, or to more than MAX_RATIO times its packed
# size once past RATIO_FLOOR, is refused before anything is read (ledgers pack 5–30:1; a bomb
# about 1000:1). The zip module stops a part at its declared size, so the check holds.
MAX_PART_BYTES = 4 << 30
MAX_RATIO = 100
RATIO_FLOOR = 16 << 20
MAX_ROW_CHARS = 64 * CHUNK  # one row (or shared string) held at a time; a longer one is refused
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WS = " \t\r\n"


class XlsxReadError(ValueError):
    """The file is not a readable xlsx/xlsm workbook (not a zip, corrupt, parts missing)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}（{en}）")


class XlsxTooLargeError(XlsxReadError):
    """A part that would unpack to far more than any ledger (a zip bomb), or a row too big to hold."""


def check_zip_sizes(z: zipfile.ZipFile) -> None:
    """Refuse a zip whose parts unpack to more than a real workbook could (see MAX_RATIO)."""
    for info in z.infolist():
        size, packed = info.file_size, max(info.compress_size, 1)
        if size > MAX_PART_BYTES or (size > RATIO_FLOOR and size > MAX_RATIO * packed):
            raise XlsxTooLargeError(
                f"文件中的 {info.filename} 解压后有 {size // 2**20} MB（压缩后 {packed // 2**10} KB），"
                "远超正常台账，疑似压缩炸弹",
                f"{info.filename} unpacks to {size} bytes from {packed}: refused as a zip bomb")


def _too_long(what: str) -> XlsxTooLargeError:
    return XlsxTooLargeError(f"{what}超过 {MAX_ROW_CHARS // 2**20} MB，过大无法读取",
                             f"{what} is longer than {MAX_ROW_CHARS} characters")


def _is_ole2(source: Any) -> bool:
    try:
        if hasattr(source, "read"):
            return False
        with open(source, "rb") as f:
            return f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except (OSError, TypeError):
        return False


def _corrupt(detail: object) -> XlsxReadError:
    return XlsxReadError("文件已损坏或不是 Excel（xlsx）文件，无法读取",
                         f"the file is corrupt or not an xlsx workbook: {detail}")


# --- columns, text, dates ------------------------------------------------------------------

def _column_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_COLS = [_column_letters(i) for i in range(16384)]  # A … XFD
_COL_INDEX = {c: i for i, c in enumerate(_COLS)}


def _col_of(ref: str) -> int:
    """Column index of a cell reference such as "AB12" (-1 if it has no letters)."""
    end = 0
    while end < len(ref) and ref[end].isalpha():
        end += 1
    return _COL_INDEX.get(ref[:end].upper(), -1)


_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _unescape(raw: str) -> str:
    """Raw XML character data as an XML parser gives it: line ends normalised, references decoded."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        raw = _ENTITY.sub(_entity, raw)
    return raw


def _decode_x(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes (control characters; ``_x005F_`` is a literal underscore)."""
    if "_x" in text:
        return _XESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _t_text(text: str, preserve: bool) -> str:
    """A decoded ``<t>`` element's text as calamine gives it."""
    text = _decode_x(text)
    return text if preserve else text.strip(_WS)


# Excel serials are naive local date-times, and so are calamine's values
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001
_EPOCH_EARLY = datetime(1899, 12, 31)  # noqa: DTZ001 (serials below 60: before Excel's phantom 1900-02-29)
_EPOCH_1904 = datetime(1904, 1, 1)  # noqa: DTZ001
_DAY_MS = 86_400_000
DATETIME, DURATION = 1, 2


def excel_datetime(value: float, kind: int, date1904: bool = False) -> Any:
    """An Excel serial as python-calamine converts it: time below 1, date when whole, else
    datetime to the millisecond; timedelta for durations; the number itself when out of range."""
    try:
        if kind == DURATION:
            return timedelta(milliseconds=round(value * _DAY_MS))
        if value < 1:
            ms = round(value * _DAY_MS) % _DAY_MS
            return time(ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000 * 1000)
        base = _EPOCH_1904 if date1904 else (_EPOCH if value >= 60 else _EPOCH_EARLY)
        if value.is_integer():
            return base.date() + timedelta(days=int(value))
        days, ms = divmod(round(value * _DAY_MS), _DAY_MS)
        return base + timedelta(days=days, milliseconds=ms)
    except (OverflowError, ValueError):
        return value


def _iso_value(raw: str) -> Any:
    """A ``t="d"`` cell (ISO 8601 text)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        if text[:1].isdigit() and len(text) > 2 and text[2] == ":":
            return time.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return raw


_BUILTIN_DATES = {*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)}
_BUILTIN_DURATIONS = {46}


def number_format_kind(code: str) -> int:
    """0, DATETIME or DURATION for a custom number format code (its first section): a date/time
    token outside quotes, brackets and escapes; ``[h]``/``[m]``/``[s]`` make it a duration."""
    i, n = 0, len(code)
    ampm = False
    while i < n:
        ch = code[i]
        if ch in "\\_*":  # escaped, width-of or fill character: the next one is a literal
            i += 2
            continue
        if ch == '"':
            end = code.find('"', i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == ";":
            return 0
        if ch == "[":
            end = code.find("]", i + 1)
            inner = code[i + 1:n if end < 0 else end].lower()
            if inner and inner[0] in "hms" and inner == inner[0] * len(inner):
                return DURATION
            i = n if end < 0 else end + 1
            continue
        low = ch.lower()
        if low in "dmyhs":
            return DATETIME
        if low == "a":
            ampm = True
        elif ampm and low in "pm/":
            return DATETIME
        i += 1
    return 0


# --- the workbook -----------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class XlsxBook:
    """An open workbook: its sheets, number formats and (loaded on first use) shared strings."""

    def __init__(self, source: str | IO[bytes] | Any) -> None:
        try:
            self._zip = zipfile.ZipFile(source)
        except zipfile.BadZipFile as exc:
            if _is_ole2(source):
                raise XlsxReadError("文件是加密的 Excel 文件或旧版 xls 文件，不是 xlsx：请另存为不加密的 xlsx",
                                    "an encrypted workbook or a legacy .xls file, not an xlsx zip") from None
            raise _corrupt(exc) from None
        try:
            check_zip_sizes(self._zip)
            self._names = {n.lower(): n for n in self._zip.namelist()}
            workbook = self._workbook_path()
            root = self._xml(workbook)
            rels = self._rels(workbook)
            self.date1904 = False
            for el in root.iter():
                if _local(el.tag) == "workbookPr":
                    self.date1904 = el.get("date1904", "").lower() in ("1", "true")
            self._sheets: list[tuple[str, str]] = []
            for el in root.iter():
                if _local(el.tag) != "sheet":
                    continue
                rid = el.get(f"{{{_REL_NS}}}id") or next(
                    (v for k, v in el.attrib.items() if _local(k) == "id"), "")
                target = rels.get(rid, ("", ""))
                if target[0].endswith("/worksheet"):
                    self._sheets.append((el.get("name", ""), target[1]))
            self._shared_path = next((t for ty, t in rels.values() if ty.endswith("/sharedStrings")), "")
            styles = next((t for ty, t in rels.values() if ty.endswith("/styles")), "")
            self._date_styles = self._load_styles(styles) if styles else {}
        except XlsxReadError:
            self._zip.close()
            raise
        except (ET.ParseError, KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            self._zip.close()
            raise _corrupt(exc) from None
        self._shared: list[str] | None = None

    # zip parts
    def _member(self, name: str) -> str | None:
        return self._names.get(name.lstrip("/").lower())

    def _xml(self, name: str) -> ET.Element:
        member = self._member(name)
        if member is None:
            raise KeyError(name)
        with self._zip.open(member) as f:
            # small parts (workbook, rels, styles); the stdlib's expat (≥ 2.4.1) refuses runaway
            # entity expansion and never loads external entities
            return ET.parse(f).getroot()  # noqa: S314

    def _workbook_path(self) -> str:
        if self._member("_rels/.rels"):
            for el in self._xml("_rels/.rels"):
                if el.get("Type", "").endswith("/officeDocument") and self._member(el.get("Target", "")):
                    return el.get("Target", "").lstrip("/")
        if self._member("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise XlsxReadError("文件不是 Excel（xlsx）工作簿：缺少 xl/workbook.xml",
                            "not an xlsx workbook: xl/workbook.xml is missing")

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target path inside the zip) for a part."""
        path = PurePosixPath(part)
        rels_name = str(path.parent / "_rels" / f"{path.name}.rels")
        if not self._member(rels_name):
            return {}
        out: dict[str, tuple[str, str]] = {}
        for el in self._xml(rels_name):
            target = el.get("Target", "")
            if el.get("TargetMode") == "External":
                continue
            if target.startswith("/"):
                full = target.lstrip("/")
            else:
                parts: list[str] = []
                for seg in (*path.parent.parts, *target.split("/")):
                    if seg == "..":
                        if parts:
                            parts.pop()
                    elif seg and seg != ".":
                        parts.append(seg)
                full = "/".join(parts)
            out[el.get("Id", "")] = (el.get("Type", ""), full)
        return out

    def _load_styles(self, name: str) -> dict[str, int]:
        """Cell style index (as the ``s`` attribute spells it) → DATETIME/DURATION, dates only."""
        if not self._member(name):
            return {}
        root = self._xml(name)
        custom: dict[int, int] = {}
        xfs: list[ET.Element] = []
        for el in root:
            tag = _local(el.tag)
            if tag == "numFmts":
                for fmt in el:
                    try:
                        custom[int(fmt.get("numFmtId", ""))] = number_format_kind(fmt.get("formatCode", ""))
                    except ValueError:
                        continue
            elif tag == "cellXfs":
                xfs = list(el)
        out: dict[str, int] = {}
        for i, xf in enumerate(xfs):
            try:
                fmt_id = int(xf.get("numFmtId", "0"))
            except ValueError:
                continue
            builtin = DATETIME if fmt_id in _BUILTIN_DATES else DURATION if fmt_id in _BUILTIN_DURATIONS else 0
            kind = custom.get(fmt_id, builtin)
            if kind:
                out[str(i)] = kind
        return out

    # public
    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _ in self._sheets]

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _sheet_member(self, sheet: int | str) -> str:
        if isinstance(sheet, str):
            found = [p for n, p in self._sheets if n == sheet]
            if not found:
                raise XlsxReadError(f"工作簿中没有名为「{sheet}」的工作表", f"no sheet named {sheet!r}")
            path = found[0]
        else:
            if not -len(self._sheets) <= sheet < len(self._sheets):
                raise XlsxReadError(f"工作簿中没有第 {sheet + 1} 个工作表（共 {len(self._sheets)} 个）",
                                    f"no sheet at index {sheet}; the workbook has {len(self._sheets)}")
            path = self._sheets[sheet][1]
        member = self._member(path)
        if member is None:
            raise _corrupt(f"worksheet part {path} is missing")
        return member

    def _chunks(self, member: str) -> Generator[str, None, None]:
        """The decoded text of a zip member, about CHUNK bytes at a time."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            with self._zip.open(member) as f:
                while data := f.read(CHUNK):
                    yield decoder.decode(data)
                yield decoder.decode(b"", final=True)
        except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
            raise _corrupt(exc) from None

    def _is_utf8(self, member: str) -> bool:
        """Whether a part is UTF-8 (what the fast scanner reads), by its BOM and XML declaration."""
        try:
            with self._zip.open(member) as f:
                head = f.read(256)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _corrupt(exc) from None
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
            return False
        declared = re.match(rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*encoding=["']([^"']+)""", head)
        return declared is None or declared.group(1).lower().replace(b"-", b"") == b"utf8"

    def _raw_chunks(self, member: str) -> Iterator[bytes]:
        try:
            with self._zip.open(member) as f:
                while data := f.read(CHUNK):
                    yield data
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _corrupt(exc) from None

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            member = self._member(self._shared_path or "xl/sharedStrings.xml")
            self._shared = _read_shared_strings(self, member) if member else []
        return self._shared

    def dimension(self, sheet: int | str = 0) -> str | None:
        """The sheet's ``<dimension ref>`` (such as "A1:O1000001"), as the writer recorded it."""
        member = self._sheet_member(sheet)
        head = ""
        chunks = self._chunks(member)
        try:
            for chunk in chunks:
                head += chunk
                m = _DIMENSION.search(head)
                if m or "sheetData" in head or len(head) > 4 * CHUNK:
                    return m.group(1) if m else None
        finally:
            chunks.close()
        return None

    def rows(self, sheet: int | str = 0) -> Iterator[list[Any]]:
        """The sheet's rows; the n-th row yielded is Excel row n (see the module docstring)."""
        member = self._sheet_member(sheet)
        shared = self.shared_strings
        return _number_rows(_sheet_pairs(self, member, shared))


def sheet_names(source: str | IO[bytes] | Any) -> list[str]:
    with XlsxBook(source) as book:
        return book.sheet_names


def iter_xlsx_rows(source: str | IO[bytes] | Any, sheet: int | str = 0) -> Iterator[list[Any]]:
    """The rows of one sheet (the first by default) of an .xlsx/.xlsm file, streamed. The
    workbook is opened and checked here, so a bad file raises XlsxReadError at the call."""
    book = XlsxBook(source)
    try:
        rows = book.rows(sheet)
    except BaseException:
        book.close()
        raise

    def run() -> Iterator[list[Any]]:
        try:
            yield from rows
        finally:
            book.close()

    return run()


# --- shared strings ----------------------------------------------------------------------------

_SI = re.compile(r'<si>(?:<t>([^<]*)</t>|<t xml:space="preserve">([^<]*)</t>|(.*?))</si>|<si/>', re.S)
_RUN_T = re.compile(r"<t(\s[^>]*)?>([^<]*)</t>")
_RPH = re.compile(r"<rPh\b.*?</rPh>", re.S)
_DIMENSION = re.compile(r'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')


def _rich_text(inner: str) -> str:
    """The text of an ``<si>``/``<is>`` body with runs: the ``<t>`` texts joined, ``<rPh>`` left out."""
    if "<rPh" in inner:
        inner = _RPH.sub("", inner)
    return "".join(_t_text(_unescape(text), "preserve" in (attrs or "")) for attrs, text in _RUN_T.findall(inner))


def _read_shared_strings(book: XlsxBook, member: str) -> list[str]:
    out: list[str] = []
    buf = ""
    if not book._is_utf8(member):
        return _expat_shared_strings(book, member)
    chunks = book._chunks(member)
    for chunk in chunks:
        buf += chunk
        m = re.search(r"<((?:[\w.-]+:)?)sst\b", buf)
        if m:
            if m.group(1):
                chunks.close()
                return _expat_shared_strings(book, member)
            break
        if len(buf) > MAX_ROW_CHARS:
            raise _too_long("共享字符串表的开头")
    else:
        return out
    for chunk in chunks:
        buf += chunk
        cut = buf.rfind("</si>")
        cut2 = buf.rfind("<si/>")
        cut = max(cut + 5 if cut >= 0 else -1, cut2 + 5 if cut2 >= 0 else -1)
        if cut < 0:
            if len(buf) > MAX_ROW_CHARS:
                raise _too_long("一个单元格的文字")
            continue
        if not _shared_region(buf[:cut], out):
            return _expat_shared_strings(book, member)
        buf = buf[cut:]
    if not _shared_region(buf, out):
        return _expat_shared_strings(book, member)
    return out


def _shared_region(region: str, out: list[str]) -> bool:
    """Append the strings of a text holding whole ``<si>`` items; False if one was not understood."""
    found = _SI.findall(region)
    if len(found) != region.count("<si>") + region.count("<si/>") or "<si " in region:
        return False
    special = "&" in region or "\r" in region or "_x" in region
    append = out.append
    for plain, kept, rich in found:
        if plain:
            if special:
                plain = _decode_x(_unescape(plain))
            append(plain.strip(_WS))
        elif kept:
            append(_decode_x(_unescape(kept)) if special else kept)
        elif rich:
            append(_rich_text(rich))
        else:
            append("")
    return True


def _expat_shared_strings(book: XlsxBook, member: str) -> list[str]:
    out: list[str] = []
    parts: list[str] = []
    state = {"si": False, "t": False, "rph": 0, "preserve": False}
    texts: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "si":
            state["si"] = True
            texts.clear()
        elif tag == "rPh":
            state["rph"] += 1
        elif tag == "t" and state["si"] and not state["rph"]:
            state["t"] = True
            state["preserve"] = attrs.get("xml:space") == "preserve"
            parts.clear()

    def end(name: str) -> None:
        tag = name.rpartition(":")[2]
        if tag == "t" and state["t"]:
            state["t"] = False
            texts.append(_t_text("".join(parts), bool(state["preserve"])))
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "si":
            state["si"] = False
            out.append("".join(texts))

    def data(text: str) -> None:
        if state["t"]:
            parts.append(text)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        for chunk in book._raw_chunks(member):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _corrupt(f"sharedStrings: {exc}") from None
    return out


# --- the sheet ---------------------------------------------------------------------------------

_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_R = re.compile(r'(?:^|\s)r="([0-9]+)"')
_CELL = re.compile(
    r'<c(?: r="([A-Z]{1,3})[0-9]+")?(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?(?: (?:cm|vm|ph)="[^"]*")*\s*'
    r"(?:/>|>(?:<f\b[^>]*?/>|<f\b[^>]*>[^<]*</f>)?(?:<v>([^<]*)</v>|<v/>)?"
    r'(?:<is><t>([^<]*)</t></is>|<is><t xml:space="preserve">([^<]*)</t></is>|<is>(.*?)</is>)?</c>)', re.S)

Pair = tuple[int, list[Any]]  # (Excel row number, 0 when the row has no r attribute; values)


def _sheet_pairs(book: XlsxBook, member: str, shared: list[str]) -> Iterator[list[Pair]]:
    """Batches of (row number, values) from a sheet, by the fast scanner where it can."""
    if not book._is_utf8(member):
        yield from _expat_pairs(book, member, shared)
        return
    chunks = book._chunks(member)
    buf = ""
    for chunk in chunks:
        buf += chunk
        m = re.search(r"<((?:[\w.-]+:)?)sheetData\b([^>]*?)(/?)>", buf)
        if m is None:
            if len(buf) > 64 * CHUNK:  # no sheetData in 64 MB of header: not a worksheet we know
                break
            continue
        if m.group(1):
            chunks.close()
            yield from _expat_pairs(book, member, shared)
            return
        if m.group(3):  # <sheetData/>
            return
        buf = buf[m.end():]
        break
    else:
        return
    conv = _Converter(shared, book._date_styles, book.date1904)
    for chunk in chunks:
        buf += chunk
        cut = buf.rfind("</row>")
        if cut < 0:
            if len(buf) > 8 * CHUNK and "</sheetData>" not in buf:
                last = buf.rfind("<row")  # a run of self-closed empty rows
                if last > 0:
                    yield conv.region(buf[:last])
                    buf = buf[last:]
            if len(buf) > MAX_ROW_CHARS:
                raise _too_long("一行")
            continue
        cut += 6
        yield conv.region(buf[:cut])
        buf = buf[cut:]
    end = buf.find("</sheetData>")
    if end >= 0:
        buf = buf[:end]
    if "<row" in buf:
        yield conv.region(buf)


class _Converter:
    """Cell values for the fast scanner and for expat, the same way."""

    def __init__(self, shared: list[str], date_styles: dict[str, int], date1904: bool) -> None:
        self.shared, self.date_styles, self.date1904 = shared, date_styles, date1904

    def value(self, t: str, s: str, v: str | None, text: str | None) -> Any:
        """``v`` and ``text`` (an inline string) are already unescaped; ``text`` has its ``<t>``
        treatment done."""
        if not t or t == "n":
            if not v:
                return None
            try:
                number = float(v)
            except ValueError:
                return v
            if "_" in v or v.strip() != v:  # Python's float() takes "1_0" and " 1", Excel's readers don't
                return v
            kind = self.date_styles.get(s) if s else None
            return excel_datetime(number, kind, self.date1904) if kind else number
        if t == "s":
            if not v:
                return None
            try:
                return self.shared[int(v)]
            except (IndexError, ValueError):
                raise _corrupt(f"shared string {v!r} out of range ({len(self.shared)} strings)") from None
        if t == "inlineStr":
            return text if text is not None else v
        if t == "str":
            return _decode_x(v) if v is not None else text
        if t == "b":
            return {"1": True, "0": False, "true": True, "false": False}.get((v or "").strip(), v)
        if t == "e":
            return None
        if t == "d":
            return _iso_value(v) if v else None
        return v if v is not None else text

    def region(self, region: str) -> list[Pair]:
        """The rows of a text holding whole ``<row>`` elements."""
        found = _split_rows(region)
        cells_expected = region.count("<c")
        if "<rPr" in region:  # rich text: <color>, <charset>, <condense> are not cells
            cells_expected -= region.count("<co") + region.count("<ch")
        if len(found) != region.count("<row"):
            return _expat_region(self, region)
        special = "&" in region or "\r" in region or "_x" in region
        try:
            out, matched = self._rows(found, special)
        except (IndexError, KeyError, ValueError):
            return _expat_region(self, region)
        if matched != cells_expected:
            return _expat_region(self, region)
        return out

    def _rows(self, found: list[tuple[str, str]], special: bool) -> tuple[list[Pair], int]:
        """The fast scanner's rows and how many cells it matched."""
        shared, styles, value = self.shared, self.date_styles, self.value
        cols = _COLS
        out: list[Pair] = []
        matched = 0
        for attrs, body in found:
            if attrs.startswith(' r="'):
                number = int(attrs[4:attrs.index('"', 4)])
            else:
                m = _ROW_R.search(attrs)
                number = int(m.group(1)) if m else 0
            row: list[Any] = []
            if body:
                cells = _CELL.findall(body)
                matched += len(cells)
                for col, s, t, v, it, ip, ix in cells:
                    if not t or t == "n":
                        if v:
                            try:
                                x: Any = float(v)
                            except ValueError:
                                x = v
                            else:
                                if "_" in v or v[0] in _WS or v[-1] in _WS:
                                    x = v
                                elif s and s in styles:
                                    x = excel_datetime(x, styles[s], self.date1904)
                        else:
                            x = None
                    elif t == "s":
                        try:
                            x = shared[int(v)] if v else None
                        except (IndexError, ValueError):
                            x = value(t, s, v, None)  # raises
                    elif t == "inlineStr":
                        if it:
                            x = _decode_x(_unescape(it)).strip(_WS) if special else it.strip(_WS)
                        elif ip:
                            x = _decode_x(_unescape(ip)) if special else ip
                        elif ix:
                            x = _rich_text(ix)
                        else:
                            x = _unescape(v) if v else ""
                    else:
                        x = value(t, s, _unescape(v) if special else v, _rich_text(ix) if ix else
                                  _t_text(_unescape(it), False) if it else _t_text(_unescape(ip), True) if ip
                                  else None)
                    n = len(row)
                    if col and col != cols[n]:
                        i = _COL_INDEX.get(col, n)
                        if i < n:
                            row[i] = x
                            continue
                        row.extend([None] * (i - n))
                    row.append(x)
            out.append((number, row))
        return out, matched


def _split_rows(region: str) -> list[tuple[str, str]]:
    """(attributes, body) of each ``<row>`` in a text of whole rows: str.split where a piece
    holds one row (fast), the regular expression where it holds more (self-closed empty rows)."""
    found: list[tuple[str, str]] = []
    pieces = region.split("</row>")
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        k = piece.find("<row")
        if k < 0:
            continue
        gt = piece.find(">", k)
        if gt < 0 or piece.find("<row", k + 4) >= 0 or (i == last and piece[gt - 1] != "/"):
            found.extend(_ROW.findall(piece if i == last else piece + "</row>"))
            continue
        found.append((piece[k + 4:gt], piece[gt + 1:]))
    return found


def _expat_region(conv: _Converter, region: str) -> list[Pair]:
    """A text holding whole rows (from an unprefixed sheet), parsed by expat."""
    handler = _ExpatSheet(conv)
    handler.in_data = True
    parser = handler.parser()
    try:
        parser.Parse("<sheetData>", False)
        parser.Parse(region, False)
        parser.Parse("</sheetData>", True)
    except expat.ExpatError as exc:
        raise _corrupt(f"worksheet: {exc}") from None
    return handler.take()


def _expat_pairs(book: XlsxBook, member: str, shared: list[str]) -> Iterator[list[Pair]]:
    handler = _ExpatSheet(_Converter(shared, book._date_styles, book.date1904))
    parser = handler.parser()
    try:
        for chunk in book._raw_chunks(member):
            parser.Parse(chunk, False)
            yield handler.take()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _corrupt(f"worksheet: {exc}") from None
    yield handler.take()


class _ExpatSheet:
    """Expat handlers for a worksheet: any prefixes, attribute order and whitespace."""

    def __init__(self, conv: _Converter) -> None:
        self.conv = conv
        self.in_data = False
        self.out: list[Pair] = []
        self.row: list[Any] = []
        self.number = 0
        self.cell: tuple[str, str, str] = ("", "", "")
        self.v: str | None = None
        self.texts: list[str] | None = None
        self.parts: list[str] | None = None
        self.preserve = False
        self.in_is = False
        self.rph = 0

    def parser(self) -> Any:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        return parser

    def take(self) -> list[Pair]:
        out, self.out = self.out, []
        return out

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "sheetData":
            self.in_data = True
        elif not self.in_data:
            return
        elif tag == "c":
            self.cell = (attrs.get("r", ""), attrs.get("s", ""), attrs.get("t", ""))
            self.v = self.texts = None
        elif tag == "v":
            self.parts = []
        elif tag == "is":
            self.in_is = True
            self.texts = []
        elif tag == "rPh":
            self.rph += 1
        elif tag == "t" and self.in_is and not self.rph:
            self.parts = []
            self.preserve = attrs.get("xml:space") == "preserve"
        elif tag == "row":
            r = attrs.get("r", "")
            self.number = int(r) if r.isdigit() else 0
            self.row = []

    def data(self, text: str) -> None:
        if self.parts is not None:
            self.parts.append(text)

    def end(self, name: str) -> None:
        if not self.in_data:
            return
        tag = name.rpartition(":")[2]
        if tag == "v" and self.parts is not None:
            self.v, self.parts = "".join(self.parts), None
        elif tag == "t" and self.parts is not None:
            if self.texts is not None:
                self.texts.append(_t_text("".join(self.parts), self.preserve))
            self.parts = None
        elif tag == "rPh":
            self.rph -= 1
        elif tag == "is":
            self.in_is = False
        elif tag == "c":
            ref, s, t = self.cell
            text = "".join(self.texts) if self.texts is not None else None
            x = self.conv.value(t, s, self.v, text)
            n = len(self.row)
            i = _col_of(ref) if ref else n
            if i < 0:
                i = n
            if i < n:
                self.row[i] = x
            else:
                self.row.extend([None] * (i - n))
                self.row.append(x)
        elif tag == "row":
            self.out.append((self.number, self.row))
            self.row = []
        elif tag == "sheetData":
            self.in_data = False


def _number_rows(batches: Iterator[list[Pair]]) -> Iterator[list[Any]]:
    """Rows in Excel order: numbered, trailing empty cells dropped, gaps before a non-empty row
    filled with ``[]``, empty rows at the end not yielded."""
    last = 0  # the number of the last row element seen
    given = 0  # the number of the last row yielded
    for batch in batches:
        for number, row in batch:
            last = number or last + 1
            while row and row[-1] is None:
                row.pop()
            if not row:
                continue
            while given < last - 1:
                given += 1
                yield []
            given = max(given, last)
            yield row

