"""Two-factor sign-in (issue #8): required for the roles that see safeguarding data or
legal steps, offered to teachers and parents; codes from an authenticator app or single-use
backup codes. These tests sign in with the password through the real sign-in page, so the
conftest's force_login shortcut is off (`real_two_factor`)."""

import re
from base64 import b32encode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from registers import twofactor
from registers.models import AccessEvent, Role
from tests.factories import UserFactory, staff

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
REQUIRED = [
    Role.OFFICE,
    Role.ATTENDANCE_OFFICER,
    Role.ATTENDANCE_LEAD,
    Role.HEADTEACHER,
    Role.SCHOOL_ADMIN,
    Role.TRUST_LEAD,
]


@pytest.fixture(autouse=True)
def _no_wait_between_tries(settings):
    # django-otp makes each wrong code wait longer before the next try (tested below);
    # elsewhere a test gives a wrong code and then the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def sign_in(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def home_of(school):
    return reverse("registers:school_home", kwargs={"school_slug": school.slug})


def current_code(device) -> str:
    with scopes_disabled():
        device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.mark.parametrize("role", REQUIRED)
def test_each_role_that_sees_safeguarding_data_must_set_up_two_factor_before_any_page(school, role):
    client = sign_in(staff(school, role))

    page = client.get(home_of(school))
    api = client.get(f"/api/v1/schools/{school.slug}/pupils/")

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two_factor_setup") + "?next=")
    assert api.status_code == 403
    assert "two-factor" in api.json()["detail"]
    assert client.get(reverse("two_factor_setup")).status_code == 200


@pytest.mark.parametrize("role", [Role.TEACHER, None])
def test_a_teacher_or_parent_is_not_asked_but_is_offered_it(school, role):
    user = staff(school, role) if role else UserFactory()
    client = sign_in(user)

    assert client.get(reverse("home")).status_code in (200, 302)
    if role:
        assert client.get(home_of(school)).status_code == 200
    assert client.get(reverse("two_factor")).status_code == 200
    assert b"Set up two-factor sign-in" in client.get(reverse("two_factor")).content


def test_the_platform_superuser_must_set_it_up_before_the_admin(db):
    client = sign_in(UserFactory(is_superuser=True, is_staff=True))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_setting_up_refuses_a_wrong_code_then_shows_the_backup_codes_once(school):
    office = staff(school, Role.OFFICE)
    client = sign_in(office)
    page = client.get(reverse("two_factor_setup"), {"next": home_of(school)}).content.decode()
    # The QR code is inline SVG made on the server: no script, no style attribute (CSP).
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "<path" in svg
    assert "style=" not in svg
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    with scopes_disabled():
        device = TOTPDevice.objects.get(user=office, confirmed=False)
    # The key to type by hand, in groups of four.
    assert b32encode(device.bin_key).decode()[:8] in page.replace(" ", "")

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    assert client.get(home_of(school)).status_code == 302
    with scopes_disabled():
        assert not TOTPDevice.objects.filter(user=office, confirmed=True).exists()

    done = client.post(
        reverse("two_factor_setup"), {"code": current_code(device), "next": home_of(school)}
    )
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == twofactor.BACKUP_CODES
    with scopes_disabled():
        stored = StaticToken.objects.filter(device__user=office).values_list("token", flat=True)
        assert set(stored) == set(codes)
    assert client.get(home_of(school)).status_code == 200
    # Never shown again: the status page says how many are left, not which.
    status = client.get(reverse("two_factor")).content.decode()
    assert "10 unused backup codes" in status
    assert not any(code in status for code in codes)


def test_the_next_sign_in_asks_for_the_code_and_refuses_a_wrong_one(school):
    head = staff(school, Role.HEADTEACHER)
    device = enrolled(head)
    client = sign_in(head)

    response = client.get(home_of(school))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert "That code is not right" in wrong.content.decode()
    assert client.get(home_of(school)).status_code == 302
    with scopes_disabled():
        logged = AccessEvent.objects.get(outcome=AccessEvent.Outcome.FAILED)
    assert (logged.school, logged.user, logged.kind) == (school, head, AccessEvent.Kind.SIGN_IN)
    assert logged.description == "wrong two-factor code"

    right = client.post(
        reverse("two_factor_verify"), {"code": current_code(device), "next": home_of(school)}
    )
    assert right["Location"] == home_of(school)
    assert client.get(home_of(school)).status_code == 200


