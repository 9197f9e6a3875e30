"""Fixtures of the register page tests: a teacher and the office, a day's sessions, pupils."""

import pytest

from registers.models import Role
from tests.factories import (
    PupilFactory,
    SessionFactory,
    staff,
)
from tests.registers.register.helpers import DAY


@pytest.fixture
def teacher(school, group):
    user = staff(school, Role.TEACHER, first_name="Ada", last_name="Lovelace")
    group.teachers.add(user)
    return user


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE, first_name="Grace", last_name="Hopper")


@pytest.fixture
def am(school):
    return SessionFactory(school=school, date=DAY, period="AM")


@pytest.fixture
def pm(school):
    return SessionFactory(school=school, date=DAY, period="PM")


@pytest.fixture
def pupils(school, group):
    names = [("Zara", "Young"), ("Amir", "Ahmed"), ("Ben", "Carter"), ("Ivy", "Moss")]
    return [
        PupilFactory(school=school, registration_group=group, legal_forename=f, legal_surname=s)
        for f, s in names
    ]
