"""The run record of the nightly job (DESIGN.md §2, §7, §9).

A `Run` per school per day (a second run of the day reuses it and counts the attempt);
a `Decision` per rule that fired for a pupil, with the figures and the actions it took,
and, for pupils with an open case, the advance and improve rules that were considered
at a calendar point and did not fire (`fired=False`), so "why did this case not move?"
has an answer. The unique constraints make a decision once per (pupil, track, rule, day)
and, for staged tracks, one fired decision per (pupil, track, day) (RULES.md §0.3):
a retried or doubled run cannot decide anything twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registers.models import Pupil, School, tenant_manager


class RunStatus(models.TextChoices):
    # Deciding (or killed while deciding: the next attempt carries on).
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Run(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    as_of = models.DateField()
    preset = models.CharField(max_length=40)
    policy_version = models.PositiveIntegerField(default=1)
    # Calendar points the day is (`HT_end`, `block_end`, ...; `nightly` implicit).
    calendar_points = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    attempts = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    pupils = models.PositiveIntegerField(default=0)
    # Per rule id: {"considered": n, "fired": n} over every pupil of the run.
    rules = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["school", "as_of"], name="run_once_a_day"),
        ]

    def __str__(self):
        return f"Escalation run of school {self.school_id} for {self.as_of} ({self.status})"


class Decision(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="escalation_decisions")
    on = models.DateField()
    track = models.CharField(max_length=12)
    # `<preset>/<RULES.md id>` (`blue-sky/BS-28`).
    rule = models.CharField(max_length=60)
    # Null on the welfare track.
    from_stage = models.CharField(max_length=20, null=True, blank=True)
    to_stage = models.CharField(max_length=20, null=True, blank=True)
    # False: considered and did not fire (kept for open cases at calendar points).
    fired = models.BooleanField(default=True)
    # The actions as in `run_escalation --format json` (DESIGN.md §9).
    actions = models.JSONField(default=list)
    # The figures: {"attendance_pct": "88.46", "possible": 78, ...} (exact values as text).
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["on", "pupil_id", "track"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "track", "rule", "on"], name="decision_once_per_rule"
            ),
            # RULES.md §0.3: at most one decision per pupil per staged track per run.
            models.UniqueConstraint(
                fields=["school", "pupil", "track", "on"],
                condition=Q(fired=True) & ~Q(track="welfare"),
                name="decision_one_per_track_a_day",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "on"]),
            models.Index(fields=["school", "pupil", "rule"]),
        ]

    def __str__(self):
        return f"{self.rule} for pupil {self.pupil_id} on {self.on}"
