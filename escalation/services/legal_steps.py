"""The morning queue's decisions on proposals, penalty notices' progress and notices to
improve (DESIGN.md §7, RULES.md §0.4-0.5, BS-35..41). Same rules as
`escalation.services.cases`: one transaction with its event per change, conditional
UPDATEs from the state a change leaves (a double click or a retry changes nothing the
second time: the function returns False / 0), ValidationError keyed by field.

    proposals_approve(school=, proposal_ids=, user=, role=, weeks=None) -> int
    proposal_skip(school=, proposal=, reason=, user=, role=) -> bool
    penalty_notice_move(school=, notice=, to_status=, user=, role=, ...) -> bool
    notice_to_improve_create / _issue / _recheck / _withdraw
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from letters.services import letter_draft
from registers.models import Pupil, School
from registers.schooldays import add_school_days

from ..events import CaseworkEvent, casework
from ..models import (
    Case,
    EscalationPolicy,
    EscalationTask,
    NoticeStatus,
    NoticeToImprove,
    PenaltyNotice,
    Proposal,
    ProposalKind,
    ProposalStatus,
    StageEntry,
    TaskStatus,
)
from .cases import _reason, _today, case_move
from .legal import third_notice_error

# Penalty notices (national framework 2024): from each status, where it may go next.
# Issued notices end paid, unpaid (then a prosecution referral) or withdrawn.
PN_NEXT: dict[str, tuple[str, ...]] = {
    NoticeStatus.PROPOSED: (NoticeStatus.APPROVED, NoticeStatus.WITHDRAWN),
    NoticeStatus.APPROVED: (NoticeStatus.ISSUED, NoticeStatus.WITHDRAWN),
    NoticeStatus.ISSUED: (NoticeStatus.PAID, NoticeStatus.UNPAID, NoticeStatus.WITHDRAWN),
    NoticeStatus.UNPAID: (NoticeStatus.PROSECUTION_REFERRAL, NoticeStatus.WITHDRAWN),
}
# Moves that are the headteacher's (escalation.roles.ROLES_LEGAL); the others (issued,
# paid, unpaid) record what happened and are the attendance lead's too.
PN_LEGAL_MOVES = (
    NoticeStatus.APPROVED,
    NoticeStatus.WITHDRAWN,
    NoticeStatus.PROSECUTION_REFERRAL,
)
NTI_WEEKS = (3, 4, 5, 6)  # BS-41: "between 3 and 6 weeks"
# The payment period of a penalty notice, days from issue (national framework 2024).
PAYMENT_DAYS = 28


# ---- The queue: proposals -------------------------------------------------------------------


def proposals_approve(
    *, school: School, proposal_ids, user, role: str, weeks: int | None = None
) -> int:
    """Approve proposals still waiting; returns how many this call approved.

    A penalty notice's proposal approves its notice (proposed -> approved, to be issued
    next); a notice to improve's is issued today with `weeks` of improvement period (3-6,
    default the policy's) and its re-check date; alternative action and reports to the
    local authority are recorded as approved. One transaction; a proposal approved by
    someone else meanwhile is left alone (not counted)."""
    if weeks is not None and weeks not in NTI_WEEKS:
        raise ValidationError({"weeks": "The improvement period is 3, 4, 5 or 6 weeks."})
    now = timezone.now()
    ids = sorted({int(pk) for pk in proposal_ids})
    with transaction.atomic():
        waiting = list(
            Proposal.objects.select_for_update()
            .filter(school=school, pk__in=ids, status=ProposalStatus.PROPOSED)
            .order_by("pk")
        )
        approved = Proposal.objects.filter(
            school=school, pk__in=[p.pk for p in waiting], status=ProposalStatus.PROPOSED
        ).update(status=ProposalStatus.APPROVED, decided_by=user, decided_at=now)
        # Each penalty-notice proposal approves its notice by a conditional UPDATE from
        # proposed: a notice withdrawn (or moved on) meanwhile refuses the approval.
        pn_ids = [p.pk for p in waiting if p.kind == ProposalKind.PENALTY_NOTICE]
        moved = PenaltyNotice.objects.filter(
            school=school, proposal_id__in=pn_ids, status=NoticeStatus.PROPOSED
        ).update(status=NoticeStatus.APPROVED, changed_by=user, changed_at=now)
        with_notice = PenaltyNotice.objects.filter(school=school, proposal_id__in=pn_ids).count()
        if moved != with_notice:
            raise ValidationError(
                {
                    "proposal": "This penalty notice has been withdrawn or settled already: "
                    "there is nothing to approve. Skip the proposal instead."
                }
            )
        for proposal in waiting:
            if proposal.kind == ProposalKind.NOTICE_TO_IMPROVE:
                _nti_for_proposal_issue(
                    school=school, proposal=proposal, weeks=weeks, user=user, role=role
                )
            casework(
                school_id=school.pk,
                kind=CaseworkEvent.PROPOSAL_APPROVED,
                user=user,
                role=role,
                pupil_id=proposal.pupil_id,
                proposal_id=proposal.pk,
                proposal_kind=proposal.kind,
                report_kind=proposal.report_kind,
            )
    return approved


def _nti_for_proposal_issue(
    *, school, proposal: Proposal, weeks: int | None, user, role: str
) -> None:
    nti = NoticeToImprove.objects.filter(school=school, proposal=proposal).first()
    if nti is None:
        policy = EscalationPolicy.objects.filter(school=school).first()
        nti = NoticeToImprove.objects.create(
            school=school,
            pupil_id=proposal.pupil_id,
            case=proposal.case,
            proposal=proposal,
            weeks=weeks or (policy.nti_weeks if policy else 4),
            proposed_on=proposal.proposed_on,
        )
    _nti_issue(school=school, nti=nti, weeks=weeks or nti.weeks, user=user, role=role)


def proposal_skip(*, school: School, proposal: Proposal, reason: str, user, role: str) -> bool:
    """Do not take a proposed step, with a reason. Its penalty notice or notice to
    improve is withdrawn; the case returns to the stage it was at before the night
    moved it for this proposal, unless another proposal of the same decision (the other
    parent's notice) still stands. Returns False when it had already been decided."""
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        skipped = Proposal.objects.filter(
            school=school, pk=proposal.pk, status=ProposalStatus.PROPOSED
        ).update(status=ProposalStatus.SKIPPED, decided_by=user, decided_at=now, reason=reason)
        if not skipped:
            return False
        PenaltyNotice.objects.filter(
            school=school,
            proposal=proposal,
            status__in=[NoticeStatus.PROPOSED, NoticeStatus.APPROVED],
        ).update(status=NoticeStatus.WITHDRAWN, reason=reason, changed_by=user, changed_at=now)
        NoticeToImprove.objects.filter(
            school=school, proposal=proposal, status=NoticeToImprove.Status.PROPOSED
        ).update(status=NoticeToImprove.Status.WITHDRAWN, changed_by=user, changed_at=now)
        _undo_stage(school=school, proposal=proposal, reason=reason, user=user, role=role)
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.PROPOSAL_SKIPPED,
            user=user,
            role=role,
            pupil_id=proposal.pupil_id,
            proposal_id=proposal.pk,
            proposal_kind=proposal.kind,
            reason=reason,
        )
    return True


