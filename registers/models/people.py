"""People of a school: registration groups, pupils and their contacts."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from stdnum.gb import upn as upn_checker

from .crossing import connect_teacher_guard, refuse_other_schools
from .tenants import School, YearGroup, tenant_manager


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


# A teacher added to a group must hold a role at its school (registers.models.crossing).
connect_teacher_guard(RegistrationGroup.teachers.through)


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
    # The pupil's latest group, kept by registers.groups (group_move, the roll import),
    # for lists and letters ("class 4B"). Anything about a day (a register, who may be
    # marked on it, figures by group) reads the dated spells, GroupMembership (§4).
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
    # Also registered at another school (D is recorded for sessions spent there).
    dual_registered = models.BooleanField(default=False)
    # For the national daily attendance data share and the census (DfE ethnicity codes,
    # e.g. WBRI; blank when not obtained).
    ethnicity = models.CharField(max_length=4, blank=True)
    previously_looked_after = models.BooleanField(default=False)
    expected_leaving_date = models.DateField(null=True, blank=True)
    # The school's own flag for a pupil it wants called first (a safeguarding concern
    # short of a plan); first-day calling puts them with the other vulnerable pupils.
    flagged_vulnerable = models.BooleanField("flagged as vulnerable by the school", default=False)

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

    def clean(self):
        refuse_other_schools(self, ["registration_group"])

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
        # Vulnerable pupils are called first on the first-day list (DESIGN.md §1; the
        # absences issue: looked after, in need / protection plan, EHC plan, young carer,
        # flagged by the school).
        return (
            self.looked_after
            or self.child_in_need
            or self.sen == self.SEN.EHC_PLAN
            or self.young_carer
            or self.flagged_vulnerable
        )

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

    def clean(self):
        # Another school's pupil would let this contact's parent account into that school.
        refuse_other_schools(self, ["pupil"])
