"""The REST API: pupils, a pupil's attendance, sessions, groups and codes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from registers.models import AttendanceCode, Role
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    mark_days,
    school_calendar,
    staff,
)
from tests.registers.api.helpers import MONDAY, as_user, url

# ---- Pupils ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pupil_list_gives_names_group_and_flags(api, school, group, office):
    pupil = PupilFactory(
        school=school,
        registration_group=group,
        legal_forename="Amelia",
        legal_surname="Brown",
        preferred_forename="Millie",
        looked_after=True,
    )

    response = as_user(api, office).get(url("pupils", school))

    assert response.status_code == 200
    assert response.data["count"] == 1
    row = response.data["results"][0]
    assert row["id"] == pupil.pk
    assert row["upn"] == pupil.upn
    assert row["display_name"] == "Millie Brown"
    assert row["legal_forename"] == "Amelia"
    assert row["registration_group"] == group.pk
    assert row["registration_group_name"] == group.name
    assert row["is_vulnerable"] is True


@pytest.mark.django_db
def test_a_teacher_lists_only_the_pupils_of_their_own_groups(
    api, school, group, pupils, teacher, office
):
    other_group = RegistrationGroupFactory(school=school)
    elsewhere = PupilFactory(school=school, registration_group=other_group)
    no_group = PupilFactory(school=school)

    def ids(user):
        response = as_user(api, user).get(url("pupils", school))
        assert response.status_code == 200
        return {row["id"] for row in response.data["results"]}

    assert ids(teacher) == {p.pk for p in pupils}
    assert ids(office) == {p.pk for p in pupils} | {elsewhere.pk, no_group.pk}


@pytest.mark.django_db
def test_a_trust_lead_reads_the_pupil_list(api, school, pupils, trust_lead):
    response = as_user(api, trust_lead).get(url("pupils", school))
    assert response.status_code == 200
    assert response.data["count"] == len(pupils)


@pytest.mark.django_db
def test_pupil_list_filters(api, school, group, office):
    class_4 = PupilFactory(school=school, registration_group=group, legal_surname="Okafor")
    other_group = RegistrationGroupFactory(school=school)
    year_6 = PupilFactory(
        school=school, registration_group=other_group, year_group="6", legal_surname="Nowak"
    )
    left = PupilFactory(
        school=school,
        legal_surname="Gone",
        on_roll_from=dt.date(2020, 9, 1),
        on_roll_to=dt.date(2024, 7, 19),
    )
    client = as_user(api, office)

    def ids(**params):
        response = client.get(url("pupils", school), params)
        assert response.status_code == 200, response.data
        return {row["id"] for row in response.data["results"]}

    assert ids(registration_group=group.pk) == {class_4.pk}
    assert ids(year_group="6") == {year_6.pk}
    assert ids(on_roll="2024-09-09") == {class_4.pk, year_6.pk}
    assert ids(on_roll="2024-07-19") == {class_4.pk, year_6.pk, left.pk}
    assert ids(search="okaf") == {class_4.pk}
    assert ids(search=f"{year_6.legal_forename} nowak") == {year_6.pk}
    assert ids(search=left.upn.lower()) == {left.pk}


@pytest.mark.django_db
def test_pupil_list_bad_filters_are_400_with_a_message(api, school, other_school, office):
    client = as_user(api, office)
    foreign_group = RegistrationGroupFactory(school=other_school)

    bad_date = client.get(url("pupils", school), {"on_roll": "2024-13-01"})
    foreign = client.get(url("pupils", school), {"registration_group": foreign_group.pk})
    bad_year = client.get(url("pupils", school), {"year_group": "14"})

    assert bad_date.status_code == 400
    assert "on_roll" in bad_date.data
    assert foreign.status_code == 400
    assert "registration_group" in foreign.data
    assert bad_year.status_code == 400
    assert "year_group" in bad_year.data


def _list_queries(api, school, group, count):
    PupilFactory.create_batch(count, school=school, registration_group=group)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url("pupils", school))
    assert response.status_code == 200
    assert len(response.data["results"]) == count
    return len(queries)


@pytest.mark.django_db
def test_pupil_list_queries_do_not_grow_with_pupils(
    api, school, other_school, office, django_assert_num_queries
):
    client = as_user(api, office)
    few = _list_queries(client, school, RegistrationGroupFactory(school=school), 5)

    other_office = staff(other_school, Role.OFFICE)
    client = as_user(APIClient(), other_office)
    many = _list_queries(client, other_school, RegistrationGroupFactory(school=other_school), 30)

    assert few == many
    # school, session, user, roles at the school, count, page of pupils with their groups,
    # the access log's row
    with django_assert_num_queries(6):
        client.get(url("pupils", other_school))


@pytest.mark.django_db
def test_pupil_detail_shows_contacts_in_priority_order_to_the_office(
    api, school, group, pupils, office
):
    pupil = pupils[0]
    ContactFactory(pupil=pupil, priority=2, name="Second Carer", phone="07700 900222")
    ContactFactory(pupil=pupil, priority=1, name="First Carer", phone="07700 900111")

    response = as_user(api, office).get(url("pupil", school, pk=pupil.pk))

    assert response.status_code == 200
    assert response.data["upn"] == pupil.upn
    assert [c["name"] for c in response.data["contacts"]] == ["First Carer", "Second Carer"]
    assert response.data["contacts"][0]["phone"] == "07700 900111"


@pytest.mark.django_db
def test_a_teacher_sees_their_pupil_without_contacts(api, school, group, pupils, teacher):
    ContactFactory(pupil=pupils[0], name="First Carer")

    response = as_user(api, teacher).get(url("pupil", school, pk=pupils[0].pk))

    assert response.status_code == 200
    assert response.data["contacts"] is None
    assert "First Carer" not in response.content.decode()


@pytest.mark.django_db
def test_a_trust_lead_sees_a_pupil_without_contacts(api, school, pupils, trust_lead):
    ContactFactory(pupil=pupils[0], name="First Carer")

    response = as_user(api, trust_lead).get(url("pupil", school, pk=pupils[0].pk))

    assert response.status_code == 200
    assert response.data["contacts"] is None


@pytest.mark.django_db
def test_a_teacher_gets_404_for_a_pupil_of_another_group(api, school, other_teacher, pupils):
    response = as_user(api, other_teacher).get(url("pupil", school, pk=pupils[0].pk))
    assert response.status_code == 404


# ---- A pupil's attendance --------------------------------------------------------------


@pytest.fixture
def marked_pupil(school, group):
    """Four sessions: / \\ I L."""
    school_calendar(school)
    pupil = PupilFactory(school=school, registration_group=group)
    mark_days(pupil, {MONDAY: ("/", "\\"), MONDAY + dt.timedelta(days=1): ("I", "L")})
    return pupil


@pytest.mark.django_db
def test_attendance_summary_matches_the_marks(api, school, marked_pupil, office):
    response = as_user(api, office).get(
        url("pupil-attendance", school, pk=marked_pupil.pk),
        {"from": "2024-09-09", "to": "2024-09-10"},
    )

    assert response.status_code == 200
    data = response.json()
    assert data["from"] == "2024-09-09"
    assert data["to"] == "2024-09-10"
    assert data["pupil"] == marked_pupil.pk
    assert data["possible"] == 4
    assert data["attended"] == 3
    assert data["present"] == 3
    assert data["authorised"] == 1
    assert data["unauthorised"] == 0
    assert data["absent"] == 1
    assert data["lates"] == 1
    assert data["attendance_pct"] == "75.00"
    assert data["absence_pct"] == "25.00"
    assert data["days_missed"] == "0.5"
    assert data["codes"] == {"/": 1, "\\": 1, "I": 1, "L": 1}
    assert data["persistent_absence"] is True
    assert data["severe_absence"] is False
    # Over the year to 10 September: the same four sessions, a quarter of them missed.
    assert data["indicators"] == ["persistent_absence"]


@pytest.mark.django_db
def test_attendance_over_a_range_with_no_marks_has_no_percentage(api, school, marked_pupil, office):
    response = as_user(api, office).get(
        url("pupil-attendance", school, pk=marked_pupil.pk),
        {"from": "2024-09-02", "to": "2024-09-06"},
    )

    assert response.status_code == 200
    assert response.data["possible"] == 0
    assert response.data["attendance_pct"] is None
    assert response.data["indicators"] == []


@pytest.mark.django_db
def test_attendance_defaults_to_the_academic_year_to_date(api, school, pupils, office):
    response = as_user(api, office).get(url("pupil-attendance", school, pk=pupils[0].pk))

    today = timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1
    assert response.status_code == 200
    assert response.data["from"] == f"{year}-09-01"
    assert response.data["to"] == today.isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "9 Sept"}, "from"),
        ({"to": "2024-02-30"}, "to"),
        ({"from": "2024-09-10", "to": "2024-09-09"}, "to"),
    ],
)
def test_attendance_bad_dates_are_400_with_a_message(api, school, pupils, office, params, field):
    response = as_user(api, office).get(url("pupil-attendance", school, pk=pupils[0].pk), params)
    assert response.status_code == 400
    assert list(response.data) == [field]


@pytest.mark.django_db
def test_a_teacher_reads_their_own_pupils_attendance_only(
    api, school, marked_pupil, teacher, other_teacher
):
    path = url("pupil-attendance", school, pk=marked_pupil.pk)
    assert as_user(api, teacher).get(path).status_code == 200
    assert as_user(api, other_teacher).get(path).status_code == 404


# ---- Sessions, groups, codes -------------------------------------------------------------


@pytest.mark.django_db
def test_sessions_in_a_range_with_their_times(api, school, other_teacher):
    school_calendar(school)

    response = as_user(api, other_teacher).get(
        url("sessions", school), {"from": "2024-09-06", "to": "2024-09-09"}
    )

    assert response.status_code == 200
    rows = response.data["results"]
    assert [(r["date"], r["period"]) for r in rows] == [
        ("2024-09-06", "AM"),
        ("2024-09-06", "PM"),
        ("2024-09-09", "AM"),
        ("2024-09-09", "PM"),
    ]
    assert rows[0]["late_after"] == "08:50:00"
    assert rows[1]["closes"] == "13:25:00"


@pytest.mark.django_db
def test_sessions_bad_dates_are_400(api, school, office):
    client = as_user(api, office)
    assert client.get(url("sessions", school), {"from": "yesterday"}).status_code == 400
    response = client.get(url("sessions", school), {"from": "2024-09-09", "to": "2024-09-01"})
    assert response.status_code == 400
    assert "to" in response.data


@pytest.mark.django_db
def test_sessions_are_only_this_schools(api, school, other_school, office):
    SessionFactory(school=school, date=MONDAY)
    SessionFactory(school=other_school, date=MONDAY)
    response = as_user(api, office).get(url("sessions", school))
    assert response.data["count"] == 1


@pytest.mark.django_db
def test_groups_list_their_teachers(api, school, group, teacher, other_school, trust_lead):
    RegistrationGroupFactory(school=other_school)

    response = as_user(api, trust_lead).get(url("groups", school))

    assert response.status_code == 200
    mine = next(g for g in response.data["results"] if g["id"] == group.pk)
    assert mine["name"] == group.name
    assert mine["teachers"] == [{"id": teacher.pk, "name": "Ann Teach"}]
    assert response.data["count"] == 1


@pytest.mark.django_db
def test_codes_are_the_national_codes(api, outsider):
    response = as_user(api, outsider).get(reverse("api:codes"))

    assert response.status_code == 200
    assert len(response.data) == AttendanceCode.objects.count() > 30
    by_code = {c["code"]: c for c in response.data}
    assert by_code["L"]["attended"] is True
    assert by_code["N"]["unauthorised_absence"] is True
    assert by_code["X"]["possible"] is False
