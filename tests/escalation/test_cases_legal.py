"""Legal steps by people: penalty notices moved along the national framework's statuses
by conditional UPDATEs (a double click or retry changes nothing twice), no third notice
in 3 years (RULES.md §0.5, BS-38), notices to improve with a period of 3 to 6 weeks chosen
per notice and re-checked at its end (BS-41)."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation.events import CaseworkEvent
from escalation.models import NoticeToImprove, PenaltyNotice, Proposal
from letters.models import IssuedLetter
from registers.models import Event, Role
from tests.escalation.casework import NIGHT, case_of, night_school, person, proposals_of
from tests.escalation.factories import issued_notice


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


def _url(school, name, **kwargs):
    return reverse(f"escalation:{name}", kwargs={"school_slug": school.slug, **kwargs})


def _notice(alex) -> PenaltyNotice:
    with scopes_disabled():
        return PenaltyNotice.objects.get(proposal=proposals_of(alex)[0])


def _status(notice) -> str:
    with scopes_disabled():
        return PenaltyNotice.objects.get(pk=notice.pk).status


def _move(client, school, notice, to, **data):
    return client.post(
        _url(school, "penalty_notice_move", notice_id=notice.pk),
        {"to_status": to, **data},
        follow=True,
    )


def test_a_penalty_notice_goes_approved_issued_paid_each_step_once(client, night):
    school, alex, _sam = night
    notice = _notice(alex)
    head = person(school, Role.HEADTEACHER)
    lead = person(school, Role.ATTENDANCE_LEAD)

    client.force_login(head)
    _move(client, school, notice, "approved")
    twice = _move(client, school, notice, "approved")
    assert "This was done already; nothing changed." in twice.content.decode()
    client.force_login(lead)
    _move(client, school, notice, "issued", issued_on="2024-09-20", reference="PN/0042")
    _move(client, school, notice, "paid")

    with scopes_disabled():
        paid = PenaltyNotice.objects.get(pk=notice.pk)
        # The proposal follows the notice's approval.
        assert Proposal.objects.get(pk=notice.proposal_id).status == "approved"
        moves = list(
            Event.objects.filter(kind=CaseworkEvent.PENALTY_NOTICE_STATUS).values_list(
                "params__to_status", flat=True
            )
        )
    assert (paid.status, paid.issued_on, paid.reference) == (
        "paid",
        dt.date(2024, 9, 20),
        "PN/0042",
    )
    assert moves == ["approved", "issued", "paid"]


def test_a_notice_cannot_skip_a_status_and_the_page_says_what_can_come_next(client, night):
    school, alex, _sam = night
    notice = _notice(alex)
    client.force_login(person(school, Role.HEADTEACHER))

    page = _move(client, school, notice, "paid")

    assert "A notice that is proposed can next be approved or withdrawn." in page.content.decode()
    assert _status(notice) == "proposed"


def test_withdrawing_or_referring_for_prosecution_needs_the_headteacher_and_a_reason(client, night):
    school, alex, _sam = night
    notice = _notice(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    assert _move(client, school, notice, "withdrawn", reason="x").status_code == 403
    client.force_login(person(school, Role.HEADTEACHER))

    without = _move(client, school, notice, "withdrawn", reason="")
    assert "Give a reason" in without.content.decode()
    assert _status(notice) == "proposed"
    _move(client, school, notice, "withdrawn", reason="Medical evidence received")

    with scopes_disabled():
        withdrawn = PenaltyNotice.objects.get(pk=notice.pk)
    assert (withdrawn.status, withdrawn.reason) == ("withdrawn", "Medical evidence received")


def test_no_third_notice_to_a_parent_within_three_years(client, night):
    """RULES.md §0.5 / BS-38: two notices issued to the same parent for the same pupil
    in the 3 years before: no third may be issued."""
    school, alex, _sam = night
    issued_notice(alex, dt.date(2023, 1, 10), priority=1, number=1)
    issued_notice(alex, dt.date(2024, 2, 5), priority=1, number=2)
    notice = _notice(alex)
    assert notice.parent_priority == 1
    with scopes_disabled():
        PenaltyNotice.objects.filter(pk=notice.pk).update(status="approved")
        notice.refresh_from_db()
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    page = _move(client, school, notice, "issued", issued_on="2024-09-20")

    assert "no third may be issued" in page.content.decode()
    assert _status(notice) == "approved"


def test_a_notice_to_improve_is_issued_with_its_period_and_its_letter(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    client.post(
        _url(school, "nti_new", pupil_id=alex.pk),
        {"weeks": "5", "case": str(case_of(alex, "legal").pk)},
    )
    with scopes_disabled():
        nti = NoticeToImprove.objects.get(pupil=alex)
    assert (nti.status, nti.weeks) == ("proposed", 5)
    # Issuing is the headteacher's.
    denied = client.post(_url(school, "nti_issue", nti_id=nti.pk), {"weeks": "6"})
    assert denied.status_code == 403
    client.force_login(person(school, Role.HEADTEACHER))

    client.post(_url(school, "nti_issue", nti_id=nti.pk), {"weeks": "6", "target_pct": "95"})
    client.post(_url(school, "nti_issue", nti_id=nti.pk), {"weeks": "6", "target_pct": "95"})

    with scopes_disabled():
        issued = NoticeToImprove.objects.get(pk=nti.pk)
        letters = IssuedLetter.objects.filter(pupil=alex, kind="notice_to_improve")
        assert letters.count() == 2  # one per parent, issued once
        cause = letters[0].cause
    assert (issued.status, issued.weeks, issued.target_pct) == ("issued", 6, 95)
    # The calendar of these tests ends in July 2025, so a notice issued today runs
    # 6 calendar weeks (RULES.md BS-41: 3-6 weeks).
    assert issued.ends_on == issued.issued_on + dt.timedelta(weeks=6)
    assert cause["improvement_to"] == issued.ends_on.isoformat()


@pytest.mark.parametrize("weeks", ["2", "7", ""])
def test_an_improvement_period_outside_3_to_6_weeks_is_refused(client, night, weeks):
    school, alex, _sam = night
    with scopes_disabled():
        nti = NoticeToImprove.objects.create(school=school, pupil=alex, proposed_on=NIGHT)
    client.force_login(person(school, Role.HEADTEACHER))

    page = client.post(_url(school, "nti_issue", nti_id=nti.pk), {"weeks": weeks}, follow=True)

    assert "Choose an improvement period of 3 to 6 weeks." in page.content.decode()
    with scopes_disabled():
        assert NoticeToImprove.objects.get(pk=nti.pk).status == "proposed"


def test_a_notice_to_improve_is_re_checked_only_once_its_period_has_ended(client, night):
    school, alex, _sam = night
    today = dt.date.today()
    with scopes_disabled():
        running = NoticeToImprove.objects.create(
            school=school,
            pupil=alex,
            proposed_on=NIGHT,
            status="issued",
            issued_on=today,
            ends_on=today + dt.timedelta(weeks=4),
        )
        ended = NoticeToImprove.objects.create(
            school=school,
            pupil=alex,
            proposed_on=NIGHT + dt.timedelta(days=1),
            status="issued",
            issued_on=today - dt.timedelta(weeks=5),
            ends_on=today - dt.timedelta(days=1),
        )
    client.force_login(person(school, Role.HEADTEACHER))
    data = {"improved": "no", "note": "Attendance 81% over the period"}

    early = client.post(_url(school, "nti_recheck", nti_id=running.pk), data, follow=True)
    client.post(_url(school, "nti_recheck", nti_id=ended.pk), data)

    assert "The improvement period runs until" in early.content.decode()
    with scopes_disabled():
        assert NoticeToImprove.objects.get(pk=running.pk).status == "issued"
        assert NoticeToImprove.objects.get(pk=ended.pk).status == "not_improved"
