"""English school terms, half terms and INSET days for the demo's years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter

from registers.calendar_changes import sessions_generate
from registers.models import (
    AcademicYear,
    Closure,
    School,
    Term,
)

# ---- Calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TermDates:
    name: str
    starts: date
    ends: date
    half_term_starts: date
    half_term_ends: date


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _half_term(around: date) -> tuple[date, date]:
    monday = around - timedelta(days=around.weekday())
    return monday, monday + timedelta(days=4)


def english_terms(start_year: int) -> list[TermDates]:
    """A typical English school year starting in September of `start_year`.

    The same rules give the federation's published 2026/27 dates: Autumn 3 Sep - 18 Dec
    (half term 26-30 Oct), Spring 5 Jan - 26 Mar (15-19 Feb), Summer 12 Apr - 21 Jul
    (31 May - 4 Jun), so the demo stays alive whatever year it is run in.
    """
    autumn, spring = start_year, start_year + 1
    easter_day = easter(spring)
    last_may = date(spring, 5, 31)
    spring_bank_holiday = last_may - timedelta(days=last_may.weekday())
    return [
        TermDates(
            "Autumn",
            weekday_on_or_after(date(autumn, 9, 3)),
            _weekday_on_or_before(date(autumn, 12, 19)),
            *_half_term(date(autumn, 10, 27)),
        ),
        TermDates(
            "Spring",
            weekday_on_or_after(date(spring, 1, 5)),
            easter_day - timedelta(days=2),  # Good Friday
            *_half_term(date(spring, 2, 16)),
        ),
        TermDates(
            "Summer",
            easter_day + timedelta(days=15),  # two weeks after Easter Monday
            _weekday_on_or_before(date(spring, 7, 21)),
            *_half_term(spring_bank_holiday),
        ),
    ]


def next_weekday(day: date) -> date:
    return weekday_on_or_after(day + timedelta(days=1))


def weekdays_after(day: date, count: int) -> date:
    for _ in range(count):
        day = next_weekday(day)
    return day


def _inset_days(terms: list[TermDates]) -> list[date]:
    """Five training days: two at the start of the year, one at the start of each later
    term, one at the very end."""
    autumn, spring, summer = terms
    return [
        autumn.starts,
        next_weekday(autumn.starts),
        spring.starts,
        summer.starts,
        summer.ends,
    ]


def build_calendar(school: School, start_years: list[int]) -> None:
    for start_year in start_years:
        year = AcademicYear.objects.create(
            school=school,
            name=f"{start_year}/{(start_year + 1) % 100:02d}",
            starts=date(start_year, 9, 1),
            ends=date(start_year + 1, 8, 31),
        )
        terms = english_terms(start_year)
        Term.objects.bulk_create(Term(school=school, academic_year=year, **vars(t)) for t in terms)
        Closure.objects.bulk_create(
            Closure(school=school, date=day, reason="INSET day", kind=Closure.Kind.INSET)
            for day in _inset_days(terms)
        )
    sessions_generate(
        school=school,
        start=date(start_years[0], 9, 1),
        end=date(start_years[-1] + 1, 8, 31),
    )
