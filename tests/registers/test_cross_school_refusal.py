"""Nothing ties two schools together (issue #8, defence in depth): the admin refuses a
contact, group teacher or group spell of another school with a form error and saves
nothing; the models refuse it on every other path too."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django_scopes import scopes_disabled

from registers.models import AttendanceCode, Contact, GroupMembership, Mark, RegistrationGroup, Role
from registers.tenancy import school_scope
from tests.factories import (
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    UserFactory,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def contact_form(school, pupil, **extra):
    return {
        "school": school.pk,
        "pupil": pupil.pk,
        "priority": 1,
        "name": "Dana Price",
        "relationship": "Mother",
        "parental_responsibility": "on",
        **extra,
    }


def test_the_admin_refuses_a_contact_for_another_schools_pupil(admin_client, school, other_school):
    theirs = PupilFactory(school=other_school)
    parent = UserFactory()

    response = admin_client.post(
        "/admin/registers/contact/add/", contact_form(school, theirs, user=parent.pk)
    )

    assert response.status_code == 200
    assert "belongs to another school" in str(response.context["adminform"].form.errors["pupil"])
    with scopes_disabled():
        assert not Contact.objects.filter(user=parent).exists()


def test_the_admin_still_saves_a_contact_of_the_schools_own_pupil(admin_client, school):
    ours = PupilFactory(school=school)

    response = admin_client.post("/admin/registers/contact/add/", contact_form(school, ours))

    assert response.status_code == 302
    with scopes_disabled():
        assert Contact.objects.get(pupil=ours).school == school


def test_the_admin_refuses_a_group_teacher_with_no_role_at_the_school(
    admin_client, school, other_school
):
    ours = staff(school, Role.TEACHER)
    theirs = staff(other_school, Role.TEACHER, first_name="Kofi", last_name="Mensah")

    response = admin_client.post(
        "/admin/registers/registrationgroup/add/",
        {"school": school.pk, "name": "Ash 3", "year_group": "3", "teachers": [ours.pk, theirs.pk]},
    )

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["teachers"])
    assert theirs.username in errors and ours.username not in errors
    with scopes_disabled():
        assert not RegistrationGroup.objects.filter(name="Ash 3").exists()


def test_a_group_teacher_from_another_school_is_refused_on_every_path(school, other_school):
    group = RegistrationGroupFactory(school=school)
    outsider = staff(other_school, Role.TEACHER)

    # Each in its own savepoint: a refused add rolls back the transaction it is in.
    with pytest.raises(ValidationError), scopes_disabled(), transaction.atomic():
        group.teachers.add(outsider)
    with pytest.raises(ValidationError), scopes_disabled(), transaction.atomic():
        outsider.registration_groups.add(group)

    with scopes_disabled():
        assert not group.teachers.exists()
        group.teachers.add(staff(school, Role.TEACHER))
        assert group.teachers.count() == 1


def test_a_mark_of_another_schools_pupil_or_session_is_refused(school, other_school):
    ours, theirs = PupilFactory(school=school), PupilFactory(school=other_school)
    our_session = SessionFactory(school=school)
    their_session = SessionFactory(school=other_school)
    with scopes_disabled():
        present = AttendanceCode.objects.get(code="/")

    def mark(pupil, session):
        return Mark(
            school=school,
            pupil=pupil,
            session=session,
            date=session.date,
            code=present,
            recorded_at=dt.datetime(2024, 9, 9, 9, tzinfo=dt.UTC),
        )

    with school_scope(school):
        with pytest.raises(ValidationError) as refused:
            mark(theirs, our_session).full_clean()
        assert set(refused.value.message_dict) == {"pupil"}
        with pytest.raises(ValidationError) as refused:
            mark(ours, their_session).full_clean()
        assert set(refused.value.message_dict) == {"session"}
        mark(ours, our_session).full_clean()


def test_a_group_spell_or_latest_group_across_schools_is_refused(school, other_school):
    pupil = PupilFactory(school=school)
    their_group = RegistrationGroupFactory(school=other_school)

    spell = GroupMembership(
        school=school, pupil=pupil, group=their_group, starts=dt.date(2024, 9, 2)
    )
    with school_scope(school):
        with pytest.raises(ValidationError) as refused:
            spell.full_clean()
        assert set(refused.value.message_dict) == {"group"}

        pupil.registration_group = their_group
        with pytest.raises(ValidationError) as refused:
            pupil.full_clean(validate_unique=False, validate_constraints=False)
        assert "registration_group" in refused.value.message_dict


def test_the_admin_offers_no_way_to_add_or_change_a_mark(admin_client, school):
    # Marks are written by the register's one writer; the model refuses a crossing
    # anyway (above).
    assert admin_client.get("/admin/registers/mark/add/").status_code == 403
