"""First-day calling in the API and the `calling_list` command (DESIGN §9): the page's
reading, its roles, and 4xx with field messages for bad input."""

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_scopes import scopes_disabled

from absences.models import CallAttempt
from registers.models import Session
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    school_calendar,
    staff,
)

pytestmark = pytest.mark.django_db

WED = dt.date(2025, 1, 15)
NINE_THIRTY = dt.datetime(2025, 1, 15, 9, 30, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def absent(school):
    school_calendar(school)
    pupil = PupilFactory(
        school=school, registration_group=RegistrationGroupFactory(school=school), young_carer=True
    )
    ContactFactory(pupil=pupil, priority=2, name="Dad", phone="07700 900002")
    ContactFactory(pupil=pupil, priority=1, name="Mum", phone="07700 900001")
    with scopes_disabled():
        session = Session.objects.get(school=school, date=WED, period="AM")
    MarkFactory(session=session, pupil=pupil, code_id="N")
    return pupil


def api(school, what):
    return f"/api/v1/schools/{school.slug}/{what}/"


def test_the_command_prints_the_calling_list_as_design_9_says(school, absent):
    out = StringIO()
    call_command(
        "calling_list", school.slug, "--at", "2025-01-15 09:30", "--format", "json", stdout=out
    )
    assert json.loads(out.getvalue()) == [
        {
            "upn": absent.upn,
            "vulnerable": True,
            "day_of_absence": 1,
            "unexplained_sessions": ["AM"],
            "contacts": [
                {"priority": 1, "name": "Mum", "phone": "07700 900001"},
                {"priority": 2, "name": "Dad", "phone": "07700 900002"},
            ],
            "status": "to_call",
        }
    ]


def test_the_command_refuses_an_unknown_school_and_a_bad_time(school):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("calling_list", "no-such-school", "--at", "2025-01-15 09:30")
    with pytest.raises(CommandError):
        call_command("calling_list", school.slug, "--at", "09:30")


def test_the_api_list_matches_the_command_and_is_closed_to_teachers(client, school, absent):
    client.force_login(staff(school, "teacher"))
    assert client.get(api(school, "calling-list")).status_code == 403
    client.force_login(staff(school, "office"))
    response = client.get(api(school, "calling-list"), {"at": "2025-01-15T10:05"})
    assert response.status_code == 200
    [row] = response.json()
    assert (row["upn"], row["status"], row["why"]) == (absent.upn, "not_accounted_for", "deadline")
    assert client.get(api(school, "calling-list"), {"at": "soon"}).json() == {
        "at": ["A date and time as YYYY-MM-DDTHH:MM."]
    }


def test_the_api_records_an_attempt_and_refuses_bad_input_with_field_messages(
    client, school, absent
):
    client.force_login(staff(school, "office"))
    with scopes_disabled():
        mum = absent.contacts.get(priority=1)
    stranger = ContactFactory(pupil=PupilFactory(school=school))
    with time_machine.travel(NINE_THIRTY, tick=False):
        bad = client.post(
            api(school, "call-attempts"),
            {"upn": absent.upn, "contact_id": stranger.pk, "outcome": "shouted"},
            content_type="application/json",
        )
        nobody = client.post(
            api(school, "call-attempts"),
            {"upn": absent.upn, "outcome": "no_answer"},
            content_type="application/json",
        )
        made = client.post(
            api(school, "call-attempts"),
            {"upn": absent.upn, "contact_id": mum.pk, "outcome": "voicemail", "note": "Left msg"},
            content_type="application/json",
        )
        listed = client.get(api(school, "call-attempts")).json()
    assert bad.status_code == 400 and set(bad.json()) == {"outcome"}
    assert nobody.status_code == 400 and "contact" in nobody.json()
    assert made.status_code == 201
    assert [(a["contact_priority"], a["outcome"]) for a in listed] == [(1, "voicemail")]
    with scopes_disabled():
        assert CallAttempt.objects.count() == 1


def test_another_schools_contact_is_a_field_error(client, school, absent, other_school):
    client.force_login(staff(school, "office"))
    theirs = ContactFactory(pupil=PupilFactory(school=other_school))
    response = client.post(
        api(school, "call-attempts"),
        {"upn": absent.upn, "contact_id": theirs.pk, "outcome": "spoke"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "contact_id" in response.json()
