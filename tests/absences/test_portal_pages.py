"""The parent portal's pages about children (the absences issue, "Parent portal" and
"Faults other systems shipped": a parent with two children saw the first child's figures
on the second child's page; a parent with children in two schools of a trust sees both,
each from its own school). Every figure comes from registers.metrics (DESIGN.md §6).

The clock stands at 10:00 on Wednesday 13 November 2024 (London), in the autumn term of
the factories' standard year."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.models import LeaveGround, LeaveRequest
from registers.models import Contact, Role
from tests.absences.factories import AbsenceReasonFactory, AbsenceReportFactory
from tests.factories import (
    ContactFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
    mark_days,
    school_calendar,
    staff,
)

NOW = dt.datetime(2024, 11, 13, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def school_days(start, end):
    day = start
    while day <= end:
        if day.weekday() < 5 and not dt.date(2024, 10, 28) <= day <= dt.date(2024, 11, 1):
            yield day
        day += dt.timedelta(days=1)


def every_day_present(pupil, *, start=dt.date(2024, 9, 3), end=TODAY - dt.timedelta(days=1)):
    return {day: "/" for day in school_days(start, end)}


@pytest.fixture
def family(school):
    """Two children at one school, one parent account: Amara ill 4 days and one
    afternoon at the dentist; Kofi present every day."""
    school_calendar(school)
    parent = UserFactory()
    amara = PupilFactory(school=school, legal_forename="Amara", on_roll_from=dt.date(2024, 9, 2))
    kofi = PupilFactory(school=school, legal_forename="Kofi", on_roll_from=dt.date(2024, 9, 2))
    days = every_day_present(amara)
    for day in (
        dt.date(2024, 11, 4),
        dt.date(2024, 11, 5),
        dt.date(2024, 11, 6),
        dt.date(2024, 11, 7),
    ):
        days[day] = "I"
    days[dt.date(2024, 11, 11)] = ("/", "M")
    mark_days(amara, days)
    mark_days(kofi, every_day_present(kofi))
    ContactFactory(pupil=amara, user=parent, name="Rosa Parks")
    ContactFactory(pupil=kofi, user=parent, name="Rosa Parks")
    return parent, amara, kofi


def child_url(pupil, name="absences:portal_child", **kwargs):
    kwargs = {"school_slug": pupil.school.slug, "pupil_id": pupil.pk, **kwargs}
    return reverse(name, kwargs=kwargs)


@scopes_disabled()
def leave_of(pupil, **fields):
    """A submitted leave request of the pupil (the parent's first contact asked)."""
    values = dict(
        school=pupil.school,
        pupil=pupil,
        requested_by_contact=pupil.contacts.first(),
        requested_on=TODAY,
        submitted_at=NOW,
        first_day=dt.date(2024, 12, 2),
        last_day=dt.date(2024, 12, 3),
        ground=LeaveGround.C,
        reason="A family wedding abroad.",
    )
    values.update(fields)
    return LeaveRequest.objects.create(**values)


def object_kwargs(pupil, kwargs):
    """The page's own ids filled with the pupil's real objects (a leave request, a
    parent's report waiting for the office)."""
    if "request_id" in kwargs:
        return {"request_id": leave_of(pupil).pk}
    if "report_id" in kwargs:
        report = AbsenceReportFactory(
            pupil=pupil, first_day=dt.date(2024, 11, 14), source="parent", status="pending"
        )
        return {"report_id": report.pk}
    return kwargs


def test_each_childs_page_shows_that_childs_own_figures(client, family):
    parent, amara, kofi = family
    client.force_login(parent)

    amara_page = client.get(child_url(amara)).content.decode()
    kofi_page = client.get(child_url(kofi)).content.decode()

    # Amara: 9 sessions missed of 2 x 46 school days (8 ill, 1 appointment).
    assert "4½ days" in amara_page and "(9 sessions of 92)" in amara_page
    assert "Ill <span" in amara_page and "Medical or dental appointment" in amara_page
    assert "90.22%" in amara_page
    # Kofi's page shows none of Amara's absence.
    assert "100.00%" in kofi_page and "0 days" in kofi_page
    assert "90.22%" not in kofi_page and "Ill <span" not in kofi_page


def test_reports_this_school_year_are_listed_with_the_year_on_other_years_dates(client, family):
    parent, amara, _ = family
    chickenpox = AbsenceReasonFactory(school=amara.school, name="Chickenpox")
    AbsenceReportFactory(pupil=amara, first_day=dt.date(2024, 3, 27), reason=chickenpox)
    this_year = AbsenceReportFactory(pupil=amara, first_day=dt.date(2024, 11, 4))
    after_new_year = AbsenceReportFactory(
        pupil=amara, first_day=dt.date(2025, 1, 6), last_day=dt.date(2025, 1, 7)
    )
    client.force_login(parent)

    page = client.get(child_url(amara)).content.decode()

    listed = page.split("Absences reported this school year")[1].split("</section>")[0]
    assert f"Mon 4 Nov: {this_year.reason.name}" in listed
    assert f"Mon 6 Jan 2025 AM to Tue 7 Jan 2025 PM: {after_new_year.reason.name}" in listed
    assert "27 Mar" not in listed and "Chickenpox" not in listed  # last school year


def test_the_childs_attendance_is_set_against_the_schools_target(client, family, school):
    parent, amara, kofi = family
    client.force_login(parent)
    assert "below the target" in client.get(child_url(amara)).content.decode()
    assert "at or above the target" in client.get(child_url(kofi)).content.decode()


def test_recent_marks_are_shown_in_words(client, family):
    parent, amara, _ = family
    client.force_login(parent)
    page = client.get(child_url(amara)).content.decode()
    assert "Mon 11 Nov" in page and "Medical or dental appointment" in page
    assert "Not recorded yet" in page  # today's registers are not taken yet


def test_the_home_page_lists_every_child_each_with_their_own_figures(client, family):
    parent, amara, kofi = family
    client.force_login(parent)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Amara" in page and "Kofi" in page
    assert "90.22%" in page and "100.00%" in page


def test_children_in_two_schools_of_a_trust_are_each_counted_at_their_own_school(
    client, db, django_assert_max_num_queries
):
    first = SchoolFactory(attendance_target=95)
    second = SchoolFactory(trust=first.trust, attendance_target=90)
    school_calendar(first)
    school_calendar(second)
    parent = UserFactory()
    ava = PupilFactory(school=first, legal_forename="Ava", on_roll_from=dt.date(2024, 9, 2))
    leo = PupilFactory(school=second, legal_forename="Leo", on_roll_from=dt.date(2024, 9, 2))
    mark_days(ava, every_day_present(ava))
    leo_days = every_day_present(leo)
    leo_days[dt.date(2024, 11, 12)] = "O"
    mark_days(leo, leo_days)
    ContactFactory(pupil=ava, user=parent)
    ContactFactory(pupil=leo, user=parent)
    client.force_login(parent)

    with django_assert_max_num_queries(16):  # one count per school, not per child
        home = client.get(reverse("portal:home")).content.decode()
    leo_page = client.get(child_url(leo)).content.decode()

    assert first.name in home and second.name in home
    assert "97.83%" in home and "100.00%" in home
    assert "97.83%" in leo_page and "target is 90%" in leo_page
    assert "Absent without a reason the school could accept" in leo_page
    assert second.name in leo_page


def test_the_childs_page_costs_a_fixed_number_of_queries(
    client, family, django_assert_max_num_queries
):
    parent, amara, _ = family
    client.force_login(parent)
    with django_assert_max_num_queries(16):
        response = client.get(child_url(amara))
    assert response.status_code == 200


# ---- Only their own children, with parental responsibility ------------------------------------

PARENT_PAGES = [
    ("absences:portal_child", {}),
    ("absences:portal_report", {}),
    ("absences:portal_leave_new", {}),
    ("absences:portal_leave", {"request_id": 1}),
    ("absences:portal_letter", {"letter_id": 1}),
    ("absences:portal_report_withdraw", {"report_id": 1}),
]


@pytest.mark.parametrize("name,kwargs", PARENT_PAGES)
def test_another_familys_child_is_not_found_on_any_page(client, family, school, name, kwargs):
    parent, amara, _ = family
    stranger = PupilFactory(school=school)
    ContactFactory(pupil=stranger)
    client.force_login(parent)
    url = child_url(stranger, name, **object_kwargs(stranger, kwargs))
    assert client.get(url).status_code == 404
    assert client.post(url, {"first_day": "2024-11-14"}).status_code == 404


@pytest.mark.parametrize("name,kwargs", PARENT_PAGES)
def test_a_child_the_parent_lacks_parental_responsibility_for_is_not_found(
    client, family, school, name, kwargs
):
    parent, amara, _ = family
    stepchild = PupilFactory(school=school, legal_forename="Zebedee")
    ContactFactory(pupil=stepchild, user=parent, parental_responsibility=False)
    client.force_login(parent)
    url = child_url(stepchild, name, **object_kwargs(stepchild, kwargs))
    assert client.get(url).status_code == 404
    assert client.post(url, {"first_day": "2024-11-14"}).status_code == 404
    assert "Amara" in client.get(reverse("portal:home")).content.decode()
    assert stepchild.legal_forename not in client.get(reverse("portal:home")).content.decode()


def test_a_contact_without_parental_responsibility_has_no_portal_at_all(client, school):
    school_calendar(school)
    grandad = UserFactory()
    pupil = PupilFactory(school=school, legal_forename="Zebedee")
    ContactFactory(pupil=pupil, user=grandad, parental_responsibility=False)
    client.force_login(grandad)
    assert client.get(child_url(pupil)).status_code == 404
    assert pupil.legal_forename not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.HEADTEACHER, Role.TEACHER])
def test_staff_open_no_parent_page_as_a_parent(client, family, school, role):
    _, amara, _ = family
    client.force_login(staff(school, role))
    for name, kwargs in PARENT_PAGES:
        url = child_url(amara, name, **object_kwargs(amara, kwargs))
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_a_parent_losing_parental_responsibility_loses_the_page(client, family):
    parent, amara, _ = family
    client.force_login(parent)
    assert client.get(child_url(amara)).status_code == 200
    with scopes_disabled():
        Contact.objects.filter(pupil=amara).update(parental_responsibility=False)
    assert client.get(child_url(amara)).status_code == 404


def test_the_home_page_needs_a_sign_in(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_forecast_is_the_one_staff_see_in_plain_words(client, family, school):
    from registers.forecast import pupil_forecasts
    from registers.tenancy import school_scope

    parent, amara, _ = family
    with school_scope(school):
        expected = pupil_forecasts(school=school, as_of=TODAY, pupils=[amara.pk])[amara.pk]
    client.force_login(parent)
    page = client.get(child_url(amara)).content.decode()
    assert expected.sentence(amara.forename) in page
    assert "more days off and Amara is at or below 90% for the year" in page
