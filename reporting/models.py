"""Comparison figures: national and local-authority attendance an administrator enters
(from the DfE's published statistics), shown beside a school's own figures.

Not school-owned: one national row per phase and year serves every school; a local
authority's row serves its schools (matched on `School.la_code`). Entered in the admin.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from registers.models import School

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ComparisonFigure(models.Model):
    class Area(models.TextChoices):
        NATIONAL = "national", "England"  # all state-funded schools of the phase
        LOCAL_AUTHORITY = "la", "Local authority"  # the schools of one local authority

    area = models.CharField(max_length=10, choices=Area.choices)
    # The local authority's 3-digit number (as School.la_code); blank for England.
    la_code = models.CharField("LA code", max_length=3, blank=True)
    phase = models.CharField(max_length=20, choices=School.Phase.choices)
    academic_year = models.CharField(max_length=9, help_text="e.g. 2024/25")
    attendance_pct = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)
    authorised_pct = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)
    unauthorised_pct = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)
    persistent_absence_rate = models.DecimalField(
        max_digits=5, decimal_places=2, validators=PERCENT
    )
    severe_absence_rate = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)
    source = models.CharField(
        max_length=300, help_text="Where the figures come from (publication and date)."
    )
    # Made-up figures (the demo): always labelled SAMPLE wherever shown.
    sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["academic_year", "phase", "area", "la_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "la_code", "phase", "academic_year"],
                name="comparison_unique_area_phase_year",
            ),
        ]

    def __str__(self):
        where = self.get_area_display() if not self.la_code else f"LA {self.la_code}"
        return f"{where} {self.get_phase_display()} {self.academic_year}"

    def clean(self):
        if self.area == self.Area.LOCAL_AUTHORITY and not self.la_code:
            raise ValidationError({"la_code": "A local authority's figures need its LA code."})
        if self.area == self.Area.NATIONAL and self.la_code:
            raise ValidationError({"la_code": "England's figures have no LA code."})

    @property
    def label(self) -> str:
        name = "England" if self.area == self.Area.NATIONAL else f"Local authority {self.la_code}"
        return f"{name} (SAMPLE)" if self.sample else name


# Large exports' jobs live beside the code that runs them.
from .export_jobs import ExportJob  # noqa: E402, F401
