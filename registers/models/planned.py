"""Planned entries: what the office knows in advance about a session still to come
(DESIGN.md §5). Not a legal record: withdrawing one deletes it. When the register is
saved, or the session closes untaken, the one mark writer turns it into a mark."""

from django.conf import settings
from django.db import models

from .calendar import Session
from .marks import AbsenceReason, AttendanceCode, Mark
from .people import Pupil
from .tenants import School, tenant_manager


class PlannedEntry(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="planned_entries")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="planned_entries")
    code = models.ForeignKey(AttendanceCode, on_delete=models.PROTECT)
    reason = models.ForeignKey(AbsenceReason, null=True, blank=True, on_delete=models.PROTECT)
    note = models.CharField(max_length=500, blank=True)
    # Where it came from (office, parent report, approved leave); the mark keeps it.
    source = models.CharField(max_length=20, choices=Mark.Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The role the person acted in, recorded on the mark's audit when it becomes one.
    created_by_role = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField()

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "session"], name="planned_unique_pupil_session"
            ),
        ]
        indexes = [models.Index(fields=["school", "session"])]

    def __str__(self):
        return f"{self.pupil_id} {self.session_id}: {self.code_id} (planned)"

    # The register shows a planned entry like a pre-entered mark.
    is_pre_entered = True
    version = 0
    minutes_late = None

    @property
    def recorded_by(self):
        return self.created_by

    @property
    def recorded_at(self):
        return self.created_at

    def get_source_display(self) -> str:
        return Mark.Source(self.source).label