def _undo_stage(*, school, proposal: Proposal, reason: str, user, role: str) -> None:
    """The track "returns to where it was" (ProposalStatus.SKIPPED) when the proposal's
    decision moved its case and nothing else of that decision still stands."""
    if proposal.decision_id is None or proposal.case_id is None:
        return
    if (
        Proposal.objects.filter(school=school, decision_id=proposal.decision_id)
        .exclude(status=ProposalStatus.SKIPPED)
        .exists()
    ):
        return
    entry = (
        StageEntry.objects.filter(school=school, decision_id=proposal.decision_id)
        .select_related("case")
        .first()
    )
    if entry is None or not entry.case.is_open or entry.case.stage != entry.to_stage:
        return
    case_move(
        school=school,
        case=entry.case,
        to_stage=entry.from_stage,
        reason=f"Proposal not taken: {reason}",
        user=user,
        role=role,
    )


# ---- Penalty notices -----------------------------------------------------------------------


def penalty_notice_move(
    *,
    school: School,
    notice: PenaltyNotice,
    to_status: str,
    user,
    role: str,
    reason: str = "",
    issued_on: dt.date | None = None,
    reference: str = "",
) -> bool:
    """Move a penalty notice along proposed -> approved -> issued -> paid / unpaid ->
    prosecution referral, or withdraw it (with a reason) before it is settled.

    A conditional UPDATE from the status the notice was read in: a double click or a
    retry changes nothing the second time (returns False). Issuing needs its date (not
    in the future, today by default). Raises ValidationError for a move the framework
    does not allow (naming the moves that are) or a missing reason."""
    allowed = PN_NEXT.get(notice.status, ())
    if to_status not in allowed:
        label = NoticeStatus(notice.status).label.lower()
        if allowed:
            nexts = " or ".join(NoticeStatus(s).label.lower() for s in allowed)
            message = f"A notice that is {label} can next be {nexts}."
        else:
            message = f"A notice that is {label} is settled: it does not change again."
        raise ValidationError({"to_status": message})
    today = _today(school)
    if to_status == NoticeStatus.UNPAID and (begins := unpaid_from(notice)) and today < begins:
        raise ValidationError(
            {
                "to_status": f"The parent has 28 days from issue ({notice.issued_on:%d/%m/%Y}) "
                f"to pay: the notice can be recorded as not paid from {begins:%d/%m/%Y}."
            }
        )
    changes: dict = {"status": to_status, "changed_by": user, "changed_at": timezone.now()}
    if to_status in (NoticeStatus.WITHDRAWN, NoticeStatus.PROSECUTION_REFERRAL) or reason:
        changes["reason"] = _reason(reason)
    if to_status == NoticeStatus.ISSUED:
        issued_on = issued_on or today
        if issued_on > today:
            raise ValidationError({"issued_on": "A notice is recorded once issued: not ahead."})
        if issued_on < notice.proposed_on:
            raise ValidationError({"issued_on": "A notice is issued after it was proposed."})
        changes["issued_on"] = issued_on
        if third := third_notice_error(school=school, notice=notice, issued_on=issued_on):
            raise ValidationError({"to_status": third})
        reference = " ".join((reference or "").split())
        if len(reference) > 40:
            raise ValidationError({"reference": "Keep the reference to 40 characters."})
        if reference:
            changes["reference"] = reference
    with transaction.atomic():
        changed = PenaltyNotice.objects.filter(
            school=school, pk=notice.pk, status=notice.status
        ).update(**changes)
        if not changed:
            return False
        if to_status == NoticeStatus.APPROVED and notice.proposal_id:
            Proposal.objects.filter(
                school=school, pk=notice.proposal_id, status=ProposalStatus.PROPOSED
            ).update(status=ProposalStatus.APPROVED, decided_by=user, decided_at=timezone.now())
        if to_status == NoticeStatus.WITHDRAWN and notice.proposal_id:
            # Settled with the notice: it leaves the morning queue (not approvable).
            _proposal_settle(
                school=school, proposal_id=notice.proposal_id, reason=changes["reason"], user=user
            )
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.PENALTY_NOTICE_STATUS,
            user=user,
            role=role,
            pupil_id=notice.pupil_id,
            notice_id=notice.pk,
            from_status=notice.status,
            to_status=to_status,
            reason=changes.get("reason", ""),
            issued_on=changes["issued_on"].isoformat() if "issued_on" in changes else None,
        )
    return True


