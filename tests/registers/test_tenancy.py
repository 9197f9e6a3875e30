"""The fail-safe tenant scope and the school middleware."""

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse
from django.views import View
from django_scopes import ScopeError, scope
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from registers.checks import school_views_declare_who_may_use_them
from registers.models import Pupil, Role
from registers.tenancy import school_scope, trust_scope
from tests.factories import ContactFactory, PupilFactory, SchoolFactory, UserFactory, staff


def test_a_query_with_no_school_selected_raises_instead_of_leaking(school):
    PupilFactory(school=school)
    with scope(), pytest.raises(ScopeError):
        list(Pupil.objects.all())


def test_a_test_body_starts_with_no_school_selected_as_a_command_or_task_does(school):
    PupilFactory(school=school)  # building data is allowed (tests/factories.py)
    with pytest.raises(ScopeError):
        Pupil.objects.count()


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
    # Let in, and sent on to the parent portal (their children).
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert response.wsgi_request.is_parent
    assert client.get(home_url(other_school)).status_code == 404


# ---- Fail safe by default: a view that forgot its permission code ------------------------


class ForgetfulEndpoint(APIView):
    """A school endpoint written without `AtSchool`, permission classes or roles."""

    def get(self, request, school_slug):
        return Response(sorted(Pupil.objects.values_list("upn", flat=True)))


class DeliberatelyPublicEndpoint(APIView):
    public = True

    def get(self, request, school_slug):
        return Response({"school": school_slug})


class EndpointOutsideSchools(APIView):
    def get(self, request):
        return Response({"answered": True})


class MembersOnlyByMistake(APIView):
    permission_classes = [IsAuthenticated]  # replaces the default SchoolRole

    def get(self, request, school_slug):
        return Response(sorted(Pupil.objects.values_list("upn", flat=True)))


class OfficePage(View):
    """A class-based page that declares its roles on the class."""

    school_roles = frozenset({Role.OFFICE})

    def get(self, request, school_slug):
        return HttpResponse("office only")


def forgetful_page(request, school_slug):
    return HttpResponse(",".join(Pupil.objects.values_list("upn", flat=True)))


# The test URLconf (`pytest.mark.urls(__name__)`): the real routes plus the forgetful ones.
urlpatterns = [
    path("api/v1/schools/<slug:school_slug>/forgetful/", ForgetfulEndpoint.as_view()),
    path("api/v1/schools/<slug:school_slug>/public/", DeliberatelyPublicEndpoint.as_view()),
    path("api/v1/outside/", EndpointOutsideSchools.as_view()),
    path("api/v1/schools/<slug:school_slug>/mistake/", MembersOnlyByMistake.as_view()),
    path("<slug:school_slug>/forgetful/", forgetful_page),
    path("<slug:school_slug>/office-page/", OfficePage.as_view()),
    path("", include("attendance_mis.urls")),
]
forgetful = pytest.mark.urls(__name__)


@forgetful
def test_an_api_view_that_forgot_its_mixin_answers_another_schools_staff_404(
    client, school, other_school
):
    PupilFactory(school=school)
    client.force_login(staff(other_school, Role.HEADTEACHER))
    response = client.get(f"/api/v1/schools/{school.slug}/forgetful/")
    assert response.status_code == 404


@forgetful
def test_an_api_view_that_declares_no_roles_is_closed_to_the_schools_own_staff(client, school):
    PupilFactory(school=school)
    client.force_login(staff(school, Role.HEADTEACHER))
    assert client.get(f"/api/v1/schools/{school.slug}/forgetful/").status_code == 403


@forgetful
def test_an_api_view_outside_schools_that_declares_nothing_is_refused(client, school):
    client.force_login(staff(school, Role.HEADTEACHER))
    assert client.get("/api/v1/outside/").status_code == 403


@forgetful
def test_a_view_that_says_it_is_public_is_answered_to_anyone(client, school):
    response = client.get(f"/api/v1/schools/{school.slug}/public/")
    assert response.status_code == 200
    assert response.json() == {"school": school.slug}


@forgetful
def test_a_page_that_forgot_its_roles_is_refused_even_to_the_schools_own_staff(
    client, school, other_school
):
    PupilFactory(school=school)
    client.force_login(staff(school, Role.HEADTEACHER))
    assert client.get(f"/{school.slug}/forgetful/").status_code == 403
    client.force_login(staff(other_school, Role.HEADTEACHER))
    assert client.get(f"/{school.slug}/forgetful/").status_code == 404


@forgetful
def test_a_class_based_page_gets_the_roles_it_declares_on_its_class(client, school):
    client.force_login(staff(school, Role.OFFICE))
    assert client.get(f"/{school.slug}/office-page/").status_code == 200
    client.force_login(staff(school, Role.TEACHER))
    assert client.get(f"/{school.slug}/office-page/").status_code == 403


def test_a_parent_opens_the_school_home_but_not_a_staff_page(client, school):
    parent = UserFactory()
    ContactFactory(pupil=PupilFactory(school=school), user=parent)
    client.force_login(parent)
    assert client.get(home_url(school)).url == reverse("portal:home")  # let in, sent on
    my_registers = reverse("registers:my_registers", kwargs={"school_slug": school.slug})
    assert client.get(my_registers).status_code == 403


def test_manage_py_check_passes_the_real_routes():
    assert school_views_declare_who_may_use_them() == []


@pytest.mark.urls(__name__)
def test_manage_py_check_names_the_views_that_forgot_who_may_use_them():
    found = {(e.id, e.obj.__name__) for e in school_views_declare_who_may_use_them()}
    assert found == {
        ("registers.E001", "MembersOnlyByMistake"),
        ("registers.E002", "forgetful_page"),
    }
