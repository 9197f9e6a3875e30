"""Resolves the school from the URL and selects its tenant scope.

`/<school_slug>/...` pages: the user must be signed in and have a role at the school
(or be a parent with a child there); anyone else gets 404, never a hint that the
school exists. `/api/v1/schools/<school_slug>/...`: the school is resolved here, but
membership (and an unknown school) is answered by the API's permission class after DRF
has authenticated the token (the middleware runs before DRF authentication).

Fail safe: a school page whose view declares no roles (`registers.permissions`) is
refused with 403 before it runs, so a forgotten decorator closes the page; declared roles
are checked here too (403), before the view runs.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, resolve

from .models import Contact, School
from .permissions import ANY_MEMBER, declared_roles
from .tenancy import all_schools, roles_at, school_scope


def _school_slug(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.kwargs.get("school_slug")


class SchoolMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.school = None
        request.roles = frozenset()
        request.is_parent = False
        if request.path_info.startswith("/admin/") and request.user.is_superuser:
            # The platform operator's admin works across schools by design.
            with all_schools():
                return self.get_response(request)
        slug = _school_slug(request)
        if slug is None:
            # Pages outside any school (login, home, admin) run unscoped; a scoped
            # query there still raises, which is what we want.
            return self.get_response(request)

        school = School.objects.filter(slug=slug).select_related("trust").first()
        is_api = request.path_info.startswith("/api/")
        if not is_api:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if school is None:
                raise Http404("No such page.")
            request.roles = roles_at(request.user, school)
            if not request.roles:
                with school_scope(school):
                    request.is_parent = Contact.objects.filter(
                        school=school, user=request.user, parental_responsibility=True
                    ).exists()
                if not request.is_parent:
                    raise Http404("No such page.")
        elif school is None:
            # The API's permission class answers (401 before authentication, 404 after)
            # so that an anonymous client cannot tell real schools from made-up ones.
            return self.get_response(request)

        request.school = school
        with school_scope(school):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.school is None or request.path_info.startswith("/api/"):
            return None  # the API's default permission class does the same for its views
        roles = declared_roles(view_func)
        if roles is None:
            raise PermissionDenied("This page has not declared who may open it.")
        if roles != ANY_MEMBER and not request.roles & roles:
            raise PermissionDenied("Your role here does not allow this.")
        return None
