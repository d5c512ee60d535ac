"""Labelled text for training and evaluation: from a spreadsheet or CSV with named columns,
or from the platform's own dispatched cases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from gongzhi.insight.classifier import Doc
from gongzhi.insight.text import clean
from gongzhi.registry.importing import ImportFileError, LedgerFile, clean_header, text

# Other names the same label column goes by in exports (an evaluation file may say 一级标签).
LABEL_ALIASES = {"一级分类": ("一级标签", "一级类别", "分类"), "一级标签": ("一级分类",)}


class DatasetError(ValueError):
    """A file or column that cannot be used, with the field and rule named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Dataset:
    docs: list[Doc] = field(default_factory=list)  # (title, body, …): the text columns, cleaned
    labels: list[str] = field(default_factory=list)
    unlabelled: list[Doc] = field(default_factory=list)  # rows with text but no label (vocabulary)
    skipped: int = 0  # rows without text
    source: str = ""

    def __len__(self) -> int:
        return len(self.docs)

    def cells(self) -> list[tuple[str, str]]:
        """A category list as priors: each non-empty cell of a row's text columns one example
        of the row's label (what --priors reads)."""
        return [(y, t) for d, y in zip(self.docs, self.labels, strict=True) for t in d if t]


def _column(headers: list[str], name: str, flag: str) -> int:
    wanted = clean_header(name)
    for candidate in (wanted, *LABEL_ALIASES.get(wanted, ())):
        if candidate in headers:
            return headers.index(candidate)
    shown = "、".join(h for h in headers if h) or "（无）"
    raise DatasetError(flag, f"{flag}: 文件中没有列「{name}」；表头是：{shown}")


def from_file(path: Path | str, *, label_column: str | None, text_columns: list[str]) -> Dataset:
    """Rows of ``path`` as texts (the text columns joined) and labels (``label_column``; None
    reads texts only). Rows without text are skipped and counted; rows with text but no label are
    kept apart as unlabelled text, which the recipes use for their vocabulary."""
    if not text_columns:
        raise DatasetError("--text-columns", "--text-columns: 至少给出一列，例如 留言主题,留言详情")
    try:
        source = LedgerFile(path)
    except ImportFileError as exc:
        raise DatasetError("--file", f"--file: {exc}") from None
    except FileNotFoundError:
        raise DatasetError("--file", f"--file: 文件不存在：{path}") from None
    text_idx = [_column(source.headers, c, "--text-columns") for c in text_columns]
    label_idx = _column(source.headers, label_column, "--label-column") if label_column else None
    data = Dataset(source=str(path))
    for _number, row in source.rows():
        doc = tuple(clean(text(row[i]) if i < len(row) else "") for i in text_idx)
        label = text(row[label_idx]) if label_idx is not None and label_idx < len(row) else ""
        if not any(doc):
            data.skipped += 1
            continue
        if label_idx is not None and not label:
            data.unlabelled.append(doc)
            continue
        data.docs.append(doc)
        data.labels.append(label)
    return data


_STAMP = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?)?$")


def when(value: Any) -> datetime | None:
    """A timestamp cell as exports write them: a spreadsheet date, 2019/2/28 11:25:05,
    2019-08-01, 2019年8月1日 9:05 — in the platform's time zone; None when empty or unreadable."""
    tz = timezone.get_current_timezone()
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, (int, float)) and 20000 < value < 80000:  # an Excel serial day number
        return datetime(1899, 12, 30, tzinfo=tz) + timedelta(days=float(value))
    m = _STAMP.match(text(value))
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except ValueError:
        return None
