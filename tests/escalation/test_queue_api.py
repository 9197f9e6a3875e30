"""Escalation casework through the API: cases, the queue and penalty notices to read,
proposals to approve or skip with the pages' rules (400 with field messages, 403 for the
wrong role, 409 when already decided, nothing changed twice)."""

import pytest
from django_scopes import scopes_disabled

from escalation.models import Case, PenaltyNotice, Proposal
from registers.models import Role
from tests.escalation.casework import case_of, night_school, person, proposals_of

BASE = "/api/v1/schools/{slug}/escalation/"


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


def _get(client, school, path, **params):
    return client.get(BASE.format(slug=school.slug) + path, params)


def _post(client, school, path, data=None):
    return client.post(
        BASE.format(slug=school.slug) + path, data or {}, content_type="application/json"
    )


def test_cases_are_listed_by_track_with_their_history(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))

    legal = _get(client, school, "cases/", track="legal").json()
    case = case_of(alex)
    detail = _get(client, school, f"cases/{case.pk}/").json()

    assert [(c["upn"], c["stage"]) for c in legal] == [(alex.upn, "penalty_notice")]
    assert detail["stage"] == "stage_1"
    assert detail["history"][0]["rule"] == "test/TL-01"
    assert detail["history"][0]["figures"]["attendance_pct[ytd]"]["pct"] == "40.00"


def test_a_bad_filter_is_a_400_naming_the_field(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = _get(client, school, "cases/", track="welfare")

    assert response.status_code == 400
    assert "track" in response.json()


def test_the_queue_lists_the_proposals_and_open_tasks(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.HEADTEACHER))

    body = _get(client, school, "queue/").json()

    assert sorted(p["parent_priority"] for p in body["proposals"]) == [1, 2]
    assert body["proposals"][0]["evidence"]["unauthorised[weeks 10 rearmed]"] == 12
    assert [t["kind"] for t in body["tasks"]] == ["meeting"]


def test_approving_through_the_api_is_once_then_409(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.HEADTEACHER))

    first = _post(client, school, f"proposals/{proposal.pk}/approve/")
    second = _post(client, school, f"proposals/{proposal.pk}/approve/")

    assert first.status_code == 200 and first.json()["status"] == "approved"
    assert second.status_code == 409
    with scopes_disabled():
        assert PenaltyNotice.objects.get(proposal=proposal).status == "approved"
    notices = _get(client, school, "penalty-notices/", status="approved").json()
    assert [n["parent_priority"] for n in notices] == [1]


def test_the_attendance_lead_cannot_approve_a_legal_step_through_the_api(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = _post(client, school, f"proposals/{proposal.pk}/approve/")

    assert response.status_code == 403
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == "proposed"


def test_a_skip_without_a_reason_is_a_400_and_changes_nothing(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.HEADTEACHER))

    missing = _post(client, school, f"proposals/{proposal.pk}/skip/", {"reason": ""})
    too_long = _post(client, school, f"proposals/{proposal.pk}/skip/", {"reason": "x" * 501})
    skipped = _post(client, school, f"proposals/{proposal.pk}/skip/", {"reason": "LA advised"})

    assert missing.status_code == 400 and "reason" in missing.json()
    assert too_long.status_code == 400 and "reason" in too_long.json()
    assert skipped.status_code == 200 and skipped.json()["reason"] == "LA advised"
    with scopes_disabled():
        assert Case.objects.get(pk=case_of(alex, "legal").pk).stage == "penalty_notice"


def test_a_notice_to_improve_period_outside_3_to_6_weeks_is_a_400(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.HEADTEACHER))

    response = _post(client, school, f"proposals/{proposal.pk}/approve/", {"weeks": 8})

    assert response.status_code == 400 and "weeks" in response.json()
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == "proposed"


@pytest.mark.parametrize("role", [Role.OFFICE, Role.TEACHER, Role.TRUST_LEAD])
def test_the_casework_api_is_closed_to_roles_without_casework(client, night, role):
    school, alex, _sam = night
    client.force_login(person(school, role))

    for path in ("cases/", f"cases/{case_of(alex).pk}/", "queue/", "penalty-notices/"):
        assert _get(client, school, path).status_code == 403, path
    proposal = proposals_of(alex)[0]
    assert (
        _post(client, school, f"proposals/{proposal.pk}/skip/", {"reason": "x"}).status_code == 403
    )
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == "proposed"
