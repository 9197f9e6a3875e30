"""Sessions on shared classroom computers: they end after the school's idle time, and
at browser close unless "keep me signed in" was ticked. The clock is moved, not waited."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from registers.models import Role
from tests.factories import SchoolFactory, staff

START = dt.datetime(2024, 9, 9, 8, 30, tzinfo=dt.UTC)
PASSWORD = "a long enough password 42"


def home(school):
    return reverse("registers:school_home", kwargs={"school_slug": school.slug})


def sign_in(client, user, *, remember=False):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, response.content[:300]
    return response


@pytest.fixture
def teacher(school):
    user = staff(school, Role.TEACHER)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.django_db
def test_a_teacher_idle_for_31_minutes_is_signed_out_and_told_why(client, school, teacher):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, teacher)
        assert client.get(home(school)).status_code == 200

        clock.shift(dt.timedelta(minutes=31))
        response = client.get(home(school))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        page = client.get(response["Location"]).content.decode()
        assert "signed out after 30 minutes without activity" in page
        # Signed out for good, not just redirected once.
        assert client.get(home(school)).status_code == 302


@pytest.mark.django_db
def test_29_idle_minutes_keep_the_session(client, school, teacher):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, teacher)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(home(school)).status_code == 200


@pytest.mark.django_db
def test_a_teacher_working_through_the_morning_stays_signed_in(client, school, teacher):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, teacher)
        for _ in range(8):  # two hours, a page every quarter of an hour
            clock.shift(dt.timedelta(minutes=15))
            assert client.get(home(school)).status_code == 200


@pytest.mark.django_db
def test_the_school_sets_its_own_idle_time(client, teacher, school):
    school.session_idle_minutes = 10
    school.save()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, teacher)
        assert client.get(home(school)).status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        assert client.get(home(school)).status_code == 302


@pytest.mark.django_db
def test_the_idle_time_of_the_school_last_visited_holds_outside_its_pages(client, teacher, school):
    school.session_idle_minutes = 10
    school.save()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, teacher)
        client.get(home(school))
        clock.shift(dt.timedelta(minutes=11))
        # The site's start page is outside any school: still the school's 10 minutes.
        client.get(reverse("home"))
        assert client.get(home(school)).status_code == 302


@pytest.mark.django_db
def test_an_idle_browser_session_is_refused_by_the_api(school, teacher):
    api = APIClient()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(api, teacher)
        address = reverse("api:groups", kwargs={"school_slug": school.slug})
        assert api.get(address).status_code == 200
        clock.shift(dt.timedelta(minutes=45))
        assert api.get(address).status_code == 401


@pytest.mark.django_db
def test_without_keep_me_signed_in_the_session_ends_when_the_browser_closes(client, teacher):
    sign_in(client, teacher)
    cookie = client.cookies["sessionid"]
    # A cookie with no expiry lives only as long as the browser.
    assert not cookie["expires"] and not cookie["max-age"]
    assert client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_keep_me_signed_in_keeps_the_cookie_past_browser_close(client, teacher):
    sign_in(client, teacher, remember=True)
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] or cookie["expires"]
    assert not client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_the_sign_in_page_offers_the_choice_unticked(client):
    html = client.get(reverse("login")).content.decode()
    assert 'name="remember"' in html
    assert "checked" not in html.split('name="remember"')[1].split(">")[0]


@pytest.mark.django_db
def test_an_idle_time_outside_5_to_720_minutes_is_refused():
    school = SchoolFactory.build(session_idle_minutes=2)
    with pytest.raises(ValidationError) as refused:
        school.full_clean(exclude=["trust"])
    assert "session_idle_minutes" in refused.value.message_dict
