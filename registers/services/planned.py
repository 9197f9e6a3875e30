"""Planned entries (DESIGN.md §5): what is known ahead about a session still to come.

They are written by the mark writer (`services.marks`) for sessions after the school's
local today, shown locked on the register, and become marks with their source when the
register is saved (the writer) or, for a register nobody took, once the session has
closed (`planned_entries_due`, run by beat). Withdrawing one before then deletes it:
it was never a legal record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Mark, PlannedEntry, Pupil, School, Session
from .marks import local_now, mark_from_plan, register_open
from .rules import Writing, mark_errors


def planned_withdraw(*, school: School, pupil: Pupil, sessions: list[Session]) -> int:
    """Withdraw a pupil's planned entries for these sessions (a report or leave taken
    back before the day). Marks already written are not touched: they are amended.
    Returns how many were withdrawn."""
    deleted, _ = PlannedEntry.objects.filter(
        school=school, pupil=pupil, session__in=[s.pk for s in sessions]
    ).delete()
    return deleted


@dataclass
class PlannedDue:
    created: int = 0
    # Planned entries the register's law now refuses (e.g. the pupil left the roll):
    # kept, with the message, for a person to look at.
    refused: list[tuple[PlannedEntry, dict[str, str]]] = field(default_factory=list)


def planned_entries_due(*, school: School, now: datetime | None = None) -> PlannedDue:
    """Turn the planned entries of every session whose register has closed (school-local
    time) into marks, source kept. Idempotent: a second run, or a run racing a register
    save, doubles nothing (the mark's unique constraint, then a conditional delete).
    Queries: a fixed few, whatever the number of entries."""
    now = now or timezone.now()
    local = local_now(school, now)
    plans = [
        p
        for p in PlannedEntry.objects.filter(school=school, session__date__lte=local.date())
        .select_related("session", "pupil")
        .order_by("session__date", "pk")
        if not register_open(p.session, local=local)
    ]
    result = PlannedDue()
    marks, done = [], []
    for plan in plans:
        writing = Writing(role=plan.created_by_role, source=plan.source, today=local.date())
        errors = mark_errors(
            code=plan.code_id,
            session=plan.session,
            pupil=plan.pupil,
            writing=writing,
            note=plan.note,
        )
        if errors:
            result.refused.append((plan, errors))
            continue
        marks.append(mark_from_plan(plan, session=plan.session, now=now))
        done.append(plan.pk)
    if not done:
        return result
    with transaction.atomic():
        standing = set(
            Mark.objects.filter(
                school=school,
                pupil_id__in={m.pupil_id for m in marks},
                session_id__in={m.session_id for m in marks},
            ).values_list("pupil_id", "session_id")
        )
        Mark.objects.bulk_create(marks, ignore_conflicts=True)
        # events: one "mark recorded" per planned entry turned into a mark, here.
        PlannedEntry.objects.filter(pk__in=done).delete()
    result.created = sum(1 for m in marks if (m.pupil_id, m.session_id) not in standing)
    return result