def test_a_wrong_code_makes_the_next_try_wait(school, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    head = staff(school, Role.HEADTEACHER)
    device = enrolled(head)
    client = sign_in(head)

    client.post(reverse("two_factor_verify"), {"code": "123456"})
    at_once = client.post(reverse("two_factor_verify"), {"code": current_code(device)})

    assert at_once.status_code == 200  # refused: too soon after a wrong code
    assert client.get(home_of(school)).status_code == 302


def test_a_backup_code_signs_in_once(school):
    lead = staff(school, Role.ATTENDANCE_LEAD)
    enrolled(lead)
    with scopes_disabled():
        code = twofactor.backup_codes_new(user=lead)[0]

    first = sign_in(lead)
    first.post(reverse("two_factor_verify"), {"code": code.upper()})
    assert first.get(home_of(school)).status_code == 200

    second = sign_in(lead)
    again = second.post(reverse("two_factor_verify"), {"code": code})
    assert "That code is not right" in again.content.decode()
    assert second.get(home_of(school)).status_code == 302


def test_a_teacher_who_set_it_up_is_asked_for_the_code_too(school):
    teacher = staff(school, Role.TEACHER)
    device = enrolled(teacher)
    client = sign_in(teacher)

    assert client.get(home_of(school))["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    assert client.get(home_of(school)).status_code == 200


def test_a_stolen_password_alone_cannot_replace_the_authenticator(school):
    office = staff(school, Role.OFFICE)
    enrolled(office)
    client = sign_in(office)

    response = client.get(reverse("two_factor_setup"))

    assert response["Location"].startswith(reverse("two_factor_verify"))
    with scopes_disabled():
        assert not TOTPDevice.objects.filter(user=office, confirmed=False).exists()


def test_the_demo_setting_lets_a_required_role_through_with_a_banner(school, settings):
    settings.TWO_FACTOR_ENFORCED = False
    office = staff(school, Role.OFFICE)
    client = sign_in(office)

    page = client.get(home_of(school))

    assert page.status_code == 200
    assert "two-factor sign-in is not enforced here" in page.content.decode()


def test_with_the_demo_setting_an_enrolled_user_is_still_asked(school, settings):
    settings.TWO_FACTOR_ENFORCED = False
    office = staff(school, Role.OFFICE)
    enrolled(office)
    client = sign_in(office)

    assert client.get(home_of(school))["Location"].startswith(reverse("two_factor_verify"))


def test_a_sign_out_needs_no_code(school):
    client = sign_in(staff(school, Role.OFFICE))

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("two_factor_setup")).status_code == 302  # signed out: to login


def test_after_the_code_a_next_address_off_this_site_is_ignored(school):
    head = staff(school, Role.HEADTEACHER)
    device = enrolled(head)
    client = sign_in(head)

    response = client.post(
        reverse("two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example/phish"},
    )

    assert response["Location"] == reverse("home")


def test_once_the_code_is_given_a_page_costs_no_query_for_two_factor(school):
    head = staff(school, Role.HEADTEACHER)
    device = enrolled(head)
    client = sign_in(head)
    client.post(reverse("two_factor_verify"), {"code": current_code(device)})

    with CaptureQueriesContext(connection) as queries:
        assert client.get(home_of(school)).status_code == 200

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "otp_" not in sql


def test_a_right_code_typed_during_the_pause_after_wrong_ones_is_told_to_wait(school, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # as in production (the other tests turn it off)
    head = staff(school, Role.HEADTEACHER)
    device = enrolled(head)
    client = sign_in(head)
    for _ in range(3):  # each wrong code doubles the pause: 1, 2, then 4 seconds
        client.post(reverse("two_factor_verify"), {"code": "123456"})

    paused = client.post(reverse("two_factor_verify"), {"code": current_code(device)})

    page = paused.content.decode()
    assert "the authenticator is paused: wait" in page
    assert "That code is not right" not in page
    assert client.get(home_of(school)).status_code == 302  # still not signed in fully