def _proposal_settle(*, school, proposal_id: int, reason: str, user) -> None:
    """A proposal whose step was withdrawn is skipped with the withdrawal's reason (in
    the withdrawal's transaction)."""
    Proposal.objects.filter(school=school, pk=proposal_id, status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.SKIPPED,
        decided_by=user,
        decided_at=timezone.now(),
        reason=f"Withdrawn: {reason}"[:500],
    )


def unpaid_from(notice: PenaltyNotice) -> dt.date | None:
    """The first day a notice may be recorded as not paid: 28 days after issue, the end
    of its payment period (national framework 2024: £80 within 21 days, £160 within
    28). None before it is issued."""
    if notice.issued_on is None:
        return None
    return notice.issued_on + dt.timedelta(days=PAYMENT_DAYS)


# ---- Notices to improve ----------------------------------------------------------------------


def improvement_period_end(*, school: School, issued_on: dt.date, weeks: int) -> dt.date:
    """The last day of an improvement period of `weeks` school weeks from the day after
    issue: 5 x weeks school days on the school's calendar (holidays do not count), or
    7 x weeks calendar days where the calendar does not reach that far yet."""
    return add_school_days(
        school=school, day=issued_on, count=5 * weeks
    ) or issued_on + dt.timedelta(weeks=weeks)


