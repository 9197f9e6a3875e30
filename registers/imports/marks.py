"""Register history from the previous MIS (DESIGN.md §9 import_marks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import bulk, events
from ..models import (
    AbsenceReason,
    Mark,
    Period,
    Pupil,
    School,
    Session,
)
from ..selectors import local_today
from ..services import MAX_MINUTES_LATE, MINUTES_LATE_CODES, Writing, mark_errors
from ..stats import code_rules
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
    text_value,
)

MARK_COLUMNS = ("upn", "date", "session", "code", "minutes_late")


@dataclass
class MarksImported:
    created: int
    amended: int
    unchanged: int


AMENDMENT_ROLE = "Import"


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
    check_columns(table, MARK_COLUMNS)
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
    """Every row read, then checked by the register's law (`services.mark_errors`): a
    mark the register would refuse is refused here with the same words."""
    pupils = {
        p.upn: p
        for p in Pupil.objects.filter(school=school).only(
            "pk", "upn", "on_roll_from", "on_roll_to", "date_of_birth", "dual_registered"
        )
    }
    sessions = {(s.date, s.period): s for s in Session.objects.filter(school=school)}
    writing = Writing(role=AMENDMENT_ROLE, source=Mark.Source.IMPORT, today=local_today(school))
    codes = code_rules()
    periods = frozenset(Period.values)
    dates: dict[str, date | None] = {}
    errors: list[RowError] = []
    checked: list[_CheckedMark] = []
    seen: dict[tuple[int, int], int] = {}
    for number, values in table.rows:
        row = Row(number, values, errors)
        upn = text_value(values.get("upn")).upper().replace(" ", "")
        pupil = pupils.get(upn)
        if pupil is None:
            row.error(f"upn {upn!r} is not a pupil on this school's roll.")
        raw_date = text_value(values.get("date"))
        if raw_date not in dates:
            dates[raw_date] = row.date("date")
        elif dates[raw_date] is None:
            row.date("date")
        day = dates[raw_date]
        period = text_value(values.get("session")).upper()
        if period not in periods:
            row.error(f"session {period!r} must be AM or PM.")
        code = text_value(values.get("code"))
        code = code if code in codes else code.upper()
        if code not in codes:
            row.error(f"code {code!r} is not a national attendance code.")
        minutes_late = _minutes_late(row, code)
        if row.failed:
            continue
        session = sessions.get((day, period))
        if session is None:
            row.error(f"{day:%a %d %b %Y} {period} is not a session of this school.")
            continue
        if day < pupil.on_roll_from or (pupil.on_roll_to and day > pupil.on_roll_to):
            row.error(f"upn {upn} was not on roll on {day}.")
            continue
        law = mark_errors(
            code=code, session=session, pupil=pupil, writing=writing, minutes_late=minutes_late
        )
        for message in law.values():
            row.error(message)
        if law:
            continue
        session_id = session.pk
        key = (pupil.pk, session_id)
        if key in seen:
            row.error(f"{upn} {day} {period} is already on row {seen[key]}.")
            continue
        seen[key] = number
        checked.append(_CheckedMark(number, pupil.pk, session_id, day, code, minutes_late))
    refuse_if(errors)
    return checked


def _minutes_late(row: Row, code: str) -> int | None:
    text = text_value(row.values.get("minutes_late"))
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
        amendment = events.mark_amended(
            mark=mark,
            new_code=c.code,
            new_minutes_late=c.minutes_late,
            new_absence_reason=None if keeps_reason else "",
            reason=amend_reason,
            user=user,
            role=AMENDMENT_ROLE,
            when=now,
        )
        amendment.source = Mark.Source.IMPORT
        amendments.append(amendment)
        if not keeps_reason:
            mark.reason = None
        mark.code_id = c.code
        mark.minutes_late = c.minutes_late
        mark.source = Mark.Source.IMPORT
        mark.recorded_by = user
        mark.recorded_at = now
        mark.version = version + 1
        to_update.append(mark)
    refuse_if(errors)
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
