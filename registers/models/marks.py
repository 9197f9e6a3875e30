"""The national codes, schools' absence reasons, marks, amendments, registers (DESIGN.md §5)."""

from django.conf import settings
from django.db import models

from .calendar import Session
from .crossing import refuse_other_schools
from .people import Pupil, RegistrationGroup
from .tenants import School, tenant_manager

# ---- Codes and marks ----------------------------------------------------------------


class AttendanceCode(models.Model):
    """A national code (reference/attendance-codes.csv), seeded by migration; read-only."""

    class Category(models.TextChoices):
        PRESENT = "present", "Present"
        APPROVED_ACTIVITY = "approved_activity", "Attending an approved educational activity"
        LEAVE_OF_ABSENCE = "leave_of_absence", "Leave of absence"
        AUTHORISED_OTHER = "authorised_other", "Other authorised absence"
        UNAUTHORISED = "unauthorised", "Unauthorised absence"
        UNABLE_TO_ATTEND = "unable_to_attend", "Unable to attend (not a possible session)"
        ADMINISTRATIVE = "administrative", "Administrative"

    code = models.CharField(max_length=2, primary_key=True)
    meaning = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=Category.choices)
    possible = models.BooleanField()
    attended = models.BooleanField()
    authorised_absence = models.BooleanField()
    unauthorised_absence = models.BooleanField()
    notes = models.CharField(max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]

    def __str__(self):
        return f"{self.code} {self.meaning}"


class AbsenceReason(models.Model):
    """A school's own reason ("hospital appointment") recorded under a national code."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    code = models.ForeignKey(AttendanceCode, on_delete=models.PROTECT)
    active = models.BooleanField(default=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="reason_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code_id})"


class MarkQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("Register marks are legal records and are never deleted.")


class Mark(models.Model):
    """A pupil's code for one session: a legal record, never deleted (DESIGN.md §5)."""

    class Source(models.TextChoices):
        REGISTER = "register", "Register"  # taken by a teacher (or anyone) on the register page
        OFFICE = "office", "Office"  # entered by office staff, e.g. from a parent's call
        PARENT = "parent", "Parent report"  # from the parent portal, pre-entered
        LEAVE = "leave", "Approved leave"  # pre-entered from an approved leave request
        IMPORT = "import", "Import"  # history brought from the previous MIS
        SYSTEM = "system", "System"  # e.g. an overdue N replaced by O
        API = "api", "API"  # written through the REST API

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="marks")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="marks")
    # Copied from the session so that statistics filter on one table.
    date = models.DateField(editable=False)
    code = models.ForeignKey(AttendanceCode, on_delete=models.PROTECT)
    minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    reason = models.ForeignKey(AbsenceReason, null=True, blank=True, on_delete=models.PROTECT)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.REGISTER)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    # Bumped on every change; a save carrying an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    # Entered in advance (the office, a parent's report, approved leave) before the
    # register closed: stands on the teacher's register, locked for them, whatever the
    # channel (page, API) it came through. Set by the mark writer.
    pre_entered = models.BooleanField(default=False, db_default=False)

    objects = tenant_manager(models.Manager.from_queryset(MarkQuerySet))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "session"], name="mark_unique_pupil_session"),
        ]
        indexes = [
            models.Index(fields=["school", "date"]),
            models.Index(fields=["school", "pupil", "date"]),
            models.Index(fields=["school", "session"]),
        ]

    def __str__(self):
        return f"{self.pupil_id} {self.date}: {self.code_id}"

    def delete(self, *args, **kwargs):
        raise PermissionError("Register marks are legal records and are never deleted.")

    def clean(self):
        refuse_other_schools(self, ["pupil", "session", "reason"])

    # Pre-entered marks stand on the teacher's register and are not overwritten by
    # "mark all present".
    PRE_ENTERED_SOURCES = frozenset({Source.OFFICE, Source.PARENT, Source.LEAVE})

    @property
    def is_pre_entered(self) -> bool:
        return self.pre_entered or self.source in self.PRE_ENTERED_SOURCES


class AmendmentQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("Amendments to the register are never deleted.")

    def update(self, **kwargs):
        raise PermissionError("Amendments to the register are never changed.")


class Amendment(models.Model):
    """An immutable record of one change to a saved mark."""

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    mark = models.ForeignKey(Mark, on_delete=models.PROTECT, related_name="amendments")
    original_code = models.CharField(max_length=2)
    new_code = models.CharField(max_length=2)
    original_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    new_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    # The note and the school's own absence reason are part of the entry too.
    original_note = models.CharField(max_length=500, blank=True)
    new_note = models.CharField(max_length=500, blank=True)
    original_absence_reason = models.CharField(max_length=100, blank=True)
    new_absence_reason = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500)
    amended_at = models.DateTimeField()
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text so the record stands even if the account is renamed or removed.
    amended_by_name = models.CharField(max_length=200)
    amended_by_role = models.CharField(max_length=60)
    # Where the change came from (Mark.Source): the register page, the API, an import...
    source = models.CharField(max_length=20, choices=Mark.Source.choices, blank=True)

    objects = tenant_manager(models.Manager.from_queryset(AmendmentQuerySet))

    class Meta:
        ordering = ["amended_at", "id"]
        indexes = [models.Index(fields=["school", "amended_at"])]

    def __str__(self):
        return f"{self.original_code} -> {self.new_code} by {self.amended_by_name}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("Amendments to the register are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Amendments to the register are never deleted.")


class Register(models.Model):
    """A group's register for one session, once someone has taken it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    registration_group = models.ForeignKey(RegistrationGroup, on_delete=models.PROTECT)
    session = models.ForeignKey(Session, on_delete=models.PROTECT)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField()
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    last_saved_at = models.DateTimeField()

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration_group", "session"], name="register_unique_group_session"
            ),
        ]
        indexes = [models.Index(fields=["school", "session"])]

    def __str__(self):
        return f"{self.registration_group} {self.session}"

    def clean(self):
        refuse_other_schools(self, ["registration_group", "session"])
