"""The dashboard's periods resolve to the school calendar's dates (registers.metrics
windows), as of a day; what cannot be read falls back to the year and says why."""

import pytest

from registers import metrics
from registers.tenancy import school_scope
from reporting.selectors.periods import period_from_query
from tests.factories import school_calendar
from tests.reporting.small_school import D

AS_OF = D(2025, 3, 12)  # a Wednesday of the spring term's second half


@pytest.fixture
def calendar(school):
    school_calendar(school)
    with school_scope(school):
        cal = metrics.SchoolCalendar(school)
        cal.days, cal.years, cal.terms  # noqa: B018  (read once, inside the scope)
    return cal


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ({}, D(2024, 9, 1), AS_OF),  # the academic year to date
        ({"period": "term"}, D(2025, 1, 6), AS_OF),
        # from the day after the 17-21 Feb break (a Saturday: the first school day is the 24th)
        ({"period": "half_term"}, D(2025, 2, 22), AS_OF),
        ({"period": "weeks", "weeks": "2"}, D(2025, 3, 3), AS_OF),  # this week and last
        ({"period": "range", "from": "2024-10-01", "to": "2024-10-31"},
         D(2024, 10, 1), D(2024, 10, 31)),
    ],
)  # fmt: skip
def test_each_period_is_the_calendars_dates(calendar, query, start, end):
    period = period_from_query(query, calendar=calendar, today=AS_OF)
    assert (period.bounds.start, period.bounds.end, period.problem) == (start, end, "")


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"period": "fortnight"}, "Unknown period"),
        ({"period": "weeks", "weeks": "0"}, "whole number from 1 to 52"),
        ({"period": "range", "from": "2024-10-01"}, "Give both dates"),
        ({"period": "range", "from": "2024-10-31", "to": "2024-10-01"}, "ends before"),
    ],
)
def test_an_unreadable_period_says_why(calendar, query, problem):
    period = period_from_query(query, calendar=calendar, today=AS_OF)
    assert problem in period.problem
    assert period.bounds is not None
