"""School-day and school-week arithmetic across weekends, half terms, bank holidays,
closures and the Christmas holiday."""

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from registers import schooldays
from registers.calendar_changes import sessions_generate
from registers.models import Closure, Session
from registers.tenancy import school_scope
from tests.factories import AcademicYearFactory, TermFactory, school_calendar

D = dt.date


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


def test_planned_days_skip_weekends_half_term_bank_holidays_and_closures(school):
    year = AcademicYearFactory(school=school)
    TermFactory(
        school=school,
        academic_year=year,
        name="Summer",
        starts=D(2025, 4, 22),
        ends=D(2025, 7, 22),
        half_term_starts=D(2025, 5, 26),
        half_term_ends=D(2025, 5, 30),
    )
    Closure.objects.create(school=school, date=D(2025, 6, 13), reason="INSET", kind="inset")

    with school_scope(school):
        days = schooldays.planned_school_days(school=school)

    assert days[0] == D(2025, 4, 22)
    assert D(2025, 5, 5) not in days  # early May bank holiday
    assert D(2025, 5, 2) in days
    assert not [d for d in days if D(2025, 5, 26) <= d <= D(2025, 5, 30)]
    assert D(2025, 6, 13) not in days
    assert all(d.weekday() < 5 for d in days)
    assert days[-1] == D(2025, 7, 22)


def test_sessions_generated_for_each_school_day_with_the_schools_times(calendar_school):
    with scopes_disabled():
        first_week = Session.objects.filter(school=calendar_school, date__lte=D(2024, 9, 8))
        assert sorted({(s.date, s.period) for s in first_week}) == [
            (D(2024, 9, d), p) for d in (3, 4, 5, 6) for p in ("AM", "PM")
        ]
        am = first_week.get(date=D(2024, 9, 3), period="AM")
        assert (am.opens, am.late_after, am.closes) == (
            dt.time(8, 40),
            dt.time(8, 50),
            dt.time(9, 5),
        )
        # Christmas is not a school day; nor is the half term.
        assert not Session.objects.filter(school=calendar_school, date=D(2024, 12, 25)).exists()
        assert not Session.objects.filter(school=calendar_school, date=D(2024, 10, 30)).exists()


def test_generating_sessions_twice_creates_nothing_new(calendar_school):
    with scopes_disabled():
        before = Session.objects.filter(school=calendar_school).count()
    with school_scope(calendar_school):
        assert sessions_generate(school=calendar_school).created == 0
    with scopes_disabled():
        assert Session.objects.filter(school=calendar_school).count() == before


def test_a_new_closure_removes_the_unmarked_sessions_of_that_day(calendar_school):
    Closure.objects.create(school=calendar_school, date=D(2024, 9, 20), reason="Planned closure")
    with school_scope(calendar_school):
        sessions_generate(school=calendar_school)
        assert not schooldays.is_school_day(school=calendar_school, day=D(2024, 9, 20))


def test_school_weeks_skip_the_half_term_week(calendar_school):
    with school_scope(calendar_school):
        # Week of 4 Nov is back after half term (28 Oct - 1 Nov); two school weeks back from
        # it is the week of 21 Oct, not the empty half-term week.
        assert schooldays.recent_school_weeks_start(
            school=calendar_school, as_of=D(2024, 11, 6), count=2
        ) == D(2024, 10, 21)


def test_school_weeks_skip_the_christmas_holiday(calendar_school):
    with school_scope(calendar_school):
        # Spring term starts Monday 6 Jan; the previous school week is 16 Dec.
        assert schooldays.recent_school_weeks_start(
            school=calendar_school, as_of=D(2025, 1, 8), count=2
        ) == D(2024, 12, 16)


def test_the_week_of_the_as_of_date_counts_even_early_in_the_week(calendar_school):
    with school_scope(calendar_school):
        assert schooldays.recent_school_weeks_start(
            school=calendar_school, as_of=D(2024, 9, 9), count=1
        ) == D(2024, 9, 9)


def test_recent_school_days_cross_a_weekend_and_half_term(calendar_school):
    with school_scope(calendar_school):
        days = schooldays.recent_school_days(school=calendar_school, as_of=D(2024, 11, 5), count=4)
        assert days == [D(2024, 10, 24), D(2024, 10, 25), D(2024, 11, 4), D(2024, 11, 5)]


def test_add_school_days_skips_the_half_term(calendar_school):
    with school_scope(calendar_school):
        # N must be replaced within 5 school days: from Thursday 24 Oct that is Fri 25 Oct,
        # then Mon 4 to Thu 7 Nov after the half term.
        assert schooldays.add_school_days(
            school=calendar_school, day=D(2024, 10, 24), count=5
        ) == D(2024, 11, 7)


def test_academic_year_start_uses_the_schools_year(calendar_school):
    with school_scope(calendar_school):
        assert schooldays.academic_year_start(school=calendar_school, day=D(2025, 3, 1)) == D(
            2024, 9, 1
        )
        # Without a year set up, 1 September is assumed.
        assert schooldays.academic_year_start(school=calendar_school, day=D(2026, 3, 1)) == D(
            2025, 9, 1
        )
