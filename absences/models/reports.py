"""Absence reports: a parent's call, email, text, app message or visit logged by the office,
or a report a parent filed in the portal (the absences issue, "Office: reports and calls").

A report covers the sessions from (first_day, first_period) to (last_day, last_period),
school days only. Once accepted its sessions are pre-entered through the one mark writer
(DESIGN.md §2, §5): marks for today and past days, planned entries for days to come.
The report itself is the office's record of who said what, when and how; the marks are
the legal record.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from registers.models import (
    ROLES_REGISTER_ANY_GROUP,
    AbsenceReason,
    Contact,
    Period,
    Pupil,
    School,
    tenant_manager,
)
from registers.models.crossing import refuse_other_schools

# Who logs, accepts and withdraws reports: the office side (office, attendance officer and
# lead, headteacher, school administrator), as on the register (BS-09, BH-08, DS-08).
ROLES_REPORTS = ROLES_REGISTER_ANY_GROUP


class AbsenceReport(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", "Phone call"
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"
        APP = "app", "App message"
        VISIT = "visit", "Visit to the office"
        PORTAL = "portal", "Parent portal"

    class Source(models.TextChoices):
        # Logged by office staff (or another office-side role) from a call, email, visit...
        OFFICE = "office", "Office"
        # Filed by a parent with parental responsibility in the portal.
        PARENT = "parent", "Parent"

    class Status(models.TextChoices):
        # A parent's report awaiting the office: nothing is pre-entered yet.
        PENDING = "pending", "Awaiting the office"
        # Accepted (an office report is accepted as it is logged): the sessions' marks or
        # planned entries are pre-entered with the reason's code.
        ACCEPTED = "accepted", "Accepted"
        # Taken back (by the office, or the parent before it was accepted): its planned
        # entries are withdrawn; marks already taken stay unless the office amends them.
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Reports that still say something about their sessions (overlaps are checked
    # against these).
    LIVE = (Status.PENDING, Status.ACCEPTED)

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="absence_reports")
    # The contact who reported it, when known; `reporter` is free text otherwise
    # ("grandmother, not on file").
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The school's reason (each mapped to a national code: I, M, R, or its own).
    reason = models.ForeignKey(AbsenceReason, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    first_period = models.CharField(max_length=2, choices=Period.choices, default=Period.AM)
    last_day = models.DateField()
    last_period = models.CharField(max_length=2, choices=Period.choices, default=Period.PM)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OFFICE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_role = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField()
    # Who accepted or withdrew it, when, and (for a withdrawal) why.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="absence_report_days_in_order",
                condition=Q(last_day__gt=models.F("first_day"))
                | (Q(last_day=models.F("first_day")) & ~Q(first_period="PM", last_period="AM")),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "pupil", "first_day"]),
            models.Index(fields=["school", "status", "created_at"]),
        ]

    def __str__(self):
        return f"{self.pupil_id} {self.span_label}: {self.reason_id}"

    def clean(self):
        refuse_other_schools(self, ["pupil", "contact", "reason"])
        if self.contact_id and self.pupil_id and self.contact.pupil_id != self.pupil_id:
            raise ValidationError({"contact": "That contact is not one of this pupil's."})
        if self.first_day and self.last_day:
            start = (self.first_day, self.first_period)
            end = (self.last_day, self.last_period)
            if end < start:
                raise ValidationError(
                    {"last_day": "The last day and session come before the first."}
                )

    @property
    def start(self) -> tuple:
        """(date, "AM"|"PM"): sorts as sessions do ("AM" < "PM")."""
        return (self.first_day, self.first_period)

    @property
    def end(self) -> tuple:
        return (self.last_day, self.last_period)

    @property
    def span_label(self) -> str:
        """ "Mon 3 Mar AM to Thu 6 Mar PM", "Mon 3 Mar" (a whole day), "Mon 3 Mar PM"."""
        first = f"{self.first_day:%a} {self.first_day.day} {self.first_day:%b}"
        if self.first_day == self.last_day:
            if (self.first_period, self.last_period) == (Period.AM, Period.PM):
                return first
            if self.first_period == self.last_period:
                return f"{first} {self.first_period}"
        last = f"{self.last_day:%a} {self.last_day.day} {self.last_day:%b}"
        return f"{first} {self.first_period} to {last} {self.last_period}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def reported_by(self) -> str:
        if self.contact_id:
            return f"{self.contact.name} ({self.contact.relationship})".replace(" ()", "")
        return self.reporter
