"""The register's law (DESIGN.md §5): every rule a mark must keep, in one function.

`mark_errors` is the only place a rule lives. The mark writer (`services.marks`) calls it
for the register page, the API, the office, leave and the system; `import_marks` calls it
for every row. So whatever the register refuses, every other source refuses too, with
the same words. The per-code rules follow the `notes` column of
reference/attendance-codes.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from ..models import (
    ROLES_REGISTER_ANY_GROUP,
    AbsenceReason,
    Amendment,
    Mark,
    Period,
    Pupil,
    Session,
)
from ..stats import code_rules
from .sessions import PRESENT_CODE

# The codes that carry minutes late (L while the register is open, U after it closes).
MINUTES_LATE_CODES = frozenset({"L", "U"})
MAX_MINUTES_LATE = 600
# Lengths of the free text a person writes on a mark and on an amendment.
MAX_NOTE = Mark._meta.get_field("note").max_length
MAX_AMENDMENT_REASON = Amendment._meta.get_field("reason").max_length
# Marks that say the pupil was there: only on the day itself, never ahead of it.
ON_THE_DAY_CODES = frozenset({"/", "\\", "L", "U"})
# Sources that enter marks ahead of the register (DESIGN.md §5 pre-entered marks).
ADVANCE_SOURCES = frozenset({Mark.Source.OFFICE, Mark.Source.PARENT, Mark.Source.LEAVE})
# C1 is "granted in advance" (attendance-codes.csv): it comes from the school's decision
# on leave, so only the office side records it (or history brought in by an import).
C1_SOURCES = ADVANCE_SOURCES | {Mark.Source.IMPORT, Mark.Source.SYSTEM}


# ---- Compulsory school age ------------------------------------------------------------

# The prescribed days (Education (Start of Compulsory School Age) Order 1998).
_PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February: the birthday is 1 March in other years
        return date(born.year + age, 3, 1)


def compulsory_school_age_starts(born: date) -> date:
    """The day a child becomes of compulsory school age (Education Act 1996 s.8): the
    5th birthday if it is a prescribed day (31 March, 31 August, 31 December), otherwise
    the next prescribed day after it."""
    fifth = _birthday(born, 5)
    days = [date(fifth.year + y, m, d) for y in (0, 1) for m, d in _PRESCRIBED_DAYS]
    return min(day for day in days if day >= fifth)


def compulsory_school_age_ends(born: date) -> date:
    """The school leaving date: the last Friday of June of the school year (1 September
    to 31 August) in which the pupil turns 16 (Education Act 1996 s.8(3), Education
    (School Leaving Date) Order 1997)."""
    sixteenth = _birthday(born, 16)
    year = sixteenth.year if sixteenth.month <= 8 else sixteenth.year + 1
    june_30 = date(year, 6, 30)
    return june_30 - timedelta(days=(june_30.weekday() - 4) % 7)


def of_compulsory_school_age(born: date, day: date) -> bool:
    return compulsory_school_age_starts(born) <= day <= compulsory_school_age_ends(born)


# ---- The rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Writing:
    """Who writes, how, and when: the part of the law that depends on the writer."""

    role: str  # the acting role (Role value), or a label such as "Import"
    source: str  # Mark.Source
    today: date  # the school's local date when writing

    @property
    def office_side(self) -> bool:
        """The office (or a lead) acting as such, a parent's report or approved leave."""
        return self.role in ROLES_REGISTER_ANY_GROUP or self.source in ADVANCE_SOURCES


def _clock(minutes: int) -> str:
    if minutes >= 24 * 60:
        return "after midnight"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def late_errors(*, code: str, minutes_late: int | None, session: Session) -> str | None:
    """Minutes late must agree with the session's clock: L keeps the arrival before the
    register closed, U after it (minutes are counted from the late time)."""
    if minutes_late is None:
        return None
    if minutes_late < 0 or minutes_late > MAX_MINUTES_LATE:
        return f"Minutes late must be between 0 and {MAX_MINUTES_LATE}."
    if code not in MINUTES_LATE_CODES:
        return "Minutes late go with L or U only."
    arrival = _minutes(session.late_after) + minutes_late
    closes = _minutes(session.closes)
    if code == "L" and arrival > closes:
        return (
            f"L {minutes_late} minutes late is an arrival at {_clock(arrival)}, after the "
            f"register closed at {session.closes:%H:%M}: that is U."
        )
    if code == "U" and arrival <= closes:
        return (
            f"U {minutes_late} minutes late is an arrival at {_clock(arrival)}, before the "
            f"register closed at {session.closes:%H:%M}: that is L."
        )
    return None


