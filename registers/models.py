"""The core: tenants, people, the calendar, the national codes and the marks.

Every school-owned model has a NOT NULL `school` and a scoped manager: a query run
with no school (or trust) selected raises `ScopeError` instead of leaking rows
(django-scopes). Views get the scope from `SchoolMiddleware`; commands and Celery
tasks enter it themselves with `registers.tenancy.school_scope`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager
from stdnum.gb import upn as upn_checker


class YearGroup(models.TextChoices):
    N1 = "N1", "Nursery 1"
    N2 = "N2", "Nursery 2"
    R = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"


class Period(models.TextChoices):
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"


class Role(models.TextChoices):
    TEACHER = "teacher", "Class teacher"  # takes the registers of their groups
    OFFICE = "office", "Office staff"  # logs calls, chases absence, sees untaken registers
    ATTENDANCE_OFFICER = "attendance_officer", "Attendance officer"  # casework
    ATTENDANCE_LEAD = "attendance_lead", "Attendance lead"  # dashboards, escalation
    HEADTEACHER = "headteacher", "Headteacher"  # decides leave and legal steps
    SCHOOL_ADMIN = "school_admin", "School administrator"  # set-up, users, imports
    TRUST_LEAD = "trust_lead", "Trust attendance lead"  # held at a trust, sees its schools


# Who may do what, in one place; views and API permissions read these.
ROLES_ALL_STAFF = frozenset(Role.values) - {Role.TRUST_LEAD}
ROLES_REGISTER_ANY_GROUP = frozenset(
    {
        Role.OFFICE,
        Role.ATTENDANCE_OFFICER,
        Role.ATTENDANCE_LEAD,
        Role.HEADTEACHER,
        Role.SCHOOL_ADMIN,
    }
)
ROLES_PUPIL_RECORDS = ROLES_REGISTER_ANY_GROUP | {Role.TRUST_LEAD}
ROLES_SCHOOL_ADMIN = frozenset({Role.SCHOOL_ADMIN, Role.HEADTEACHER})
# The school's own settings that shape recording (its absence reasons).
ROLES_SCHOOL_SETTINGS = ROLES_SCHOOL_ADMIN | {Role.ATTENDANCE_LEAD}


# The largest row id (BigAutoField): a larger number posted is no row of ours, and would
# reach the database as an overflow instead of a "no such row".
MAX_ID = 2**63 - 1


def tenant_manager(manager_class=models.Manager):
    """A manager that refuses to query without a school (or list of schools) in scope."""
    return ScopedManager(_manager_class=manager_class, school="school")


class Trust(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)

    def __str__(self):
        return self.name


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        MIDDLE = "middle", "Middle"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"
        INDEPENDENT = "independent", "Independent"

    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=7, blank=True)
    la_code = models.CharField("LA code", max_length=3, blank=True)
    estab = models.CharField("establishment number", max_length=4, blank=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.PRIMARY)
    attendance_target = models.DecimalField(max_digits=5, decimal_places=2, default=96)
    timezone = models.CharField(max_length=40, default="Europe/London")
    policy_preset = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Schools choose whether the system replaces an N left past its deadline by O.
    replace_overdue_n_with_o = models.BooleanField(default=False)

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A member of staff's role at one school, or a trust lead's at one trust."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_school_xor_trust",
                condition=(Q(school__isnull=False, trust__isnull=True) & ~Q(role="trust_lead"))
                | (Q(school__isnull=True, trust__isnull=False) & Q(role="trust_lead")),
            ),
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="membership_unique_school_role"
            ),
            models.UniqueConstraint(
                fields=["user", "trust", "role"], name="membership_unique_trust_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.role} at {self.school or self.trust}"


class RegistrationGroup(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    name = models.CharField(max_length=40)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices, blank=True)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="registration_groups"
    )

    objects = tenant_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="group_unique_name"),
        ]

    def __str__(self):
        return self.name


def validate_upn(value: str):
    if not upn_checker.is_valid(value):
        raise ValidationError(f"{value!r} is not a valid UPN (13 characters with a check letter).")


def build_upn(*, la_code: str, estab: str, year: int, serial: int) -> str:
    """A UPN with its check letter: LA number, establishment, 2-digit year, serial."""
    body = f"{int(la_code):03d}{int(estab):04d}{year % 100:02d}{serial:03d}"
    return upn_checker.calc_check_digit(body) + body


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other / not stated"

    class SEN(models.TextChoices):
        NONE = "N", "No special educational need"
        SUPPORT = "K", "SEN support"
        EHC_PLAN = "E", "Education, health and care plan"

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    upn = models.CharField("UPN", max_length=13, validators=[validate_upn])
    legal_forename = models.CharField(max_length=100)
    legal_surname = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    registration_group = models.ForeignKey(
        RegistrationGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="pupils"
    )
    on_roll_from = models.DateField()
    on_roll_to = models.DateField(null=True, blank=True)
    sen = models.CharField("SEN", max_length=1, choices=SEN.choices, default=SEN.NONE)
    fsm = models.BooleanField("free school meals", default=False)
    eal = models.BooleanField("English as an additional language", default=False)
    looked_after = models.BooleanField(default=False)
    child_in_need = models.BooleanField("child in need / protection plan", default=False)
    young_carer = models.BooleanField(default=False)

    objects = tenant_manager()

    class Meta:
        ordering = ["legal_surname", "legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="pupil_unique_upn"),
            models.CheckConstraint(
                name="pupil_roll_dates_in_order",
                condition=Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=models.F("on_roll_from")),
            ),
        ]
        indexes = [models.Index(fields=["school", "registration_group"])]

    def __str__(self):
        return f"{self.display_name} ({self.upn})"

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def initials(self) -> str:
        return f"{self.forename[:1]}{self.surname[:1]}".upper()

    @property
    def is_vulnerable(self) -> bool:
        # Vulnerable pupils are called first on the first-day list (DESIGN.md §1).
        return self.looked_after or self.child_in_need or self.sen == self.SEN.EHC_PLAN

    def on_roll(self, day) -> bool:
        return self.on_roll_from <= day and (self.on_roll_to is None or day <= self.on_roll_to)


class Contact(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contacts")
    priority = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60, blank=True)
    parental_responsibility = models.BooleanField(default=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Postal address, one line per line.
    address = models.TextField(blank=True)
    # The parent's portal login, when they have one.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )

    objects = tenant_manager()

    class Meta:
        ordering = ["pupil", "priority"]
        indexes = [models.Index(fields=["school", "pupil", "priority"])]

    def __str__(self):
        return f"{self.name} ({self.relationship})"


# ---- Calendar -------------------------------------------------------------------------


class AcademicYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    name = models.CharField(max_length=9)  # "2024/25"
    starts = models.DateField()
    ends = models.DateField()

    objects = tenant_manager()

    class Meta:
        ordering = ["starts"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="year_unique_name"),
        ]

    def __str__(self):
        return self.name


class Term(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=40)
    starts = models.DateField()
    ends = models.DateField()
    half_term_starts = models.DateField(null=True, blank=True)
    half_term_ends = models.DateField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["starts"]
        constraints = [
            models.CheckConstraint(
                name="term_dates_in_order", condition=Q(ends__gte=models.F("starts"))
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.academic_year}"


class Closure(models.Model):
    """A day inside a term with no sessions (bank holidays are added automatically)."""

    class Kind(models.TextChoices):
        INSET = "inset", "INSET / training day"
        BANK_HOLIDAY = "bank_holiday", "Bank holiday"
        PLANNED = "planned", "Planned closure"
        OTHER = "other", "Other"

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    date = models.DateField()
    reason = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    objects = tenant_manager()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="closure_unique_date"),
        ]

    def __str__(self):
        return f"{self.date}: {self.reason}"


class RegisterTimes(models.Model):
    """When a school's AM or PM register opens, after when arrival is late, when it closes."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="register_times")
    period = models.CharField(max_length=2, choices=Period.choices)
    opens = models.TimeField()
    late_after = models.TimeField()  # arrival after this and before `closes`: L
    closes = models.TimeField()  # arrival after this: U

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "period"], name="register_times_unique"),
            models.CheckConstraint(
                name="register_times_in_order",
                condition=Q(late_after__gte=models.F("opens"))
                & Q(closes__gte=models.F("late_after")),
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.opens:%H:%M} late after {self.late_after:%H:%M}"


class Session(models.Model):
    """One AM or PM session of a school day, with the register times it was set up with."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    date = models.DateField()
    period = models.CharField(max_length=2, choices=Period.choices)
    opens = models.TimeField()
    late_after = models.TimeField()
    closes = models.TimeField()

    objects = tenant_manager()

    class Meta:
        ordering = ["date", "period"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date", "period"], name="session_unique"),
        ]

    def __str__(self):
        return f"{self.date:%a %d %b %Y} {self.period}"


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

    # Pre-entered marks stand on the teacher's register and are not overwritten by
    # "mark all present".
    PRE_ENTERED_SOURCES = frozenset({Source.OFFICE, Source.PARENT, Source.LEAVE})

    @property
    def is_pre_entered(self) -> bool:
        return self.source in self.PRE_ENTERED_SOURCES


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
