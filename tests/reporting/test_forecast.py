"""The forecast (registers/forecast.py): where a pupil's year is heading, and how many
more days off make them a persistent absentee of the year (DESIGN.md §6: absence of
10% or more over the year)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django_scopes import scopes_disabled

from registers import metrics
from registers.codes import Summary
from registers.forecast import forecast, pupil_forecasts
from registers.tenancy import school_scope
from tests.factories import PupilFactory, mark_days, school_calendar
from tests.reporting.small_school import D, small_school


def summary(attended, absent, code="I"):
    s = Summary(pupil_id=1)
    if attended:
        s.add("/", attended)
    if absent:
        s.add(code, absent)
    return s


def test_the_year_end_projection_applies_the_recent_rate_to_the_sessions_left(db):
    # 92 of 100 so far; the last four weeks 16 of 20 (80%); 100 sessions to come:
    # (92 + 0.8 x 100) / 200 = 86%
    f = forecast(year=summary(92, 8), remaining=100, recent=summary(16, 4))
    assert f.projected == Fraction(86, 100)
    assert f.projected_pct == Decimal("86.00")


def test_without_a_recent_figure_the_years_rate_goes_on(db):
    f = forecast(year=summary(92, 8), remaining=100, recent=Summary(pupil_id=1))
    assert f.projected == Fraction(92, 100)


@pytest.mark.parametrize(
    ("absent", "remaining", "sessions", "days"),
    [
        (8, 100, 12, 6),  # 10% of 200 = 20 absent: 12 more sessions, 6 days
        (7, 100, 13, 7),  # 13 sessions is 6 and a half days: 7 days off
        (20, 100, 0, 0),  # already 20 of 200: at or below 90% whatever happens
        (0, 5, None, None),  # 10.5 needed, only 5 left: cannot fall below this year
    ],
)
def test_sessions_until_a_persistent_absentee(db, absent, remaining, sessions, days):
    f = forecast(year=summary(100 - absent, absent), remaining=remaining)
    assert f.sessions_to_persistent == sessions
    assert f.days_to_persistent == days


def test_the_sentence_says_which_rate_and_that_90_percent_itself_is_persistent(db):
    """Persistent absence is absence of 10% or more: attendance AT or below 90%. The
    rate projected is the last 4 school weeks' (16 of 20 = 80%): 92 + 80 of 200 = 86%."""
    f = forecast(year=summary(92, 8), remaining=100, recent=summary(16, 4))
    assert f.sentence("Ava") == (
        "At the rate of the last 4 school weeks (80.00%), Ava ends the year at 86.00%. "
        "6 more days off and Ava is at or below 90% for the year."
    )
    # no recent figure: the year's rate (92%), and the sentence says so
    assert "this year's rate so far (92.00%)" in forecast(
        year=summary(92, 8), remaining=100
    ).sentence("Ava")
    nothing_yet = forecast(year=Summary(pupil_id=1), remaining=300)
    assert "no sessions yet" in nothing_yet.sentence("Ava")


def test_pupil_forecasts_count_the_calendars_sessions_left_in_the_year(school):
    small = small_school(school)
    with school_scope(school):
        found = pupil_forecasts(school=school, as_of=D(2024, 9, 20), pupils=[small.ava.pk])
    ava = found[small.ava.pk]
    # Sessions of the calendar (tests/factories.school_calendar) after 20 Sep 2024
    with school_scope(school):
        left = metrics.SchoolCalendar(school).sessions(
            metrics.Bounds(D(2024, 9, 21), D(2025, 8, 31))
        )
    assert (ava.possible, ava.attended, ava.absent, ava.remaining) == (20, 18, 2, left)
    # Ava's 2 absences of 20 + left: 10% of the year's sessions is (20 + left) / 10
    needed = -(-(20 + left) // 10) - 2
    assert ava.sessions_to_persistent == needed


def test_a_leaver_has_no_sessions_left_after_their_last_day(school):
    with scopes_disabled():
        school_calendar(school)
        leaver = PupilFactory(school=school, on_roll_to=D(2024, 9, 13))
        mark_days(leaver, {D(2024, 9, 9): "/", D(2024, 9, 10): "O"})
    with school_scope(school):
        f = pupil_forecasts(school=school, as_of=D(2024, 9, 20), pupils=[leaver.pk])[leaver.pk]
    assert (f.possible, f.absent, f.remaining) == (4, 2, 0)
    assert f.sessions_to_persistent == 0  # 2 of 4: already a persistent absentee
