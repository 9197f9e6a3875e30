"""Response headers: a Content Security Policy with nothing inline, and no-store on
files and API answers with pupil data (a shared computer's browser keeps no copy)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registers.models import Role
from tests.factories import PupilFactory, staff
from tests.letters.factories import issued_letter, print_batch


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.mark.django_db
def test_pages_carry_a_policy_that_allows_no_inline_script_or_style(client, school):
    client.force_login(staff(school, Role.OFFICE))
    response = client.get(reverse("registers:school_home", kwargs={"school_slug": school.slug}))

    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/api/docs/",
    ],
)
def test_our_pages_have_no_inline_script_style_or_handlers(client, path):
    html = client.get(path).content.decode()
    assert "<style" not in html
    assert " style=" not in html
    for script in html.split("<script")[1:]:
        assert script.lstrip().startswith("src=") or " src=" in script.split(">")[0], script[:80]
    assert " onclick=" not in html and " onchange=" not in html


@pytest.mark.django_db
def test_the_letters_approval_page_has_no_inline_script(client, school):
    pupil = PupilFactory(school=school)
    issued_letter(pupil)
    client.force_login(staff(school, Role.HEADTEACHER))
    html = client.get(reverse("letters:approve", kwargs={"school_slug": school.slug})).content
    html = html.decode()
    assert 'id="select-all"' in html
    assert "js/select-all" in html
    assert "<script>" not in html and "<style" not in html


@pytest.mark.django_db
def test_a_letter_pdf_is_not_stored(client, school):
    letter = issued_letter(PupilFactory(school=school))
    client.force_login(staff(school, Role.ATTENDANCE_OFFICER))
    response = client.get(
        reverse("letters:pdf", kwargs={"school_slug": school.slug, "letter_id": letter.pk})
    )
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_a_print_batch_is_not_stored(client, school):
    batch = print_batch(school)
    client.force_login(staff(school, Role.ATTENDANCE_OFFICER))
    response = client.get(
        reverse("letters:batch_pdf", kwargs={"school_slug": school.slug, "batch_id": batch.pk})
    )
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_an_access_log_export_is_not_stored(client, school):
    client.force_login(staff(school, Role.SCHOOL_ADMIN))
    response = client.get(
        reverse("access_log", kwargs={"school_slug": school.slug}), {"format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert no_store(response)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pupils", "pupil", "pupil-attendance", "sessions"])
def test_api_answers_about_a_school_are_not_stored(school, name):
    pupil = PupilFactory(school=school)
    api = APIClient()
    api.force_login(staff(school, Role.OFFICE))
    kwargs = {"school_slug": school.slug}
    if name != "pupils" and name != "sessions":
        kwargs["pk"] = pupil.pk
    response = api.get(reverse(f"api:{name}", kwargs=kwargs))
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_ordinary_pages_keep_the_browsers_normal_caching(client, school):
    # no-store is for files and API answers; pages keep a working Back button.
    client.force_login(staff(school, Role.OFFICE))
    response = client.get(reverse("registers:school_home", kwargs={"school_slug": school.slug}))
    assert response.status_code == 200
    assert not no_store(response)
