"""Unresolved N codes and their deadlines (DESIGN §5; RULES.md BS-14, LE-11, DS-16, BL-05):
THE one reading used by the queue page, the `n_code_queue` command and the nightly N to O.

An N must be replaced within 5 school days: its deadline is the 5th school day after the
session's date (a school day has at least one session, so weekends, half terms, holidays
and closures do not count); it is overdue on any day after the deadline. Past the end of
the calendar set up so far the deadline is unknown (None) and nothing is overdue.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from registers.metrics import SchoolCalendar
from registers.models import Mark, School

N_DEADLINE_SCHOOL_DAYS = 5


@dataclass
class OpenN:
    mark: Mark
    deadline: date | None
    overdue: bool

    def as_json(self) -> dict:
        """The DESIGN §9 `n_code_queue` object."""
        return {
            "upn": self.mark.pupil.upn,
            "date": self.mark.date.isoformat(),
            "session": self.mark.session.period,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "overdue": self.overdue,
        }


def n_deadline(*, days: list[date], day: date) -> date | None:
    """The 5th school day after `day` (`days`: the school's days, in order)."""
    later = days[bisect_right(days, day) :]
    return later[N_DEADLINE_SCHOOL_DAYS - 1] if len(later) >= N_DEADLINE_SCHOOL_DAYS else None


def n_code_queue(
    *, school: School, as_of: date, calendar: SchoolCalendar | None = None
) -> list[OpenN]:
    """Every N mark of a session on or before `as_of`, oldest first (then surname,
    forename, AM before PM), with its deadline and whether it is overdue on `as_of`.
    Two queries, whatever the number of marks."""
    calendar = calendar or SchoolCalendar(school)
    marks = (
        Mark.objects.filter(school=school, code_id="N", date__lte=as_of)
        .select_related("pupil", "session", "pupil__registration_group")
        .order_by("date", "pupil__legal_surname", "pupil__legal_forename", "session__period")
    )
    queue = []
    for mark in marks:
        deadline = n_deadline(days=calendar.days, day=mark.date)
        queue.append(
            OpenN(mark=mark, deadline=deadline, overdue=deadline is not None and as_of > deadline)
        )
    return queue
