"""Sessions of the school calendar, and the clock of a late arrival (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Period, RegisterTimes, School, Session
from ..schooldays import planned_school_days

PRESENT_CODE = {Period.AM: "/", Period.PM: "\\"}


@transaction.atomic
def sessions_generate(*, school: School, start: date | None = None, end: date | None = None) -> int:
    """Create the AM/PM sessions of every school day in the calendar (idempotent).

    Sessions on days that have stopped being school days are removed only if no mark
    stands on them: marks are legal records and keep their session.
    """
    times = {t.period: t for t in RegisterTimes.objects.filter(school=school)}
    missing = [p for p in Period.values if p not in times]
    if missing:
        raise ValidationError(f"{school} has no register times for {', '.join(missing)}.")
    days = planned_school_days(school=school, start=start, end=end)
    existing = set(
        Session.objects.filter(school=school, date__in=days).values_list("date", "period")
    )
    new = [
        Session(
            school=school,
            date=day,
            period=period,
            opens=times[period].opens,
            late_after=times[period].late_after,
            closes=times[period].closes,
        )
        for day in days
        for period in Period.values
        if (day, period) not in existing
    ]
    Session.objects.bulk_create(new, batch_size=1000)
    stale = Session.objects.filter(school=school, marks__isnull=True).exclude(date__in=days)
    if start:
        stale = stale.filter(date__gte=start)
    if end:
        stale = stale.filter(date__lte=end)
    stale.delete()
    return len(new)


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
