"""Every route and every API operation, found by itself, refuses other schools' people and
objects (DESIGN.md §3: "A sweep test walks every route and API operation by itself with
another school's slug and ids").

Routes come from the URL resolver and API operations from the OpenAPI schema, so a route
added later is swept without anyone editing this file. Its path parameters are filled by
name from objects of the other school (`FILL`); a parameter with no entry fails the test,
so a new kind of route cannot slip through untested.

Two kinds of request, each by every actor that must be refused:
- (a) the other school's slug with its own ids: each role of the first school, a parent
  at the first school, a trust lead of the first school's trust, anonymous;
- (b) the first school's slug with the other school's ids (routes with an object id
  only): the same people, with a trust lead of the other trust instead.
Only 404, 403, 401, 405 and a redirect to a login page pass.

Routes outside any school are either the admin (superusers only: every actor here is
refused) or declared public or sign-in-only in `OUTSIDE_SCHOOLS`.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone
from django_scopes import scopes_disabled
from drf_spectacular.generators import SchemaGenerator

from registers.models import AccessEvent, Pupil, Role
from registers.tokens import token_create
from reporting.export_jobs import ExportJob
from tests.absences.factories import AbsenceReportFactory
from tests.escalation.casework import sweep_objects
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    SessionFactory,
    UserFactory,
    staff,
)
from tests.letters.factories import issued_letter, print_batch

SCHOOL_ROLES = [
    Role.TEACHER,
    Role.OFFICE,
    Role.ATTENDANCE_OFFICER,
    Role.ATTENDANCE_LEAD,
    Role.HEADTEACHER,
    Role.SCHOOL_ADMIN,
]
# Routes without a school, by name: what each is and who may use it. A new one must be
# added here, saying so explicitly.
OUTSIDE_SCHOOLS = {
    "home": "sign-in required; lists the user's own schools",
    "login": "public: the sign-in page",
    "logout": "public: signing out",
    "api-schema": "public: the OpenAPI schema, no school's data",
    "api-docs": "public: the API's documentation page",
    "api:codes": "sign-in required: the national codes, reference data",
    "password_change": "sign-in required: one's own password",
    "password_change_done": "sign-in required: says the password was changed",
    "password_reset": "public: asks for an email address, says nothing of accounts",
    "password_reset_done": "public: says an email may have been sent",
    "password_reset_confirm": "public with a signed one-time link: sets a new password",
    "password_reset_complete": "public: says the password was set",
    "two_factor": "sign-in required: one's own two-factor sign-in and backup codes",
    "two_factor_setup": "sign-in required: sets up one's own authenticator",
    "two_factor_verify": "sign-in required: gives one's own two-factor code",
    "api_tokens": "sign-in required: one's own API tokens",
    "api_token_revoke": "sign-in required: revokes one of one's own tokens (404 for others')",
    "portal:home": "sign-in required: the account's own children (parental responsibility)",
    "portal:invitation_open": "public with an emailed single-use token: keeps it in the session",
    "portal:invitation_accept": "public with the session's invitation token: sets a password",
}
# The admin's own sign-in and sign-out pages, public by design.
ADMIN_PUBLIC = {"admin:login", "admin:logout"}
REFUSED = {401, 403, 404, 405}
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
HTML_METHODS = ("get", "post")
ID_PARAMS = {
    "pk",
    "id",
    "group_id",
    "pupil_id",
    "letter_id",
    "batch_id",
    "object_id",
    "user_id",
    "token_id",
    "task_id",
    "report_id",
    "request_id",
    "evidence_id",
    # Escalation casework (cases, proposals, penalty notices, notices to improve, documents).
    "case_id",
    "proposal_id",
    "notice_id",
    "nti_id",
    "attachment_id",
    "run_id",
}


@dataclass
class Target:
    """What a path parameter is filled from: the school in the URL and the school that
    owns the objects (the same school in case (a), not in case (b))."""

    slug_school: object
    owner: dict


# Path parameter -> its value from the objects of the owning school.
FILL = {
    "school_slug": lambda t: t.slug_school.slug,
    # `pk` / `id` (API pupils/<pk>/, the schema's {id}): a pupil, the only such route today;
    # for a route about another model a pupil's id is still another school's object.
    "pk": lambda t: t.owner["pupil"].pk,
    "id": lambda t: t.owner["pupil"].pk,
    "group_id": lambda t: t.owner["group"].pk,
    "pupil_id": lambda t: t.owner["pupil"].pk,
    "letter_id": lambda t: t.owner["letter"].pk,
    "batch_id": lambda t: t.owner["batch"].pk,
    # A member of staff of the owning school (two-factor reset), and their API token.
    "user_id": lambda t: t.owner["head"].pk,
    "token_id": lambda t: t.owner["token"].pk,
    # A welfare task (absences) or an escalation task: an escalation task of the other
    # school (for the absences routes any id of the other school's is refused, 404).
    "task_id": lambda t: t.owner["esc_task"].pk,
    # Escalation casework: the other school's own objects (tests/escalation/casework.py).
    "case_id": lambda t: t.owner["case"].pk,
    "proposal_id": lambda t: t.owner["proposal"].pk,
    "notice_id": lambda t: t.owner["notice"].pk,
    "nti_id": lambda t: t.owner["nti"].pk,
    "attachment_id": lambda t: t.owner["attachment"].pk,
    "run_id": lambda t: t.owner["simulation"].pk,
    # A rule of a school's escalation policy (its RULES.md id, not a row).
    "rule_id": lambda t: "BS-28",
    "export_id": lambda t: t.owner["export"].pk,
    # An absence report (the office page and the API accept / withdraw it).
    "report_id": lambda t: t.owner["report"].pk,
    # A leave request and an evidence file (absences): any id of the other school's is
    # refused (404), whichever row it names.
    "request_id": lambda t: t.owner["pupil"].pk,
    "evidence_id": lambda t: t.owner["pupil"].pk,
    "day": lambda t: t.owner["session"].date.isoformat(),
    "period": lambda t: t.owner["session"].period,
    "kind": lambda t: "stage_1",
    # The admin's own parameters: any object of the other school will do.
    "object_id": lambda t: t.owner["pupil"].pk,
    "app_label": lambda t: "registers",
    "content_type_id": lambda t: 1,
    "url": lambda t: "anything/",
}


def export_job(school, user):
    return ExportJob.objects.create(
        school=school,
        requested_by=user,
        kind=ExportJob.Kind.DAILY,
        params={"date": "2024-09-09"},
        format="csv",
        status=ExportJob.Status.DONE,
        created_at=timezone.now(),
    )


def objects_of(school):
    group = RegistrationGroupFactory(school=school)
    pupil = PupilFactory(school=school, registration_group=group)
    ContactFactory(pupil=pupil)
    head = staff(school, Role.HEADTEACHER)
    return {
        "school": school,
        "group": group,
        "pupil": pupil,
        "session": SessionFactory(school=school),
        "letter": issued_letter(pupil),
        "batch": print_batch(school, head),
        "head": head,
        "token": token_create(user=head, name="MIS sync", days=30)[0],
        "export": export_job(school, head),
        "report": AbsenceReportFactory(pupil=pupil, status="pending"),
        **sweep_objects(school, pupil, head),
    }


@dataclass
class Route:
    pattern: str
    name: str
    params: tuple
    callback: object


def all_routes(patterns=None, prefix="", namespace="", params=()):
    """Every URL pattern, however deeply included, with the names of its parameters."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = params + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(x for x in (namespace, entry.namespace) if x)
            yield from all_routes(entry.url_patterns, prefix + str(entry.pattern), inner, names)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(prefix + str(entry.pattern), name or "", names, entry.callback)


