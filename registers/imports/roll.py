"""The roll from the previous MIS: pupils, updated by UPN (DESIGN.md §9 import_roll)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..groups import (
    GroupMove,
    MoveRefused,
    first_spells,
    first_spells_follow_roll,
    group_moves,
)
from ..models import (
    Pupil,
    RegistrationGroup,
    School,
)
from ..selectors import local_today
from ..tenancy import school_scope
from .common import (
    BATCH_SIZE,
    ImportRefused,
    Row,
    RowError,
    Table,
    as_table,
    check_columns,
    refuse_if,
    repeated_rows,
    year_group_value,
)

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


@dataclass
class RollImported:
    created: int
    updated: int
    unchanged: int
    groups_created: list[str]
    # Pupils whose registration group changed, and the date the change took effect.
    moved: int = 0
    effective: date | None = None


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
# Columns a file may add after the required ones (the census and the national daily data
# share need them). A file without one leaves that field of every pupil as it was.
OPTIONAL_COLUMNS = (
    "ethnicity",
    "previously_looked_after",
    "expected_leaving_date",
    "flagged_vulnerable",
)
OPTIONAL_FLAGS = ("previously_looked_after", "flagged_vulnerable")


def _optional_values(row: Row, columns: frozenset[str]) -> dict:
    values = {}
    if "ethnicity" in columns:
        given = row.text("ethnicity")
        code = given.upper()
        # DfE ethnicity codes: 4 letters (WBRI, MWBC, REFU, NOBT ...), or blank.
        if code and not (len(code) == 4 and code.isalnum()):
            row.error(f"ethnicity {given!r} is not a DfE ethnicity code (4 letters, e.g. WBRI).")
        values["ethnicity"] = code
    for column in OPTIONAL_FLAGS:
        if column in columns:
            values[column] = row.flag(column)
    if "expected_leaving_date" in columns:
        values["expected_leaving_date"] = row.date("expected_leaving_date", required=False)
    return values


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


def roll_import(
    *, school: School, rows: Table | Iterable[Mapping], effective: date | None = None
) -> RollImported:
    """Add or update pupils by UPN, creating registration groups that are new.

    Pupils not in the file are left as they are (leavers get an on_roll_to date, they
    are never removed, and keep the groups they were in). Preferred names are kept: the
    file has the legal names.

    Registration groups are dated (DESIGN.md §4, §9): a new pupil's first group starts on
    their on_roll_from; a changed group takes effect on `effective` (default: today at
    the school), or on the pupil's on_roll_from if that is later, and never rewrites
    the past: a change dated before the pupil's current group started refuses the file.
    """
    table = as_table(rows)
    check_columns(table, ROLL_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[Row, dict]] = []
    optional = frozenset(OPTIONAL_COLUMNS) & frozenset(table.columns)
    for number, values in table.rows:
        row = Row(number, values, errors)
        parsed.append((row, _roll_row(row) | _optional_values(row, optional)))
    errors += repeated_rows([(row.number, v["upn"]) for row, v in parsed if v["upn"]], "This UPN")
    refuse_if(errors)

    with school_scope(school):
        try:
            with transaction.atomic():
                return _write_roll(
                    school=school,
                    parsed=parsed,
                    errors=errors,
                    effective=effective or local_today(school),
                    fields=(*ROLL_FIELDS, *(c for c in OPTIONAL_COLUMNS if c in optional)),
                )
        except IntegrityError as exc:
            raise ImportRefused(
                [RowError(None, "The roll changed while importing; run the import again.")]
            ) from exc


def _write_roll(
    *,
    school: School,
    parsed: list[tuple[Row, dict]],
    errors,
    effective: date,
    fields: tuple[str, ...] = ROLL_FIELDS,
) -> RollImported:
    groups = {g.name: g for g in RegistrationGroup.objects.filter(school=school)}
    new_groups = _new_groups(school=school, parsed=[v for _, v in parsed], existing=groups)
    existing = {p.upn: p for p in Pupil.objects.filter(school=school)}
    to_create, to_update, unchanged = [], [], 0
    moves: list[GroupMove] = []
    rows_of: dict[int, int] = {}
    first_days: dict[int, tuple[date, date]] = {}
    for row, values in parsed:
        pupil = existing.get(values["upn"]) or Pupil(school=school, upn=values["upn"])
        before = _roll_values(pupil, fields)
        group_before, first_day_before = pupil.registration_group_id, pupil.on_roll_from
        for name in fields:
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
        if pupil.pk is not None and pupil.on_roll_from != first_day_before:
            first_days[pupil.pk] = (first_day_before, pupil.on_roll_from)
        if pupil.pk is not None and pupil.registration_group_id != group_before:
            # A pupil not yet on roll has no past to keep: the change starts on day one.
            moves.append(
                GroupMove(pupil, pupil.registration_group, max(effective, pupil.on_roll_from))
            )
            rows_of[pupil.pk] = row.number
        if pupil.pk is None:
            to_create.append(pupil)
        elif _roll_values(pupil, fields) == before:
            unchanged += 1
        else:
            to_update.append(pupil)
    # Model checks can still refuse a row; nothing has been written but the groups,
    # which roll back with the transaction.
    refuse_if(errors)
    # A corrected first day moves the first group's start with it, before any move is
    # dated against that start.
    first_spells_follow_roll(school=school, moved_from=first_days)
    try:
        moved = group_moves(school=school, moves=moves)
    except MoveRefused as exc:
        raise ImportRefused(
            [RowError(rows_of[pid], message) for pid, message in exc.problems.items()]
        ) from exc
    Pupil.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Pupil.objects.bulk_update(to_update, [*fields, "registration_group"], batch_size=BATCH_SIZE)
    # bulk_create gives ids on PostgreSQL and SQLite; read them back on any other database.
    if any(p.pk is None for p in to_create):
        ids = dict(
            Pupil.objects.filter(school=school, upn__in=[p.upn for p in to_create]).values_list(
                "upn", "pk"
            )
        )
        for pupil in to_create:
            pupil.pk = ids[pupil.upn]
    first_spells(school=school, pupils=to_create)
    return RollImported(
        created=len(to_create),
        updated=len(to_update),
        unchanged=unchanged,
        groups_created=sorted(new_groups),
        moved=moved.moved,
        effective=effective,
    )


def _roll_values(pupil: Pupil, fields: tuple[str, ...]) -> tuple:
    return (*(getattr(pupil, f) for f in fields), pupil.registration_group_id)


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
