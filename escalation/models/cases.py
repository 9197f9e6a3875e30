"""Cases: one per pupil per track while open, with their stage history, meetings and
attachments (DESIGN.md §7, RULES.md §0.1).

A case is opened when a track leaves `none` and closed when it returns there
(improvement, de-escalation by hand, the payment period's end, a new academic year).
Its current `stage` and `stage_since` are what the nightly run reads; every change is
a `StageEntry` (by a rule with its figures, or by a person with a reason) written in
the same transaction. The welfare track has no cases (its events are `Decision`s).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from absences.evidence import private_storage
from registers.models import Pupil, School, tenant_manager

from ..ladder import LADDER_STAGES, LEGAL_STAGES


class Track(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    PUNCTUALITY = "punctuality", "Punctuality"
    LEGAL = "legal", "Legal"
    # No stages: reports to the local authority and welfare tasks (decisions only).
    WELFARE = "welfare", "Welfare"


class Stage(models.TextChoices):
    NONE = "none", "No stage"
    STAGE_1 = "stage_1", "Stage 1"
    STAGE_2 = "stage_2", "Stage 2"
    STAGE_3 = "stage_3", "Stage 3"
    # Legal track (RULES.md §0.1): steps may be skipped.
    WARNING = "warning", "Warning"
    NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to improve"
    PENALTY_NOTICE = "penalty_notice", "Penalty notice"
    ALTERNATIVE_ACTION = "alternative_action", "Alternative action"


assert set(Stage.values) == set(LADDER_STAGES) | set(LEGAL_STAGES)


class Case(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="escalation_cases")
    track = models.CharField(max_length=12, choices=Track.choices)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    # The school day the current stage was entered (`since_stage` counts from the next).
    stage_since = models.DateField()
    opened_on = models.DateField()
    # Set when the track returned to `none`; a closed case is history.
    closed_on = models.DateField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-opened_on", "track"]
        constraints = [
            # One open case per pupil per track: two nights, two workers, one case.
            models.UniqueConstraint(
                fields=["school", "pupil", "track"],
                condition=Q(closed_on__isnull=True),
                name="case_one_open_per_track",
            ),
            models.CheckConstraint(name="case_not_welfare", condition=~Q(track="welfare")),
        ]
        indexes = [models.Index(fields=["school", "track", "stage"])]

    def __str__(self):
        return f"{self.get_track_display()} case of pupil {self.pupil_id} at {self.stage}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class StageEntry(models.Model):
    """One move of a case: from which stage to which, when, why (a rule with the figures
    that made it fire, or a person with a reason). Never changed or deleted."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    on = models.DateField()
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    # `<preset>/<RULES.md id>` when a rule moved it; blank for a person or the system.
    rule = models.CharField(max_length=60, blank=True)
    decision = models.ForeignKey(
        "escalation.Decision", null=True, blank=True, on_delete=models.SET_NULL
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    role = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # The figures that made the rule fire (the decision's evidence), or {}.
    figures = models.JSONField(default=dict, blank=True)
    # Recorded from a previous system (import_escalation_history).
    imported = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["on", "pk"]
        verbose_name_plural = "stage entries"

    def __str__(self):
        return f"{self.from_stage} -> {self.to_stage} on {self.on}"


class Meeting(models.Model):
    """Notes of a meeting with the family (DESIGN.md §7)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="escalation_meetings")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    # The task that asked for it, if one did.
    task = models.ForeignKey(
        "escalation.EscalationTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    held_on = models.DateField()
    attendees = models.TextField(help_text="Who came, one per line.")
    barriers = models.TextField(blank=True, help_text="What makes attending hard.")
    targets = models.TextField(blank=True, help_text="Targets agreed.")
    support = models.TextField(blank=True, help_text="Support offered and agreed.")
    review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Meeting on {self.held_on} about pupil {self.pupil_id}"


def attachment_path(instance, filename: str) -> str:
    # Private storage (no URL): a page of the escalation app serves it after its checks.
    return f"escalation/{instance.school_id}/{instance.pupil_id}/{filename}"


class Attachment(models.Model):
    """A document kept with a case (medical evidence, a signed parenting contract)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="escalation_attachments"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, storage=private_storage)
    title = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.title
