"""The API against its own OpenAPI schema (schemathesis, in-process over WSGI, no network):
as a signed-in member of staff of a seeded school, generated requests to every operation
never get a 5xx, and every answer matches the schema (status code, content type, body).

Bounded for CI: a few examples per operation (HYPOTHESIS_MAX_EXAMPLES, default 25),
no shrinking; the whole module takes well under a minute on two cores.
"""

import datetime as dt
import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registers.models import Mark, Role
from registers.tokens import token_create
from tests.factories import (
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    school_calendar,
    staff,
)

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The schema as the app serves it; the app is called in-process.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _requests_keep_the_test_transaction():
    """The test's database transaction must survive each request, so the handler keeps
    its connection open (as Django's own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db):
    """A school with a calendar, a group of pupils and an office member with a token."""
    school = SchoolFactory()
    school_calendar(school, start=dt.date(2024, 9, 2), end=dt.date(2024, 9, 13))
    group = RegistrationGroupFactory(school=school)
    pupils = PupilFactory.create_batch(3, school=school, registration_group=group)
    _named, token = token_create(user=staff(school, Role.OFFICE), name="API fuzz", days=1)
    return {
        "school_slug": school.slug,
        "group_id": group.pk,
        "id": pupils[0].pk,
        "day": "2024-09-04",
        "pupils": [p.pk for p in pupils],
        "token": token,
    }


def auth(seeded) -> dict:
    # identity: the in-process WSGI transport does not undo the gzip the site answers with.
    return {"Authorization": f"Token {seeded['token']}", "Accept-Encoding": "identity"}


def aim_at_seeded_rows(case, seeded) -> None:
    """Every request names the seeded school (else every answer is the same 404); about
    half name its real group, pupil and day, so the code behind them runs too (chosen
    from the generated value, so Hypothesis replays an example exactly); the rest keep
    the generated ones, unknown or malformed."""
    params = case.path_parameters or {}
    if "school_slug" in params:
        params["school_slug"] = seeded["school_slug"]
    saving = case.method.upper() == "PUT"  # a register save always reaches the writer
    for name in ("group_id", "id", "day"):
        if name in params and (saving or _heads(params[name])):
            params[name] = seeded[name]
    # A register's lines name the group's real pupils (half the time), so the one mark
    # writer runs on generated codes, arrival times and notes.
    marks = case.body.get("marks") if isinstance(case.body, dict) else None
    lines = marks if isinstance(marks, list) else []
    for line, pupil in zip(lines, seeded["pupils"], strict=False):
        if isinstance(line, dict) and _heads(line.get("pupil")):
            line["pupil"] = pupil
            line["code"] = "/"  # a national code: the schema allows any two characters


def _heads(value) -> bool:
    return zlib.crc32(str(value).encode()) % 2 == 0


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no example store written into the checkout; every run starts afresh
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_request_as_its_schema_says_and_never_with_a_5xx(case, seeded):
    aim_at_seeded_rows(case, seeded)
    case.call_and_validate(headers=auth(seeded), checks=CHECKS)


def test_a_register_asked_for_an_implausible_day_answers_400_as_the_schema_says(seeded, client):
    """Found by the test above: the GET answered 400 for a day outside 1990-2100, and
    the schema listed no 400 for it."""
    answer = client.get(
        f"/api/v1/schools/{seeded['school_slug']}/registers/{seeded['group_id']}/0349-08-31/AM/",
        headers=auth(seeded),
    )
    assert answer.status_code == 400
    assert "day" in answer.json()
    register = schema.raw_schema["paths"][
        "/api/v1/schools/{school_slug}/registers/{group_id}/{day}/{period}/"
    ]
    assert "400" in register["get"]["responses"]


def test_a_register_saved_with_a_body_of_another_media_type_answers_415_as_the_schema_says(
    seeded, client
):
    """Found by the fuzz: a PUT with a content type no parser reads answered 415, which
    the schema did not list; nothing is saved."""
    answer = client.put(
        f"/api/v1/schools/{seeded['school_slug']}/registers/{seeded['group_id']}"
        f"/{seeded['day']}/AM/",
        data="marks",
        content_type="text/plain",
        headers=auth(seeded),
    )
    assert answer.status_code == 415
    with scopes_disabled():
        assert not Mark.objects.filter(pupil_id__in=seeded["pupils"]).exists()
    register = schema.raw_schema["paths"][
        "/api/v1/schools/{school_slug}/registers/{group_id}/{day}/{period}/"
    ]
    assert "415" in register["put"]["responses"]
