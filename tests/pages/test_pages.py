"""Pages that never strand anyone: error pages in the site's layout with a way back, a
landing page for parents and the platform's superuser, titles that say where you are."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import ContactFactory, PupilFactory, SchoolFactory, staff

LAYOUT = 'class="site-header"'


def test_a_teacher_following_a_link_to_letters_gets_a_page_that_says_why_and_links_back(
    client, school
):
    client.force_login(staff(school, "teacher", first_name="Sam", last_name="Reed"))

    response = client.get(reverse("letters:index", args=[school.slug]))

    page = response.content.decode()
    assert response.status_code == 403
    assert LAYOUT in page
    assert f"This page is not open to your role at {school.name}" in page
    assert "signed in as Sam Reed" in page
    assert f'href="{reverse("registers:school_home", args=[school.slug])}"' in page


def test_a_missing_page_at_a_school_says_so_and_links_back_to_the_school(client, school):
    client.force_login(staff(school, "office"))

    response = client.get(reverse("letters:pupil", args=[school.slug, 2**40]))

    page = response.content.decode()
    assert response.status_code == 404
    assert LAYOUT in page and "<h1>Page not found</h1>" in page
    assert f'href="{reverse("registers:school_home", args=[school.slug])}"' in page


def test_the_not_found_page_of_another_school_does_not_name_it(client, school, other_school):
    client.force_login(staff(school, "office"))

    response = client.get(reverse("registers:school_home", args=[other_school.slug]))

    assert response.status_code == 404
    assert other_school.name not in response.content.decode()
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_server_error_page_needs_no_database_or_request_context():
    # No `db` fixture: any query here would raise.
    response = server_error(RequestFactory().get("/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert LAYOUT in page
    assert "Something went wrong on our side" in page
    assert 'href="/"' in page


def test_a_parent_signing_in_lands_on_their_children_and_how_to_reach_the_school(client, db):
    school = SchoolFactory(
        name="Oak Lane Primary", phone="01632 960000", email="office@oak.example"
    )
    parent = get_user_model().objects.create_user("grace", first_name="Grace")
    ContactFactory(pupil=PupilFactory(school=school, legal_forename="Amara"), user=parent)
    client.force_login(parent)

    response = client.get(reverse("home"), follow=True)
    page = response.content.decode()

    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "no role at any school" not in page
    assert "Your children" in page
    assert "Oak Lane Primary" in page and "Amara" in page
    assert 'href="tel:01632 960000"' in page and "office@oak.example" in page


def test_a_parent_opening_their_childs_school_lands_on_the_parent_portal(client, db):
    school = SchoolFactory(phone="01632 960111")
    parent = get_user_model().objects.create_user("david")
    ContactFactory(pupil=PupilFactory(school=school), user=parent)
    client.force_login(parent)

    url = reverse("registers:school_home", args=[school.slug])
    page = client.get(url, follow=True).content.decode()

    assert "Your children" in page
    assert "01632 960111" in page


def test_a_superuser_with_no_school_is_pointed_to_the_admin(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 20))

    page = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("admin:index")}"' in page
    assert "no role at any school" not in page


def test_someone_with_no_role_and_no_child_is_told_whom_to_ask(client, db):
    client.force_login(get_user_model().objects.create_user("newcomer"))

    page = client.get(reverse("home")).content.decode()

    assert "Ask your school's administrator to add you" in page


@pytest.mark.parametrize(
    ("name", "kwargs", "title"),
    [
        ("registers:school_home", {}, "Home, "),
        ("letters:index", {}, "Letters"),
        ("letters:approve", {}, "Approve letters"),
        ("letters:templates", {}, "Letter wording"),
    ],
)
def test_every_page_title_says_the_page_and_the_school(client, school, name, kwargs, title):
    client.force_login(staff(school, "headteacher"))

    page = client.get(reverse(name, kwargs={"school_slug": school.slug, **kwargs})).content
    head = page.decode().split("</title>")[0]

    assert f"<title>{title}" in head
    assert head.endswith(f" — {school.name}")


def test_the_menu_marks_one_page_as_current_the_one_you_are_on(client, school):
    client.force_login(staff(school, "attendance_lead"))

    page = client.get(reverse("reporting:today", args=[school.slug])).content.decode()

    nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    today = reverse("reporting:today", args=[school.slug])
    assert nav.count('aria-current="page"') == 1
    assert f'<a href="{today}" aria-current="page">' in nav
