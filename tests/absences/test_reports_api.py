"""Absence reports in the API (/api/v1/schools/<slug>/absence-reports/): the same rules
and messages as the office page; 4xx with field messages, never a 500.

The clock stands at 07:30 on Monday 9 September 2024 (London)."""

import datetime as dt

import pytest
import time_machine
from django_scopes import scopes_disabled

from absences.models import AbsenceReport
from registers.models import Mark, PlannedEntry, Role
from tests.absences.factories import AbsenceReasonFactory, AbsenceReportFactory, school_week
from tests.factories import ContactFactory, MarkFactory, PupilFactory, staff

MON, TUE, WED = dt.date(2024, 9, 9), dt.date(2024, 9, 10), dt.date(2024, 9, 11)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2024, 9, 9, 6, 30, tzinfo=dt.UTC), tick=False) as c:
        yield c


@pytest.fixture
def week(school):
    return school_week(school)


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE)


@pytest.fixture
def pupil(school, group):
    return PupilFactory(school=school, registration_group=group)


@pytest.fixture
def mother(pupil):
    return ContactFactory(pupil=pupil, name="Rosa Parks")


@pytest.fixture
def illness(school):
    return AbsenceReasonFactory(school=school)


def base(school):
    return f"/api/v1/schools/{school.slug}/absence-reports/"


def body(pupil, reason, contact=None, **extra):
    data = {
        "upn": pupil.upn,
        "contact": contact.pk if contact else None,
        "reporter": "" if contact else "Dad",
        "channel": "email",
        "reason": reason.pk,
        "first_day": MON.isoformat(),
        "last_day": MON.isoformat(),
    }
    data.update(extra)
    return data


def test_the_office_logs_a_report_and_its_marks_are_pre_entered(
    client, school, week, pupil, mother, illness, office
):
    client.force_login(office)
    answer = client.post(
        base(school),
        body(pupil, illness, mother, last_day=TUE.isoformat()),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.json()
    made = answer.json()
    assert (made["status"], made["code"], made["reported_by"]) == (
        "accepted",
        "I",
        "Rosa Parks (Mother)",
    )
    with scopes_disabled():
        assert Mark.objects.filter(pupil=pupil, code_id="I", source="office").count() == 2
        assert PlannedEntry.objects.filter(pupil=pupil).count() == 2
    listed = client.get(base(school), {"status": "accepted", "upn": pupil.upn}).json()
    assert [r["id"] for r in listed] == [made["id"]]


def test_bad_input_is_a_400_with_field_messages_and_nothing_changed(
    client, school, other_school, week, pupil, mother, illness, office
):
    theirs = AbsenceReasonFactory(school=other_school)
    stranger = ContactFactory(pupil=PupilFactory(school=school))
    client.force_login(office)
    cases = [
        (dict(upn="A123456789012"), "upn"),
        (dict(reason=theirs.pk), "reason"),
        (dict(contact=stranger.pk), "contact"),
        (dict(channel="portal"), "channel"),
        (dict(first_day="2024-09-10", last_day="2024-09-09"), "last_day"),
        (dict(first_day="yesterday"), "first_day"),
        (dict(reporter=""), "reporter"),
        (dict(on_conflict="perhaps"), "on_conflict"),
    ]
    for change, field in cases:
        answer = client.post(
            base(school), body(pupil, illness) | change, content_type="application/json"
        )
        assert answer.status_code == 400, (change, answer.content)
        assert field in answer.json(), (change, answer.json())
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0 and Mark.objects.count() == 0


def test_a_contradicted_mark_answers_409_with_the_sessions_then_keep_logs_it(
    client, school, week, pupil, illness, office
):
    with scopes_disabled():
        MarkFactory(pupil=pupil, session=week[(MON, "AM")], code_id="/")
    client.force_login(office)
    asked = client.post(base(school), body(pupil, illness), content_type="application/json")
    assert asked.status_code == 409
    assert asked.json()["sessions"] == [
        {"date": "2024-09-09", "period": "AM", "code": "/", "planned": False}
    ]
    kept = client.post(
        base(school), body(pupil, illness, on_conflict="keep"), content_type="application/json"
    )
    assert kept.status_code == 201
    with scopes_disabled():
        assert dict(Mark.objects.filter(pupil=pupil).values_list("session__period", "code_id")) == {
            "AM": "/",
            "PM": "I",
        }


def test_an_overlapping_report_is_a_400(client, school, week, pupil, illness, office):
    client.force_login(office)
    assert (
        client.post(base(school), body(pupil, illness), content_type="application/json").status_code
        == 201
    )
    again = client.post(
        base(school), body(pupil, illness, first_period="PM"), content_type="application/json"
    )
    assert again.status_code == 400
    assert "Already reported" in again.json()["non_field_errors"][0]


def test_accept_and_withdraw(client, school, week, pupil, mother, illness, office):
    report = AbsenceReportFactory(
        pupil=pupil, contact=mother, reason=illness, status="pending", source="parent"
    )
    client.force_login(office)
    accepted = client.post(
        f"{base(school)}{report.pk}/accept/", {}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = client.post(f"{base(school)}{report.pk}/accept/", {}, content_type="application/json")
    assert again.status_code == 400 and "no longer waiting" in again.json()["non_field_errors"][0]
    refused = client.post(
        f"{base(school)}{report.pk}/withdraw/", {"why": "  "}, content_type="application/json"
    )
    assert refused.status_code == 400 and "why" in refused.json()
    withdrawn = client.post(
        f"{base(school)}{report.pk}/withdraw/",
        {"why": "Came in after all", "amend_marks": True},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    with scopes_disabled():
        assert set(Mark.objects.filter(pupil=pupil).values_list("code_id", flat=True)) == {"N"}


def test_a_class_teacher_may_neither_read_nor_log(client, school, week, pupil, illness):
    client.force_login(staff(school, Role.TEACHER))
    assert client.get(base(school)).status_code == 403
    answer = client.post(base(school), body(pupil, illness), content_type="application/json")
    assert answer.status_code == 403
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0


def test_another_schools_report_is_a_404(client, school, other_school, office):
    theirs = AbsenceReportFactory(pupil=PupilFactory(school=other_school), status="pending")
    client.force_login(office)
    for action in ("accept", "withdraw"):
        answer = client.post(
            f"{base(school)}{theirs.pk}/{action}/", {"why": "x"}, content_type="application/json"
        )
        assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"
