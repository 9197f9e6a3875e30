"""Calendar points and compulsory school age (RULES.md §0 "Calendar points", §0.5).

Everything here reads a `registers.metrics.SchoolCalendar` (its terms and session days,
each loaded once), so deciding which points a day is costs no query per day: the
simulator asks for every school day of a year.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta

from registers.metrics import FixedBlocks, SchoolCalendar
from registers.schooldays import week_start

from ..ladder import When


def _periods(cal: SchoolCalendar) -> list[tuple[date, date]]:
    """Each term's halves (either side of its half-term break), in order."""
    out = []
    for term in cal.terms:
        if term.half_term_starts is None:
            out.append((term.starts, term.ends))
            continue
        out.append((term.starts, term.half_term_starts - timedelta(days=1)))
        out.append(((term.half_term_ends or term.half_term_starts) + timedelta(days=1), term.ends))
    return out


def _last_school_day(cal: SchoolCalendar, start: date, end: date) -> date | None:
    days = cal.days
    i = bisect_right(days, end) - 1
    return days[i] if i >= 0 and days[i] >= start else None


def _first_school_day(cal: SchoolCalendar, start: date, end: date) -> date | None:
    days = cal.days
    i = bisect_left(days, start)
    return days[i] if i < len(days) and days[i] <= end else None


def _is_school_day(cal: SchoolCalendar, day: date) -> bool:
    return cal.sessions_on(day) > 0


def half_term_end(cal: SchoolCalendar, day: date) -> bool:
    """The last school day before a half-term break or a term's end (`HT_end`)."""
    return any(
        start <= day <= end and _last_school_day(cal, start, end) == day
        for start, end in _periods(cal)
    )


def term_end(cal: SchoolCalendar, day: date) -> bool:
    return any(
        t.starts <= day <= t.ends and _last_school_day(cal, t.starts, t.ends) == day
        for t in cal.terms
    )


def block_end(cal: SchoolCalendar, day: date, weeks: int) -> bool:
    """The last school day of a block of `weeks` school weeks (blocks counted from the
    first school week of the academic year; the year's last block may be shorter): the
    next school day is in another block, or another year, or there is none."""
    bounds = FixedBlocks(weeks).bounds(cal, day)
    if bounds is None or not _is_school_day(cal, day):
        return False
    days = cal.days
    i = bisect_right(days, day)
    if i == len(days) or cal.year(days[i]) != cal.year(day):
        return True
    following = FixedBlocks(weeks).bounds(cal, days[i])
    return following is None or following.start != bounds.start


def current_block(cal: SchoolCalendar, day: date, weeks: int):
    return FixedBlocks(weeks).bounds(cal, day)


def year_terms(cal: SchoolCalendar, day: date) -> list:
    starts, ends = cal.year(day)
    return [t for t in cal.terms if starts <= t.starts <= ends]


def review2(cal: SchoolCalendar, day: date) -> bool:
    """The first school day of the 2nd school week after each break: after each half
    term and holiday of the year (not after the summer), the school weeks of the new
    period are counted from the week of its first school day (BS-44; CAL-24 gives 11 Nov,
    13 Jan, 3 Mar, 28 Apr, 9 Jun)."""
    if not _is_school_day(cal, day):
        return False
    starts, ends = cal.year(day)
    periods = [p for p in _periods(cal) if starts <= p[0] <= ends]
    for start, end in periods[1:]:
        first = _first_school_day(cal, start, end)
        if first is None:
            continue
        second_week = week_start(first) + timedelta(days=7)
        target = _first_school_day(cal, second_week, min(end, second_week + timedelta(days=6)))
        if target == day:
            return True
    return False


def year_start(cal: SchoolCalendar, day: date) -> bool:
    starts, ends = cal.year(day)
    return _first_school_day(cal, starts, ends) == day


def term_start(cal: SchoolCalendar, day: date, terms: tuple[int, ...]) -> bool:
    for number, term in enumerate(year_terms(cal, day), start=1):
        if terms and number not in terms:
            continue
        if _first_school_day(cal, term.starts, term.ends) == day:
            return True
    return False


def month_end(cal: SchoolCalendar, day: date, months: tuple[int, ...]) -> bool:
    if day.month not in months:
        return False
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return _last_school_day(cal, first, last) == day


def is_point(cal: SchoolCalendar, day: date, when: When) -> bool:
    """Whether a rule with this `when` is evaluated on `day` (a school day)."""
    if not _is_school_day(cal, day):
        return False
    match when.point:
        case "nightly":
            return True
        case "HT_end":
            return half_term_end(cal, day)
        case "term_end":
            return term_end(cal, day)
        case "block_end":
            return block_end(cal, day, when.weeks or 6)
        case "review2":
            return review2(cal, day)
        case "year_start":
            return year_start(cal, day)
        case "term_start":
            return term_start(cal, day, when.terms)
        case "month_end":
            return month_end(cal, day, when.months)
    return False


def period_start(cal: SchoolCalendar, day: date, kind: str, weeks: int = 6) -> date | None:
    """The first day of the period holding `day`: `term_start`, `half_term_start`,
    `block_start` (of `weeks`-week blocks) or `year_start` (RULES `opened_by`)."""
    if kind == "year_start":
        return cal.year(day)[0]
    if kind == "block_start":
        bounds = FixedBlocks(weeks).bounds(cal, day)
        return bounds.start if bounds else None
    periods = [(t.starts, t.ends) for t in cal.terms] if kind == "term_start" else _periods(cal)
    started = [p for p in periods if p[0] <= day]
    return max(started)[0] if started else None


# ---- Compulsory school age ---------------------------------------------------------


def _prescribed_day_on_or_after(day: date) -> date:
    """The first of 31 Dec, 31 Mar, 31 Aug on or after `day`."""
    for candidate in (
        date(day.year, 3, 31),
        date(day.year, 8, 31),
        date(day.year, 12, 31),
    ):
        if candidate >= day:
            return candidate
    return date(day.year + 1, 3, 31)


def _birthday(dob: date, years: int) -> date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # 29 February
        return date(dob.year + years, 3, 1)


def compulsory_school_age(date_of_birth: date, on: date) -> bool:
    """Of compulsory school age on `on` (Education Act 1996 s.8): from the prescribed day
    (31 Dec, 31 Mar or 31 Aug) on or after the 5th birthday, to the last Friday of June
    of the school year in which the pupil turns 16."""
    begins = _prescribed_day_on_or_after(_birthday(date_of_birth, 5))
    sixteenth = _birthday(date_of_birth, 16)
    # The school year (1 Sep - 31 Aug) holding the 16th birthday ends in this June.
    june_year = sixteenth.year if sixteenth.month < 9 else sixteenth.year + 1
    last_friday = date(june_year, 6, 30)
    last_friday -= timedelta(days=(last_friday.weekday() - 4) % 7)
    return begins <= on <= last_friday
