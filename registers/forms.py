"""Reading the register form, and the form for the school's own reasons.

The register's form contract is stable (a benchmark posts it). Per pupil:
`code-<id>`, `arrival-<id>` (HH:MM, optional), `minutes-<id>` (optional whole number),
`note-<id>`, `reason-<id>` (optional: the id of one of the school's reasons, "" for none),
`version-<id>` (the version shown, 0 if none), `amend-<id>` (why a saved mark is changed).
After a conflict, each pupil someone else saved differently carries `conflict-<id>` and
the person's choice `resolve-<id>`: `saved` (keep what is saved) or `mine` (change it,
with its own `amend-<id>`).
Only lines with a code are saved; blank lines stay unmarked. A reason must stand for the
line's code. When `reason-<id>` is not posted at all, a saved reason stays while its code
stands; a saved reason posted back unchanged is dropped with its code, since the person
did not choose it for the new code.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from django.forms import CharField, ChoiceField, Form

from .models import MAX_ID, AbsenceReason, Session
from .selectors import CodeChoice, RegisterLine
from .services import (
    MINUTES_LATE_CODES,
    PRESENT_CODE,
    MarkEntry,
    code_for_arrival,
    pre_entered_message,
)

ARRIVAL_FORMATS = ("%H:%M", "%H:%M:%S")
FIELD_NAME = re.compile(r"^code-(\d+)$")


def _arrival(value: str) -> time | None:
    for fmt in ARRIVAL_FORMATS:
        try:
            return datetime.strptime(value, fmt).time()
        except ValueError:
            continue
    return None


def _int(value: str, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def record_id(value) -> int | None:
    """A posted row id, or None if it cannot be one."""
    number = _int(value)
    return number if number is not None and 0 < number <= MAX_ID else None


def read_line(data, line: RegisterLine) -> None:
    """Copy the person's entries onto the line, so that a re-render keeps them."""
    pid = line.pupil.pk
    line.code = data.get(f"code-{pid}", "").strip()
    line.arrival = data.get(f"arrival-{pid}", "").strip()
    line.minutes = data.get(f"minutes-{pid}", "").strip()
    line.note = data.get(f"note-{pid}", "").strip()
    line.amend = data.get(f"amend-{pid}", "").strip()
    line.version = _int(data.get(f"version-{pid}"), 0)
    line.reason = _reason(data.get(f"reason-{pid}"), line)
    line.reason_posted = f"reason-{pid}" in data
    line.conflicted = bool(data.get(f"conflict-{pid}"))
    line.resolve = data.get(f"resolve-{pid}", "").strip()


def _reason(posted: str | None, line: RegisterLine) -> str:
    """The reason on the line: the one posted, except a saved reason that no longer fits
    the code (a reason belongs to the code it was given for)."""
    saved = line.mark.reason_id if line.mark else None
    if posted is not None and posted.strip() != str(saved):
        return posted.strip()
    keeps = saved is not None and line.mark.code_id == line.code
    return str(saved) if keeps else ""


def _entry(line: RegisterLine, *, session: Session) -> MarkEntry | None:
    """The line as a MarkEntry, or None (with a message on the line) if it cannot be read."""
    code, minutes = line.code, None
    if code in MINUTES_LATE_CODES and line.arrival:
        arrival = _arrival(line.arrival)
        if arrival is None:
            line.errors.append("Arrival time must be a time like 08:55.")
            return None
        # The school's clock decides: L while the register is open, U after it closes.
        code, minutes = code_for_arrival(session=session, arrival=arrival)
        line.clock = clock_decided(session=session, arrival=arrival, code=code)
    elif code in MINUTES_LATE_CODES and line.minutes:
        minutes = _int(line.minutes)
        if minutes is None:
            line.errors.append("Minutes late must be a whole number, like 10.")
            return None
    reason_id = record_id(line.reason) if line.reason else None
    if line.reason and reason_id is None:
        line.errors.append("Choose a reason from the list.")
        return None
    return MarkEntry(
        pupil_id=line.pupil.pk,
        code=code,
        minutes_late=minutes,
        note=line.note,
        reason_id=reason_id,
        seen_version=line.version,
        amendment_reason=line.amend,
        keep_reason=not line.reason_posted,
    )


def clock_decided(*, session: Session, arrival: time, code: str) -> str:
    """What the school's clock made of a late, in words, when it is not an L."""
    when = f"arrived {arrival:%H:%M} on {session.date:%d/%m/%Y}"
    if code == "U":
        return f"{when}, after the register closed at {session.closes:%H:%M}: U, unauthorised"
    if code in PRESENT_CODE.values():
        return f"{when}, not after the late time {session.late_after:%H:%M}: present ({code})"
    return ""


def read_register(data, *, lines: list[RegisterLine], session: Session) -> list[MarkEntry]:
    """Entries to save from a posted register. Lines that cannot be read get messages."""
    entries = []
    for line in lines:
        if line.locked:
            # Nothing of a pre-entered mark is on a teacher's form; a post that tries
            # to change it anyway is refused rather than ignored.
            posted = data.get(f"code-{line.pupil.pk}", "").strip()
            if posted and posted != line.entered.code_id:
                line.errors.append(pre_entered_message(line.entered))
            continue
        read_line(data, line)
        if not line.code:
            continue
        if line.conflicted and line.resolve not in ("saved", "mine"):
            line.errors.append("Choose whether to keep the saved mark or use yours.")
            continue
        if line.conflicted and line.resolve == "saved":
            continue
        entry = _entry(line, session=session)
        if entry is not None:
            entries.append(entry)
    return entries


def strangers(data, *, lines: list[RegisterLine]) -> list[MarkEntry]:
    """Entries for pupils posted but not on this register, so the service refuses them
    with its own message instead of the form dropping them silently."""
    known = {line.pupil.pk for line in lines}
    entries = []
    for name, value in data.items():
        match = FIELD_NAME.match(name)
        if match and int(match[1]) not in known and value.strip():
            # A number too large for any row id is no pupil of ours: say so, without
            # letting it reach a query it would overflow.
            pupil_id = min(int(match[1]), MAX_ID)
            entries.append(MarkEntry(pupil_id=pupil_id, code=value.strip()))
    return entries


def fill_present(lines: list[RegisterLine], *, session: Session) -> int:
    """Mark every unmarked line present (not pre-entered or saved marks); how many."""
    filled = 0
    for line in lines:
        if not line.locked and not line.code and line.mark is None and line.planned is None:
            line.code = PRESENT_CODE[session.period]
            filled += 1
    return filled


# ---- The school's own reasons -----------------------------------------------------------


class ReasonForm(Form):
    name = CharField(
        label="Name",
        max_length=AbsenceReason._meta.get_field("name").max_length,
        help_text="In the school's own words, as staff will see it on the register.",
        error_messages={"required": "Give the reason a name, like Hospital appointment."},
    )
    code = ChoiceField(
        label="National code",
        help_text="What the reason counts as in every attendance figure.",
        error_messages={
            "required": "Choose the national code the reason is recorded as.",
            "invalid_choice": "Choose one of the national codes in the list.",
        },
    )

    def __init__(self, *args, codes: list[tuple[str, list[CodeChoice]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [
            ("", "Choose a national code"),
            *[
                (label, [(c.code, f"{c.code} – {c.meaning}") for c in group])
                for label, group in codes
            ],
        ]
