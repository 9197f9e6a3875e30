"""The calendar: academic years, terms, closures, register times and sessions (DESIGN.md §4)."""

from django.db import models
from django.db.models import Q

from .tenants import Period, School, tenant_manager

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
