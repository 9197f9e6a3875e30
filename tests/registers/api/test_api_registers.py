"""The REST API: reading and saving a group's register, and nonsense in, 4xx out."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from registers.models import Amendment, Mark, Membership, Register, Role
from registers.stats import code_rules
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
)
from tests.registers.api.helpers import MONDAY, as_user, line, put, register_url, url

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
