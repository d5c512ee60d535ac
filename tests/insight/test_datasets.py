"""datasets.from_file (xlsx, CSV in UTF-8 and GBK) and datasets.when."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gongzhi.insight.datasets import DatasetError, from_file, when
from gongzhi.insight.text import clean
from tests.insight.conftest import HEADERS, message_rows, write_xlsx

TZ = ZoneInfo("Asia/Shanghai")
TEXT = ["留言主题", "留言详情"]

MESSY_ROWS = [
    [1, "路灯\t不亮", "麓山南路的路灯\n已经一周\r\n不亮了", "路灯"],
    [2, "", "", "噪音"],  # no text: skipped
    [3, "垃圾没人清运", "小区门口垃圾堆积", ""],  # no label: unlabelled text
    [4, "", "只有详情\t没有主题", "物业"],  # one text column is enough
    [5, "楼下广场舞太吵", None, "噪音"],
]
CLEAN_DOCS = [("路灯 不亮", "麓山南路的路灯 已经一周 不亮了"), ("", "只有详情 没有主题"), ("楼下广场舞太吵", "")]


def write_csv(path: Path, headers: list[str], rows: list[list[object]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        w.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def test_xlsx_rows_become_cleaned_docs_and_labels(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "留言.xlsx", HEADERS, MESSY_ROWS)
    data = from_file(f, label_column="一级分类", text_columns=TEXT)
    assert data.docs == CLEAN_DOCS
    assert data.labels == ["路灯", "物业", "噪音"]
    assert data.unlabelled == [("垃圾没人清运", "小区门口垃圾堆积")]
    assert data.skipped == 1
    assert len(data) == 3
    assert data.source == str(f)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_and_gbk(tmp_path: Path, encoding: str) -> None:
    f = write_csv(tmp_path / "留言.csv", HEADERS, MESSY_ROWS, encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            f.read_text(encoding="utf-8")  # really GBK bytes, not UTF-8 that happens to decode
    data = from_file(f, label_column="一级分类", text_columns=TEXT)
    assert data.docs == CLEAN_DOCS
    assert data.labels == ["路灯", "物业", "噪音"]
    assert data.skipped == 1


def test_a_whole_file_of_messages(tmp_path: Path) -> None:
    rows = message_rows()
    data = from_file(write_xlsx(tmp_path / "m.xlsx", HEADERS, rows), label_column="一级分类", text_columns=TEXT)
    assert len(data) == len(rows) == 48
    assert data.docs[0] == (clean(rows[0][1]), clean(rows[0][2]))
    assert "，" not in data.docs[0][1]  # NFKC: full-width punctuation as the models see it
    assert "," in data.docs[0][1]
    assert sorted(set(data.labels)) == ["噪音", "垃圾", "物业", "路灯"]


def test_texts_only_when_no_label_column(tmp_path: Path) -> None:
    data = from_file(write_xlsx(tmp_path / "m.xlsx", HEADERS, MESSY_ROWS), label_column=None, text_columns=TEXT)
    assert len(data) == 4  # the unlabelled row is kept, the textless one is not
    assert data.labels == ["", "", "", ""]
    assert data.docs[1] == ("垃圾没人清运", "小区门口垃圾堆积")
    assert data.skipped == 1


def test_label_alias(tmp_path: Path) -> None:
    """An evaluation export calls the column 一级标签; asking for 一级分类 finds it, and back."""
    headers = ["留言主题", "留言详情", "一级标签"]
    f = write_xlsx(tmp_path / "eval.xlsx", headers, [["路灯不亮", "请维修", "路灯"], ["太吵", "夜间施工", "噪音"]])
    assert from_file(f, label_column="一级分类", text_columns=TEXT).labels == ["路灯", "噪音"]
    g = write_xlsx(tmp_path / "train.xlsx", HEADERS, [[1, "路灯不亮", "请维修", "路灯"]])
    assert from_file(g, label_column="一级标签", text_columns=TEXT).labels == ["路灯"]


def test_text_column_order_is_kept_title_first(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "m.xlsx", HEADERS, [[1, "标题", "正文", "路灯"]])
    assert from_file(f, label_column="一级分类", text_columns=["留言详情", "留言主题"]).docs == [("正文", "标题")]


def test_missing_label_column_names_the_option_and_the_headers(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "m.xlsx", HEADERS, MESSY_ROWS)
    with pytest.raises(DatasetError) as exc:
        from_file(f, label_column="二级分类", text_columns=TEXT)
    assert exc.value.field == "--label-column"
    assert "--label-column" in str(exc.value)
    assert "二级分类" in str(exc.value)
    assert "留言主题" in str(exc.value)  # the headers there are, to pick from


def test_missing_text_column_names_the_option(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "m.xlsx", HEADERS, MESSY_ROWS)
    with pytest.raises(DatasetError, match=r"--text-columns.*留言内容") as exc:
        from_file(f, label_column="一级分类", text_columns=["留言主题", "留言内容"])
    assert exc.value.field == "--text-columns"
    with pytest.raises(DatasetError, match="--text-columns") as exc:
        from_file(f, label_column="一级分类", text_columns=[])
    assert exc.value.field == "--text-columns"


@pytest.mark.parametrize("name", ["nothing.xlsx", "nothing.csv"])
def test_missing_file_names_the_option(tmp_path: Path, name: str) -> None:
    with pytest.raises(DatasetError, match="--file") as exc:
        from_file(tmp_path / name, label_column="一级分类", text_columns=TEXT)
    assert exc.value.field == "--file"


def test_wrong_format_names_the_option(tmp_path: Path) -> None:
    txt = tmp_path / "留言.txt"
    txt.write_text("留言主题,一级分类\n路灯不亮,路灯\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"--file.*格式") as exc:
        from_file(txt, label_column="一级分类", text_columns=["留言主题"])
    assert exc.value.field == "--file"
    fake = tmp_path / "留言.xlsx"
    fake.write_bytes(b"this is not a workbook")
    with pytest.raises(DatasetError, match="--file") as exc:
        from_file(fake, label_column="一级分类", text_columns=["留言主题"])
    assert exc.value.field == "--file"


@pytest.mark.parametrize(("value", "expected"), [
    ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5, tzinfo=TZ)),
    ("2019-08-01", datetime(2019, 8, 1, tzinfo=TZ)),
    ("2019年8月1日 9:05", datetime(2019, 8, 1, 9, 5, tzinfo=TZ)),
    ("2019年8月1日", datetime(2019, 8, 1, tzinfo=TZ)),
    ("2019-08-01T09:05:30.250", datetime(2019, 8, 1, 9, 5, 30, tzinfo=TZ)),
    (datetime(2019, 2, 28, 11, 25), datetime(2019, 2, 28, 11, 25, tzinfo=TZ)),
    (date(2019, 8, 1), datetime(2019, 8, 1, tzinfo=TZ)),
    (43524.5, datetime(2019, 2, 28, 12, 0, tzinfo=TZ)),  # an Excel serial day number
    (43524, datetime(2019, 2, 28, tzinfo=TZ)),
])
def test_when_reads_export_timestamps(value: object, expected: datetime) -> None:
    got = when(value)
    assert got == expected
    assert got is not None
    assert got.utcoffset() == expected.utcoffset()


def test_when_keeps_an_aware_datetime() -> None:
    utc = datetime(2019, 2, 28, 3, 0, tzinfo=ZoneInfo("UTC"))
    assert when(utc) is utc


@pytest.mark.parametrize("value", [None, "", "   ", "明天下午", "2019-02-30", "2019-13-01", "28/02/2019",
                                   "2019/2/28 25:00", 12, 99999.0, "20190228"])
def test_when_garbage_is_none(value: object) -> None:
    assert when(value) is None
