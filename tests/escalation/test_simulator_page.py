"""The simulator page: "what would this policy have done" over a range (at most a school
year), under the school's own ladder or a preset, storing nothing (DESIGN.md §9)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation.models import Case, Decision, EscalationTask, Proposal
from letters.models import IssuedLetter
from registers.models import Role
from tests.escalation.casework import night_school, person


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


def _counts():
    with scopes_disabled():
        return [m.objects.count() for m in (Case, Decision, EscalationTask, Proposal, IssuedLetter)]


def test_the_simulator_shows_counts_by_month_and_the_decisions_and_stores_nothing(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    before = _counts()

    response = client.get(
        reverse("escalation:simulator", args=[school.slug]),
        {"start": "2024-09-02", "end": "2024-09-30", "preset": ""},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Policy test, 2 September 2024 to 30 September 2024" in html
    assert '<th scope="row">September 2024</th>' in html
    # Alex's stage 1 letter and the meeting the ladder asks for, on the first night
    # with 20 possible sessions (16 Sep), once each.
    assert "<td>16/09/2024</td><td>" + alex.display_name in html
    assert "test/TL-01" in html and "letter: stage 1" in html
    assert _counts() == before


def test_another_preset_can_be_tried_without_changing_the_schools_policy(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.HEADTEACHER))

    response = client.get(
        reverse("escalation:simulator", args=[school.slug]),
        {"start": "2024-09-02", "end": "2024-10-25", "preset": "blue-sky"},
    )

    assert "Policy blue-sky" in response.content.decode()
    with scopes_disabled():
        assert school.escalation_policy.preset == "test"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2024-09-02", "2025-09-30", "at most one school year"),
        ("2024-10-01", "2024-09-01", "The range ends after it starts."),
        ("2024-09-31", "2024-10-01", "Enter a valid date."),
    ],
)
def test_a_range_longer_than_a_year_or_backwards_is_refused(client, night, start, end, message):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.get(
        reverse("escalation:simulator", args=[school.slug]), {"start": start, "end": end}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
