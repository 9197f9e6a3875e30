"""Notices to improve and penalty notices (national framework 2024; DESIGN.md §7,
RULES.md §0.4-§0.5, BS-35..41, DS-30..33).

A penalty notice is per parent per pupil. Its number counts the notices *issued* to the
same parent for the same pupil in the 3 years before (a notice dated D counts up to
D + 3 years - 1 day): none -> notice 1 (£80 within 21 days, £160 within 28), one ->
notice 2 (£160), two -> none: alternative action is proposed instead
(`escalation.services.legal`). Every change of status is a conditional UPDATE from the
state it leaves, so a request or task delivered twice changes it once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from registers.models import Contact, Pupil, School, tenant_manager

from .cases import Case
from .policy import Issuer
from .queue import Proposal


class NoticeStatus(models.TextChoices):
    # Proposed by the night (or by hand), waiting for approval.
    PROPOSED = "proposed", "Proposed"
    # Approved by the headteacher (and checked by the LA where the school issues).
    APPROVED = "approved", "Approved"
    # Issued to the parent (the school issued it, or the LA confirmed it did).
    ISSUED = "issued", "Issued"
    # Paid within the 28 days.
    PAID = "paid", "Paid"
    # Not paid within 28 days.
    UNPAID = "unpaid", "Unpaid"
    # Withdrawn (before or after issue), with a reason.
    WITHDRAWN = "withdrawn", "Withdrawn"
    # Unpaid and referred for prosecution (s.444 Education Act 1996).
    PROSECUTION_REFERRAL = "prosecution_referral", "Referred for prosecution"


# Statuses of a notice that was issued (counts towards the 3-year limit).
ISSUED_STATUSES = (
    NoticeStatus.ISSUED,
    NoticeStatus.PAID,
    NoticeStatus.UNPAID,
    NoticeStatus.PROSECUTION_REFERRAL,
)


class PenaltyNotice(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="penalty_notices")
    # The parent it is issued to; the priority is kept too, as imports name parents by it.
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    parent_priority = models.PositiveSmallIntegerField()
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="penalty_notices"
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="penalty_notice"
    )
    # 1 or 2 within 3 years (the framework allows no third).
    notice_number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    # The amount if paid within 21 days (notice 1: £80, doubling to £160 by day 28;
    # notice 2: £160), whole pounds.
    amount_gbp = models.PositiveSmallIntegerField()
    issuer = models.CharField(max_length=10, choices=Issuer.choices)
    status = models.CharField(
        max_length=24, choices=NoticeStatus.choices, default=NoticeStatus.PROPOSED
    )
    proposed_on = models.DateField()
    issued_on = models.DateField(null=True, blank=True)
    # The unauthorised sessions counted (after any earlier notice), for the evidence pack.
    sessions_counted = models.PositiveSmallIntegerField(default=0)
    reference = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    imported = models.BooleanField(default=False)

    objects = tenant_manager()

    class Meta:
        ordering = ["-proposed_on", "parent_priority"]
        constraints = [
            # One notice per parent per pupil per day: a retried night proposes once.
            models.UniqueConstraint(
                fields=["school", "pupil", "parent_priority", "proposed_on"],
                name="penalty_notice_once_a_day",
            ),
            models.CheckConstraint(
                name="penalty_notice_issued_has_date",
                condition=~Q(status__in=[s.value for s in ISSUED_STATUSES])
                | Q(issued_on__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["school", "pupil", "parent_priority", "issued_on"])]

    def __str__(self):
        return f"Penalty notice {self.notice_number} (£{self.amount_gbp}) for pupil {self.pupil_id}"

    @property
    def late_amount_gbp(self) -> int:
        """The amount if paid between day 22 and day 28 (notice 1 doubles; 2 stays)."""
        return 160


class NoticeToImprove(models.Model):
    """A notice to improve: an improvement period of 3 to 6 school weeks chosen per
    notice (BS-41), re-checked at its end (a `review` task, due that day)."""

    class Status(models.TextChoices):
        # Proposed, waiting for approval.
        PROPOSED = "proposed", "Proposed"
        # Issued: the improvement period is running.
        ISSUED = "issued", "Issued (improvement period running)"
        # Re-checked at the end: attendance improved.
        IMPROVED = "improved", "Improved"
        # Re-checked at the end: not improved (a penalty notice may follow).
        NOT_IMPROVED = "not_improved", "Not improved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="notices_to_improve")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices_to_improve"
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="notice_to_improve"
    )
    weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(3), MaxValueValidator(6)]
    )
    proposed_on = models.DateField()
    issued_on = models.DateField(null=True, blank=True)
    # The last day of the improvement period (issued_on + `weeks` school weeks).
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PROPOSED)
    target_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # The re-check at the period's end, created once by the nightly run (BS-41).
    review_task = models.OneToOneField(
        "escalation.EscalationTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notice_to_improve_reviewed",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-proposed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "proposed_on"], name="nti_once_a_day"
            ),
        ]

    def __str__(self):
        return f"Notice to improve for pupil {self.pupil_id} ({self.status})"
