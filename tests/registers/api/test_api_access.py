"""The REST API under /api/v1/: who may come in (tokens, roles, other schools)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from registers.models import Mark
from registers.tokens import token_create
from tests.factories import (
    ContactFactory,
    UserFactory,
)
from tests.registers.api.helpers import as_user, line, put, register_url, url

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
