"""The law of penalty notices and the nightly re-check of notices to improve (national
framework 2024; DESIGN.md §7; RULES.md §0.4-§0.5, BS-35..41, DS-30..33).

People's decisions on proposals and notices (approve, skip, issue, paid...) are in
`escalation.services.cases`; this module holds what the law fixes and the night does:

    next_notice(dates=, as_of=) -> (number, amount_gbp) | None
    third_notice_error(school=, notice=, issued_on=) -> str     # "" when it may be issued
    notices_to_improve_due(school=, as_of=) -> int             # the re-check tasks
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from ..engine.evaluate import NOTICE_AMOUNTS
from ..engine.state import notices_counting
from ..models import EscalationTask, NoticeToImprove, PenaltyNotice
from ..models.legal import ISSUED_STATUSES


def next_notice(*, dates: list[date], as_of: date) -> tuple[int, int] | None:
    """The number and amount (if paid within 21 days) of the next penalty notice to a
    parent for a pupil, given the dates of the notices issued to them: a notice dated D
    counts up to D + 3 years - 1 day. None when two already count: no third may be
    issued, alternative action is proposed instead (RULES.md §0.5)."""
    earlier = notices_counting(dates, as_of)
    if earlier >= 2:
        return None
    return earlier + 1, NOTICE_AMOUNTS[earlier + 1]


def third_notice_error(*, school, notice: PenaltyNotice, issued_on: date) -> str:
    """Why this notice may not be issued on that day ("" when it may): two notices to the
    same parent for the same pupil already count in the 3 years before."""
    earlier = list(
        PenaltyNotice.objects.filter(
            school=school,
            pupil_id=notice.pupil_id,
            parent_priority=notice.parent_priority,
            status__in=ISSUED_STATUSES,
        )
        .exclude(pk=notice.pk)
        .values_list("issued_on", flat=True)
    )
    if next_notice(dates=earlier, as_of=issued_on) is None:
        return (
            "Two penalty notices to this parent for this pupil already count in the last "
            "3 years: no third may be issued. Propose alternative action instead."
        )
    return ""


def notices_to_improve_due(*, school, as_of: date) -> int:
    """A `review` task for each issued notice to improve whose improvement period has
    ended (BS-41: "re-check at end of period"), created once: the notice is claimed by
    a conditional UPDATE in the task's transaction, so a second run creates none."""
    created = 0
    due = NoticeToImprove.objects.filter(
        school=school,
        status=NoticeToImprove.Status.ISSUED,
        ends_on__lte=as_of,
        review_task__isnull=True,
    )
    for notice in due:
        with transaction.atomic():
            task = EscalationTask.objects.create(
                school=school,
                pupil_id=notice.pupil_id,
                case=notice.case,
                kind="review",
                role="headteacher",
                title="Notice to improve: the improvement period has ended. Re-check "
                "attendance (a penalty notice may follow)",
                created_on=as_of,
                due_on=as_of,
            )
            claimed = NoticeToImprove.objects.filter(pk=notice.pk, review_task__isnull=True).update(
                review_task=task
            )
            if not claimed:
                transaction.set_rollback(True)
                continue
        created += 1
    return created
