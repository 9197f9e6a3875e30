"""Leave of absence: a parent's request, its evidence, and the school's checks.

A request covers whole sessions from (first_day, first_period) to (last_day,
last_period) inclusive: AM/PM only matter at the two ends. Its status moves only
through `absences.services.leave` (conditional UPDATEs, one event per change with who
and why: `absences.events.LeaveEvent`). A decision writes the register through the one
mark writer (source `leave`); the request itself holds no marks.

Sources: the 2024 Regulations' leave codes (reference/attendance-codes.csv: C1, J1, S,
C; R and T as other authorised reasons; G for a holiday not granted) and each policy's
"leave of absence" section (policies/RULES.md §5.2, BS-20..24, BH-28..36, DS-38/39,
BL-10/12, LE-33/34).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from absences.evidence import evidence_path, private_storage
from registers.models import (
    ROLES_REGISTER_ANY_GROUP,
    Contact,
    Period,
    Pupil,
    Role,
    School,
    tenant_manager,
)

# Who decides: every policy names the head (BS-22 executive head, BH-33, DS-38, BL-10,
# LE-33 "signed by the headteacher"); the attendance lead is the head's usual delegate (a
# senior leader who sees the pupil's whole record), so the head can hand the queue over
# in a long absence without sharing an account. Office staff and the attendance officer
# see the requests (they enter paper forms, answer parents) but do not decide.
ROLES_LEAVE_DECIDE = frozenset({Role.HEADTEACHER, Role.ATTENDANCE_LEAD})
ROLES_LEAVE_VIEW = ROLES_REGISTER_ANY_GROUP
# Entering a paper form for a parent (BS-20 "made on a leave of absence form").
ROLES_LEAVE_ENTER = ROLES_REGISTER_ANY_GROUP


class LeaveGround(models.TextChoices):
    """What the leave is for: the code its sessions get if granted (DESIGN §9
    `leave_assess --ground`), or a family holiday, which is G if taken without consent."""

    # A regulated performance or regulated employment abroad, with a licence (C1).
    C1 = "C1", "Performance or employment, with a licence (C1)"
    # An interview (for a job, a school or a college place) (J1).
    J1 = "J1", "Interview (J1)"
    # Study leave (S): normally Year 11 around public examinations.
    S = "S", "Study leave (S)"
    # Exceptional circumstances (C): a bereavement, a wedding of a close relative...
    C = "C", "Exceptional circumstances (C)"
    # A day set apart for religious observance by the parent's religious body (R).
    R = "R", "Religious observance (R)"
    # A Traveller family travelling for occupational purposes (T).
    T = "T", "Travelling for work, Traveller family (T)"
    # A family holiday: the parents' own words; not a ground of the Regulations, so it
    # is recorded as G (holiday not granted) if the pupil is taken out anyway.
    HOLIDAY = "G", "Family holiday"


# The code each ground's sessions get when granted (a holiday is never granted a code
# of its own: granted at the head's discretion, it is exceptional circumstances, C).
GRANTED_CODE = {g.value: (g.value if g != LeaveGround.HOLIDAY else "C") for g in LeaveGround}
# Refused leave taken anyway (BS-23, BH-32, DS-39, BL-12): unauthorised, holiday not granted.
REFUSED_TAKEN_CODE = "G"


class LeaveRequestQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("Leave requests are part of the pupil's record; withdraw them.")

    def active(self):
        """Requests that still hold their sessions (pending or granted)."""
        return self.filter(status__in=LeaveRequest.HOLDING)

    def overlapping(self, *, pupil_id: int, first: tuple, last: tuple):
        """Requests of the pupil sharing at least one session with [first, last] (each a
        (date, "AM"|"PM") pair). "AM" < "PM", so pairs compare as the sessions do."""
        (fd, fp), (ld, lp) = first, last
        starts_before_end = Q(first_day__lt=ld) | Q(first_day=ld, first_period__lte=lp)
        ends_after_start = Q(last_day__gt=fd) | Q(last_day=fd, last_period__gte=fp)
        return self.filter(starts_before_end, ends_after_start, pupil_id=pupil_id)


class LeaveRequest(models.Model):
    """A request for leave of absence in term time, from a parent (portal) or entered
    by the office from a paper form (BS-20: "made on a leave of absence form")."""

    class Status(models.TextChoices):
        # Sent by the parent; nobody has looked at it yet.
        SUBMITTED = "submitted", "Submitted"
        # A decider has started looking at it (the parent sees it is being looked at).
        UNDER_REVIEW = "under_review", "Under review"
        # The decider asked the parent for more information or evidence (BS-24); the
        # parent's answer puts it back under review.
        MORE_INFORMATION = "more_information_requested", "More information requested"
        # Granted in full: every session pre-entered with the ground's code.
        GRANTED = "granted", "Granted"
        # Granted for some sessions only ("including the length of time", BS-22): those
        # are pre-entered, the rest are refused (G if taken).
        PARTLY_GRANTED = "partly_granted", "Partly granted"
        # Refused: the sessions, if the pupil is absent anyway, are G (BH-32, DS-39).
        REFUSED = "refused", "Refused"
        # Withdrawn by the parent (or the office for them) before it was taken: planned
        # entries for days to come are withdrawn, nothing is left behind (DESIGN §5).
        WITHDRAWN = "withdrawn", "Withdrawn"

    PENDING = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.MORE_INFORMATION})
    DECIDED = frozenset({Status.GRANTED, Status.PARTLY_GRANTED, Status.REFUSED})
    # A request in these states holds its sessions: another one for them is refused.
    HOLDING = PENDING | {Status.GRANTED, Status.PARTLY_GRANTED}

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="leave_requests")
    # The parent with parental responsibility who asked (null: entered by the office
    # without naming one); and the account that submitted it (the parent, or staff).
    requested_by_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The school-local date the school received it: the notice period and the
    # retrospective check count from here (DESIGN §9 `--requested-on`).
    requested_on = models.DateField()
    submitted_at = models.DateTimeField()
    first_day = models.DateField()
    first_period = models.CharField(max_length=2, choices=Period.choices, default=Period.AM)
    last_day = models.DateField()
    last_period = models.CharField(max_length=2, choices=Period.choices, default=Period.PM)
    ground = models.CharField(max_length=2, choices=LeaveGround.choices)
    # In the parent's own words.
    reason = models.TextField(max_length=4000)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.SUBMITTED)
    # What the school told the parent: the reason for a refusal or a partial grant,
    # the question asked, or a note with a grant. Shown in the letter and the portal.
    decision = models.TextField(max_length=4000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_role = models.CharField(max_length=30, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The sessions granted, as "YYYY-MM-DD AM" (every requested school session when
    # granted in full; the chosen ones when partly granted; empty otherwise).
    granted_sessions = models.JSONField(default=list, blank=True)
    # The decision letters drafted for it (letters.IssuedLetter ids, one per recipient,
    # every decision's): the portal shows them (`selectors.leave.decision_letters`).
    decision_letter_ids = models.JSONField(default=list, blank=True)
    # The version whose question ("more information requested") was emailed to the
    # parents: the email task claims it by a conditional UPDATE, so it goes once.
    asked_version = models.PositiveIntegerField(default=0)
    # Bumped on every change of status: a decision made on a stale page is refused.
    version = models.PositiveIntegerField(default=1)

    objects = tenant_manager(models.Manager.from_queryset(LeaveRequestQuerySet))

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "first_day"]),
            models.Index(fields=["school", "pupil", "first_day"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="leave_ends_in_order",
                condition=Q(last_day__gt=models.F("first_day"))
                | Q(last_day=models.F("first_day"), last_period__gte=models.F("first_period")),
            ),
        ]

    def __str__(self):
        return f"Leave {self.pk}: {self.pupil_id} {self.first_day}–{self.last_day}"

    def delete(self, *args, **kwargs):
        raise PermissionError("Leave requests are part of the pupil's record; withdraw them.")

    def clean(self):
        errors = {}
        if self.pupil_id and self.school_id and self.pupil.school_id != self.school_id:
            errors["pupil"] = "That pupil is not at this school."
        if self.requested_by_contact_id and self.requested_by_contact.pupil_id != self.pupil_id:
            errors["requested_by_contact"] = "That contact is not one of this pupil's."
        if self.first_day and self.last_day and self.last < self.first:
            errors["last_day"] = "The last day is before the first day."
        if errors:
            raise ValidationError(errors)

    @property
    def first(self) -> tuple[date, str]:
        return (self.first_day, self.first_period)

    @property
    def last(self) -> tuple[date, str]:
        return (self.last_day, self.last_period)

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def is_decided(self) -> bool:
        return self.status in self.DECIDED

    @property
    def granted_code(self) -> str:
        return GRANTED_CODE[self.ground]

    def covers(self, day: date, period: str) -> bool:
        return self.first <= (day, period) <= self.last


class LeaveEvidence(models.Model):
    """A file a parent sent with a request (a licence, an invitation, a letter).

    Stored outside the web root (settings.PRIVATE_STORAGE_ROOT), its type checked by its
    content (absences.evidence), and served only by `views.leave.leave_evidence`, which
    checks the school and the reader. Never deleted while its request stands."""

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    request = models.ForeignKey(LeaveRequest, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(storage=private_storage, upload_to=evidence_path, max_length=300)
    # As the parent named it (shown, never used as a path).
    original_name = models.CharField(max_length=200)
    # Found from the content ("application/pdf", "image/jpeg", "image/png").
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    objects = tenant_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["school", "request"])]

    def __str__(self):
        return self.original_name


class LeaveChecks(models.Model):
    """The school's checks on a request (DESIGN §9 `leave_assess`), created from its
    policy preset (absences.leave_presets) the first time they are read. Each can be
    switched off; a check switched off is not shown. The decision stays a person's."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="leave_checks")
    # The preset these came from (blank: the defaults), for the settings page.
    preset = models.CharField(max_length=40, blank=True)
    # Asked at least N days before the first day (BS-21, BH-28): short notice is
    # flagged, never refused by itself.
    notice_period = models.BooleanField("flag short notice", default=True)
    notice_days = models.PositiveSmallIntegerField(
        "notice period (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # Leave is granted in advance, never for days already past (BH-31; the Regulations).
    retrospective = models.BooleanField("refuse retrospective requests", default=True)
    # Any unauthorised absence (G, N, O, U) this academic year (BH-29).
    unauthorised_on_record = models.BooleanField(
        "refuse where unauthorised absence is on record this year", default=False
    )
    # Authorised absence above N % of possible sessions this year, strictly (BH-30).
    authorised_over = models.BooleanField(
        "refuse where authorised absence is above the limit", default=False
    )
    authorised_limit_pct = models.PositiveSmallIntegerField(
        "authorised absence limit (%)", default=10, validators=[MaxValueValidator(100)]
    )
    # Family holidays are not granted (BS-23, BH, DS-38, BL-12, LE-33).
    holiday = models.BooleanField("refuse family holidays", default=True)

    objects = tenant_manager()

    class Meta:
        verbose_name_plural = "leave checks"

    def __str__(self):
        return f"Leave checks of {self.school_id}"
