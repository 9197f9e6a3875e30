"""The clock of a late arrival (DESIGN.md §4); sessions themselves are made by
`registers.calendar_changes.sessions_generate`."""

from __future__ import annotations

from datetime import time

from ..models import Period, Session

PRESENT_CODE = {Period.AM: "/", Period.PM: "\\"}


def code_for_arrival(*, session: Session, arrival: time) -> tuple[str, int | None]:
    """L while the register is open after the late time, U after it closes."""

    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    if arrival <= session.late_after:
        return PRESENT_CODE[session.period], None
    late_by = minutes(arrival) - minutes(session.late_after)
    if arrival <= session.closes:
        return "L", late_by
    return "U", late_by
