"""A school's escalation policy: its ladder of rules and its legal settings (DESIGN.md §7).

Why one JSON list of rules (validated by `escalation.ladder`) and not a `Rule` row per
rule: a ladder is chosen, edited, validated and versioned as a whole (ids unique,
stages coherent, one rule's edit can make another redundant), presets are plain data
files that copy in one write, the nightly run reads one row per school (no join, no N
queries), and a decision keeps the rule's id (`<preset>/<RULES.md id>`) plus the
policy's `version`, which is enough to say which wording of a rule fired. Rows per
rule would buy nothing the run needs and cost ordering and partial-save problems.

Created lazily from `school.policy_preset` (`escalation.services.run.policy_for`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from registers.models import School, tenant_manager

from .. import ladder


class Issuer(models.TextChoices):
    # The school issues penalty notices itself, after the local authority's check (BS-36).
    SCHOOL = "school", "The school (after the local authority's check)"
    # The school refers to the local authority, which issues (BH-22, BL-27, LE-27, DS-29).
    LA = "la", "The local authority, on the school's referral"


class EscalationPolicy(models.Model):
    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="escalation_policy"
    )
    # The preset the rules came from (`blue-sky`, ...): the first half of a decision's
    # rule name (`blue-sky/BS-28`), kept when the school edits a rule.
    preset = models.CharField(max_length=40)
    # The ladder as plain data (a list of rule dicts, `escalation.ladder`).
    rules = models.JSONField(default=list)
    # Raised by every save of the rules, so a decision can name the wording that fired.
    version = models.PositiveIntegerField(default=1)
    issuer = models.CharField(max_length=10, choices=Issuer.choices, default=Issuer.SCHOOL)
    # Default improvement period of a notice to improve, in school weeks (BS-41: 3-6).
    nti_weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(3), MaxValueValidator(6)]
    )
    # Days a penalty notice keeps the legal track at `penalty_notice` (RULES.md §0.4).
    payment_period_days = models.PositiveSmallIntegerField(default=28)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        verbose_name_plural = "escalation policies"

    def __str__(self):
        return f"{self.preset} policy of school {self.school_id}"

    def clean(self):
        try:
            ladder.ladder_from_data(self.rules)
        except ladder.LadderError as exc:
            raise ValidationError({"rules": exc.messages}) from exc

    def ladder(self) -> list[ladder.Rule]:
        """The rules, validated (raises `ladder.LadderError` on stored nonsense)."""
        return ladder.ladder_from_data(self.rules)
