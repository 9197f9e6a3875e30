"""Imports from the previous MIS: the roll, contacts and register history (DESIGN.md §9).

Every import checks every row before it writes anything. A file with any bad row is
refused whole (`ImportRefused`, listing row numbers and reasons) and nothing is written:
a half-imported roll or history is worse than none, because nobody can tell which half.

Row numbers are spreadsheet rows: row 1 is the header, row 2 the first pupil.

The services take rows as mappings (column -> text), so other code (the demo seeder,
tests) calls them with plain Python data; `read_csv` turns a file into such rows.
Values may also be given typed (dates, booleans, numbers) by Python callers.
"""

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
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum import exceptions as stdnum_errors
from stdnum.gb import upn as upn_checker

from . import bulk, events
from .models import (
    AbsenceReason,
    Contact,
    Mark,
    Period,
    Pupil,
    RegistrationGroup,
    School,
    Session,
    YearGroup,
)
from .services import MAX_MINUTES_LATE, MINUTES_LATE_CODES
from .stats import code_rules
from .tenancy import school_scope
from .validation import date_problem

ROLL_COLUMNS = (
    "upn",
    "forename",
    "surname",
    "date_of_birth",
    "gender",
    "year_group",
    "registration_group",
    "on_roll_from",
    "on_roll_to",
    "sen",
    "fsm",
    "eal",
    "looked_after",
    "child_in_need",
    "young_carer",
)
CONTACT_COLUMNS = (
    "upn",
    "priority",
    "name",
    "relationship",
    "parental_responsibility",
    "phone",
    "email",
)
CONTACT_OPTIONAL_COLUMNS = ("address",)
MARK_COLUMNS = ("upn", "date", "session", "code", "minutes_late")

# Shown on the command line; the exception keeps them all.
ERRORS_SHOWN = 100
MAX_CONTACT_PRIORITY = 99
BATCH_SIZE = 2000

YES = frozenset({"Y", "YES", "TRUE", "1"})
NO = frozenset({"N", "NO", "FALSE", "0", ""})
GENDERS = {
    "F": Pupil.Gender.FEMALE,
    "FEMALE": Pupil.Gender.FEMALE,
    "M": Pupil.Gender.MALE,
    "MALE": Pupil.Gender.MALE,
    "X": Pupil.Gender.OTHER,
    "OTHER": Pupil.Gender.OTHER,
    "NOT STATED": Pupil.Gender.OTHER,
}
SEN_STATUSES = {
    "": Pupil.SEN.NONE,
    "N": Pupil.SEN.NONE,
    "NONE": Pupil.SEN.NONE,
    "K": Pupil.SEN.SUPPORT,
    "SEN SUPPORT": Pupil.SEN.SUPPORT,
    "E": Pupil.SEN.EHC_PLAN,
    "EHCP": Pupil.SEN.EHC_PLAN,
    "EHC PLAN": Pupil.SEN.EHC_PLAN,
}
PHONE_CHARACTERS = frozenset("0123456789 +-()")


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


def _check_columns(table: Table, required: Iterable[str]) -> None:
    if not table.rows and not table.columns:
        raise ImportRefused([RowError(None, "There are no rows to import.")])
    missing = [c for c in required if c not in table.columns]
    if missing:
        names = ", ".join(missing)
        raise ImportRefused([RowError(1, f"Missing column(s): {names}.")])
    if not table.rows:
        raise ImportRefused([RowError(2, "The file has a header but no rows.")])


# ---- Values ----------------------------------------------------------------------------


def _text(value) -> str:
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
        value = _text(self.values.get(column))
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
        value = _text(value)
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
        value = _text(self.values.get(column))
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
        value = _text(self.values.get(column))
        found = choices.get(value.upper())
        if found is None:
            self.error(f"{column} {value!r} is not one of {hint}.")
        return found

    def upn(self) -> str | None:
        value = upn_checker.compact(_text(self.values.get("upn")))
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
    text = _text(value).upper().replace(" ", "")
    text = text.removeprefix("YEAR")
    if text[:1] == "Y" and text[1:].isdigit():
        text = text[1:]
    if text == "RECEPTION":
        text = "R"
    if text.isdigit():
        text = str(int(text))
    return text if text in YearGroup.values else None


def _repeated(rows: list[tuple[int, str]], what: str) -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for number, key in rows:
        if key in first:
            errors.append(RowError(number, f"{what} is already on row {first[key]}."))
        else:
            first[key] = number
    return errors


