"""The streaming xlsx reader against python-calamine on the same files: xlsxwriter in normal
(shared strings) and constant_memory (inline strings) mode, and hand-written sheet XML."""

from __future__ import annotations

import io
import math
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import xlsxwriter

from gongzhi.registry import xlsx_rows
from gongzhi.registry.xlsx_rows import (
    DATETIME,
    DURATION,
    XlsxBook,
    XlsxReadError,
    excel_datetime,
    iter_xlsx_rows,
    number_format_kind,
    sheet_names,
)

ID_TEXT = "11010519491231002X"
ID_NUMBER = 110105194912310021


def norm(row: list[Any]) -> list[Any]:
    """A row as both readers agree on it: '' and None both empty, no trailing empties."""
    out = [None if v == "" else v for v in row]
    while out and out[-1] is None:
        out.pop()
    return out


def calamine_rows(path: Path, sheet: int = 0) -> list[list[Any]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return [norm(r) for r in book.get_sheet_by_index(sheet).to_python(skip_empty_area=False)]


def our_rows(path: Path | io.BytesIO, sheet: int | str = 0) -> list[list[Any]]:
    return [norm(r) for r in iter_xlsx_rows(path, sheet)]


def write_rich(path: Path, *, constant_memory: bool, date1904: bool = False) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "date_1904": date1904})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    cn_day = book.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    clock = book.add_format({"num_format": "hh:mm"})
    hours = book.add_format({"num_format": "[h]:mm:ss"})
    builtin = book.add_format({"num_format": 14})
    money = book.add_format({"num_format": '"¥"#,##0.00'})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("实有人口")
    sheet.write(0, 0, "2024年某社区实有人口台账", bold)  # a title row
    sheet.write_row(1, 0, ["姓名", "身份证号", "身份证号(数字)", "联系电话", "出生日期", "登记时间", "到岗", "时长",
                           "是否党员", "备注", "金额", "空列", "末列"])
    sheet.write_row(2, 0, ["张三", ID_TEXT, ID_NUMBER, 13800138000])
    sheet.write_datetime(2, 4, datetime(1990, 3, 7), day)
    sheet.write_datetime(2, 5, datetime(2024, 3, 1, 9, 30, 15), stamp)
    sheet.write_datetime(2, 6, datetime(1900, 1, 1, 8, 45), clock)
    sheet.write_number(2, 7, 1.25, hours)
    sheet.write_boolean(2, 8, True)
    sheet.write_string(2, 9, 'A&B <c> "d" \'e\' 第一行\n第二行')
    sheet.write_number(2, 10, 1234.5, money)
    sheet.write_string(2, 12, "末")
    # row 4: empty cells in the middle and none at the end
    sheet.write_string(3, 0, "李四")
    sheet.write_string(3, 3, "13900139000")
    sheet.write_number(3, 4, 45352, cn_day)
    sheet.write_boolean(3, 8, False)
    sheet.write_blank(3, 11, None, bold)  # formatted but empty: not a value
    # row 5 empty, row 6: numbers, a column past Z, formulas, odd text
    sheet.write_row(5, 0, ["  前后空格  ", "", -0.5, 3, 1e20, 2.5])
    sheet.write_number(5, 6, 60, builtin)
    sheet.write_number(5, 7, 61, builtin)
    sheet.write_formula(5, 8, '=A6&"x"', None, "  前后空格  x")
    sheet.write_formula(5, 9, "=1/0", None, "#DIV/0!")
    sheet.write_formula(5, 10, "=C6*2", None, -1)
    sheet.write_string(5, 27, "AB列")
    sheet.write_string(5, 30, "控制符\r\x01_x0041_")
    sheet.write_string(6, 0, "𠀀 emoji 😀 全角\u3000空格")
    sheet.write_string(6, 1, "")
    # trailing empty (formatted) row: not yielded
    sheet.write_blank(9, 0, None, bold)
    second = book.add_worksheet("第二页")
    second.write_row(0, 0, ["楼栋", "单元"])
    second.write_row(1, 0, ["1栋", 2])
    book.close()


