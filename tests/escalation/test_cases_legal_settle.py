"""Legal steps and cases settle their open work together (DESIGN.md §7; national
framework 2024; RULES.md §0.4): a withdrawn notice takes its proposal out of the morning
queue and cannot then be approved; "not paid in 28 days" only after the 28 days; a case
closed by hand closes its open tasks and waiting proposals with the closing reason."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scopes_disabled

from escalation.models import EscalationTask, NoticeToImprove, PenaltyNotice, Proposal
from registers.models import Role
from registers.selectors import local_today
from tests.escalation.casework import case_of, meeting_task, night_school, person, proposals_of


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


def _url(school, name, **kwargs):
    return reverse(f"escalation:{name}", kwargs={"school_slug": school.slug, **kwargs})


def _move(client, school, notice, to, **data):
    return client.post(
        _url(school, "penalty_notice_move", notice_id=notice.pk),
        {"to_status": to, **data},
        follow=True,
    )


@scopes_disabled()
def _fresh(model, obj):
    return model.objects.get(pk=obj.pk)


def test_withdrawing_a_notice_takes_its_proposal_out_of_the_queue_with_the_reason(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    with scopes_disabled():
        notice = PenaltyNotice.objects.get(proposal=proposal)
    client.force_login(person(school, Role.HEADTEACHER))
    approve = f"queue/proposals/{proposal.pk}/approve/"
    assert approve in client.get(_url(school, "queue")).content.decode()

    _move(client, school, notice, "withdrawn", reason="Medical evidence received")
    queue = client.get(_url(school, "queue")).content.decode()

    settled = _fresh(Proposal, proposal)
    assert (settled.status, settled.reason) == ("skipped", "Withdrawn: Medical evidence received")
    assert approve not in queue


def test_approving_a_proposal_whose_notice_was_withdrawn_is_refused_with_a_message(client, night):
    """A queue page loaded before the withdrawal: "Approve" must not report success."""
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    with scopes_disabled():
        # Withdrawn meanwhile by an older path that left the proposal waiting.
        PenaltyNotice.objects.filter(proposal=proposal).update(status="withdrawn", reason="x")
    client.force_login(person(school, Role.HEADTEACHER))

    page = client.post(
        _url(school, "proposal_approve", proposal_id=proposal.pk), follow=True
    ).content.decode()

    assert "withdrawn or settled already" in page
    assert "approved." not in page
    assert _fresh(Proposal, proposal).status == "proposed"
    with scopes_disabled():
        assert PenaltyNotice.objects.get(proposal=proposal).status == "withdrawn"


@scopes_disabled()
def _issued(alex, on: dt.date) -> PenaltyNotice:
    notice = PenaltyNotice.objects.get(proposal=proposals_of(alex)[0])
    PenaltyNotice.objects.filter(pk=notice.pk).update(status="issued", issued_on=on)
    return PenaltyNotice.objects.get(pk=notice.pk)


def test_not_paid_is_refused_before_28_days_from_issue_and_says_from_when(client, night):
    school, alex, _sam = night
    today = local_today(school)
    notice = _issued(alex, today - dt.timedelta(days=27))
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    legal = client.get(_url(school, "legal")).content.decode()
    page = _move(client, school, notice, "unpaid").content.decode()

    begins = today + dt.timedelta(days=1)
    assert f"can be recorded as not paid from {begins:%d/%m/%Y}" in page
    assert f"The 28 days end on {begins.day}/{begins:%m/%Y}" in legal
    assert _fresh(PenaltyNotice, notice).status == "issued"


def test_not_paid_is_recorded_once_28_days_from_issue_have_passed(client, night):
    school, alex, _sam = night
    notice = _issued(alex, local_today(school) - dt.timedelta(days=28))
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    _move(client, school, notice, "unpaid")

    assert _fresh(PenaltyNotice, notice).status == "unpaid"


def test_prosecution_referral_only_after_not_paid(client, night):
    school, alex, _sam = night
    notice = _issued(alex, local_today(school) - dt.timedelta(days=30))
    client.force_login(person(school, Role.HEADTEACHER))

    page = _move(client, school, notice, "prosecution_referral", reason="Not paid").content
    assert _fresh(PenaltyNotice, notice).status == "issued"
    assert "can next be paid or unpaid or withdrawn" in page.decode()


def test_closing_a_case_by_hand_closes_its_open_tasks_with_the_reason(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    with scopes_disabled():
        # The night's meeting task belongs to the pupil; give it to the case as a
        # stage task is.
        task = meeting_task(alex)
        EscalationTask.objects.filter(pk=task.pk).update(case=case)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    assert f"tasks/{task.pk}/" in client.get(_url(school, "queue")).content.decode()

    client.post(
        _url(school, "case_move", case_id=case.pk),
        {"to_stage": "none", "reason": "Family moved abroad"},
    )

    closed = _fresh(EscalationTask, task)
    assert (closed.status, closed.note) == ("skipped", "Case closed: Family moved abroad")
    queue = client.get(_url(school, "queue")).content.decode()
    assert f"tasks/{task.pk}/" not in queue


def test_closing_a_legal_case_withdraws_its_waiting_notices_and_proposals(client, night):
    school, alex, _sam = night
    case = case_of(alex, "legal")
    client.force_login(person(school, Role.HEADTEACHER))

    client.post(
        _url(school, "case_move", case_id=case.pk),
        {"to_stage": "none", "reason": "Attendance now good"},
    )

    with scopes_disabled():
        statuses = {
            (p.status, p.penalty_notice.status, p.reason)
            for p in Proposal.objects.filter(case=case).select_related("penalty_notice")
        }
        assert not NoticeToImprove.objects.filter(case=case, status="proposed").exists()
    assert statuses == {("skipped", "withdrawn", "Case closed: Attendance now good")}


def test_a_legal_case_names_each_parent_and_says_its_notice_is_not_issued_yet(client, night):
    """Two parents, two proposals of the same day: each line names its parent; the
    stage reads "Penalty notice (proposed, not issued)" until a notice is issued."""
    school, alex, _sam = night
    case = case_of(alex, "legal")
    with scopes_disabled():
        parents = [p.contact for p in proposals_of(alex)]
    client.force_login(person(school, Role.HEADTEACHER))

    page = client.get(_url(school, "case", case_id=case.pk)).content.decode()

    for parent in parents:
        assert escape(f"Penalty notice to {parent.name} ({parent.relationship})") in page
    assert "Penalty notice (proposed, not issued)</span>" in page
    _issued(alex, local_today(school))
    page = client.get(_url(school, "case", case_id=case.pk)).content.decode()
    assert "not issued)" not in page


def test_the_close_form_warns_that_the_night_may_open_the_case_again(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    page = client.get(_url(school, "case", case_id=case_of(alex).pk)).content.decode()

    assert "The night may open it again" in page


def test_withdrawing_a_notice_to_improve_settles_its_proposal_with_the_reason(client, night):
    school, alex, _sam = night
    today = local_today(school)
    with scopes_disabled():
        proposal = Proposal.objects.create(
            school=school,
            pupil=alex,
            case=case_of(alex, "legal"),
            kind="notice_to_improve",
            proposed_on=today,
            approver="headteacher",
        )
        nti = NoticeToImprove.objects.create(
            school=school, pupil=alex, proposal=proposal, weeks=4, proposed_on=today
        )
    client.force_login(person(school, Role.HEADTEACHER))

    client.post(_url(school, "nti_withdraw", nti_id=nti.pk), {"reason": "Family engaged"})

    settled = _fresh(Proposal, proposal)
    assert _fresh(NoticeToImprove, nti).status == "withdrawn"
    assert (settled.status, settled.reason) == ("skipped", "Withdrawn: Family engaged")
