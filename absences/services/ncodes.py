"""The nightly N to O (DESIGN §5; RULES.md DS-16, BL-05, LE-11): where the school chose it
(`School.replace_overdue_n_with_o`, shown on the procedure's settings page), every N past
its deadline becomes O, an amendment by the system through the one mark writer
(`registers.services.marks.marks_write`, actor None, source "system").

Idempotent: a second run finds no overdue N and changes nothing; a mark someone changed
meanwhile is a conflict for the writer and is left alone (the person's code stands).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from registers.events import event, save_events
from registers.models import Mark, School
from registers.services.marks import MarkEntry, MarksInvalid, RegisterConflict, marks_write

from ..events import CallingEvent
from ..selectors.ncodes import N_DEADLINE_SCHOOL_DAYS, n_code_queue

REASON = (
    f"N not explained within {N_DEADLINE_SCHOOL_DAYS} school days: recorded as unauthorised "
    "(O) by the system, as the school's procedure says."
)


def overdue_n_replace(*, school: School, as_of: date, now: datetime | None = None) -> int:
    """Replace every N overdue on `as_of` by O, if the school chose it. Returns how many
    marks changed (0 when the school did not choose it, or on a second run)."""
    if not school.replace_overdue_n_with_o:
        return 0
    now = now or timezone.now()
    overdue = [q.mark for q in n_code_queue(school=school, as_of=as_of) if q.overdue]
    if not overdue:
        return 0
    entries = [
        MarkEntry(
            pupil_id=mark.pupil_id,
            code="O",
            note=mark.note,
            seen_version=mark.version,
            amendment_reason=REASON,
            session=mark.session,
        )
        for mark in overdue
    ]
    try:
        with transaction.atomic():
            result = marks_write(
                school=school,
                entries=entries,
                actor=None,
                role="",
                source=Mark.Source.SYSTEM,
                pupils={m.pupil_id: m.pupil for m in overdue},
                now=now,
            )
            _events(school=school, marks=overdue, now=now)
    except (RegisterConflict, MarksInvalid):
        # Someone changed one of them meanwhile (or the law refuses one): one by one,
        # so that the others still move and the person's code stands.
        return sum(_one(school=school, mark=m, now=now) for m in overdue)
    return result.amended


def _one(*, school, mark, now) -> int:
    entry = MarkEntry(
        pupil_id=mark.pupil_id,
        code="O",
        note=mark.note,
        seen_version=mark.version,
        amendment_reason=REASON,
        session=mark.session,
    )
    try:
        with transaction.atomic():
            result = marks_write(
                school=school,
                entries=[entry],
                actor=None,
                role="",
                source=Mark.Source.SYSTEM,
                pupils={mark.pupil_id: mark.pupil},
                now=now,
            )
            _events(school=school, marks=[mark], now=now)
    except (RegisterConflict, MarksInvalid):
        return 0
    return result.amended


def _events(*, school, marks, now) -> None:
    """One event per mark, one insert (the amendments are the legal record)."""
    save_events(
        [
            event(
                school_id=school.pk,
                kind=CallingEvent.N_REPLACED,
                when=now,
                pupil_id=mark.pupil_id,
                params={"date": mark.date.isoformat(), "session": mark.session.period},
            )
            for mark in marks
        ]
    )
