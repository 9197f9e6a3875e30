"""The REST API under /api/v1/: who may do what, and what a client sees and saves."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registers.models import Amendment, AttendanceCode, Mark, Membership, Register, Role
from registers.stats import code_rules
from registers.tokens import token_create
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    UserFactory,
    mark_days,
    school_calendar,
    staff,
)

MONDAY = dt.date(2024, 9, 9)


# ---- Fixtures -------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def teacher(school, group):
    user = staff(school, Role.TEACHER, first_name="Ann", last_name="Teach")
    group.teachers.add(user)
    return user


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE, first_name="Olu", last_name="Office")


@pytest.fixture
def trust_lead(school):
    return staff(school, Role.TRUST_LEAD)


@pytest.fixture
def other_teacher(school):
    """A teacher at the school whose group is not `group`."""
    user = staff(school, Role.TEACHER)
    RegistrationGroupFactory(school=school).teachers.add(user)
    return user


@pytest.fixture
def outsider(other_school):
    """The office at another school: the same role, the wrong school."""
    return staff(other_school, Role.OFFICE)


@pytest.fixture
def session_am(school):
    return SessionFactory(school=school, date=MONDAY, period="AM")


@pytest.fixture
def pupils(school, group):
    return [PupilFactory(school=school, registration_group=group) for _ in range(3)]


def as_user(api, user):
    api.force_login(user)
    return api


def url(name, school, **kwargs):
    return reverse(f"api:{name}", kwargs={"school_slug": school.slug, **kwargs})


def register_url(school, group, day=MONDAY, period="AM"):
    return url("register", school, group_id=group.pk, day=day.isoformat(), period=period)


def line(pupil, code, **fields):
    return {"pupil": pupil.pk, "code": code, **fields}


def put(api, path, marks):
    return api.put(path, {"marks": marks}, format="json")


# ---- Who may come in: every school endpoint ---------------------------------------------


def school_urls(school, group, pupil):
    return [
        url("pupils", school),
        url("pupil", school, pk=pupil.pk),
        url("pupil-attendance", school, pk=pupil.pk),
        url("sessions", school),
        url("groups", school),
        register_url(school, group),
    ]


@pytest.mark.django_db
def test_every_school_endpoint_answers_staff_of_the_school(
    api, school, group, pupils, office, session_am
):
    for path in school_urls(school, group, pupils[0]):
        assert as_user(api, office).get(path).status_code == 200, path


@pytest.mark.django_db
def test_every_school_endpoint_is_404_for_staff_of_another_school(
    api, school, group, pupils, outsider, session_am
):
    for path in school_urls(school, group, pupils[0]):
        response = as_user(api, outsider).get(path)
        assert response.status_code == 404, path
        assert school.name not in response.content.decode()
    response = put(api, register_url(school, group), [line(pupils[0], "/")])
    assert response.status_code == 404
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_a_parent_of_a_pupil_gets_404_from_the_staff_api(api, school, group, pupils, session_am):
    parent = UserFactory()
    ContactFactory(pupil=pupils[0], user=parent)
    for path in school_urls(school, group, pupils[0]):
        assert as_user(api, parent).get(path).status_code == 404, path


@pytest.mark.django_db
def test_every_school_endpoint_asks_an_anonymous_client_to_sign_in(
    api, school, group, pupils, session_am
):
    for path in [*school_urls(school, group, pupils[0]), reverse("api:codes")]:
        response = api.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_an_unknown_school_is_404_like_a_school_you_have_no_role_at(api, office):
    response = as_user(api, office).get("/api/v1/schools/no-such-school/pupils/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_read_only_endpoints_refuse_writes(api, school, office):
    response = as_user(api, office).post(url("pupils", school), {}, format="json")
    assert response.status_code == 405


@pytest.mark.django_db
def test_token_authentication_works(api, school, group, pupils, teacher, session_am):
    with scopes_disabled():
        _, secret = token_create(user=teacher, name="MIS sync", days=30)
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    assert api.get(url("pupils", school)).status_code == 200
    response = put(api, register_url(school, group), [line(pupils[0], "/")])

    assert response.status_code == 200
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupils[0]).recorded_by == teacher


@pytest.mark.django_db
def test_a_wrong_token_is_401(api, school):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert api.get(url("pupils", school)).status_code == 401


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


# ---- The register: reading ---------------------------------------------------------------


@pytest.mark.django_db
def test_register_shows_pupils_on_roll_that_day_with_their_marks(
    api, school, group, teacher, session_am
):
    marked = PupilFactory(school=school, registration_group=group, legal_surname="Adams")
    unmarked = PupilFactory(school=school, registration_group=group, legal_surname="Baker")
    PupilFactory(school=school, registration_group=group, on_roll_from=MONDAY + dt.timedelta(1))
    PupilFactory(school=school, registration_group=RegistrationGroupFactory(school=school))
    MarkFactory(
        session=session_am, pupil=marked, code_id="M", note="Dentist", source=Mark.Source.OFFICE
    )

    response = as_user(api, teacher).get(register_url(school, group))

    assert response.status_code == 200
    data = response.json()
    assert data["session"]["date"] == "2024-09-09"
    assert data["session"]["period"] == "AM"
    assert data["group"]["id"] == group.pk
    assert data["taken"] is None
    assert [line["pupil"]["id"] for line in data["pupils"]] == [marked.pk, unmarked.pk]
    mark = data["pupils"][0]["mark"]
    assert mark["code"] == "M"
    assert mark["note"] == "Dentist"
    assert mark["version"] == 1
    assert mark["source"] == "office"
    assert mark["pre_entered"] is True
    assert data["pupils"][1]["mark"] is None


@pytest.mark.django_db
def test_register_is_403_for_a_teacher_of_another_group_and_a_trust_lead(
    api, school, group, pupils, other_teacher, trust_lead, session_am
):
    for user in (other_teacher, trust_lead):
        client = as_user(api, user)
        assert client.get(register_url(school, group)).status_code == 403
        response = put(client, register_url(school, group), [line(pupils[0], "/")])
        assert response.status_code == 403
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_register_is_404_without_a_session_or_for_another_schools_group(
    api, school, other_school, group, office, session_am
):
    client = as_user(api, office)
    saturday = MONDAY - dt.timedelta(days=2)
    assert client.get(register_url(school, group, day=saturday)).status_code == 404
    assert client.get(register_url(school, group, period="PM")).status_code == 404
    foreign = RegistrationGroupFactory(school=other_school)
    assert client.get(register_url(school, foreign)).status_code == 404


@pytest.mark.django_db
def test_register_with_an_impossible_date_is_400(api, school, group, office):
    path = url("register", school, group_id=group.pk, day="2024-02-30", period="AM")
    response = as_user(api, office).get(path)
    assert response.status_code == 400
    assert "day" in response.data


# ---- The register: saving ---------------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_register_writes_every_mark_and_marks_it_taken(
    api, school, group, pupils, teacher, session_am
):
    a, b, c = pupils

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(a, "/"), line(b, "I", note="Temperature"), line(c, "L", minutes_late=7)],
    )

    assert response.status_code == 200, response.data
    assert response.data["saved"] == {"created": 3, "amended": 0, "unchanged": 0}
    with scopes_disabled():
        marks = {m.pupil_id: m for m in Mark.objects.filter(session=session_am)}
        assert {pid: m.code_id for pid, m in marks.items()} == {a.pk: "/", b.pk: "I", c.pk: "L"}
        assert marks[b.pk].note == "Temperature"
        assert marks[c.pk].minutes_late == 7
        assert {m.source for m in marks.values()} == {Mark.Source.API}
        assert {m.recorded_by for m in marks.values()} == {teacher}
        register = Register.objects.get(registration_group=group, session=session_am)
        assert register.taken_by == teacher
        assert response.data["taken"]["taken_by"] == "Ann Teach"
        lines = {line["pupil"]["id"]: line["mark"] for line in response.data["pupils"]}
        assert lines[b.pk]["code"] == "I"
        assert lines[b.pk]["version"] == 1


@pytest.mark.django_db
def test_one_bad_code_saves_nothing(api, school, group, pupils, teacher, session_am):
    a, b, c = pupils

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(a, "/"), line(b, "A"), line(c, "/")],
    )

    assert response.status_code == 400
    assert list(response.data["marks"]) == [str(b.pk)]
    assert "not a national attendance code" in response.data["marks"][str(b.pk)]["code"][0]
    assert not Mark.objects.exists()
    assert not Register.objects.exists()


@pytest.mark.django_db
def test_a_malformed_line_is_reported_against_its_pupil(
    api, school, group, pupils, teacher, session_am
):
    a, b, _ = pupils

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(a, "/"), line(b, "L", minutes_late="lots")],
    )

    assert response.status_code == 400
    assert list(response.data["marks"]) == [str(b.pk)]
    assert "minutes_late" in response.data["marks"][str(b.pk)]
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_a_pupil_outside_the_group_or_off_roll_is_refused(
    api, school, group, pupils, teacher, session_am
):
    other_group = RegistrationGroupFactory(school=school)
    elsewhere = PupilFactory(school=school, registration_group=other_group)
    joins_later = PupilFactory(
        school=school, registration_group=group, on_roll_from=MONDAY + dt.timedelta(days=7)
    )

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(pupils[0], "/"), line(elsewhere, "/"), line(joins_later, "/")],
    )

    assert response.status_code == 400
    errors = response.data["marks"]
    assert errors[str(elsewhere.pk)]["pupil"] == ["Not a pupil of this register."]
    assert "Not on roll" in errors[str(joins_later.pk)]["pupil"][0]
    assert not Mark.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"marks": [',
        b"[]",
        b'{"marks": []}',
        b'{"marks": "all present"}',
        b'{"marks": [{"code": "/"}]}',
    ],
)
def test_a_body_that_is_not_a_register_is_400(api, school, group, teacher, session_am, body):
    response = as_user(api, teacher).put(
        register_url(school, group), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_a_line_without_a_pupil_is_reported_by_its_number(
    api, school, group, pupils, teacher, session_am
):
    response = put(
        as_user(api, teacher), register_url(school, group), [line(pupils[0], "/"), {"code": "/"}]
    )
    assert response.status_code == 400
    assert response.data["marks"] == {"line 2": {"pupil": ["This field is required."]}}
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_a_pupil_twice_is_400(api, school, group, pupils, teacher, session_am):
    response = put(as_user(api, teacher), register_url(school, group), [line(pupils[0], "/")] * 2)
    assert response.status_code == 400
    assert "twice" in response.data["marks"][0]
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_changing_a_saved_mark_with_a_reason_writes_an_amendment(
    api, school, group, pupils, teacher, session_am
):
    pupil = pupils[0]
    mark = MarkFactory(session=session_am, pupil=pupil, code_id="N")

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(pupil, "I", version=1, amendment_reason="Mum phoned: ill")],
    )

    assert response.status_code == 200, response.data
    assert response.data["saved"]["amended"] == 1
    mark.refresh_from_db()
    assert (mark.code_id, mark.version) == ("I", 2)
    with scopes_disabled():
        amendment = Amendment.objects.get(mark=mark)
        assert (amendment.original_code, amendment.new_code) == ("N", "I")
        assert amendment.reason == "Mum phoned: ill"
        assert amendment.amended_by == teacher
        assert amendment.amended_by_role == "Class teacher"


@pytest.mark.django_db
def test_the_office_saves_any_groups_register_as_office(
    api, school, group, pupils, office, session_am
):
    mark = MarkFactory(session=session_am, pupil=pupils[0], code_id="N")

    response = put(
        as_user(api, office),
        register_url(school, group),
        [line(pupils[0], "M", version=1, amendment_reason="Dentist letter")],
    )

    assert response.status_code == 200
    with scopes_disabled():
        assert Amendment.objects.get(mark=mark).amended_by_role == "Office staff"


@pytest.mark.django_db
def test_a_teacher_who_also_works_in_the_office_saves_their_own_group_as_teacher(
    api, school, group, pupils, teacher, session_am
):
    # As on the register page: the role named is the one they act in on this register.
    Membership.objects.create(user=teacher, school=school, role=Role.OFFICE)
    mark = MarkFactory(session=session_am, pupil=pupils[0], code_id="N")

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(pupils[0], "I", version=1, amendment_reason="Mum phoned: ill")],
    )

    assert response.status_code == 200, response.data
    with scopes_disabled():
        assert Amendment.objects.get(mark=mark).amended_by_role == "Class teacher"


@pytest.mark.django_db
def test_a_teacher_cannot_change_a_pre_entered_mark_but_the_office_can(
    api, school, group, pupils, teacher, office, session_am
):
    mark = MarkFactory(session=session_am, pupil=pupils[0], code_id="I", source=Mark.Source.PARENT)
    change = [line(pupils[0], "/", version=1, amendment_reason="Came in after all")]

    refused = put(as_user(api, teacher), register_url(school, group), change)

    assert refused.status_code == 400
    assert "only office staff can change it" in refused.data["marks"][str(pupils[0].pk)]["code"][0]
    mark.refresh_from_db()
    assert (mark.code_id, mark.version) == ("I", 1)
    assert not Amendment.objects.exists()

    # Sending it back unchanged is no change, so a teacher's whole register still saves.
    unchanged = [line(pupils[0], "I", version=1), line(pupils[1], "/")]
    response = put(as_user(api, teacher), register_url(school, group), unchanged)
    assert response.status_code == 200, response.data

    response = put(as_user(api, office), register_url(school, group), change)
    assert response.status_code == 200, response.data
    mark.refresh_from_db()
    assert (mark.code_id, mark.version) == ("/", 2)


@pytest.mark.django_db
def test_changing_a_saved_mark_without_a_reason_is_400_and_changes_nothing(
    api, school, group, pupils, teacher, session_am
):
    a, b, _ = pupils
    mark = MarkFactory(session=session_am, pupil=a, code_id="N")

    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(a, "I", version=1), line(b, "/")],
    )

    assert response.status_code == 400
    assert "amendment_reason" in response.data["marks"][str(a.pk)]
    mark.refresh_from_db()
    assert (mark.code_id, mark.version) == ("N", 1)
    with scopes_disabled():
        assert not Mark.objects.filter(pupil=b).exists()
        assert not Amendment.objects.exists()


@pytest.mark.django_db
def test_a_stale_version_is_409_and_overwrites_nothing(
    api, school, group, pupils, teacher, office, session_am
):
    a, b, _ = pupils
    # The office saved a mark on the register after the teacher opened it (seen: no mark).
    theirs = MarkFactory(
        session=session_am, pupil=a, code_id="M", recorded_by=office, source=Mark.Source.REGISTER
    )

    response = put(as_user(api, teacher), register_url(school, group), [line(a, "/"), line(b, "/")])

    assert response.status_code == 409
    assert [c["pupil"] for c in response.data["conflicts"]] == [a.pk]
    current = response.data["conflicts"][0]["mark"]
    assert current["code"] == "M"
    assert current["version"] == 1
    assert current["recorded_by"] == "Olu Office"
    assert response.data["conflicts"][0]["yours"] == "/"
    theirs.refresh_from_db()
    assert (theirs.code_id, theirs.version) == ("M", 1)
    with scopes_disabled():
        assert not Mark.objects.filter(pupil=b).exists()
        assert not Register.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arrival", "code", "minutes"),
    [("08:45", "/", None), ("08:57", "L", 7), ("09:20", "U", 30)],
)
def test_an_arrival_time_decides_the_code(
    api, school, group, pupils, teacher, session_am, arrival, code, minutes
):
    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [{"pupil": pupils[0].pk, "arrival": arrival}],
    )

    assert response.status_code == 200, response.data
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupils[0])
        assert (mark.code_id, mark.minutes_late) == (code, minutes)


@pytest.mark.django_db
def test_an_arrival_that_contradicts_the_code_is_400(
    api, school, group, pupils, teacher, session_am
):
    response = put(
        as_user(api, teacher),
        register_url(school, group),
        [line(pupils[0], "L", arrival="09:20")],
    )

    assert response.status_code == 400
    assert response.data["marks"][str(pupils[0].pk)]["arrival"] == [
        "Arriving at 09:20 is U, not L."
    ]
    assert not Mark.objects.exists()


def _register_queries(client, school, group, session, count, *, save):
    pupils = PupilFactory.create_batch(count, school=school, registration_group=group)
    path = register_url(school, group, day=session.date)
    marks = [line(p, "/") for p in pupils]
    with CaptureQueriesContext(connection) as queries:
        response = put(client, path, marks) if save else client.get(path)
    assert response.status_code == 200, response.data
    assert len(response.data["pupils"]) == count
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("save", [False, True], ids=["get", "put"])
def test_register_queries_do_not_grow_with_pupils(api, school, office, save):
    code_rules()  # reference data, read once per process
    client = as_user(api, office)
    few = _register_queries(
        client,
        school,
        RegistrationGroupFactory(school=school),
        SessionFactory(school=school, date=MONDAY),
        5,
        save=save,
    )
    many = _register_queries(
        client,
        school,
        RegistrationGroupFactory(school=school),
        SessionFactory(school=school, date=MONDAY + dt.timedelta(days=1)),
        30,
        save=save,
    )
    assert few == many


@pytest.mark.django_db
def test_register_get_query_count_is_pinned(
    api, school, group, office, session_am, django_assert_num_queries
):
    PupilFactory.create_batch(30, school=school, registration_group=group)
    client = as_user(api, office)
    # school, session, user, roles, group, session, pupils, marks, register row
    with django_assert_num_queries(8):
        response = client.get(register_url(school, group))
    assert len(response.data["pupils"]) == 30


# ---- Nonsense in, 4xx out -------------------------------------------------------------------

HUGE = "9" * 25


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pupils/{huge}/", 404),
        ("pupils/{huge}/attendance/", 404),
        ("pupils/?registration_group={huge}", 400),
        ("pupils/?page={huge}", 404),
        ("pupils/?search=%00", 400),
        ("registers/{huge}/2024-09-09/AM/", 404),
    ],
)
def test_out_of_range_input_is_4xx(api, school, office, path, expected):
    full = f"/api/v1/schools/{school.slug}/" + path.format(huge=HUGE)
    assert as_user(api, office).get(full).status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["pupil", "reason", "version", "minutes_late"])
def test_out_of_range_numbers_in_a_register_are_400(
    api, school, group, pupils, teacher, session_am, field
):
    sent = {**line(pupils[0], "L"), field: int(HUGE)}

    response = put(as_user(api, teacher), register_url(school, group), [sent])

    assert response.status_code == 400
    assert field in response.data["marks"][str(sent["pupil"])]
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_register_put_query_count_is_pinned(
    api, school, group, office, session_am, django_assert_num_queries
):
    code_rules()  # reference data, read once per process
    pupils = PupilFactory.create_batch(30, school=school, registration_group=group)
    client = as_user(api, office)
    # school, user, roles, group, session, the roll with planned entries, group's
    # pupils; the writer: savepoint, marks for update, insert, register (one upsert), its
    # register_saved event, release; the answer: pupils, marks, register row. (19 before
    # the one writer.)
    with django_assert_num_queries(16):
        response = put(client, register_url(school, group), [line(p, "/") for p in pupils])
    assert response.data["saved"]["created"] == 30
