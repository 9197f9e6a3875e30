"""A table as a file: CSV or XLSX (openpyxl) from columns and rows of plain values, so
every exported table is written the same way (the figures are never computed here)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

from .exports import as_csv

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def write_csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    # A byte-order mark so that Excel opens accented names as UTF-8.
    return ("\ufeff" + as_csv(list(rows), list(columns))).encode("utf-8")


def _cell(value):
    # Spreadsheets hold numbers as numbers; booleans as the Y/N the school's files use.
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    if isinstance(value, (int, float, date, str)):
        return value
    return str(value)


def write_xlsx(title: str, columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """One sheet named after the table (31 characters at most, as Excel allows), a bold
    header row frozen above the data, dates as dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_name(title))
    sheet.freeze_panes = "A2"
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_table(fmt: str, title: str, columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """The table in `fmt` (`csv` or `xlsx`); ValueError for another format."""
    if fmt == "csv":
        return write_csv(columns, rows)
    if fmt == "xlsx":
        return write_xlsx(title, columns, rows)
    raise ValueError(f"{fmt!r} is not a format: use csv or xlsx.")


def _sheet_name(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Export")[:31]
