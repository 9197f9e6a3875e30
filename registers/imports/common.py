"""What every import shares: reading CSV, typed rows, row-numbered refusals."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.gb import upn as upn_checker

from ..models import (
    YearGroup,
)
from ..validation import date_problem

# Shown on the command line; the exception keeps them all.
ERRORS_SHOWN = 100
BATCH_SIZE = 2000

YES = frozenset({"Y", "YES", "TRUE", "1"})
NO = frozenset({"N", "NO", "FALSE", "0", ""})


# ---- Errors --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the file as a whole
    message: str

    def __str__(self):
        return f"row {self.row}: {self.message}" if self.row else self.message


class ImportRefused(ValidationError):
    """The file was refused and nothing was written; `row_errors` says where and why."""

    def __init__(self, row_errors: Iterable[RowError]):
        self.row_errors = sorted(row_errors, key=lambda e: e.row or 0)
        super().__init__([str(e) for e in self.row_errors])

    def report(self, limit: int = ERRORS_SHOWN) -> str:
        rows = len({e.row for e in self.row_errors})
        lines = [
            f"The file was refused and nothing was imported: "
            f"{len(self.row_errors)} problem(s) in {rows} row(s)."
        ]
        lines += [f"  {e}" for e in self.row_errors[:limit]]
        if len(self.row_errors) > limit:
            lines.append(f"  ... and {len(self.row_errors) - limit} more.")
        return "\n".join(lines)


# ---- Reading ---------------------------------------------------------------------------


@dataclass
class Table:
    """Rows of a file or of Python data: (row number, {column: value})."""

    columns: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)


def _column_name(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def read_csv(source: str | Path | IO[str]) -> Table:
    """Read a CSV file (a path or an open text file) exported from a spreadsheet or MIS.

    Accepts a UTF-8 byte-order mark (Excel's "CSV UTF-8"), header names in any case,
    and blank lines (skipped, but still counted so row numbers match the file).
    """
    try:
        if isinstance(source, str | Path):
            text = Path(source).read_text(encoding="utf-8-sig")
        else:
            text = source.read()
    except FileNotFoundError as exc:
        raise ImportRefused([RowError(None, f"There is no file {source}.")]) from exc
    except OSError as exc:
        raise ImportRefused([RowError(None, f"Cannot read {source}: {exc.strerror}.")]) from exc
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            [RowError(None, "The file is not UTF-8 text: save it as 'CSV UTF-8'.")]
        ) from exc
    text = text.removeprefix("\ufeff")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportRefused([RowError(None, f"The file is not readable CSV: {exc}.")]) from exc
    if not records:
        raise ImportRefused([RowError(1, "The file is empty: row 1 must name the columns.")])
    columns = [_column_name(c) for c in records[0]]
    errors = [
        RowError(1, f"The column {name!r} appears more than once.")
        for name, n in Counter(columns).items()
        if n > 1 and name
    ]
    table = Table(columns=columns)
    for number, record in enumerate(records[1:], start=2):
        if not any(value.strip() for value in record):
            continue
        if len(record) != len(columns):
            errors.append(
                RowError(
                    number,
                    f"{len(record)} values but the header names {len(columns)} columns "
                    "(a comma inside a value must be in quotes).",
                )
            )
            continue
        if any("\x00" in value for value in record):
            # The database cannot store a NUL; a spreadsheet never writes one.
            errors.append(RowError(number, "A value holds a NUL character (not CSV text?)."))
            continue
        table.rows.append((number, {c: v.strip() for c, v in zip(columns, record, strict=True)}))
    if errors:
        raise ImportRefused(errors)
    return table


def as_table(rows: Table | Iterable[Mapping]) -> Table:
    """Rows given as Python mappings are numbered like a file's: the first is row 2."""
    if isinstance(rows, Table):
        return rows
    numbered = [(n, {_column_name(k): v for k, v in row.items()}) for n, row in enumerate(rows, 2)]
    columns = list(numbered[0][1]) if numbered else []
    return Table(columns=columns, rows=numbered)


def check_columns(table: Table, required: Iterable[str]) -> None:
    if not table.rows and not table.columns:
        raise ImportRefused([RowError(None, "There are no rows to import.")])
    missing = [c for c in required if c not in table.columns]
    if missing:
        names = ", ".join(missing)
        raise ImportRefused([RowError(1, f"Missing column(s): {names}.")])
    if not table.rows:
        raise ImportRefused([RowError(2, "The file has a header but no rows.")])


# ---- Values ----------------------------------------------------------------------------


def text_value(value) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class Row:
    """One row being checked: each reader returns the value, or None after noting why."""

    def __init__(self, number: int, values: Mapping, errors: list[RowError]):
        self.number = number
        self.values = values
        self.errors = errors
        self.failed = False

    def error(self, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.number, message))

    def text(self, column: str, *, required: bool = False) -> str:
        value = text_value(self.values.get(column))
        if required and not value:
            self.error(f"{column} is missing.")
        return value

    def date(self, column: str, *, required: bool = True) -> date | None:
        value = self.values.get(column)
        if isinstance(value, date):
            problem = date_problem(value)
            if problem:
                self.error(f"{column} {problem}")
                return None
            return value
        value = text_value(value)
        if not value:
            if required:
                self.error(f"{column} is missing.")
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.error(f"{column} {value!r} is not a date (use YYYY-MM-DD, e.g. 2024-09-03).")
            return None
        problem = date_problem(day)
        if problem:
            self.error(f"{column} {problem}")
            return None
        return day

    def flag(self, column: str, *, required: bool = False) -> bool | None:
        """Y or N (also yes/no, true/false, 1/0); a blank is N unless required."""
        value = text_value(self.values.get(column))
        if value == "" and required:
            self.error(f"{column} is missing (Y or N).")
            return None
        if value.upper() in YES:
            return True
        if value.upper() in NO:
            return False
        self.error(f"{column} {value!r} must be Y or N.")
        return None

    def choice(self, column: str, choices: Mapping[str, str], hint: str) -> str | None:
        value = text_value(self.values.get(column))
        found = choices.get(value.upper())
        if found is None:
            self.error(f"{column} {value!r} is not one of {hint}.")
        return found

    def upn(self) -> str | None:
        value = upn_checker.compact(text_value(self.values.get("upn")))
        if not value:
            self.error("upn is missing.")
            return None
        try:
            return upn_checker.validate(value)
        except stdnum_errors.InvalidChecksum:
            self.error(f"upn {value!r}: the check letter is wrong (a typing mistake?).")
        except stdnum_errors.InvalidLength:
            self.error(f"upn {value!r} must be 13 characters.")
        except stdnum_errors.InvalidComponent:
            self.error(f"upn {value!r} does not start with a known local authority number.")
        except stdnum_errors.ValidationError:
            self.error(f"upn {value!r} is not a UPN (a letter, 11 digits, a digit or letter).")
        return None

    def model_errors(self, exc: ValidationError, columns: Mapping[str, str]) -> None:
        for name, messages in exc.message_dict.items():
            for message in messages:
                self.error(f"{columns.get(name, name)}: {message}")


def year_group_value(value) -> str | None:
    """`N1, N2, R, 1 ... 13`, also written `Y4`, `Year 4`, `04`, `Reception`, `r`."""
    text = text_value(value).upper().replace(" ", "")
    text = text.removeprefix("YEAR")
    if text[:1] == "Y" and text[1:].isdigit():
        text = text[1:]
    if text == "RECEPTION":
        text = "R"
    if text.isdigit():
        text = str(int(text))
    return text if text in YearGroup.values else None


def repeated_rows(rows: list[tuple[int, str]], what: str) -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for number, key in rows:
        if key in first:
            errors.append(RowError(number, f"{what} is already on row {first[key]}."))
        else:
            first[key] = number
    return errors


def refuse_if(errors: list[RowError]) -> None:
    if errors:
        raise ImportRefused(errors)


# ---- The roll --------------------------------------------------------------------------