def _regex_group_end(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise ValueError(text)


def url_for(pattern: str, values: dict) -> str:
    """A concrete URL for a route or regex pattern, parameters filled from `values`."""
    url = pattern
    while (start := url.find("(?P<")) >= 0:
        name = url[start + 4 : url.index(">", start)]
        url = url[:start] + str(values[name]) + url[_regex_group_end(url, start) + 1 :]
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def fill(params, target: Target) -> dict:
    missing = sorted(set(params) - set(FILL))
    assert not missing, (
        f"No way to fill path parameter(s) {missing}: add them to FILL so the new route "
        "is swept with another school's objects."
    )
    return {name: FILL[name](target) for name in params}


def refused(response) -> bool:
    if response.status_code in REFUSED:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith(LOGIN_PAGES)


def api_operations():
    """(path template, method) of every operation in the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    first, other = SchoolFactory(), SchoolFactory()
    assert first.trust_id != other.trust_id
    mine, theirs = objects_of(first), objects_of(other)
    # The same date in both schools, so in case (b) only the ids are foreign.
    assert mine["session"].date == theirs["session"].date
    people = {role.value: staff(first, role) for role in SCHOOL_ROLES}
    parent = UserFactory()
    ContactFactory(pupil=mine["pupil"], user=parent)
    people["parent at the first school"] = parent
    people["anonymous"] = AnonymousUser()
    trust_leads = {"first": staff(first, Role.TRUST_LEAD), "other": staff(other, Role.TRUST_LEAD)}
    return first, other, mine, theirs, people, trust_leads


def sweep(world):
    """Yield (case, actor, method, url) for every request the sweep makes."""
    first, other, mine, theirs, people, trust_leads = world
    routes = list(all_routes())
    api_prefix = "/api/v1/schools/"
    schema_ops = api_operations()
    schema_paths = {path for path, _ in schema_ops}

    for route in routes:
        if "school_slug" not in route.params:
            if route.pattern.startswith("admin/"):
                continue  # swept below
            assert route.name in OUTSIDE_SCHOOLS, (
                f"{route.pattern} ({route.name or 'no name'}) carries no school: declare it "
                "in OUTSIDE_SCHOOLS with who may use it."
            )
            continue
        probe = url_for(route.pattern, fill(route.params, Target(other, theirs)))
        assert resolve(probe).func == route.callback, probe
        if probe.startswith(api_prefix):
            assert any(_same_shape(path, probe) for path in schema_paths), (
                f"{route.pattern} is not in the OpenAPI schema, so its methods are not swept"
            )

    cases = [
        ("a", Target(other, theirs), trust_leads["first"], False),
        ("b", Target(first, theirs), trust_leads["other"], True),
    ]
    for case, target, trust_lead, ids_only in cases:
        actors = {**people, "trust lead of another trust": trust_lead}
        for route in routes:
            if "school_slug" not in route.params or route.pattern.startswith("api/"):
                continue
            if ids_only and not ID_PARAMS & set(route.params):
                continue
            url = url_for(route.pattern, fill(route.params, target))
            for actor, user in actors.items():
                for method in HTML_METHODS:
                    yield case, actor, user, method, url
        for path, method in schema_ops:
            params = re.findall(r"\{(\w+)\}", path)
            if "school_slug" not in params:
                continue
            if ids_only and not ID_PARAMS & set(params):
                continue
            values = fill(params, target)
            url = path
            for p in params:
                url = url.replace("{" + p + "}", str(values[p]))
            for actor, user in actors.items():
                yield case, actor, user, method, url

    # The admin: superusers only, so every actor here is refused, whatever the school.
    for route in routes:
        if route.pattern.startswith("admin/") and route.name not in ADMIN_PUBLIC:
            url = url_for(route.pattern, fill(route.params, Target(other, theirs)))
            for actor, user in {**people, "trust lead": trust_leads["first"]}.items():
                for method in HTML_METHODS:
                    yield "admin", actor, user, method, url


def _same_shape(schema_path: str, url: str) -> bool:
    pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(schema_path)) + "$"
    return re.match(pattern, url) is not None


@scopes_disabled()
def every_row():
    """Every row of the schools' own tables (the apps' models), to see that nothing changed.
    The access log's sign-ins are left out: the actors sign in, and that is logged."""
    return {
        model._meta.label: sorted(map(repr, rows(model)))
        for label in ("registers", "letters", "escalation")
        for model in apps.get_app_config(label).get_models()
    }


