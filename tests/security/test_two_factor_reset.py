"""A school admin resets a colleague's two-factor sign-in (a lost phone), logged in the
access log; nobody else can, and never at another school."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from registers import twofactor
from registers.models import AccessEvent, Role
from tests.factories import staff

pytestmark = pytest.mark.django_db


def reset_url(school, user):
    return reverse("two_factor_reset", kwargs={"school_slug": school.slug, "user_id": user.pk})


def enrol(user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    twofactor.backup_codes_new(user=user)


def devices(user) -> int:
    with scopes_disabled():
        return (
            TOTPDevice.objects.filter(user=user).count()
            + StaticDevice.objects.filter(user=user).count()
        )


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.HEADTEACHER])
def test_a_school_admin_resets_a_colleagues_two_factor_and_it_is_logged(school, role):
    admin = staff(school, role, first_name="Erin", last_name="Webb")
    colleague = staff(school, Role.OFFICE, username="layla.hunt")
    enrol(colleague)
    client = Client()
    client.force_login(admin)

    page = client.get(reverse("staff_sign_in", kwargs={"school_slug": school.slug}))
    assert "layla.hunt" in page.content.decode()
    response = client.post(reset_url(school, colleague))

    assert response.status_code == 302
    assert devices(colleague) == 0
    with scopes_disabled():
        logged = AccessEvent.objects.get(kind=AccessEvent.Kind.TWO_FACTOR_RESET)
    assert (logged.school, logged.user, logged.name) == (school, admin, "Erin Webb")
    assert "layla.hunt" in logged.description
    assert "2 devices removed" in logged.description


@pytest.mark.real_two_factor
def test_after_a_reset_the_colleague_sets_it_up_again_at_sign_in(school):
    colleague = staff(school, Role.OFFICE)
    enrol(colleague)
    with scopes_disabled():
        twofactor.devices_reset(request=None, school=school, colleague=colleague)
    client = Client()
    client.post(
        reverse("login"), {"username": colleague.username, "password": "correct-horse-battery"}
    )

    response = client.get(reverse("registers:school_home", kwargs={"school_slug": school.slug}))

    assert response["Location"].startswith(reverse("two_factor_setup"))


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE, Role.ATTENDANCE_LEAD])
def test_other_roles_cannot_reset_a_colleague(school, role):
    colleague = staff(school, Role.ATTENDANCE_OFFICER)
    enrol(colleague)
    client = Client()
    client.force_login(staff(school, role))

    assert client.post(reset_url(school, colleague)).status_code == 403
    assert devices(colleague) == 2


def test_a_school_admin_cannot_reset_staff_of_another_school(school, other_school):
    stranger = staff(other_school, Role.OFFICE)
    enrol(stranger)
    client = Client()
    client.force_login(staff(school, Role.SCHOOL_ADMIN))

    assert client.post(reset_url(school, stranger)).status_code == 404
    assert devices(stranger) == 2
    with scopes_disabled():
        assert not AccessEvent.objects.filter(kind=AccessEvent.Kind.TWO_FACTOR_RESET).exists()


def test_the_staff_sign_in_page_costs_the_same_queries_for_any_number_of_staff(school):
    client = Client()
    client.force_login(staff(school, Role.SCHOOL_ADMIN))
    url = reverse("staff_sign_in", kwargs={"school_slug": school.slug})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    enrol(staff(school, Role.OFFICE))
    few = queries()
    for role in (Role.TEACHER, Role.TEACHER, Role.OFFICE, Role.HEADTEACHER):
        enrol(staff(school, role))
    assert queries() == few
