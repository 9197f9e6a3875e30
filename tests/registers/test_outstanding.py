"""The office's "not yet taken" list."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from registers.models import Register, Role
from registers.selectors import current_period, local_today
from registers.tenancy import school_scope
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    staff,
)

DAY = dt.date(2024, 9, 9)


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE)


@pytest.fixture
def am(school):
    return SessionFactory(school=school, date=DAY, period="AM")


def url(school, **query):
    base = reverse("registers:outstanding", kwargs={"school_slug": school.slug})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def take(group, session, user, *, at):
    return Register.objects.create(
        school=group.school,
        registration_group=group,
        session=session,
        taken_by=user,
        taken_at=at,
        last_saved_by=user,
        last_saved_at=at,
    )


def test_allowed_for_the_office(client, school, office, am):
    client.force_login(office)
    assert client.get(url(school, date="2024-09-09", period="AM")).status_code == 200


def test_teachers_are_refused(client, school, am):
    client.force_login(staff(school, Role.TEACHER))
    assert client.get(url(school, date="2024-09-09", period="AM")).status_code == 403


def test_another_schools_staff_get_404(client, school, other_school, am):
    client.force_login(staff(other_school, Role.OFFICE))
    assert client.get(url(school, date="2024-09-09", period="AM")).status_code == 404


def test_a_register_partly_marked_stays_on_the_list_to_chase_with_its_teachers(
    client, school, office, am
):
    teacher = staff(school, Role.TEACHER, first_name="Ada", last_name="Lovelace")
    waiting = RegistrationGroupFactory(school=school, name="3B")
    waiting.teachers.add(teacher)
    done = RegistrationGroupFactory(school=school, name="4C")
    empty = RegistrationGroupFactory(school=school, name="Leavers")
    w1, w2, w3 = (PupilFactory(school=school, registration_group=waiting) for _ in range(3))
    d1, d2 = (PupilFactory(school=school, registration_group=done) for _ in range(2))
    # One absence saved by the office on the register page: the register is not taken.
    MarkFactory(session=am, pupil=w1, code_id="I")
    take(waiting, am, office, at=dt.datetime(2024, 9, 9, 7, 40, tzinfo=dt.UTC))
    MarkFactory(session=am, pupil=d1)
    MarkFactory(session=am, pupil=d2)
    take(done, am, teacher, at=dt.datetime(2024, 9, 9, 7, 52, tzinfo=dt.UTC))

    client.force_login(office)
    response = client.get(url(school, date="2024-09-09", period="AM"))

    not_taken = response.context["not_taken"]
    assert [(st.group, names, st.marked, st.unmarked) for st, names in not_taken] == [
        (waiting, ["Ada Lovelace"], 1, 2)
    ]
    assert [(st.group, st.unmarked) for st in response.context["taken"]] == [(done, 0)]
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "1 of 3 marked" in html
    assert "08:52" in html  # taken at, in UK time
    assert empty.name not in html  # nobody on roll: no register to chase


def test_everything_taken_says_so(client, school, office, am):
    group = RegistrationGroupFactory(school=school)
    MarkFactory(session=am, pupil=PupilFactory(school=school, registration_group=group))
    take(group, am, office, at=timezone.now())
    client.force_login(office)
    html = client.get(url(school, date="2024-09-09", period="AM")).content.decode()
    assert "Every register for this session has been taken" in html


def test_the_current_session_is_chosen_by_the_local_clock(client, school, office):
    today = local_today(school)
    SessionFactory(school=school, date=today, period="AM")
    SessionFactory(school=school, date=today, period="PM")
    client.force_login(office)
    response = client.get(url(school))
    assert response.context["session"].date == today
    with school_scope(school):
        assert response.context["period"] == current_period(school)


def test_a_day_without_a_session_says_so(client, school, office, am):
    client.force_login(office)
    response = client.get(url(school, date="2024-09-07", period="AM"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "it is not a school day" in html
    assert "?date=2024-09-09" in html


OUTSTANDING_QUERIES = 9  # middleware 3; session, groups, teachers, on roll, marked, taken


@pytest.mark.parametrize(("groups", "size"), [(2, 3), (6, 12)])
def test_the_list_does_not_grow_with_the_school(
    client, school, office, am, groups, size, django_assert_num_queries
):
    for n in range(groups):
        group = RegistrationGroupFactory(school=school)
        group.teachers.add(staff(school, Role.TEACHER))
        for _ in range(size):
            PupilFactory(school=school, registration_group=group)
        if n % 2:
            take(group, am, office, at=timezone.now())
    client.force_login(office)
    with django_assert_num_queries(OUTSTANDING_QUERIES):
        response = client.get(url(school, date="2024-09-09", period="AM"))
    assert len(response.context["not_taken"]) + len(response.context["taken"]) == groups
