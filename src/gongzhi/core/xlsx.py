"""Lists to Excel, one way for every export: rows streamed into a temporary xlsx file in
xlsxwriter's constant_memory mode (one row in memory at a time), strings always written as
text — an ID number keeps its digits and a value starting with ``=`` is never a formula."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

import xlsxwriter


def write_xlsx(sheet_name: str, rows: Iterator[list[Any]]) -> tuple[IO[bytes], int]:
    """Rows into a temporary xlsx file (header first); returns the file at offset 0 and the data rows."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it after streaming)
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True})
    n = -1
    for n, row in enumerate(rows):
        # write_string keeps ID numbers and phones as text: a numeric cell would lose digits.
        for col, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(n, col, value, bold if n == 0 else None)
            else:
                sheet.write(n, col, value)
    book.close()
    out.seek(0)
    return out, max(n, 0)


