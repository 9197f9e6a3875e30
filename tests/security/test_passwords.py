"""Password change and reset by email: Django's views in the site's layout."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from registers.models import Role
from tests.factories import staff

OLD = "the old password 1234"
NEW = "a brand new passphrase 5678"


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def teacher(school):
    user = staff(school, Role.TEACHER, email="sam.teacher@example.org")
    user.set_password(OLD)
    user.save()
    return user


def can_sign_in(client, user, password) -> bool:
    client.logout()
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    return response.status_code == 302


@pytest.mark.django_db
def test_a_reset_link_by_email_sets_a_new_password(client, teacher):
    response = client.post(reverse("password_reset"), {"email": "sam.teacher@example.org"})
    assert response.status_code == 302

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam.teacher@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert "Set a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    assert can_sign_in(client, teacher, NEW)
    assert not can_sign_in(client, teacher, OLD)


@pytest.mark.django_db
def test_a_reset_link_works_once(client, teacher):
    client.post(reverse("password_reset"), {"email": teacher.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    set_url = form.redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})

    again = client.get(link.group(1), follow=True)
    assert "This link no longer works" in again.content.decode()


@pytest.mark.django_db
def test_an_unknown_email_gets_the_same_answer_and_no_email(client, teacher):
    known = client.post(reverse("password_reset"), {"email": teacher.email}, follow=True)
    mail.outbox.clear()
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)

    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert without_tokens(unknown) == without_tokens(known)


def without_tokens(response) -> str:
    """The page as a person reads it: CSRF tokens differ on every answer."""
    html = response.content.decode()
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.django_db
def test_the_reset_pages_use_the_sites_layout(client):
    html = client.get(reverse("password_reset")).content.decode()
    assert "Reset your password" in html
    assert 'class="site-header"' in html
    assert "Django administration" not in html


@pytest.mark.django_db
def test_a_signed_in_user_changes_their_password(client, teacher):
    client.force_login(teacher)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and 'class="site-header"' in page.content.decode()

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "not it", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200
    assert "old password was entered incorrectly" in wrong.content.decode()

    done = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    assert get_user_model().objects.get(pk=teacher.pk).check_password(NEW)


@pytest.mark.django_db
def test_changing_a_password_needs_signing_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_locked_out_person_is_told_when_to_try_again_and_a_reset_lifts_the_lock(
    client, teacher, settings
):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("login"), {"username": teacher.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": teacher.username, "password": OLD})
    page = locked.content.decode()
    assert locked.status_code == 429
    assert "Sign-in paused for this account" in page and "set a new one by email" in page
    assert 'class="site-header' in page or "<header" in page  # the site's layout

    client.post(reverse("password_reset"), {"email": teacher.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert can_sign_in(client, teacher, NEW)
