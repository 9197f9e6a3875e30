"""Writing marks: one transaction, amendments audited, conflicts told, nothing deleted."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scopes_disabled

from registers import services
from registers.models import Amendment, Mark, Register, Role
from registers.services import MarkEntry, RegisterConflict
from registers.tenancy import school_scope
from tests.factories import PupilFactory, SessionFactory, staff

D = dt.date


@pytest.fixture
def session(school):
    return SessionFactory(school=school, date=D(2024, 9, 9), period="AM")


@pytest.fixture
def teacher(school):
    return staff(school, Role.TEACHER, first_name="Ada", last_name="Lovelace")


def save(session, teacher, entries, **kwargs):
    with school_scope(session.school):
        return services.marks_save(
            school=session.school,
            session=session,
            entries=entries,
            user=teacher,
            role=Role.TEACHER,
            **kwargs,
        )


def test_first_entry_writes_no_amendment(session, teacher, group):
    pupil = PupilFactory(school=session.school, registration_group=group)
    result = save(
        session, teacher, [MarkEntry(pupil_id=pupil.pk, code="/")], registration_group=group
    )
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupil, session=session)
        assert (mark.code_id, mark.version, mark.recorded_by) == ("/", 1, teacher)
        assert result.created == 1
        assert not Amendment.objects.exists()
        assert Register.objects.get(registration_group=group, session=session).taken_by == teacher


def test_changing_a_saved_mark_writes_an_amendment_with_name_and_role(session, teacher):
    pupil = PupilFactory(school=session.school)
    save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="N")])
    save(
        session,
        teacher,
        [MarkEntry(pupil_id=pupil.pk, code="I", seen_version=1, amendment_reason="Mum rang: ill")],
    )
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupil, session=session)
        assert (mark.code_id, mark.version) == ("I", 2)
        amendment = Amendment.objects.get(mark=mark)
        assert (amendment.original_code, amendment.new_code) == ("N", "I")
        assert amendment.reason == "Mum rang: ill"
        assert amendment.amended_by_name == "Ada Lovelace"
        assert amendment.amended_by_role == "Class teacher"


def test_a_change_without_a_reason_is_refused_and_nothing_changes(session, teacher):
    pupil, other = PupilFactory(school=session.school), PupilFactory(school=session.school)
    save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="N")])
    with pytest.raises(ValidationError) as err:
        save(
            session,
            teacher,
            [
                MarkEntry(pupil_id=other.pk, code="/"),
                MarkEntry(pupil_id=pupil.pk, code="I", seen_version=1),
            ],
        )
    assert "Say why" in err.value.pupil_errors[str(pupil.pk)]["amendment_reason"]
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupil).code_id == "N"
        assert not Mark.objects.filter(pupil=other).exists()


def test_one_bad_code_saves_none_of_the_register(session, teacher):
    good, bad = PupilFactory(school=session.school), PupilFactory(school=session.school)
    with pytest.raises(ValidationError) as err:
        save(
            session,
            teacher,
            [MarkEntry(pupil_id=good.pk, code="/"), MarkEntry(pupil_id=bad.pk, code="QQ")],
        )
    assert "not a national attendance code" in str(err.value)
    with scopes_disabled():
        assert not Mark.objects.filter(session=session).exists()


def test_a_pupil_not_on_roll_that_day_is_refused(session, teacher):
    left = PupilFactory(school=session.school, on_roll_to=D(2024, 7, 20))
    with pytest.raises(ValidationError, match="Not on roll"):
        save(session, teacher, [MarkEntry(pupil_id=left.pk, code="/")])


def test_second_person_saving_from_a_stale_register_is_told_and_overwrites_nothing(
    session, teacher
):
    pupil = PupilFactory(school=session.school)
    office = staff(session.school, Role.OFFICE)
    # Both opened the register when the pupil had no mark (version 0).
    save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="/")])
    with pytest.raises(RegisterConflict) as err, school_scope(session.school):
        services.marks_save(
            school=session.school,
            session=session,
            user=office,
            role=Role.OFFICE,
            entries=[MarkEntry(pupil_id=pupil.pk, code="N", seen_version=0)],
        )
    assert err.value.conflicts[0].current.code_id == "/"
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupil).code_id == "/"
        assert not Amendment.objects.exists()


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        (dt.time(8, 45), ("/", None)),
        (dt.time(8, 50), ("/", None)),
        (dt.time(8, 51), ("L", 1)),
        (dt.time(9, 5), ("L", 15)),
        (dt.time(9, 6), ("U", 16)),
    ],
)
def test_late_or_unauthorised_by_the_clock(session, arrival, expected):
    # The factory's AM session: late after 08:50, register closes 09:05.
    assert services.code_for_arrival(session=session, arrival=arrival) == expected


def test_afternoon_present_code_is_backslash(school):
    pm = SessionFactory(school=school, date=D(2024, 9, 9), period="PM")
    assert services.code_for_arrival(session=pm, arrival=dt.time(13, 0)) == ("\\", None)


def test_marks_are_never_deleted(session, teacher):
    pupil = PupilFactory(school=session.school)
    save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="/")])
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupil)
        with pytest.raises(PermissionError):
            mark.delete()
        with pytest.raises(PermissionError):
            Mark.objects.filter(pk=mark.pk).delete()
        assert Mark.objects.filter(pk=mark.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_the_database_itself_refuses_to_delete_a_mark(session, teacher):
    from django.db import DatabaseError, transaction

    pupil = PupilFactory(school=session.school)
    save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="/")])
    with (
        pytest.raises(DatabaseError, match="never deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM registers_mark")
    with scopes_disabled():
        assert Mark.objects.filter(pupil=pupil).exists()


def test_the_other_sessions_present_mark_is_refused(session, teacher):
    pupil = PupilFactory(school=session.school)
    with pytest.raises(ValidationError) as err:
        save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="\\")])
    assert "use / in the AM" in err.value.pupil_errors[str(pupil.pk)]["code"]
    with scopes_disabled():
        assert not Mark.objects.filter(pupil=pupil).exists()


def test_a_note_or_absence_reason_added_later_is_audited_without_asking_why(session, teacher):
    from registers.models import AbsenceReason

    pupil = PupilFactory(school=session.school)
    hospital = AbsenceReason.objects.create(
        school=session.school, name="Hospital appointment", code_id="M"
    )
    save(session, teacher, [MarkEntry(pupil_id=pupil.pk, code="M")])
    save(
        session,
        teacher,
        [
            MarkEntry(
                pupil_id=pupil.pk,
                code="M",
                note="Letter seen",
                reason_id=hospital.pk,
                seen_version=1,
            )
        ],
    )

    with scopes_disabled():
        amendment = Amendment.objects.get(mark__pupil=pupil)
        assert (amendment.original_code, amendment.new_code) == ("M", "M")
        assert (amendment.original_note, amendment.new_note) == ("", "Letter seen")
        assert amendment.new_absence_reason == "Hospital appointment"
        assert amendment.reason == "Note or absence reason updated"


def test_a_name_longer_than_the_record_keeps_is_cut_not_a_failed_save(session):
    # First and last names may be 150 characters each; the amendment keeps 200.
    long_named = staff(session.school, Role.OFFICE, first_name="A" * 150, last_name="B" * 150)
    pupil = PupilFactory(school=session.school)
    save(session, long_named, [MarkEntry(pupil_id=pupil.pk, code="N")])
    save(
        session,
        long_named,
        [MarkEntry(pupil_id=pupil.pk, code="I", seen_version=1, amendment_reason="Ill")],
    )

    with scopes_disabled():
        amendment = Amendment.objects.get(mark__pupil=pupil)
        assert amendment.amended_by_name == "A" * 150 + " " + "B" * 49