def notice_to_improve_create(
    *, school: School, pupil: Pupil, case: Case | None, weeks: int, user, role: str
) -> NoticeToImprove:
    """Propose a notice to improve by hand (BS-40: "parents do not engage" is a person's
    judgement); the headteacher issues it."""
    if weeks not in NTI_WEEKS:
        raise ValidationError({"weeks": "The improvement period is 3, 4, 5 or 6 weeks."})
    today = _today(school)
    with transaction.atomic():
        if NoticeToImprove.objects.filter(school=school, pupil=pupil, proposed_on=today).exists():
            raise ValidationError({"weeks": "A notice to improve was already proposed today."})
        nti = NoticeToImprove.objects.create(
            school=school, pupil=pupil, case=case, weeks=weeks, proposed_on=today
        )
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.NOTICE_TO_IMPROVE_STATUS,
            user=user,
            role=role,
            pupil_id=pupil.pk,
            nti_id=nti.pk,
            from_status="",
            to_status=nti.status,
            weeks=weeks,
        )
    return nti


def _nti_issue(*, school, nti: NoticeToImprove, weeks: int, user, role: str = "") -> bool:
    """proposed -> issued today, with its period's end; drafts the notice's letter with
    those dates (the headteacher's issuing is its approval). The re-check task at the
    period's end is the night's (`NoticeToImprove.review_task`, BS-41)."""
    today = _today(school)
    ends = improvement_period_end(school=school, issued_on=today, weeks=weeks)
    changed = NoticeToImprove.objects.filter(
        school=school, pk=nti.pk, status=NoticeToImprove.Status.PROPOSED
    ).update(
        status=NoticeToImprove.Status.ISSUED,
        weeks=weeks,
        issued_on=today,
        ends_on=ends,
        changed_by=user,
        changed_at=timezone.now(),
    )
    if changed:
        target = (
            NoticeToImprove.objects.filter(pk=nti.pk).values_list("target_pct", flat=True).get()
        )
        try:
            letter_draft(
                school=school,
                pupil=Pupil.objects.get(school=school, pk=nti.pupil_id),
                kind="notice_to_improve",
                user=user,
                cause={
                    "improvement_from": today + dt.timedelta(days=1),
                    "improvement_to": ends,
                    "target_pct": target if target is not None else school.attendance_target,
                },
                requires_approval=False,
                as_of=today,
                role=role,
            )
        except ValidationError as exc:
            raise ValidationError({"weeks": exc.messages}) from exc
    return bool(changed)


