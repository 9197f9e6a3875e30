"""The office's absence reports page, /<school>/absences/: find a pupil, log a call,
accept or withdraw parents' reports (the absences issue, "Office: reports and calls").

The clock stands at 07:30 on Monday 9 September 2024 (London)."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.models import AbsenceReport
from registers.models import Mark, PlannedEntry, Role
from tests.absences.factories import AbsenceReasonFactory, AbsenceReportFactory, school_week
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    staff,
)

MON, TUE, WED = dt.date(2024, 9, 9), dt.date(2024, 9, 10), dt.date(2024, 9, 11)
NOW = dt.datetime(2024, 9, 9, 6, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def week(school):
    return school_week(school)


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE, first_name="Grace", last_name="Hopper")


@pytest.fixture
def group(school):
    return RegistrationGroupFactory(school=school, name="4B")


@pytest.fixture
def pupil(school, group):
    return PupilFactory(
        school=school, registration_group=group, legal_forename="Amir", legal_surname="Ahmed"
    )


@pytest.fixture
def mother(pupil):
    return ContactFactory(
        pupil=pupil, name="Rosa Ahmed", relationship="Mother", phone="07700 900123"
    )


@pytest.fixture
def illness(school):
    return AbsenceReasonFactory(school=school, name="Illness", code_id="I")


def url(school, **query):
    base = reverse("absences:office", kwargs={"school_slug": school.slug})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def posted(pupil, contact, reason, **extra):
    data = {
        "pupil": pupil.pk,
        "contact": contact.pk if contact else "other",
        "reporter": "",
        "channel": "phone",
        "reason": reason.pk,
        "first_day": MON.isoformat(),
        "first_period": "AM",
        "last_day": MON.isoformat(),
        "last_period": "PM",
        "note": "",
    }
    data.update(extra)
    return data


# ---- Who may open it -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        Role.OFFICE,
        Role.ATTENDANCE_OFFICER,
        Role.ATTENDANCE_LEAD,
        Role.HEADTEACHER,
        Role.SCHOOL_ADMIN,
    ],
)
def test_the_office_side_may_open_the_reports_page(client, school, role):
    client.force_login(staff(school, role))
    assert client.get(url(school)).status_code == 200


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TRUST_LEAD])
def test_a_class_teacher_or_trust_lead_may_not_open_it_nor_log(
    client, school, week, pupil, mother, illness, role
):
    client.force_login(staff(school, role))
    assert client.get(url(school)).status_code == 403
    assert client.get(url(school, pupil=pupil.pk)).status_code == 403
    assert client.post(url(school), posted(pupil, mother, illness)).status_code == 403
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0


def test_the_menu_offers_absence_reports_to_the_office_only(client, school):
    client.force_login(staff(school, Role.OFFICE))
    home = reverse("registers:school_home", kwargs={"school_slug": school.slug})
    assert "Absence reports" in client.get(home).content.decode()
    client.force_login(staff(school, Role.TEACHER))
    assert "Absence reports" not in client.get(home).content.decode()


# ---- Finding the pupil -------------------------------------------------------------------


def test_the_finder_matches_name_upn_and_group(client, school, pupil, office):
    other = PupilFactory(school=school, legal_forename="Zara", legal_surname="Young")
    left = PupilFactory(
        school=school,
        legal_forename="Amira",
        legal_surname="Gone",
        on_roll_from=dt.date(2020, 9, 1),
        on_roll_to=dt.date(2024, 7, 19),
    )
    client.force_login(office)
    results = reverse("absences:office_pupils", kwargs={"school_slug": school.slug})
    for query in ("ami", "ahmed", pupil.upn.lower(), "4B", "amir 4b"):
        html = client.get(results, {"q": query}).content.decode()
        assert f"?pupil={pupil.pk}" in html, query
        assert f"?pupil={other.pk}" not in html, query
        assert f"?pupil={left.pk}" not in html, query  # left the roll
    # Without JavaScript the same search reloads the page with its results.
    page = client.get(url(school, q="Ahmed")).content.decode()
    assert f"?pupil={pupil.pk}" in page


def test_the_finder_matches_a_group_whose_name_holds_a_space(client, school, office):
    ash = RegistrationGroupFactory(school=school, name="Ash 3")
    in_ash = PupilFactory(school=school, registration_group=ash, legal_surname="Beech")
    elsewhere = PupilFactory(school=school, legal_forename="Ash", legal_surname="Three")
    client.force_login(office)
    results = reverse("absences:office_pupils", kwargs={"school_slug": school.slug})
    for query in ("Ash 3", "ash 3", "  ASH   3 "):
        html = client.get(results, {"q": query}).content.decode()
        assert f"?pupil={in_ash.pk}" in html, query
        assert f"?pupil={elsewhere.pk}" not in html, query
        assert "No pupil on roll matches" not in html, query


def test_choosing_a_pupil_shows_their_contacts_and_a_form_for_today(
    client, school, week, pupil, mother, illness, office
):
    ContactFactory(pupil=pupil, priority=2, name="Omar Ahmed", relationship="Father", phone="")
    client.force_login(office)
    html = client.get(url(school, pupil=pupil.pk)).content.decode()
    assert html.index("Rosa Ahmed") < html.index("Omar Ahmed")  # priority order
    assert 'href="tel:07700900123"' in html
    assert 'value="2024-09-09"' in html  # first and last day default to today
    assert re.search(
        rf'<input type="radio" name="contact" value="{mother.pk}"[^>]*checked', html
    ), re.findall(r"<input type=.radio[^>]*>", html)


def test_another_schools_pupil_is_not_found(client, school, other_school, office):
    stranger = PupilFactory(school=other_school)
    client.force_login(office)
    assert client.get(url(school, pupil=stranger.pk)).status_code == 404


# ---- Logging ----------------------------------------------------------------------------


def test_logging_a_call_pre_enters_the_marks_and_lists_the_report(
    client, school, week, pupil, mother, illness, office
):
    client.force_login(office)
    response = client.post(
        url(school), posted(pupil, mother, illness, last_day=WED.isoformat(), note="Temperature")
    )
    assert response.status_code == 302
    with scopes_disabled():
        report = AbsenceReport.objects.get()
        assert (report.contact, report.channel, report.created_by) == (mother, "phone", office)
        assert sorted(Mark.objects.filter(pupil=pupil).values_list("code_id", "source")) == [
            ("I", "office"),
            ("I", "office"),
        ]
        assert PlannedEntry.objects.filter(pupil=pupil).count() == 4
    page = client.get(response.url).content.decode()
    assert "Illness for Amir Ahmed" in page  # the message
    assert "Temperature" in page  # today's list


def test_bad_input_says_what_to_fix_and_changes_nothing(
    client, school, week, pupil, mother, illness, office
):
    client.force_login(office)
    cases = [
        (dict(last_day="2024-09-08"), "before the first"),
        (dict(contact="other", reporter=""), "Write the name"),
        (dict(first_day="not a date"), "Enter a valid date"),
        (dict(reason="999999"), "Select a valid choice"),
        (dict(first_day="2024-09-14", last_day="2024-09-15"), "no school sessions"),
    ]
    for change, words in cases:
        response = client.post(url(school), posted(pupil, mother, illness) | change)
        assert response.status_code == 400, change
        html = response.content.decode()
        assert "The report was not logged" in html and words in html, change
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0
        assert Mark.objects.count() == 0


def test_a_report_contradicting_the_register_asks_the_office(
    client, school, week, pupil, mother, illness, office
):
    with scopes_disabled():
        MarkFactory(pupil=pupil, session=week[(MON, "AM")], code_id="/")
    client.force_login(office)
    asked = client.post(url(school), posted(pupil, mother, illness))
    assert asked.status_code == 409
    html = asked.content.decode()
    assert "The register already holds a mark" in html
    assert "Mon 9 Sep AM holds /" in html
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert summary.count("already holds another code") == 1  # said once, not twice
    assert 'name="on_conflict"' in html
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0
    kept = client.post(url(school), posted(pupil, mother, illness, on_conflict="keep"))
    assert kept.status_code == 302
    with scopes_disabled():
        assert dict(Mark.objects.filter(pupil=pupil).values_list("session__period", "code_id")) == {
            "AM": "/",
            "PM": "I",
        }


def test_an_overlapping_report_is_refused_on_the_page(
    client, school, week, pupil, mother, illness, office
):
    client.force_login(office)
    assert client.post(url(school), posted(pupil, mother, illness)).status_code == 302
    again = client.post(url(school), posted(pupil, mother, illness, first_period="PM"))
    assert again.status_code == 400
    html = again.content.decode()
    assert "Already reported" in html
    # The mother reported it; the office logged it.
    assert "reported by Rosa Ahmed (Mother), logged by Grace Hopper at 07:30 on 9 Sep" in html
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 1


# ---- Parents' reports: accept, withdraw ----------------------------------------------------


def test_the_office_accepts_a_parents_pending_report(
    client, school, week, pupil, mother, illness, office
):
    report = AbsenceReportFactory(
        pupil=pupil,
        contact=mother,
        reason=illness,
        source="parent",
        channel="portal",
        status="pending",
        note="Sick in the night",
    )
    client.force_login(office)
    page = client.get(url(school)).content.decode()
    assert "Sick in the night" in page and "Accept" in page
    accept = reverse(
        "absences:report_accept", kwargs={"school_slug": school.slug, "report_id": report.pk}
    )
    assert client.post(accept).status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted" and report.decided_by == office
    with scopes_disabled():
        assert set(Mark.objects.filter(pupil=pupil).values_list("source", flat=True)) == {"parent"}


def test_withdrawing_on_the_page_needs_a_reason_and_then_clears_the_days_to_come(
    client, school, week, pupil, mother, illness, office
):
    client.force_login(office)
    client.post(
        url(school),
        posted(pupil, mother, illness, first_day=TUE.isoformat(), last_day=WED.isoformat()),
    )
    with scopes_disabled():
        report = AbsenceReport.objects.get()
    withdraw = reverse(
        "absences:report_withdraw", kwargs={"school_slug": school.slug, "report_id": report.pk}
    )
    refused = client.post(withdraw, {"why": ""}, follow=True)
    assert "Say why the report is withdrawn" in refused.content.decode()
    with scopes_disabled():
        assert PlannedEntry.objects.filter(pupil=pupil).count() == 4
    assert client.post(withdraw, {"why": "Back in school after all"}).status_code == 302
    with scopes_disabled():
        assert PlannedEntry.objects.filter(pupil=pupil).count() == 0
    report.refresh_from_db()
    assert report.status == "withdrawn"


def test_a_teacher_cannot_accept_or_withdraw(client, school, week, pupil, mother, illness):
    report = AbsenceReportFactory(pupil=pupil, contact=mother, reason=illness, status="pending")
    client.force_login(staff(school, Role.TEACHER))
    for name in ("absences:report_accept", "absences:report_withdraw"):
        target = reverse(name, kwargs={"school_slug": school.slug, "report_id": report.pk})
        assert client.post(target, {"why": "x"}).status_code == 403
    report.refresh_from_db()
    assert report.status == "pending"


def test_another_schools_report_is_not_found(client, school, other_school, office):
    theirs = AbsenceReportFactory(pupil=PupilFactory(school=other_school), status="pending")
    client.force_login(office)
    accept = reverse(
        "absences:report_accept", kwargs={"school_slug": school.slug, "report_id": theirs.pk}
    )
    assert client.post(accept).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


# ---- Speed -------------------------------------------------------------------------------------


def test_the_page_query_count_does_not_grow_with_reports(
    client, school, week, pupil, mother, illness, office, django_assert_num_queries
):
    """9 queries: the school, the user, their roles; the pupil, their contacts, the
    reasons; their recent reports, today's and the pending ones."""
    client.force_login(office)
    client.get(url(school, pupil=pupil.pk))  # the first read may add the default reasons

    def fill(n):
        for _ in range(n):
            other = PupilFactory(school=school)
            AbsenceReportFactory(pupil=other, reason=illness)
            AbsenceReportFactory(pupil=other, reason=illness, status="pending", first_day=TUE)

    fill(2)
    with django_assert_num_queries(9):
        client.get(url(school, pupil=pupil.pk))
    fill(10)
    with django_assert_num_queries(9):
        page = client.get(url(school, pupil=pupil.pk))
    assert page.content.decode().count("Accept<span") == 12


