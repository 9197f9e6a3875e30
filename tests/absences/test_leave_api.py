"""Leave of absence in the API (issue 9, "API and commands"): the same rules as the pages,
4xx with field messages, role checks. Clock: 07:30 on Monday 13 January 2025 (London)."""

import datetime as dt

import pytest
import time_machine
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from absences.models import LeaveRequest
from registers.models import PlannedEntry, Role
from tests.factories import PupilFactory, school_calendar, staff

NOW = dt.datetime(2025, 1, 13, 7, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pupil(school, group):
    school_calendar(school)
    return PupilFactory(school=school, registration_group=group)


def api(user):
    client = APIClient()
    client.force_login(user)
    return client


def base(school):
    return f"/api/v1/schools/{school.slug}/"


FORM = {
    "first_day": "2025-02-10",
    "last_day": "2025-02-11",
    "ground": "J1",
    "reason": "University interview in Edinburgh.",
    "requested_on": "2025-01-10",
}


def test_the_office_enters_a_paper_form_and_the_head_grants_it(school, pupil):
    office = staff(school, Role.OFFICE)
    made = api(office).post(
        f"{base(school)}leave-requests/", {**FORM, "upn": pupil.upn}, format="json"
    )
    assert made.status_code == 201, made.content
    leave_id = made.json()["id"]
    head = staff(school, Role.HEADTEACHER)
    decided = api(head).post(
        f"{base(school)}leave-requests/{leave_id}/decision/", {"action": "grant"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "granted"
    with scopes_disabled():
        assert PlannedEntry.objects.filter(pupil=pupil, code_id="J1").count() == 4


def test_an_overlapping_request_is_a_400_with_the_field(school, pupil):
    office = api(staff(school, Role.OFFICE))
    office.post(f"{base(school)}leave-requests/", {**FORM, "upn": pupil.upn}, format="json")
    again = office.post(f"{base(school)}leave-requests/", {**FORM, "upn": pupil.upn}, format="json")
    assert again.status_code == 400 and "overlap" in again.json()["first_day"][0]
    with scopes_disabled():
        assert LeaveRequest.objects.count() == 1


def test_the_office_cannot_decide_and_a_teacher_cannot_list(school, pupil):
    office = api(staff(school, Role.OFFICE))
    leave_id = office.post(
        f"{base(school)}leave-requests/", {**FORM, "upn": pupil.upn}, format="json"
    ).json()["id"]
    refused = office.post(
        f"{base(school)}leave-requests/{leave_id}/decision/", {"action": "grant"}, format="json"
    )
    assert refused.status_code == 403
    assert api(staff(school, Role.TEACHER)).get(f"{base(school)}leave-requests/").status_code == 403


def test_assess_answers_the_contract_and_bad_input_is_a_400(school, pupil):
    head = api(staff(school, Role.HEADTEACHER))
    url = f"{base(school)}leave-assess/"
    ok = head.get(
        url,
        {
            "upn": pupil.upn,
            "from": "2025-01-20",
            "to": "2025-01-24",
            "requested_on": "2025-01-13",
            "ground": "G",
        },
    )
    assert ok.status_code == 200
    assert ok.json()["sessions"] == 10
    assert {c["rule"] for c in ok.json()["checks"]} >= {"retrospective", "holiday"}
    bad = head.get(
        url,
        {
            "upn": pupil.upn,
            "from": "soon",
            "to": "2025-01-24",
            "requested_on": "2025-01-13",
            "ground": "X",
        },
    )
    assert bad.status_code == 400 and {"from", "ground"} <= set(bad.json())


def test_a_request_is_read_by_the_office_side_with_its_assessment_not_by_a_teacher(school, pupil):
    office = api(staff(school, Role.OFFICE))
    leave_id = office.post(
        f"{base(school)}leave-requests/", {**FORM, "upn": pupil.upn}, format="json"
    ).json()["id"]
    url = f"{base(school)}leave-requests/{leave_id}/"
    read = office.get(url)
    assert read.status_code == 200
    assert {c["rule"] for c in read.json()["assessment"]["checks"]} >= {"retrospective"}
    assert api(staff(school, Role.TEACHER)).get(url).status_code == 403
    assert api(staff(school, Role.TEACHER)).get(f"{base(school)}leave-assess/").status_code == 403


def test_a_partial_grant_without_sessions_is_a_400_and_changes_nothing(school, pupil):
    office = api(staff(school, Role.OFFICE))
    leave_id = office.post(
        f"{base(school)}leave-requests/", {**FORM, "upn": pupil.upn}, format="json"
    ).json()["id"]
    head = api(staff(school, Role.HEADTEACHER))
    refused = head.post(
        f"{base(school)}leave-requests/{leave_id}/decision/",
        {"action": "partly_grant", "decision": "Monday only."},
        format="json",
    )
    assert refused.status_code == 400 and "sessions" in refused.json()
    with scopes_disabled():
        assert LeaveRequest.objects.get().status == "submitted"
        assert not PlannedEntry.objects.exists()
