"""Sessions follow the calendar, and a calendar change never half-happens (DESIGN.md §4).

`sessions_generate` makes the Session table match the school days of the calendar
(terms, half terms, closures, bank holidays): it creates the sessions of new school days
and removes those of days that stopped being school days. Marks are legal records and
keep their session, so a day that stopped being a school day but already has marks (a
closure added afterwards) is either

- refused: nothing changes, and `CalendarChangeRefused` lists the marks it would touch
  (date, session, UPN, code); or, when the caller passes `close_marked_sessions` (the
  reason, e.g. "Snow: the school closed"),
- applied in full: every session of that day stays, every mark on it is amended to `#`
  (planned closure, not a possible session) by the system with that reason, and each
  pupil on roll without a mark gets `#`, so the day counts nowhere and no mark is missing.

Every mark goes through the one mark writer (`registers.services.marks_save`).
Everything is worked out before anything is written, in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q

from . import services
from .models import Mark, Period, Register, RegisterTimes, School, Session
from .schooldays import planned_school_days
from .stats import on_roll

CLOSED_CODE = "#"
# The system acts on closures; amendments name it so.
SYSTEM_ROLE = "system"
AFFECTED_SHOWN = 50


@dataclass(frozen=True)
class AffectedMark:
    date: date
    period: str
    upn: str
    code: str

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.period} {self.upn} {self.code}"


class CalendarChangeRefused(ValidationError):
    """Days that stopped being school days have marks; nothing was changed.
    `marks` lists every mark that the change would touch."""

    def __init__(self, marks: list[AffectedMark]):
        self.marks = marks
        self.days = sorted({m.date for m in marks})
        super().__init__(self.lines())

    def lines(self, limit: int = AFFECTED_SHOWN) -> list[str]:
        days = ", ".join(f"{d:%Y-%m-%d}" for d in self.days)
        lines = [
            f"{len(self.marks)} mark(s) stand on {len(self.days)} day(s) that would no longer "
            f"be school days ({days}). Marks are kept: either keep those days in the "
            "calendar, or close them in full, amending these marks to # (planned "
            'closure) with a reason: --close-marked-sessions "REASON".'
        ]
        lines += [f"  {m}" for m in self.marks[:limit]]
        if len(self.marks) > limit:
            lines.append(f"  ... and {len(self.marks) - limit} more.")
        return lines


@dataclass
class SessionsGenerated:
    created: int = 0
    removed: int = 0
    # Days closed after marks were taken: their sessions stay, every mark is #.
    closed_days: list[date] = field(default_factory=list)
    amended: int = 0
    closed_marks_added: int = 0


@transaction.atomic
def sessions_generate(
    *,
    school: School,
    start: date | None = None,
    end: date | None = None,
    close_marked_sessions: str = "",
) -> SessionsGenerated:
    """Create the AM/PM sessions of every school day in [start, end] and remove those of
    days that are no longer school days; idempotent.

    Raises CalendarChangeRefused (nothing written) when a day to remove has marks other
    than #, unless `close_marked_sessions` gives the reason to close those days in full.
    A fixed number of queries, plus a few for each day closed in full.
    """
    times = {t.period: t for t in RegisterTimes.objects.filter(school=school)}
    missing = [p for p in Period.values if p not in times]
    if missing:
        raise ValidationError(f"{school} has no register times for {', '.join(missing)}.")
    reason = " ".join(close_marked_sessions.split())
    if len(reason) > services.MAX_AMENDMENT_REASON:
        raise ValidationError(
            f"The reason for closing marked sessions may be at most "
            f"{services.MAX_AMENDMENT_REASON} characters."
        )
    days = set(planned_school_days(school=school, start=start, end=end))
    sessions = Session.objects.filter(school=school)
    if start:
        sessions = sessions.filter(date__gte=start)
    if end:
        sessions = sessions.filter(date__lte=end)
    existing = list(sessions)
    have = {(s.date, s.period) for s in existing}
    stale = [s for s in existing if s.date not in days]
    kept_days, affected = _recorded_days(school=school, stale=stale)
    if affected and not reason:
        raise CalendarChangeRefused(affected)

    done = SessionsGenerated()
    new = [
        Session(
            school=school,
            date=day,
            period=period,
            opens=times[period].opens,
            late_after=times[period].late_after,
            closes=times[period].closes,
        )
        for day in sorted(days)
        for period in Period.values
        if (day, period) not in have
    ]
    Session.objects.bulk_create(new, batch_size=1000)
    done.created = len(new)
    removed = [s.pk for s in stale if s.date not in kept_days]
    done.removed = Session.objects.filter(school=school, pk__in=removed).delete()[0]
    if affected:
        closing = [s for s in stale if s.date in {m.date for m in affected}]
        done.closed_days = sorted({s.date for s in closing})
        for session in closing:
            amended, added = _close_in_full(school=school, session=session, reason=reason)
            done.amended += amended
            done.closed_marks_added += added
    return done


def _recorded_days(*, school, stale: list[Session]) -> tuple[set[date], list[AffectedMark]]:
    """Days among `stale` whose sessions carry marks or a taken register (kept: their
    records keep their session), and the marks on them that are not yet #. Two queries."""
    if not stale:
        return set(), []
    ids = [s.pk for s in stale]
    marks = list(
        Mark.objects.filter(school=school, session_id__in=ids)
        .annotate(counts=_on_roll_then())
        .order_by("date", "session__period", "pupil__upn")
        .values_list("date", "session__period", "pupil__upn", "code_id", "counts")
    )
    taken = set(
        Register.objects.filter(school=school, session_id__in=ids).values_list(
            "session__date", flat=True
        )
    )
    kept = {m[0] for m in marks} | taken
    # A mark of a day the pupil was not on roll counts nowhere (stats.marks_on_roll):
    # it keeps its session, and its code, like any record.
    affected = [AffectedMark(*m[:4]) for m in marks if m[3] != CLOSED_CODE and m[4]]
    return kept, affected


def _on_roll_then():
    joined = Q(date__gte=F("pupil__on_roll_from"))
    not_left = Q(pupil__on_roll_to__isnull=True) | Q(date__lte=F("pupil__on_roll_to"))
    return ExpressionWrapper(joined & not_left, output_field=BooleanField())


def _close_in_full(*, school, session: Session, reason: str) -> tuple[int, int]:
    """Every pupil on roll that day gets # on this session: saved marks amended (the
    note kept), missing marks added. Through the one mark writer, by the system."""
    marks = {
        m.pupil_id: m
        for m in Mark.objects.filter(school=school, session=session).only(
            "pupil_id", "code_id", "note", "version"
        )
    }
    pupils = set(on_roll(school=school, day=session.date).values_list("pk", flat=True))
    entries = []
    counts: dict[str, int] = defaultdict(int)
    for pupil_id in sorted(pupils):
        mark = marks.get(pupil_id)
        if mark is not None and mark.code_id == CLOSED_CODE:
            continue
        counts["amended" if mark else "added"] += 1
        entries.append(
            services.MarkEntry(
                pupil_id=pupil_id,
                code=CLOSED_CODE,
                note=mark.note if mark else reason,
                seen_version=mark.version if mark else 0,
                amendment_reason=reason,
            )
        )
    if entries:
        services.marks_save(
            school=school,
            session=session,
            entries=entries,
            user=None,
            role=SYSTEM_ROLE,
            source=Mark.Source.SYSTEM,
        )
    return counts["amended"], counts["added"]
