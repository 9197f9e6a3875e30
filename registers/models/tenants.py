"""Tenants and roles: trusts, schools (the tenant), memberships, the role sets."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from ..validation import validate_timezone


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
    # An IANA name (zoneinfo); "today" at the school and register times follow it.
    timezone = models.CharField(
        max_length=40, default="Europe/London", validators=[validate_timezone]
    )
    policy_preset = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Schools choose whether the system replaces an N left past its deadline by O.
    replace_overdue_n_with_o = models.BooleanField(default=False)
    # Classroom computers are shared: a session left idle this long ends (staff and the
    # portal's parents), whatever "keep me signed in" said.
    session_idle_minutes = models.PositiveSmallIntegerField(
        "minutes of inactivity before signing out",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(12 * 60)],
    )

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
