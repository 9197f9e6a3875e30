"""The office's morning: this session's registers and where every pupil is, now.

Read in a fixed number of queries whatever the size of the school: the session (1), the
registers' statuses (`registers.selectors.register_statuses`, 3), the session's marks by
code (1), the roll today (1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from registers import selectors, stats
from registers.codes import code_rules
from registers.models import RegistrationGroup, School, Session

# Arrived after the register: in school, but late (L, or U after it closed).
LATE = ("L", "U")
# An absence with no reason yet: the office's calls are about these.
UNEXPLAINED = ("N",)


@dataclass
class Today:
    day: date
    period: str
    session: Session | None
    not_taken: list  # RegisterStatus, by group name
    taken: list
    on_roll: int
    present: int  # attending (present or approved activity), on time
    late: int
    absent_with_reason: int
    unexplained: int
    not_expected: int  # codes that are not possible sessions (closed, dual registered...)
    calling: object = None  # absences' calling progress, when that app provides it

    @property
    def marked(self) -> int:
        return (
            self.present
            + self.late
            + self.absent_with_reason
            + self.unexplained
            + (self.not_expected)
        )

    @property
    def registers(self) -> int:
        """Registers of the session with anyone on them."""
        return len(self.taken) + len(self.not_taken)

    @property
    def not_marked(self) -> int:
        return max(self.on_roll - self.marked, 0)


def session_counts(*, school: School, session: Session) -> dict[str, int]:
    """{code: marks} for the session, pupils on roll that day only. One query."""
    rows = (
        stats.marks_on_roll(school=school, start=session.date, end=session.date)
        .filter(session=session)
        .order_by()
        .values_list("code_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def today(*, school: School, day: date | None = None, period: str | None = None) -> Today:
    day = day or selectors.local_today(school)
    sessions = selectors.sessions_on(school=school, day=day)
    period = period or selectors.current_period(school, sessions=sessions)
    session = sessions.get(period)
    on_roll = stats.on_roll(school=school, day=day).count()
    empty = Today(day, period, session, [], [], on_roll, 0, 0, 0, 0, 0)
    if session is None:
        return empty
    groups = list(RegistrationGroup.objects.filter(school=school).order_by("name"))
    statuses = selectors.register_statuses(school=school, groups=groups, sessions=[session])
    rows = [statuses[(g.pk, session.pk)] for g in groups]
    rules = code_rules()
    present = late = reason = unexplained = not_expected = 0
    for code, n in session_counts(school=school, session=session).items():
        rule = rules[code]
        if code in LATE:
            late += n
        elif code in UNEXPLAINED:
            unexplained += n
        elif rule.attended:
            present += n
        elif rule.authorised or rule.unauthorised:
            reason += n
        else:
            not_expected += n
    found = Today(
        day=day,
        period=period,
        session=session,
        not_taken=[r for r in rows if r.on_roll and not r.taken],
        taken=[r for r in rows if r.taken],
        on_roll=on_roll,
        present=present,
        late=late,
        absent_with_reason=reason,
        unexplained=unexplained,
        not_expected=not_expected,
    )
    found.calling = calling_progress(school=school, day=day)
    return found


@dataclass
class CallingProgress:
    """First-day calling today (absences.selectors.calling): how many pupils are still
    to call, accounted for, not accounted for, against the school's deadline."""

    to_call: int
    accounted_for: int
    not_accounted_for: int
    deadline: object  # aware datetime or None

    @property
    def total(self) -> int:
        return self.to_call + self.accounted_for + self.not_accounted_for


def calling_progress(*, school: School, day: date) -> CallingProgress | None:
    """Today's first-day calling, from the absences app (None on another day)."""
    if day != selectors.local_today(school):
        return None
    from absences.selectors.calling import calling_list

    found = calling_list(school=school)
    return CallingProgress(
        to_call=found.count("to_call"),
        accounted_for=found.count("accounted_for"),
        not_accounted_for=found.count("not_accounted_for"),
        deadline=found.deadline,
    )


__all__ = ["Today", "today", "CallingProgress"]
