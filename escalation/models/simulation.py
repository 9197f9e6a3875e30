"""A run of the policy simulator asked for on its page (DESIGN.md §9 `simulate_policy`):
one school year of a 1,000-pupil school takes minutes, so the page hands it to Celery and
shows its progress. The simulation itself stores nothing of the school's; this row keeps
only the request, its progress and the summary the page shows.

Claimed by a conditional UPDATE (queued -> running; a run left `running` by a worker that
died is taken over after `STALE_AFTER`), so a task delivered twice simulates once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from registers.models import School, tenant_manager

STALE_AFTER = dt.timedelta(minutes=30)


class SimulationStatus(models.TextChoices):
    # Asked for; waiting for a worker.
    QUEUED = "queued", "Waiting to start"
    # A worker is deciding the days (`days_done` of `days_total`).
    RUNNING = "running", "Running"
    # Finished: `result` holds the summary.
    DONE = "done", "Done"
    # Stopped with an error (`error` says what).
    FAILED = "failed", "Failed"


class SimulationRun(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The preset tried, or blank for the school's own ladder.
    preset = models.CharField(max_length=40, blank=True)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(
        max_length=10, choices=SimulationStatus.choices, default=SimulationStatus.QUEUED
    )
    days_done = models.PositiveIntegerField(default=0)
    days_total = models.PositiveIntegerField(default=0)
    # The page's summary: policy, by month, by rule, totals, the first decisions.
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "created_at"])]

    def __str__(self):
        return f"Simulation {self.pk} of school {self.school_id} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.days_done / self.days_total) if self.days_total else 0
