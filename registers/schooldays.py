"""School-day and school-week arithmetic, in one place.

Two sources of truth, used in order: the calendar (terms, half terms, closures and
England's bank holidays) decides which days get sessions; once sessions exist, they
are what "school day" means (DESIGN.md §4), so every rolling window is counted from
the Session table.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

from .models import AcademicYear, Closure, Session, Term


@lru_cache(maxsize=64)
def england_bank_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def week_start(day: date) -> date:
    """The Monday of the (Monday-to-Sunday) week holding `day`."""
    return day - timedelta(days=day.weekday())


def academic_year_bounds(day: date) -> tuple[date, date]:
    """1 September to 31 August around `day`."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def academic_year_start(*, school, day: date) -> date:
    """The start of the school's academic year holding `day` (1 Sep if none is set up)."""
    year = AcademicYear.objects.filter(school=school, starts__lte=day, ends__gte=day).first()
    return year.starts if year else academic_year_bounds(day)[0]


def planned_school_days(*, school, start: date | None = None, end: date | None = None):
    """Weekdays inside a term, outside its half term, not a closure or bank holiday."""
    terms = Term.objects.filter(school=school)
    if start:
        terms = terms.filter(ends__gte=start)
    if end:
        terms = terms.filter(starts__lte=end)
    closed = set(Closure.objects.filter(school=school).values_list("date", flat=True))
    days = []
    for term in terms:
        day = max(term.starts, start) if start else term.starts
        last = min(term.ends, end) if end else term.ends
        while day <= last:
            in_half_term = term.half_term_starts is not None and term.half_term_starts <= day <= (
                term.half_term_ends or term.half_term_starts
            )
            if (
                day.weekday() < 5
                and not in_half_term
                and day not in closed
                and day not in england_bank_holidays(day.year)
            ):
                days.append(day)
            day += timedelta(days=1)
    return sorted(set(days))


def _session_dates(school):
    return Session.objects.filter(school=school).values_list("date", flat=True).distinct()


def school_days(*, school, start: date, end: date) -> list[date]:
    """Dates with at least one session, in order."""
    return list(_session_dates(school).filter(date__range=(start, end)).order_by("date"))


def is_school_day(*, school, day: date) -> bool:
    return Session.objects.filter(school=school, date=day).exists()


def recent_school_days(*, school, as_of: date, count: int) -> list[date]:
    """The `count` most recent school days up to and including `as_of`, oldest first."""
    days = list(_session_dates(school).filter(date__lte=as_of).order_by("-date")[:count])
    return sorted(days)


def recent_school_weeks_start(*, school, as_of: date, count: int) -> date | None:
    """Monday of the oldest of the `count` most recent school weeks up to as_of's week.

    A school week is a Monday-to-Sunday week with at least one session, so half terms
    and holidays do not use up the window (DESIGN.md §6).
    """
    last_sunday = week_start(as_of) + timedelta(days=6)
    dates = _session_dates(school).filter(date__lte=last_sunday).order_by("-date")
    weeks: list[date] = []
    # Walk back week by week without loading the whole history.
    for day in dates.iterator(chunk_size=500):
        monday = week_start(day)
        if not weeks or weeks[-1] != monday:
            weeks.append(monday)
            if len(weeks) == count:
                break
    return weeks[-1] if weeks else None


def add_school_days(*, school, day: date, count: int) -> date | None:
    """The school day `count` school days after `day` (None past the calendar's end)."""
    later = list(_session_dates(school).filter(date__gt=day).order_by("date")[:count])
    return later[count - 1] if len(later) == count else None
