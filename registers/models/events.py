"""What happened, and the background work it causes (DESIGN.md §2, the events seam).

An `Event` is an immutable row written in the same transaction as the change it
records: the pupil timeline, the escalation run log and the "what happened" audit read
them. An `OutboxTask` is a piece of background work a change causes, written in that
same transaction and handed to Celery once it commits (`registers.outbox`).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from .people import Pupil
from .tenants import School, tenant_manager


class EventQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("Events are a record of what happened and are never deleted.")

    def update(self, **kwargs):
        raise PermissionError("Events are a record of what happened and are never changed.")


class Event(models.Model):
    """One thing that happened at a school: a kind, who did it (nobody: the system),
    when, to which pupil if any, and the figures that describe it.

    `kind` is one of the kinds registered by the apps' `events.py` (`registers.events.
    KINDS`); it is text rather than database choices so an app adds kinds without a
    migration of the core.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    kind = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    # Null for the system (a nightly job, a task); the name and role are kept as text so
    # the record stands if the account is renamed or removed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=60, blank=True)
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = tenant_manager(models.Manager.from_queryset(EventQuerySet))

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # The pupil timeline, newest first.
            models.Index(fields=["school", "pupil", "occurred_at"]),
            # The run log and the audit: one kind over a period.
            models.Index(fields=["school", "kind", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.kind} by {self.actor_name} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("Events are a record of what happened and are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Events are a record of what happened and are never deleted.")


class OutboxTask(models.Model):
    """A Celery task to run because of a change, recorded in the change's transaction.

    Sent when the transaction commits; `dispatched_at` is set by a conditional UPDATE
    once the broker has it. Rows still not dispatched a minute later (Redis was down,
    the process died between commit and send) are sent again by the beat task
    `registers.outbox.redispatch`, so the work is never lost; a task may therefore
    arrive twice and every handler is idempotent.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    # The Celery task's registered name, e.g. "letters.tasks.render_letter".
    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # One row per piece of work: recording the same key again is a no-op.
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="outbox_unique_key"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=Q(dispatched_at__isnull=True),
            ),
            # Sent rows are dropped after a while (registers.outbox.KEEP_SENT).
            models.Index(fields=["dispatched_at"], name="outbox_sent_idx"),
        ]

    def __str__(self):
        return f"{self.task} {self.key}"