@pytest.fixture(params=[False, True], ids=["shared_strings", "constant_memory"])
def rich(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "rich.xlsx"
    write_rich(path, constant_memory=request.param)
    return path


def test_rich_file_same_as_calamine(rich: Path) -> None:
    assert our_rows(rich) == calamine_rows(rich)
    assert our_rows(rich, 1) == calamine_rows(rich, 1)


def test_rich_file_values_and_types(rich: Path) -> None:
    rows = list(iter_xlsx_rows(rich))
    assert rows[0] == ["2024年某社区实有人口台账"]
    assert rows[1][0] == "姓名"
    assert rows[1][-1] == "末列"
    zhang = rows[2]
    assert zhang[:4] == ["张三", ID_TEXT, 1.1010519491231e17, 13800138000.0]  # written to 16 digits, like Excel's 15
    assert isinstance(zhang[2], float)  # what the importer's id_text refuses as an ID that has lost digits
    assert zhang[4] == date(1990, 3, 7)
    assert type(zhang[4]) is date
    assert zhang[5] == datetime(2024, 3, 1, 9, 30, 15)
    assert zhang[6] == time(8, 45)
    assert zhang[7] == timedelta(hours=30)
    assert zhang[8] is True
    assert zhang[9] == 'A&B <c> "d" \'e\' 第一行\n第二行'
    assert zhang[10] == 1234.5
    assert zhang[11] is None
    assert zhang[12] == "末"
    assert rows[3] == ["李四", None, None, "13900139000", date(2024, 3, 1), None, None, None, False]
    assert rows[4] == []  # the empty row keeps its place: rows[i] is Excel row i + 1
    six = rows[5]
    assert six[:6] == ["  前后空格  ", None, -0.5, 3.0, 1e20, 2.5]
    assert six[6] == date(1900, 2, 28)
    assert six[7] == date(1900, 3, 1)
    assert six[8] == "  前后空格  x"
    assert six[9] is None
    assert six[10] == -1.0
    assert six[27] == "AB列"
    assert six[28:30] == [None, None]
    assert six[30] == "控制符\r\x01_x0041_"
    assert rows[6] == ["𠀀 emoji 😀 全角\u3000空格", ""]
    assert len(rows) == 7  # the formatted empty row 10 is not a row of data


def test_second_sheet_by_index_and_name(rich: Path) -> None:
    assert sheet_names(rich) == ["实有人口", "第二页"]
    assert list(iter_xlsx_rows(rich, 1)) == [["楼栋", "单元"], ["1栋", 2.0]]
    assert list(iter_xlsx_rows(rich, "第二页")) == [["楼栋", "单元"], ["1栋", 2.0]]
    with pytest.raises(XlsxReadError, match="第 3 个工作表"):
        iter_xlsx_rows(rich, 2)


def test_1904_date_system(tmp_path: Path) -> None:
    path = tmp_path / "mac.xlsx"
    write_rich(path, constant_memory=False, date1904=True)
    assert our_rows(path) == calamine_rows(path)
    assert list(iter_xlsx_rows(path))[2][4] == date(1990, 3, 7)


def test_expat_gives_the_same_rows(rich: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = list(iter_xlsx_rows(rich))
    monkeypatch.setattr(xlsx_rows._Converter, "region", lambda self, region: xlsx_rows._expat_region(self, region))
    assert list(iter_xlsx_rows(rich)) == fast


def test_tiny_chunks_split_tags_and_characters(rich: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = list(iter_xlsx_rows(rich))
    for size in (1, 7, 64):
        monkeypatch.setattr(xlsx_rows, "CHUNK", size)
        assert list(iter_xlsx_rows(rich)) == whole


def test_file_object_and_dimension(rich: Path) -> None:
    assert our_rows(io.BytesIO(rich.read_bytes())) == our_rows(rich)
    with XlsxBook(rich) as book:
        assert book.dimension(0) == "A1:AE10"
        assert book.dimension(1) == "A1:B2"
        assert list(book.rows(1)) == list(book.rows(1))  # a book can be read more than once


def test_many_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    for r in range(3000):
        if r % 97:
            sheet.write_row(r, 0, [f"人{r}", r, r * 0.5, f"{r}&{r}", None, r % 2 == 0, "x" * (r % 40)])
    sheet.write_string(3000, 16383, "XFD")
    book.close()
    ours = our_rows(path)
    assert ours == calamine_rows(path)
    assert ours[-1][16383] == "XFD"
    assert len(ours) == 3001


# --- hand-written sheet XML --------------------------------------------------------------------

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
                 '.main+xml"/><Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.'
                 'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0"?><workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><workbookPr/><sheets><sheet name="甲" sheetId="1" r:id="rId7"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId8" Type="http:'
                 '//schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                 '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 'styles" Target="styles.xml"/></Relationships>')
STYLES = (f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="170" formatCode="m&quot;月&quot;d&quot;日&quot;"/>'
          '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="170" applyNumberFormat="1"/>'
          '<xf numFmtId="31"/></cellXfs></styleSheet>')
STRINGS = (f'<sst {NS}><si><r><rPr><color rgb="FFFF0000"/><charset val="134"/></rPr><t>红</t></r><r><t xml:space='
           '"preserve"> 字</t></r><rPh sb="0" eb="1"><t>ホン</t></rPh></si><si><t>a\r\nb\rc</t></si><si><t>  修剪  </t>'
           '</si><si><t/></si><si><t>&#x4E2D;&#25991;&amp;&lt;&gt;&quot;&apos;</t></si><si><t>x_x000D_y</t></si></sst>')
SHEET = f'''<?xml version="1.0" encoding="UTF-8"?>
<worksheet {NS}><dimension ref="A1:AB7"/><sheetData>
<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c><c t="s"><v>3</v></c><c t="s"><v>4</v></c><c t="s"><v>5</v></c></row>
<row r="3" spans="1:8"><c r="B3" t="inlineStr" s="0"><is><t>inl&amp;</t></is></c><c r="D3" t="d"><v>2024-03-01T10:00:00</v></c><c r="E3" t="d"><v>2024-03-01</v></c><c r="F3" t="n"><v>7</v></c><c r="G3" s="1"/><c r="H3" t="str"><v> x </v></c></row>
<row r="4" ht="20" customHeight="1"/>
<row r="5"><c t="b"><v>1</v></c><c r="AA5"><v>1</v></c><c><v>2</v></c></row>
<row r="6"><c r="A6" t="e"><v>#N/A</v></c><c r="B6" s="0" t="s"><v>4</v></c><c r="C6" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr><t> b </t></r></is></c><c r="D6" s="1"><v>45352</v></c><c r="E6" s="2"><v>45352.5</v></c><c r="F6"><f>1+1</f><v>2</v></c></row>
<row r="7"><c r="A7" t="s" s="1"><v>2</v></c><c r="B7"><v> 5 </v></c><c r="C7"><v>1_0</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells></worksheet>'''


def make_xlsx(path: Path, sheet: str = SHEET, strings: str = STRINGS, styles: str = STYLES) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/data.xml", sheet)
        z.writestr("xl/sharedStrings.xml", strings)  # calamine looks for this name only
        z.writestr("xl/styles.xml", styles)
    return path


HAND_WRITTEN = [
    ["红 字", "a\nb\nc", "修剪", None, '中文&<>"\'', "x\ry"],
    [],
    [None, "inl&", None, datetime(2024, 3, 1, 10), date(2024, 3, 1), 7.0, None, " x "],
    [],
    [True] + [None] * 25 + [1.0, 2.0],
    [None, '中文&<>"\'', "ab", date(2024, 3, 1), datetime(2024, 3, 1, 12), 2.0],
    ["修剪", " 5 ", "1_0"],
]


def test_hand_written_sheet(tmp_path: Path) -> None:
    """Rows without r, cells without r, attributes out of the usual order, rich text with
    phonetic runs, entities, CR/CRLF, _xHHHH_, whitespace, t="d"/"e"/"n", a custom date format
    with quotes, a sheet path from the relationships (not sheet1.xml)."""
    path = make_xlsx(tmp_path / "hand.xlsx")
    assert our_rows(path) == HAND_WRITTEN
    assert calamine_rows(path) == HAND_WRITTEN


def test_prefixed_names_go_through_expat(tmp_path: Path) -> None:
    import re

    sheet = SHEET.replace(NS, 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    sheet = re.sub(r"<(/?)(worksheet|dimension|sheetData|row|c|v|f|is|t|r|rPr|b|mergeCells|mergeCell)\b", r"<\1x:\2",
                   sheet)
    strings = re.sub(r"<(/?)(sst|si|t|r|rPr|rPh|color|charset)\b", r"<\1x:\2",
                     STRINGS.replace(NS, 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'))
    path = make_xlsx(tmp_path / "prefixed.xlsx", sheet, strings)
    assert our_rows(path) == HAND_WRITTEN
    assert calamine_rows(path) == HAND_WRITTEN


def test_utf16_sheet(tmp_path: Path) -> None:
    path = tmp_path / "utf16.xlsx"
    make_xlsx(path)
    sheet = SHEET.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for item in src.infolist():
            body = sheet.encode("utf-16") if item.filename.endswith("data.xml") else src.read(item.filename)
            dst.writestr(item.filename, body)
    assert our_rows(io.BytesIO(data.getvalue())) == HAND_WRITTEN


def test_shared_string_out_of_range(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bad.xlsx", SHEET.replace("<v>5</v>", "<v>99</v>"))
    with pytest.raises(XlsxReadError, match="shared string"):
        list(iter_xlsx_rows(path))


# --- not a workbook ------------------------------------------------------------------------------

def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    path.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8")
    with pytest.raises(XlsxReadError, match="文件已损坏或不是 Excel") as caught:
        iter_xlsx_rows(path)
    assert isinstance(caught.value, ValueError)
    assert "not an xlsx workbook" in str(caught.value)


def test_legacy_xls_or_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(XlsxReadError, match=r"加密.*encrypted"):
        iter_xlsx_rows(path)


def test_zip_without_workbook(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    with pytest.raises(XlsxReadError, match=r"缺少 xl/workbook\.xml"):
        sheet_names(path)


def test_truncated_file(rich: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(rich.read_bytes()[: rich.stat().st_size // 2])
    with pytest.raises(XlsxReadError, match="文件已损坏"):
        list(iter_xlsx_rows(path))


def test_corrupt_sheet_data(tmp_path: Path) -> None:
    """A member whose deflate stream is damaged fails while reading, with the same error."""
    path = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r in range(20000):
        sheet.write_row(r, 0, [f"人{r}", r * 7919 % 10007, f"{r * 31}"])
    book.close()
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 64):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(XlsxReadError, match="文件已损坏"):
        list(iter_xlsx_rows(path))


def test_broken_xml(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "broken.xlsx", SHEET.replace("</c></row>\n<row r=\"7\">", "</row>\n<row r=\"7\">"))
    with pytest.raises(XlsxReadError, match="worksheet"):
        list(iter_xlsx_rows(path))


# --- dates and number formats -------------------------------------------------------------------

@pytest.mark.parametrize(("serial", "expected"), [
    (1, date(1900, 1, 1)), (59, date(1900, 2, 28)), (60, date(1900, 2, 28)), (61, date(1900, 3, 1)),
    (45352, date(2024, 3, 1)), (45352.25, datetime(2024, 3, 1, 6)), (0.5, time(12)), (0, time(0)),
    (45352.999999999, datetime(2024, 3, 2)), (1e-7, time(0, 0, 0, 9000)),
])
def test_excel_datetime_1900(serial: float, expected: object) -> None:
    value = excel_datetime(float(serial), DATETIME)
    assert value == expected
    assert type(value) is type(expected)


def test_excel_datetime_1904_durations_and_overflow() -> None:
    assert excel_datetime(1.0, DATETIME, True) == date(1904, 1, 2)
    assert excel_datetime(1.5, DURATION) == timedelta(days=1, hours=12)
    assert excel_datetime(2958466.5, DATETIME) == 2958466.5
    assert math.isnan(excel_datetime(math.nan, DATETIME))


@pytest.mark.parametrize(("code", "kind"), [
    ("yyyy-mm-dd", DATETIME), ("DD/MM/YY", DATETIME), ("H:MM:SS;@", DATETIME), ('yyyy"年"m"月"d"日"', DATETIME),
    ("[$-804]yyyy年m月d日", DATETIME), ("[h]:mm:ss", DURATION), ("[mm]", DURATION), ("[Red][h]", DURATION),
    ("0.00", 0), ("General", 0), ('"d"0', 0), ("#,##0*y", 0), ("\\Y000000", 0), ("[>=100][Magenta].00", 0),
    ("[$-804]aaaa", 0), ('"¥"#,##0.00', 0), ("0_ ;[Red]\\-0\\ ", 0), ("ha/p", DATETIME), ("am/pm", DATETIME),
])
def test_number_format_kind(code: str, kind: int) -> None:
    assert number_format_kind(code) == kind
