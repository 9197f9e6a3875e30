"""Fixtures of the API tests: one school's staff, a session, pupils of a group."""

import pytest
from rest_framework.test import APIClient

from registers.models import Role
from tests.factories import (
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    staff,
)
from tests.registers.api.helpers import MONDAY

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
