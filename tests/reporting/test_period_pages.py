"""The period a report page shows: impossible dates are refused with a message (never a
500), what was typed stays in the form, and today's registers (still coming in) are not
counted until the day is over (the small school of tests/reporting/small_school.py)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from registers.models import Role
from tests.factories import SchoolFactory, mark_days, school_calendar, staff
from tests.reporting.small_school import D, small_school

# Monday of the third week, mid-morning: the AM registers have closed.
NOW = dt.datetime(2024, 9, 23, 9, 30, tzinfo=ZoneInfo("Europe/London"))
HUGE = "?period=range&from=0001-01-01&to=9999-12-31"


@pytest.fixture
def small(school):
    return small_school(school)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def url(school, name):
    return reverse(f"reporting:{name}", kwargs={"school_slug": school.slug})


def opened(client, user, address):
    client.force_login(user)
    return client.get(address)


def test_a_range_of_impossible_dates_is_refused_with_a_message_not_an_error(client, small):
    school = small.school
    lead = staff(school, Role.ATTENDANCE_LEAD)
    response = opened(client, lead, url(school, "dashboard") + HUGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "0001-01-01 is not a plausible date" in body
    assert 'id="error-summary"' in body and 'tabindex="-1"' in body
    # what was typed stays in the form, "Date range" stays chosen
    assert 'value="0001-01-01"' in body and 'value="9999-12-31"' in body
    assert '<option value="range" selected>' in body
    download = client.get(url(school, "download") + HUGE + "&table=weeks&format=csv")
    assert download.status_code == 200
    trust_lead = staff(school, Role.TRUST_LEAD)
    response = opened(client, trust_lead, url(school, "trust") + HUGE)
    assert response.status_code == 200
    assert b"0001-01-01 is not a plausible date" in response.content
    api = reverse("reporting-api:summary", kwargs={"school_slug": school.slug})
    client.force_login(lead)
    refused = client.get(api + HUGE)
    assert refused.status_code == 400
    assert "not a plausible date" in refused.json()["period"][0]


def test_a_date_range_without_its_dates_says_so_in_an_error_summary(client, small):
    school = small.school
    address = url(school, "dashboard") + "?period=range&from=&to=2024-09-20"
    body = opened(client, staff(school, Role.HEADTEACHER), address).content.decode()
    assert 'role="alert" id="error-summary" tabindex="-1"' in body
    assert "Give both dates of the range" in body
    assert '<option value="range" selected>' in body and 'value="2024-09-20"' in body
    assert "js/register.js" in body  # focuses #error-summary on load


def test_the_trust_page_offers_a_date_range_and_says_when_weeks_are_out_of_range(client, small):
    school = small.school
    trust_lead = staff(school, Role.TRUST_LEAD)
    ranged = opened(
        client, trust_lead, url(school, "trust") + "?period=range&from=2024-09-09&to=2024-09-13"
    ).content.decode()
    assert '<option value="range" selected>' in ranged
    assert 'value="2024-09-09"' in ranged and 'value="2024-09-13"' in ranged
    assert "Date range, 9 Sep 2024 to 13 Sep 2024" in ranged
    weeks = opened(client, trust_lead, url(school, "trust") + "?period=weeks&weeks=999")
    assert b"Weeks must be a whole number from 1 to 52" in weeks.content


def test_todays_registers_are_not_counted_until_the_day_is_over(client, small):
    """Monday 23 Sep at 09:30: the office has pre-entered Ben's absence (O) and nothing
    else is marked. Counted, today would be the lowest day at 0% and the latest week 0%."""
    school = small.school
    with scopes_disabled():
        mark_days(small.ben, {D(2024, 9, 23): ("O", None)})
    response = opened(client, staff(school, Role.ATTENDANCE_LEAD), url(school, "dashboard"))
    period = response.context["period"]
    assert period.bounds.end == D(2024, 9, 20)  # Friday: the last school day before today
    body = response.content.decode()
    assert "to 20 Sep 2024 (today&#x27;s registers are still coming in: see Today)" in body
    d = response.context["d"]
    assert "23" not in " ".join(c.label for c in d.worst_days)
    # the latest week is 16-20 Sep: 81 of 96 over both weeks, as the command counts them
    assert d.weeks[-1].label.endswith("16 Sep")
    assert (d.whole.summary.possible, d.whole.summary.attended) == (96, 81)


def test_on_the_first_school_day_there_is_nothing_to_show_yet(client, small):
    school = small.school
    # Tuesday 3 Sep 2024: the autumn term's first day (tests.factories.school_calendar)
    with time_machine.travel(dt.datetime(2024, 9, 3, 10, tzinfo=ZoneInfo("Europe/London"))):
        response = opened(
            client, staff(school, Role.ATTENDANCE_LEAD), url(school, "dashboard") + "?period=term"
        )
    assert response.context["d"] is None
    assert b"no school day before today yet" in response.content


def test_on_a_monday_the_best_group_of_the_week_is_last_weeks(client, small):
    """Monday 23 Sep: no school day of this week is over. Last week (16-20 Sep) Ash
    had 37 of 40 (92.50%), Birch 0 of 10."""
    school = small.school
    with scopes_disabled():
        mark_days(small.ben, {D(2024, 9, 23): ("O", None)})
    response = opened(client, staff(school, Role.HEADTEACHER), url(school, "groups"))
    assert response.context["last_week"] is True
    assert (response.context["week"].start, response.context["week"].end) == (
        D(2024, 9, 16),
        D(2024, 9, 20),
    )
    best = response.context["best"]
    assert [(b.key_stage, b.group.name, b.week.attendance_pct) for b in best] == [
        ("Key stage 2", "Ash", Decimal("92.50"))
    ]
    assert b"Last week" in response.content


def test_a_range_with_no_school_days_says_so(client, small):
    school = small.school
    address = url(school, "dashboard") + "?period=range&from=2024-08-01&to=2024-08-20"
    response = opened(client, staff(school, Role.ATTENDANCE_LEAD), address)
    assert b"No school days in this range" in response.content


def test_another_trust_school_counts_to_its_own_yesterday(client, small):
    sister = SchoolFactory(trust=small.school.trust, name="Sister School")
    with scopes_disabled():
        school_calendar(sister)
    response = opened(client, staff(small.school, Role.TRUST_LEAD), url(small.school, "trust"))
    ends = {f.school.name: f.period.bounds.end for f in response.context["figures"]}
    assert ends == {small.school.name: D(2024, 9, 20), "Sister School": D(2024, 9, 20)}


def test_on_a_monday_the_last_school_weeks_are_the_weeks_before_it(client, small):
    """Monday 23 Sep: "last 2 school weeks" are 9-20 Sep, not last week and today."""
    school = small.school
    address = url(school, "dashboard") + "?period=weeks&weeks=2"
    period = opened(client, staff(school, Role.ATTENDANCE_LEAD), address).context["period"]
    assert (period.bounds.start, period.bounds.end) == (D(2024, 9, 9), D(2024, 9, 20))
