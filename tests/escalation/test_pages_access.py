"""Who opens which escalation page, and who may act on it (escalation/roles.py): each
route with someone allowed and a colleague with the wrong role (403, nothing changed)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation.models import Case, EscalationPolicy, PenaltyNotice, Proposal
from registers.models import Role
from tests.escalation.casework import case_of, night_school, person, proposals_of


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    return night_school()


def _url(school, name, **kwargs):
    return reverse(f"escalation:{name}", kwargs={"school_slug": school.slug, **kwargs})


PAGES = {
    # name: (allowed role, a wrong role)
    "queue": (Role.ATTENDANCE_OFFICER, Role.OFFICE),
    "cases": (Role.ATTENDANCE_OFFICER, Role.TEACHER),
    "legal": (Role.HEADTEACHER, Role.SCHOOL_ADMIN),
    "pupil_find": (Role.ATTENDANCE_LEAD, Role.OFFICE),
    "policy": (Role.SCHOOL_ADMIN, Role.OFFICE),
    "simulator": (Role.ATTENDANCE_LEAD, Role.ATTENDANCE_OFFICER),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_escalation_page_opens_for_its_roles_and_refuses_a_colleague_with_another(
    client, night, name
):
    school, _alex, _sam = night
    allowed, wrong = PAGES[name]
    client.force_login(person(school, wrong))
    assert client.get(_url(school, name)).status_code == 403
    client.force_login(person(school, allowed))
    assert client.get(_url(school, name)).status_code == 200


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE, Role.TRUST_LEAD])
def test_a_case_and_its_pupil_are_casework_roles_only(client, night, role):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, role))
    assert client.get(_url(school, "case", case_id=case.pk)).status_code == 403
    assert client.get(_url(school, "pupil_cases", pupil_id=alex.pk)).status_code == 403
    assert client.get(_url(school, "evidence_pack", pupil_id=alex.pk)).status_code == 403
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))
    assert client.get(_url(school, "case", case_id=case.pk)).status_code == 200


def test_an_attendance_officer_records_casework_but_cannot_move_a_case(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))
    response = client.post(
        _url(school, "case_move", case_id=case.pk), {"to_stage": "none", "reason": "Better"}
    )
    assert response.status_code == 403
    response = client.post(
        _url(school, "pupil_cases", pupil_id=alex.pk),
        {"track": "punctuality", "to_stage": "stage_1", "reason": "Late daily"},
    )
    assert response.status_code == 403
    with scopes_disabled():
        assert Case.objects.get(pk=case.pk).stage == "stage_1"
        assert not Case.objects.filter(pupil=alex, track="punctuality").exists()


def test_a_penalty_notice_is_the_headteachers_to_approve_not_the_attendance_leads(client, night):
    """DESIGN.md §1: the headteacher approves penalty-notice referrals (RULES.md BS-35)."""
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    response = client.post(_url(school, "proposal_approve", proposal_id=proposal.pk))
    assert response.status_code == 403
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == "proposed"
        notice = PenaltyNotice.objects.get(proposal=proposal)
        assert notice.status == "proposed"
    response = client.post(
        _url(school, "penalty_notice_move", notice_id=notice.pk), {"to_status": "approved"}
    )
    assert response.status_code == 403
    client.force_login(person(school, Role.HEADTEACHER))
    client.post(_url(school, "proposal_approve", proposal_id=proposal.pk))
    with scopes_disabled():
        assert PenaltyNotice.objects.get(pk=notice.pk).status == "approved"


def test_the_policy_is_read_by_the_officer_and_edited_only_by_settings_roles(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))
    assert client.get(_url(school, "policy")).status_code == 200
    assert client.get(_url(school, "rule_edit", rule_id="TL-01")).status_code == 403
    response = client.post(_url(school, "rule_switch", rule_id="TL-01"), {"version": "1"})
    assert response.status_code == 403
    with scopes_disabled():
        policy = EscalationPolicy.objects.get(school=school)
        assert policy.version == 1 and "enabled" not in policy.rules[0]
    client.force_login(person(school, Role.SCHOOL_ADMIN))
    assert client.get(_url(school, "rule_edit", rule_id="TL-01")).status_code == 200
