"""The lead's queue: tasks for staff and proposals that need a person's decision
(DESIGN.md §1, §7).

Letters to approve are the letters app's drafts (`letters.IssuedLetter`, status draft).
Here: tasks the night created (calls, meetings to book, home visits, referrals, reviews,
evidence requests) and proposals (legal steps to consider, reports to the local
authority), each with the evidence of the decision behind it. A task or proposal leaves
its state only by a conditional UPDATE (`status=open` -> done/skipped), so two people,
or one request sent twice, change it once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from registers.models import Contact, Pupil, School, tenant_manager

from .cases import Case


class TaskKind(models.TextChoices):
    CALL = "call", "Phone call"
    MEETING = "meeting", "Meeting to book"
    HOME_VISIT = "home_visit", "Home visit"
    REFERRAL = "referral", "Referral"
    REVIEW = "review", "Review"
    EVIDENCE_REQUEST = "evidence_request", "Evidence request"


class TaskStatus(models.TextChoices):
    # Waiting for someone.
    OPEN = "open", "To do"
    # Done (a meeting task is done when its meeting is recorded).
    DONE = "done", "Done"
    # Not done, with a reason.
    SKIPPED = "skipped", "Skipped"


class EscalationTask(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="escalation_tasks")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    # The decision that created it (None: created by hand).
    decision = models.ForeignKey(
        "escalation.Decision", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    # The agency for a referral or report (RULES.md §4 `to`), or blank.
    to = models.CharField(max_length=30, blank=True)
    # Whose task it is (a `registers.Role` value), or blank for the attendance team.
    role = models.CharField(max_length=30, blank=True)
    title = models.CharField(max_length=200)
    # A letter to draft once the task gives what it needs (a meeting invitation needs
    # the date, time and place agreed when the meeting is booked), or blank.
    letter_kind = models.CharField(max_length=30, blank=True)
    created_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # A decision applied twice (a retried night) creates its task once.
            models.UniqueConstraint(
                fields=["decision", "kind", "to"],
                condition=Q(decision__isnull=False),
                name="task_once_per_decision",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "due_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} for pupil {self.pupil_id}"


class ProposalKind(models.TextChoices):
    PENALTY_NOTICE = "penalty_notice", "Penalty notice"
    NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to improve"
    ALTERNATIVE_ACTION = "alternative_action", "Alternative action"
    # A report to the local authority (`report_kind` says which).
    REPORT = "report", "Report to the local authority"


class ProposalStatus(models.TextChoices):
    # Waiting for the approver.
    PROPOSED = "proposed", "Proposed"
    # Approved: the step goes ahead (a notice is then issued, a report sent).
    APPROVED = "approved", "Approved"
    # Not taken, with a reason; the track returns to where it was.
    SKIPPED = "skipped", "Skipped"


class Proposal(models.Model):
    """A legal step or report the night proposed, waiting for a person (or approved at
    once where the rule needs no approval)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="escalation_proposals")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    decision = models.ForeignKey(
        "escalation.Decision",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    kind = models.CharField(max_length=20, choices=ProposalKind.choices)
    report_kind = models.CharField(max_length=30, blank=True)
    # The parent a penalty notice is for (one proposal per parent with responsibility).
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    proposed_on = models.DateField()
    # Who must approve (a `registers.Role` value), blank: anyone who may escalate.
    approver = models.CharField(max_length=30, blank=True)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # The figures behind it (the decision's evidence).
    evidence = models.JSONField(default=dict, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["proposed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "kind", "report_kind", "contact"],
                condition=Q(decision__isnull=False),
                nulls_distinct=False,
                name="proposal_once_per_decision",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "proposed_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} for pupil {self.pupil_id} ({self.status})"