SIGN_IN_KINDS = [AccessEvent.Kind.SIGN_IN]


def rows(model):
    if model is AccessEvent:
        return model._default_manager.exclude(kind__in=SIGN_IN_KINDS).values()
    return model._default_manager.values()


def test_every_route_refuses_other_schools_people_and_objects(world):
    before = every_row()
    clients = {}
    leaks, count, kinds, combinations = [], 0, set(), set()
    for case, actor, user, method, url in sweep(world):
        client = clients.get(actor + case)
        if client is None:
            client = Client()
            if user.is_authenticated:
                client.force_login(user)
            clients[actor + case] = client
        response = getattr(client, method)(url)
        count += 1
        kinds.add((case, url))
        combinations.add((case, url, actor))
        if not refused(response):
            leaks.append(f"({case}) {actor}: {method.upper()} {url} -> {response.status_code}")
    print(
        f"tenancy sweep: {len(kinds)} routes x cases, {len(combinations)} route x actor "
        f"combinations, {count} requests"
    )
    assert not leaks, "Answered instead of refused:\n" + "\n".join(leaks)
    assert every_row() == before, "A refused request changed something"
    # Sanity: the sweep did reach the school routes of both cases and the API.
    cases = {case for case, _ in kinds}
    assert cases == {"a", "b", "admin"}
    assert any("/api/v1/schools/" in url for _, url in kinds)


def test_the_sweep_would_see_a_leak(world):
    """The refusal check itself: a member reading their own school is answered."""
    first, _, mine, _, people, _ = world
    client = Client()
    client.force_login(people[Role.HEADTEACHER])
    with scopes_disabled():
        assert Pupil.objects.filter(school=first).exists()
    response = client.get(f"/api/v1/schools/{first.slug}/pupils/{mine['pupil'].pk}/")
    assert response.status_code == 200
    assert not refused(response)