def _refuse_if(errors: list[RowError]) -> None:
    if errors:
        raise ImportRefused(errors)


# ---- The roll --------------------------------------------------------------------------


@dataclass
class RollImported:
    created: int
    updated: int
    unchanged: int
    groups_created: list[str]


ROLL_FIELDS = (
    "legal_forename",
    "legal_surname",
    "date_of_birth",
    "gender",
    "year_group",
    "on_roll_from",
    "on_roll_to",
    "sen",
    "fsm",
    "eal",
    "looked_after",
    "child_in_need",
    "young_carer",
)
ROLL_MODEL_COLUMNS = {"legal_forename": "forename", "legal_surname": "surname"}
FLAG_COLUMNS = ("fsm", "eal", "looked_after", "child_in_need", "young_carer")


def _roll_row(row: Row) -> dict:
    values = {
        "upn": row.upn(),
        "legal_forename": row.text("forename", required=True),
        "legal_surname": row.text("surname", required=True),
        "date_of_birth": row.date("date_of_birth"),
        "gender": row.choice("gender", GENDERS, "F, M or X"),
        "registration_group": row.text("registration_group"),
        "on_roll_from": row.date("on_roll_from"),
        "on_roll_to": row.date("on_roll_to", required=False),
        "sen": row.choice("sen", SEN_STATUSES, "N, K or E"),
    }
    year_group = year_group_value(row.values.get("year_group"))
    if year_group is None:
        row.error(f"year_group {row.text('year_group')!r} is not one of N1, N2, R, 1 ... 13.")
    values["year_group"] = year_group
    for column in FLAG_COLUMNS:
        values[column] = row.flag(column)
    start, end = values["on_roll_from"], values["on_roll_to"]
    if start and end and end < start:
        row.error(f"on_roll_to {end} is before on_roll_from {start}.")
    born = values["date_of_birth"]
    if born and start and start < born:
        row.error(f"on_roll_from {start} is before date_of_birth {born}.")
    if len(values["registration_group"]) > 40:
        row.error("registration_group may be at most 40 characters.")
    return values


def roll_import(*, school: School, rows: Table | Iterable[Mapping]) -> RollImported:
    """Add or update pupils by UPN, creating registration groups that are new.

    Pupils not in the file are left as they are (leavers get an on_roll_to date, they
    are never removed). Preferred names are kept: the file has the legal names.
    """
    table = as_table(rows)
    _check_columns(table, ROLL_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[Row, dict]] = []
    for number, values in table.rows:
        row = Row(number, values, errors)
        parsed.append((row, _roll_row(row)))
    errors += _repeated([(row.number, v["upn"]) for row, v in parsed if v["upn"]], "This UPN")
    _refuse_if(errors)

    with school_scope(school):
        try:
            with transaction.atomic():
                return _write_roll(school=school, parsed=parsed, errors=errors)
        except IntegrityError as exc:
            raise ImportRefused(
                [RowError(None, "The roll changed while importing; run the import again.")]
            ) from exc