def _code_errors(*, code: str, session: Session, pupil: Pupil, note: str, writing: Writing):
    """The per-code notes of attendance-codes.csv, and the future-day rules."""
    day = session.date
    if code == "X" and of_compulsory_school_age(pupil.date_of_birth, day):
        return "code", (
            "X is only for a pupil not of compulsory school age; this pupil is of "
            f"compulsory school age on {day:%d %B %Y}."
        )
    if code == "Z":
        return "code", (
            "Z is for a prospective pupil not yet on the admission register; this pupil is on roll."
        )
    if code == "D" and not pupil.dual_registered:
        return "code", (
            "D is only for a pupil also registered at another school; this pupil is not "
            "recorded as dual registered."
        )
    if code == "Y7" and not note.strip():
        return "note", "Y7 needs the cause: say in the note what made attending impossible."
    c1_allowed = writing.role in ROLES_REGISTER_ANY_GROUP or writing.source in C1_SOURCES
    if code == "C1" and not c1_allowed:
        return "code", (
            "C1 is leave granted in advance for a regulated performance or employment "
            "abroad: the office records it from the leave granted."
        )
    if day > writing.today:
        if code in ON_THE_DAY_CODES:
            return "code", (
                f"{day:%A %d %B %Y} has not come yet: {code} is recorded on the day itself."
            )
        if not writing.office_side:
            return "code", (
                f"{day:%A %d %B %Y} has not come yet: absences known in advance are "
                "entered by the office."
            )
    return None


def mark_errors(
    *,
    code: str,
    session: Session,
    pupil: Pupil | None,
    writing: Writing,
    minutes_late: int | None = None,
    note: str = "",
    reason_id: int | None = None,
    reasons: dict[int, AbsenceReason] | None = None,
    amendment_reason: str = "",
) -> dict[str, str]:
    """Every rule of one mark: {field: message}, empty when the mark may be written.

    Fields: `pupil`, `code`, `minutes_late`, `reason`, `note`, `amendment_reason`.
    `pupil` is None for a pupil not of this register (or not of the school).
    """
    if pupil is None:
        return {"pupil": "Not a pupil of this register."}
    if not pupil.on_roll(session.date):
        return {"pupil": f"Not on roll on {session.date:%d %B %Y}."}
    errors: dict[str, str] = {}
    period = session.period
    other_present = PRESENT_CODE[Period.PM if period == Period.AM else Period.AM]
    if code not in code_rules():
        errors["code"] = f"{code!r} is not a national attendance code."
    elif code == other_present:
        errors["code"] = (
            f"{code} is the {'afternoon' if period == Period.AM else 'morning'} present "
            f"mark; use {PRESENT_CODE[period]} in the {period}."
        )
    else:
        problem = _code_errors(code=code, session=session, pupil=pupil, note=note, writing=writing)
        if problem:
            errors[problem[0]] = problem[1]
    late = late_errors(code=code, minutes_late=minutes_late, session=session)
    if late:
        errors["minutes_late"] = late
    if reason_id is not None:
        reason = (reasons or {}).get(reason_id)
        if reason is None:
            errors["reason"] = "No such reason at this school."
        elif reason.code_id != code:
            errors["reason"] = f"{reason.name} is recorded as {reason.code_id}, not {code}."
    if len(note) > MAX_NOTE:
        errors["note"] = f"A note may be at most {MAX_NOTE} characters."
    if len(amendment_reason.strip()) > MAX_AMENDMENT_REASON:
        errors["amendment_reason"] = (
            f"The reason for the change may be at most {MAX_AMENDMENT_REASON} characters."
        )
    # A NUL cannot be stored (PostgreSQL refuses it): say so rather than fail the save.
    for name, text in (("note", note), ("amendment_reason", amendment_reason)):
        if "\x00" in text:
            errors.setdefault(name, "Text may not contain a NUL character.")
    return errors
