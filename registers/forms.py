"""Reading the register form.

The form contract is stable (a benchmark posts it). Per pupil:
`code-<id>`, `arrival-<id>` (HH:MM, optional), `minutes-<id>` (optional whole number),
`note-<id>`, `version-<id>` (the version shown, 0 if none), `amend-<id>` (why a saved
mark is changed). Only lines with a code are saved; blank lines stay unmarked.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from .models import Session
from .selectors import RegisterLine
from .services import PRESENT_CODE, MarkEntry, code_for_arrival

LATE_CODES = ("L", "U")
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


def read_line(data, line: RegisterLine) -> None:
    """Copy the person's entries onto the line, so that a re-render keeps them."""
    pid = line.pupil.pk
    line.code = data.get(f"code-{pid}", "").strip()
    line.arrival = data.get(f"arrival-{pid}", "").strip()
    line.minutes = data.get(f"minutes-{pid}", "").strip()
    line.note = data.get(f"note-{pid}", "").strip()
    line.amend = data.get(f"amend-{pid}", "").strip()
    line.version = _int(data.get(f"version-{pid}"), 0)


def _entry(line: RegisterLine, *, session: Session) -> MarkEntry | None:
    """The line as a MarkEntry, or None (with a message on the line) if it cannot be read."""
    code, minutes = line.code, None
    if code in LATE_CODES and line.arrival:
        arrival = _arrival(line.arrival)
        if arrival is None:
            line.errors.append("Arrival time must be a time like 08:55.")
            return None
        # The school's clock decides: L while the register is open, U after it closes.
        code, minutes = code_for_arrival(session=session, arrival=arrival)
    elif code in LATE_CODES and line.minutes:
        minutes = _int(line.minutes)
        if minutes is None:
            line.errors.append("Minutes late must be a whole number, like 10.")
            return None
    # A reason belongs to the code it was given for; keep it only while the code stands.
    reason_id = line.mark.reason_id if line.mark and line.mark.code_id == code else None
    return MarkEntry(
        pupil_id=line.pupil.pk,
        code=code,
        minutes_late=minutes,
        note=line.note,
        reason_id=reason_id,
        seen_version=line.version,
        amendment_reason=line.amend,
    )


def read_register(data, *, lines: list[RegisterLine], session: Session) -> list[MarkEntry]:
    """Entries to save from a posted register. Lines that cannot be read get messages."""
    entries = []
    for line in lines:
        if line.locked:
            # Nothing of a pre-entered mark is on a teacher's form; a post that tries
            # to change it anyway is refused rather than ignored.
            posted = data.get(f"code-{line.pupil.pk}", "").strip()
            if posted and posted != line.mark.code_id:
                line.errors.append(
                    f"{line.mark.get_source_display()} entered {line.mark.code_id}: "
                    "only office staff can change it."
                )
            continue
        read_line(data, line)
        if not line.code:
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
            entries.append(MarkEntry(pupil_id=int(match[1]), code=value.strip()))
    return entries


def fill_present(lines: list[RegisterLine], *, session: Session) -> int:
    """Mark every unmarked line present (not pre-entered or saved marks); how many."""
    filled = 0
    for line in lines:
        if not line.locked and not line.code and line.mark is None:
            line.code = PRESENT_CODE[session.period]
            filled += 1
    return filled