def notice_to_improve_issue(
    *,
    school: School,
    nti: NoticeToImprove,
    weeks: int,
    target_pct: Decimal | None = None,
    user,
    role: str,
) -> bool:
    """Issue a proposed notice today with its improvement period (3-6 school weeks,
    chosen per notice) and, optionally, the attendance it asks for; a review task is
    due on the period's last day. Returns False when it was no longer proposed."""
    if weeks not in NTI_WEEKS:
        raise ValidationError({"weeks": "The improvement period is 3, 4, 5 or 6 weeks."})
    if target_pct is not None and not Decimal(0) < target_pct <= Decimal(100):
        raise ValidationError({"target_pct": "A target is a percentage above 0, up to 100."})
    with transaction.atomic():
        if target_pct is not None:
            NoticeToImprove.objects.filter(
                school=school, pk=nti.pk, status=NoticeToImprove.Status.PROPOSED
            ).update(target_pct=target_pct)
        if not _nti_issue(school=school, nti=nti, weeks=weeks, user=user, role=role):
            return False
        if nti.proposal_id:
            Proposal.objects.filter(
                school=school, pk=nti.proposal_id, status=ProposalStatus.PROPOSED
            ).update(status=ProposalStatus.APPROVED, decided_by=user, decided_at=timezone.now())
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.NOTICE_TO_IMPROVE_STATUS,
            user=user,
            role=role,
            pupil_id=nti.pupil_id,
            nti_id=nti.pk,
            from_status=NoticeToImprove.Status.PROPOSED,
            to_status=NoticeToImprove.Status.ISSUED,
            weeks=weeks,
        )
    return True


def notice_to_improve_recheck(
    *, school: School, nti: NoticeToImprove, improved: bool, note: str, user, role: str
) -> bool:
    """Record the re-check at the end of the improvement period: improved or not (a
    penalty notice may then be proposed by the night or by hand). Not before the
    period's last day. Returns False when it was no longer running."""
    note = _reason(note, field="note", what="what the re-check found")
    if nti.ends_on and _today(school) < nti.ends_on:
        raise ValidationError(
            {"improved": f"The improvement period runs until {nti.ends_on:%d/%m/%Y}."}
        )
    to = NoticeToImprove.Status.IMPROVED if improved else NoticeToImprove.Status.NOT_IMPROVED
    with transaction.atomic():
        changed = NoticeToImprove.objects.filter(
            school=school, pk=nti.pk, status=NoticeToImprove.Status.ISSUED
        ).update(status=to, changed_by=user, changed_at=timezone.now())
        if not changed:
            return False
        if nti.review_task_id:
            EscalationTask.objects.filter(
                school=school, pk=nti.review_task_id, status=TaskStatus.OPEN
            ).update(status=TaskStatus.DONE, done_by=user, done_at=timezone.now(), note=note)
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.NOTICE_TO_IMPROVE_STATUS,
            user=user,
            role=role,
            pupil_id=nti.pupil_id,
            nti_id=nti.pk,
            from_status=NoticeToImprove.Status.ISSUED,
            to_status=to,
            note=note,
        )
    return True


def notice_to_improve_withdraw(
    *, school: School, nti: NoticeToImprove, reason: str, user, role: str
) -> bool:
    reason = _reason(reason)
    with transaction.atomic():
        changed = NoticeToImprove.objects.filter(
            school=school,
            pk=nti.pk,
            status__in=[NoticeToImprove.Status.PROPOSED, NoticeToImprove.Status.ISSUED],
        ).update(
            status=NoticeToImprove.Status.WITHDRAWN, changed_by=user, changed_at=timezone.now()
        )
        if not changed:
            return False
        if nti.proposal_id:
            _proposal_settle(school=school, proposal_id=nti.proposal_id, reason=reason, user=user)
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.NOTICE_TO_IMPROVE_STATUS,
            user=user,
            role=role,
            pupil_id=nti.pupil_id,
            nti_id=nti.pk,
            from_status=nti.status,
            to_status=NoticeToImprove.Status.WITHDRAWN,
            reason=reason,
        )
    return True
