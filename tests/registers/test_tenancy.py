"""The fail-safe tenant scope and the school middleware."""

import pytest
from django.urls import reverse
from django_scopes import ScopeError, scope

from registers.models import Pupil, Role
from registers.tenancy import school_scope, trust_scope
from tests.factories import ContactFactory, PupilFactory, SchoolFactory, UserFactory, staff


def test_a_query_with_no_school_selected_raises_instead_of_leaking(school):
    PupilFactory(school=school)
    with scope(), pytest.raises(ScopeError):
        list(Pupil.objects.all())


def test_a_school_scope_sees_only_that_schools_rows(school, other_school):
    mine = PupilFactory(school=school)
    PupilFactory(school=other_school)
    with school_scope(school):
        assert list(Pupil.objects.all()) == [mine]


def test_a_trust_scope_sees_its_schools_only(school, other_school):
    sister = SchoolFactory(trust=school.trust)
    a, b = PupilFactory(school=school), PupilFactory(school=sister)
    PupilFactory(school=other_school)
    with trust_scope([school, sister]):
        assert set(Pupil.objects.all()) == {a, b}


def home_url(school):
    return reverse("registers:school_home", kwargs={"school_slug": school.slug})


def test_staff_of_the_school_get_in(client, school):
    client.force_login(staff(school, Role.OFFICE))
    assert client.get(home_url(school)).status_code == 200


def test_staff_of_another_school_get_404(client, school, other_school):
    client.force_login(staff(other_school, Role.HEADTEACHER))
    assert client.get(home_url(school)).status_code == 404


def test_a_school_that_does_not_exist_looks_the_same_as_one_you_cannot_see(client, school):
    client.force_login(staff(school, Role.OFFICE))
    response = client.get("/no-such-school/")
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, school):
    response = client.get(home_url(school))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_trust_lead_gets_into_the_trusts_schools_only(client, school, other_school):
    client.force_login(staff(school, Role.TRUST_LEAD))
    assert client.get(home_url(school)).status_code == 200
    assert client.get(home_url(other_school)).status_code == 404


def test_a_parent_with_a_child_at_the_school_is_recognised(client, school, other_school):
    parent = UserFactory()
    ContactFactory(pupil=PupilFactory(school=school), user=parent)
    client.force_login(parent)
    response = client.get(home_url(school))
    assert response.status_code == 200
    assert response.wsgi_request.is_parent
    assert client.get(home_url(other_school)).status_code == 404
