"""API tokens (issue #8): named, with an expiry, stored hashed (django-rest-knox); revoked
by their owner or by a school admin; refused once the owner holds no role."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from knox.models import AuthToken
from rest_framework.test import APIClient

from registers.models import AccessEvent, ApiToken, Membership, Role
from registers.tokens import token_create
from tests.factories import staff

pytestmark = pytest.mark.django_db


def pupils_url(school):
    return f"/api/v1/schools/{school.slug}/pupils/"


def with_token(secret) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return api


def make(user, name="MIS sync", days=30):
    with scopes_disabled():
        return token_create(user=user, name=name, days=days)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_token_made_on_the_page_is_shown_once_stored_hashed_and_works(school):
    office = staff(school, Role.OFFICE)
    client = signed_in(office)

    page = client.post(reverse("api_tokens"), {"name": "Power BI", "days": "90"}).content.decode()

    with scopes_disabled():
        named = ApiToken.objects.select_related("token").get(token__user=office)
    secret = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
    assert named.name == "Power BI"
    assert secret.startswith(named.token.token_key)
    assert len(secret) == 64 and secret not in named.token.digest
    expiry_days = (named.token.expiry - timezone.now()).total_seconds() / 86400
    assert 89.9 < expiry_days <= 90
    assert with_token(secret).get(pupils_url(school)).status_code == 200
    # Listed later by name, never with the token itself.
    listing = client.get(reverse("api_tokens")).content.decode()
    assert "Power BI" in listing and secret not in listing


@pytest.mark.parametrize(
    ("data", "field_error"),
    [({"name": "", "days": "30"}, "name"), ({"name": "Sync", "days": "9999"}, "days")],
)
def test_a_token_without_a_name_or_with_too_long_a_life_is_refused(school, data, field_error):
    office = staff(school, Role.OFFICE)

    response = signed_in(office).post(reverse("api_tokens"), data)

    assert response.status_code == 200
    assert field_error in response.context["form"].errors
    with scopes_disabled():
        assert not AuthToken.objects.filter(user=office).exists()


def test_an_expired_token_is_refused(school):
    _, secret = make(staff(school, Role.OFFICE), days=1)

    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        response = with_token(secret).get(pupils_url(school))

    assert response.status_code == 401


def test_the_owner_revokes_a_token_and_it_stops_working(school):
    office = staff(school, Role.OFFICE)
    named, secret = make(office)

    response = signed_in(office).post(reverse("api_token_revoke", kwargs={"token_id": named.pk}))

    assert response.status_code == 302
    assert with_token(secret).get(pupils_url(school)).status_code == 401


def test_nobody_revokes_someone_elses_token_from_their_own_page(school):
    named, secret = make(staff(school, Role.OFFICE))

    response = signed_in(staff(school, Role.HEADTEACHER)).post(
        reverse("api_token_revoke", kwargs={"token_id": named.pk})
    )

    assert response.status_code == 404
    assert with_token(secret).get(pupils_url(school)).status_code == 200


def test_a_token_stops_working_when_its_owner_has_no_role_left(school):
    teacher = staff(school, Role.TEACHER)
    _, secret = make(teacher)
    assert with_token(secret).get(pupils_url(school)).status_code == 200

    with scopes_disabled():
        Membership.objects.filter(user=teacher).delete()
    response = with_token(secret).get(pupils_url(school))

    assert response.status_code == 401
    assert "no longer holds a role" in response.json()["detail"]


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.HEADTEACHER])
def test_a_school_admin_revokes_a_colleagues_token_and_it_is_logged(school, role):
    admin = staff(school, role)
    colleague = staff(school, Role.TEACHER, username="nia.marshall")
    named, secret = make(colleague, name="Class app")
    client = signed_in(admin)
    page = client.get(reverse("staff_sign_in", kwargs={"school_slug": school.slug}))
    assert "Class app" in page.content.decode()

    response = client.post(
        reverse("school_token_revoke", kwargs={"school_slug": school.slug, "token_id": named.pk})
    )

    assert response.status_code == 302
    assert with_token(secret).get(pupils_url(school)).status_code == 401
    with scopes_disabled():
        logged = AccessEvent.objects.get(kind=AccessEvent.Kind.API_TOKEN_REVOKED)
    assert (logged.school, logged.user) == (school, admin)
    assert "Class app" in logged.description and "nia.marshall" in logged.description


def test_a_school_admin_cannot_revoke_another_schools_token(school, other_school):
    named, secret = make(staff(other_school, Role.OFFICE))
    client = signed_in(staff(school, Role.SCHOOL_ADMIN))

    response = client.post(
        reverse("school_token_revoke", kwargs={"school_slug": school.slug, "token_id": named.pk})
    )

    assert response.status_code == 404
    assert with_token(secret).get(pupils_url(other_school)).status_code == 200


def test_a_teacher_cannot_open_the_staff_sign_in_page(school):
    client = signed_in(staff(school, Role.TEACHER))

    assert (
        client.get(reverse("staff_sign_in", kwargs={"school_slug": school.slug})).status_code == 403
    )


def test_the_schema_tells_integrators_how_to_send_a_token(db):
    schema = Client().get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()

    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "/accounts/api-tokens/" in scheme["description"]
