"""The pupil page's timeline reads as plain English: every app's events, their values
through the labels the apps declare, never raw parameters (enum values, lists, dicts,
True/False)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from registers import events
from registers.models import Role
from tests.factories import staff
from tests.reporting.small_school import small_school

NOW = dt.datetime(2024, 9, 23, 9, 30, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def test_each_timeline_entry_reads_as_plain_english(client, school):
    small = small_school(school)
    with scopes_disabled():
        # as the night's engine and the office write them
        events.record(
            school_id=school.pk, kind="escalation_decided", pupil_id=small.ava.pk,
            params={"decision_id": 7, "rule": "blue-sky/BS-34", "track": "attendance",
                    "from_stage": "none", "to_stage": "stage_1", "as_of": "2024-09-20",
                    "actions": [{"type": "task", "kind": "meeting", "role": None},
                                {"type": "letter", "kind": "amber"}],
                    "evidence": {"attendance_term": {"pct": "88.50", "exact": "0.885",
                                                     "possible": 40}}},
        )  # fmt: skip
        events.record(
            school_id=school.pk, kind="call_attempted", pupil_id=small.ava.pk,
            params={"attempt_id": 3, "contact": "Mum", "outcome": "text_sent"},
        )  # fmt: skip
        events.record(
            school_id=school.pk, kind="letter_drafted", pupil_id=small.ava.pk,
            params={"letter_id": 4, "channel": "post", "requires_approval": True},
        )  # fmt: skip
    client.force_login(staff(school, Role.ATTENDANCE_LEAD))
    address = reverse(
        "reporting:pupil", kwargs={"school_slug": school.slug, "pupil_id": small.ava.pk}
    )
    body = client.get(address).content.decode()
    timeline = body[body.index('id="timeline"') :]
    for raw in ("text_sent", "blue-sky/", "none", "stage_1", "{", "[", "True", "'type'"):
        assert raw not in timeline, raw
    assert "No stage → Stage 1" in timeline
    assert "BS-34" in timeline
    assert "For the night of</dt><dd>20 Sep 2024" in timeline
    assert "amber letter" in timeline and "88.50%" in timeline
    assert "Text or message sent" in timeline
    assert "Needs approval</dt><dd>Yes" in timeline


def test_an_escalation_decision_says_the_night_it_was_for(client, school):
    """The engine writes its decisions' events after the night they are for (and
    without its date): the entry reads the decision's own date."""
    from escalation.models import Decision

    small = small_school(school)
    with scopes_disabled():
        decision = Decision.objects.create(
            school=school, pupil=small.ava, on=dt.date(2024, 9, 20), track="attendance",
            rule="blue-sky/BS-34", from_stage="none", to_stage="stage_1",
        )  # fmt: skip
        events.record(
            school_id=school.pk, kind="escalation_decided", pupil_id=small.ava.pk,
            params={"decision_id": decision.pk, "rule": "blue-sky/BS-34", "track": "attendance",
                    "from_stage": "none", "to_stage": "stage_1"},
        )  # fmt: skip
    client.force_login(staff(school, Role.ATTENDANCE_LEAD))
    address = reverse(
        "reporting:pupil", kwargs={"school_slug": school.slug, "pupil_id": small.ava.pk}
    )
    body = client.get(address).content.decode()
    assert "For the night of</dt><dd>20 Sep 2024" in body[body.index('id="timeline"') :]
