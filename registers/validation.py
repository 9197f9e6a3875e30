"""Input bounds shared by the API, forms, imports and commands.

One plausible-date range for every date a person types or a file carries: a year-1 or
year-9999 date is a typing slip, and past the range Python's date arithmetic overflows
(a 500 instead of a message). One time-zone check: a school's zone must be a real IANA
name, or every page that works out "today" at the school fails.
"""

from datetime import date
from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError

# Schools' records go back to the earliest pupils' dates of birth still on any roll, and
# forward to planned calendars; nothing real falls outside.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = (
    f"must be between {EARLIEST_DATE:%d/%m/%Y} and {LATEST_DATE:%d/%m/%Y} "
    f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})."
)


def date_problem(value: date) -> str | None:
    """None for a plausible date, else what is wrong with it (a sentence ending)."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return None
    return f"{value.isoformat()} is not a plausible date: dates {DATE_RANGE_MESSAGE}"


def validate_plausible_date(value: date) -> None:
    """A Django validator (forms, models): raises ValidationError(code="date_range")."""
    problem = date_problem(value)
    if problem:
        raise ValidationError(problem, code="date_range")


def parse_date(raw: str) -> date:
    """YYYY-MM-DD within the plausible range.

    Raises ValueError with a message fit to show ("'2024-02-30' is not a date: use
    YYYY-MM-DD." or the range message).
    """
    try:
        value = date.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{raw!r} is not a date: use YYYY-MM-DD.") from None
    problem = date_problem(value)
    if problem:
        raise ValueError(problem)
    return value


@cache
def timezone_names() -> frozenset[str]:
    """The IANA zone names this machine knows (zoneinfo / tzdata)."""
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    """A Django validator for School.timezone: a real IANA name such as Europe/London."""
    if value not in timezone_names():
        raise ValidationError(
            f"{value!r} is not a time zone name: use one such as Europe/London.",
            code="timezone",
        )