def test_accepting_a_report_the_register_contradicts_asks_then_keeps_or_replaces(
    client, school, week, pupil, mother, illness, office
):
    """The teacher marked Amir present this morning; his parent's report says ill all day:
    the office is asked, and chooses to keep the register's mark."""
    with scopes_disabled():
        MarkFactory(pupil=pupil, session=week[(MON, "AM")], code_id="/")
    report = AbsenceReportFactory(
        pupil=pupil, contact=mother, reason=illness, source="parent", status="pending"
    )
    accept = reverse(
        "absences:report_accept", kwargs={"school_slug": school.slug, "report_id": report.pk}
    )
    client.force_login(office)
    asked = client.post(accept)
    assert asked.status_code == 409
    html = asked.content.decode()
    assert "Mon 9 Sep AM holds /" in html
    assert 'value="keep"' in html and 'value="replace"' in html
    report.refresh_from_db()
    assert report.status == "pending"
    assert client.post(accept, {"on_conflict": "keep"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted"
    with scopes_disabled():
        assert dict(Mark.objects.filter(pupil=pupil).values_list("session__period", "code_id")) == {
            "AM": "/",
            "PM": "I",
        }


def test_the_finder_answers_in_one_query_however_many_match(
    client, school, group, office, django_assert_num_queries
):
    PupilFactory.create_batch(25, school=school, registration_group=group)
    client.force_login(office)
    results = reverse("absences:office_pupils", kwargs={"school_slug": school.slug})
    client.get(results, {"q": "4B"})
    with django_assert_num_queries(4):  # the school, the user, their roles; the search
        html = client.get(results, {"q": "4B"}).content.decode()
    assert html.count("?pupil=") == 15 and "type more of the name" in html