def _write_roll(*, school: School, parsed: list[tuple[Row, dict]], errors) -> RollImported:
    groups = {g.name: g for g in RegistrationGroup.objects.filter(school=school)}
    new_groups = _new_groups(school=school, parsed=[v for _, v in parsed], existing=groups)
    existing = {p.upn: p for p in Pupil.objects.filter(school=school)}
    to_create, to_update, unchanged = [], [], 0
    for row, values in parsed:
        pupil = existing.get(values["upn"]) or Pupil(school=school, upn=values["upn"])
        before = _roll_values(pupil)
        for name in ROLL_FIELDS:
            setattr(pupil, name, values[name])
        name = values["registration_group"]
        pupil.registration_group = groups.get(name) or new_groups.get(name)
        try:
            # Foreign keys and uniqueness are settled above in bulk; a per-row check of
            # them would cost a query per pupil.
            pupil.full_clean(
                exclude=["school", "registration_group"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            row.model_errors(exc, ROLL_MODEL_COLUMNS)
            continue
        if pupil.pk is None:
            to_create.append(pupil)
        elif _roll_values(pupil) == before:
            unchanged += 1
        else:
            to_update.append(pupil)
    # Model checks can still refuse a row; nothing has been written but the groups,
    # which roll back with the transaction.
    _refuse_if(errors)
    Pupil.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Pupil.objects.bulk_update(
        to_update, [*ROLL_FIELDS, "registration_group"], batch_size=BATCH_SIZE
    )
    return RollImported(
        created=len(to_create),
        updated=len(to_update),
        unchanged=unchanged,
        groups_created=sorted(new_groups),
    )


def _roll_values(pupil: Pupil) -> tuple:
    return (*(getattr(pupil, f) for f in ROLL_FIELDS), pupil.registration_group_id)


def _new_groups(*, school, parsed: list[dict], existing) -> dict[str, RegistrationGroup]:
    """Groups named in the file that the school does not have yet. A new group gets the
    year group of its pupils when they share one (mixed-age classes get none)."""
    years: dict[str, set[str]] = {}
    for values in parsed:
        name = values["registration_group"]
        if name and name not in existing:
            years.setdefault(name, set()).add(values["year_group"])
    groups = [
        RegistrationGroup(
            school=school, name=name, year_group=next(iter(ys)) if len(ys) == 1 else ""
        )
        for name, ys in sorted(years.items())
    ]
    RegistrationGroup.objects.bulk_create(groups)
    # Re-read rather than trust bulk_create to return ids on every database.
    return {g.name: g for g in RegistrationGroup.objects.filter(school=school, name__in=years)}


# ---- Contacts --------------------------------------------------------------------------


@dataclass
class ContactsImported:
    created: int
    updated: int
    unchanged: int


CONTACT_FIELDS = ("name", "relationship", "parental_responsibility", "phone", "email")


def _contact_row(row: Row, *, pupils: Mapping[str, int], with_address: bool) -> dict:
    upn = _text(row.values.get("upn")).upper().replace(" ", "")
    pupil_id = pupils.get(upn)
    if not upn:
        row.error("upn is missing.")
    elif pupil_id is None:
        row.error(f"upn {upn!r} is not a pupil on this school's roll.")
    priority_text = row.text("priority", required=True)
    priority = None
    if priority_text:
        if priority_text.isdigit() and 1 <= int(priority_text) <= MAX_CONTACT_PRIORITY:
            priority = int(priority_text)
        else:
            row.error(
                f"priority {priority_text!r} must be a whole number from 1 "
                f"(called first) to {MAX_CONTACT_PRIORITY}."
            )
    email = row.text("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.error(f"email {email!r} is not an email address.")
    phone = row.text("phone")
    if phone and not set(phone) <= PHONE_CHARACTERS:
        row.error(f"phone {phone!r} may hold only digits, spaces and + - ( ).")
    values = {
        "upn": upn,
        "pupil_id": pupil_id,
        "priority": priority,
        "name": row.text("name", required=True),
        "relationship": row.text("relationship"),
        "parental_responsibility": row.flag("parental_responsibility", required=True),
        "phone": phone,
        "email": email,
    }
    if with_address:
        lines = [line.strip() for line in row.text("address").split(";")]
        values["address"] = "\n".join(line for line in lines if line)
    return values


def contacts_import(*, school: School, rows: Table | Iterable[Mapping]) -> ContactsImported:
    """Add or update pupils' contacts, matched by (pupil, priority).

    A row for a pupil and priority the school already has replaces that contact's
    details (its parent-portal login stays); contacts not in the file are kept. The
    address is changed only when the file has an address column.
    """
    table = as_table(rows)
    _check_columns(table, CONTACT_COLUMNS)
    with_address = "address" in table.columns
    fields = [*CONTACT_FIELDS, "address"] if with_address else list(CONTACT_FIELDS)
    with school_scope(school):
        pupils = dict(Pupil.objects.filter(school=school).values_list("upn", "pk"))
        errors: list[RowError] = []
        parsed = []
        for number, values in table.rows:
            row = Row(number, values, errors)
            parsed.append((row, _contact_row(row, pupils=pupils, with_address=with_address)))
        errors += _repeated(
            [
                (row.number, (v["upn"], v["priority"]))
                for row, v in parsed
                if v["pupil_id"] and v["priority"]
            ],
            "A contact for this upn and priority",
        )
        _refuse_if(errors)
        with transaction.atomic():
            return _write_contacts(school=school, parsed=parsed, fields=fields, errors=errors)


def _write_contacts(*, school, parsed, fields, errors) -> ContactsImported:
    existing: dict[tuple[int, int], Contact] = {}
    # Oldest first, so that of two contacts sharing a priority the older one is updated.
    for contact in Contact.objects.filter(school=school).order_by("pk"):
        existing.setdefault((contact.pupil_id, contact.priority), contact)
    to_create, to_update, unchanged = [], [], 0
    for row, values in parsed:
        key = (values["pupil_id"], values["priority"])
        contact = existing.get(key) or Contact(
            school=school, pupil_id=values["pupil_id"], priority=values["priority"]
        )
        before = tuple(getattr(contact, f) for f in fields)
        for name in fields:
            setattr(contact, name, values[name])
        try:
            contact.full_clean(
                exclude=["school", "pupil", "user"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            row.model_errors(exc, {})
            continue
        if contact.pk is None:
            to_create.append(contact)
        elif tuple(getattr(contact, f) for f in fields) == before:
            unchanged += 1
        else:
            to_update.append(contact)
    _refuse_if(errors)
    Contact.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Contact.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    return ContactsImported(created=len(to_create), updated=len(to_update), unchanged=unchanged)


# ---- Register history ----------------------------------------------------------------


@dataclass
class MarksImported:
    created: int
    amended: int
    unchanged: int


AMENDMENT_ROLE = "Import"


@dataclass(slots=True)
class _Pupil:
    pk: int
    on_roll_from: date
    on_roll_to: date | None


def marks_import(
    *,
    school: School,
    rows: Table | Iterable[Mapping],
    amend_reason: str = "",
    user=None,
) -> MarksImported:
    """Add register history (source: import) in bulk.

    A row that matches a saved mark changes nothing. A row that differs from a saved
    mark is an amendment of a legal record: the whole file is refused unless
    `amend_reason` is given, and then each change writes an Amendment with that reason.
    Queries do not grow with the number of rows.
    """
    table = as_table(rows)
    _check_columns(table, MARK_COLUMNS)
    amend_reason = amend_reason.strip()
    if len(amend_reason) > 500:
        raise ImportRefused([RowError(None, "The amendment reason may be at most 500 characters.")])
    with school_scope(school):
        checked = _check_marks(school=school, table=table)
        try:
            with transaction.atomic():
                return _write_marks(
                    school=school, checked=checked, amend_reason=amend_reason, user=user
                )
        except IntegrityError as exc:
            raise ImportRefused(
                [RowError(None, "Marks changed while importing; run the import again.")]
            ) from exc


@dataclass(slots=True)
class _CheckedMark:
    row: int
    pupil_id: int
    session_id: int
    date: date
    code: str
    minutes_late: int | None


def _check_marks(*, school: School, table: Table) -> list[_CheckedMark]:
    pupils = {
        upn: _Pupil(pk, start, end)
        for upn, pk, start, end in Pupil.objects.filter(school=school).values_list(
            "upn", "pk", "on_roll_from", "on_roll_to"
        )
    }
    sessions = {
        (day, period): pk
        for pk, day, period in Session.objects.filter(school=school).values_list(
            "pk", "date", "period"
        )
    }
    codes = code_rules()
    periods = frozenset(Period.values)
    dates: dict[str, date | None] = {}
    errors: list[RowError] = []
    checked: list[_CheckedMark] = []
    seen: dict[tuple[int, int], int] = {}
    for number, values in table.rows:
        row = Row(number, values, errors)
        upn = _text(values.get("upn")).upper().replace(" ", "")
        pupil = pupils.get(upn)
        if pupil is None:
            row.error(f"upn {upn!r} is not a pupil on this school's roll.")
        raw_date = _text(values.get("date"))
        if raw_date not in dates:
            dates[raw_date] = row.date("date")
        elif dates[raw_date] is None:
            row.date("date")
        day = dates[raw_date]
        period = _text(values.get("session")).upper()
        if period not in periods:
            row.error(f"session {period!r} must be AM or PM.")
        code = _text(values.get("code"))
        code = code if code in codes else code.upper()
        if code not in codes:
            row.error(f"code {code!r} is not a national attendance code.")
        minutes_late = _minutes_late(row, code)
        if row.failed:
            continue
        session_id = sessions.get((day, period))
        if session_id is None:
            row.error(f"{day:%a %d %b %Y} {period} is not a session of this school.")
            continue
        if day < pupil.on_roll_from or (pupil.on_roll_to and day > pupil.on_roll_to):
            row.error(f"upn {upn} was not on roll on {day}.")
            continue
        key = (pupil.pk, session_id)
        if key in seen:
            row.error(f"{upn} {day} {period} is already on row {seen[key]}.")
            continue
        seen[key] = number
        checked.append(_CheckedMark(number, pupil.pk, session_id, day, code, minutes_late))
    _refuse_if(errors)
    return checked


def _minutes_late(row: Row, code: str) -> int | None:
    text = _text(row.values.get("minutes_late"))
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_MINUTES_LATE:
        row.error(f"minutes_late {text!r} must be a whole number from 0 to {MAX_MINUTES_LATE}.")
        return None
    if code not in MINUTES_LATE_CODES:
        row.error(f"minutes_late goes with L or U only, not {code!r}.")
        return None
    return int(text)


def _write_marks(*, school, checked: list[_CheckedMark], amend_reason: str, user):
    if not checked:
        return MarksImported(created=0, amended=0, unchanged=0)
    first = min(c.date for c in checked)
    last = max(c.date for c in checked)
    saved = {
        (pupil_id, session_id): rest
        for pupil_id, session_id, *rest in Mark.objects.filter(
            school=school, date__range=(first, last)
        ).values_list(
            "pupil_id",
            "session_id",
            "pk",
            "code_id",
            "minutes_late",
            "version",
            "note",
            "reason_id",
            "reason__code_id",
            "reason__name",
        )
    }
    now = timezone.now()
    to_create, to_update, amendments, errors = [], [], [], []
    unchanged = 0
    for c in checked:
        current = saved.get((c.pupil_id, c.session_id))
        if current is None:
            to_create.append(c)
            continue
        pk, code, minutes_late, version, note, reason_id, reason_code, reason_name = current
        if (code, minutes_late) == (c.code, c.minutes_late):
            unchanged += 1
            continue
        if not amend_reason:
            errors.append(
                RowError(
                    c.row,
                    f"{code} is already saved for this session; an import changes a saved "
                    "mark only as an amendment (give a reason with --amend-reason).",
                )
            )
            continue
        mark = Mark(
            pk=pk,
            school=school,
            pupil_id=c.pupil_id,
            session_id=c.session_id,
            date=c.date,
            code_id=code,
            minutes_late=minutes_late,
            note=note,
            reason=(
                AbsenceReason(pk=reason_id, school=school, code_id=reason_code, name=reason_name)
                if reason_id
                else None
            ),
        )
        # The school's own reason belongs to the code it was given for (as on the
        # register): a new code lets go of it.
        keeps_reason = reason_code == c.code
        amendments.append(
            events.mark_amended(
                mark=mark,
                new_code=c.code,
                new_minutes_late=c.minutes_late,
                new_absence_reason=None if keeps_reason else "",
                reason=amend_reason,
                user=user,
                role=AMENDMENT_ROLE,
                when=now,
            )
        )
        if not keeps_reason:
            mark.reason = None
        mark.code_id = c.code
        mark.minutes_late = c.minutes_late
        mark.source = Mark.Source.IMPORT
        mark.recorded_by = user
        mark.recorded_at = now
        mark.version = version + 1
        to_update.append(mark)
    _refuse_if(errors)
    _refuse_if_saved_meanwhile(to_update)
    _insert_marks(school=school, marks=to_create, user=user, now=now)
    Mark.objects.bulk_update(
        to_update,
        ["code", "minutes_late", "reason", "source", "recorded_by", "recorded_at", "version"],
        batch_size=BATCH_SIZE,
    )
    for start in range(0, len(amendments), BATCH_SIZE):
        events.save_amendments(amendments[start : start + BATCH_SIZE])
    return MarksImported(created=len(to_create), amended=len(amendments), unchanged=unchanged)


def _refuse_if_saved_meanwhile(marks: list[Mark]) -> None:
    """Lock the marks about to be amended. One saved since it was read (a register taken
    during the import) refuses the file instead of being overwritten unseen; a mark
    created meanwhile is caught by the unique constraint (IntegrityError above)."""
    if not marks:
        return
    read = {m.pk: m.version - 1 for m in marks}
    now_saved = Mark.objects.select_for_update().filter(pk__in=read).values_list("pk", "version")
    if any(read[pk] != version for pk, version in now_saved):
        raise IntegrityError("a mark to amend was saved during the import")


def _insert_marks(*, school, marks: list[_CheckedMark], user, now) -> None:
    """New marks in bulk (registers.bulk): every value was checked row by row above
    against preloaded pupils, sessions and codes."""
    recorded_at = bulk.db_datetime(now)
    dates: dict[date, object] = {}
    rows = []
    for m in marks:
        if m.date not in dates:
            dates[m.date] = bulk.db_date(m.date)
        rows.append(
            (
                school.pk,
                m.pupil_id,
                m.session_id,
                dates[m.date],
                m.code,
                m.minutes_late,
                "",
                None,
                Mark.Source.IMPORT.value,
                user.pk if user else None,
                recorded_at,
                1,
            )
        )
    bulk.marks_insert(rows)
