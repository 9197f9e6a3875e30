"""A school's first-day calling procedure as settings (issue 9, RULES.md FDC / HV rows).

One row per school, created lazily from `school.policy_preset` (absences/presets.py) the
first time it is read through `procedure_for(school)`. The calling list, the deadline
escalation, the welfare triggers, the N-code job and the parent portal read it.

`replace_overdue_n_with_o` is NOT stored here: `registers.School` already holds it (set by
`setup_school`); the procedure reads it through the property of that name and the settings
page writes it back to the school, so there is one truth.
"""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django_scopes import scopes_disabled

from registers.models import Membership, School, tenant_manager


class FirstContact(models.TextChoices):
    TEXT = "text", "Text message"  # an SMS to the first contact when the register closes
    MESSAGE = "message", "App or email message"  # the school's messaging app or an email
    CALL = "call", "Phone call"  # no message first: the office calls straight away


class ProcedureAction(models.TextChoices):
    """What the school lists for a pupil not accounted for (DS-14, BS-11, BL-18/34/35)."""

    OTHER_CONTACTS = "other_contacts", "Try every other contact on file"
    SIBLINGS_SCHOOLS = "siblings_schools", "Ask siblings' schools"
    SOCIAL_CARE = "social_care", "Contact the social care or early help worker"
    EDUCATION_WELFARE = "education_welfare", "Involve the education welfare officer"
    HOME_VISIT = "home_visit", "Make a home visit"
    POLICE_WELFARE_CHECK = "police_welfare_check", "Ask the police for a welfare check"


class TriggerTask(models.TextChoices):
    """The task a counted trigger raises (RULES.md vocabulary, DESIGN §7 task kinds)."""

    HOME_VISIT = "home_visit", "Home visit"
    EVIDENCE_REQUEST = "evidence_request", "Ask for evidence or more information"
    CALL = "call", "Phone call"


class AbsenceProcedure(models.Model):
    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    # The preset these values came from ("" for the default); edits keep the name.
    preset = models.CharField(max_length=40, blank=True)

    # ---- Contacting (DS-11..13, BS-10, BH-09, BL-15..19, LE-08) ----
    first_contact = models.CharField(
        "first contact at register close",
        max_length=10,
        choices=FirstContact.choices,
        default=FirstContact.TEXT,
    )
    call_after_minutes = models.PositiveSmallIntegerField(
        "call after (minutes from register close)",
        default=15,
        validators=[MaxValueValidator(240)],
        help_text="0 calls at once. DSAT: about 15 minutes after the first message.",
    )
    day_one_contacts = models.PositiveSmallIntegerField(
        "contacts to try on day 1",
        default=0,
        validators=[MaxValueValidator(20)],
        help_text="0 for every contact on file; Banks Lane tries contacts 1 and 2 on day 1.",
    )
    vulnerable_all_contacts_day_one = models.BooleanField(
        "for vulnerable pupils, try every contact on day 1", default=True
    )

    # ---- Deadline and escalation (DS-15, BS-11) ----
    deadline = models.TimeField(
        "every absent pupil accounted for by",
        default=time(10, 0),
        help_text="School time. After it an unexplained absence shows as not accounted for.",
    )
    failed_attempts_limit = models.PositiveSmallIntegerField(
        "failed attempts before 'not accounted for'",
        default=3,
        validators=[MaxValueValidator(20)],
        help_text="0: only the deadline (and every contact tried) escalate.",
    )
    escalate_when_contacts_exhausted = models.BooleanField(
        "escalate once every contact has been tried without reaching anyone", default=True
    )
    safeguarding_leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="safeguarding_lead_procedures",
        verbose_name="designated safeguarding leads",
        help_text="Staff at this school who see pupils not accounted for.",
    )
    # Ordered ProcedureAction values: what the lead is offered to record.
    actions = models.JSONField(default=list, blank=True)

    # ---- Welfare triggers (LE-13..16, BS-11, BS-16, DS-09, DS-14, BH-10, BL-19) ----
    trigger_no_contact = models.BooleanField(
        "home visit when no contact could be reached", default=True
    )
    trigger_consecutive_days = models.PositiveSmallIntegerField(
        "task on this consecutive day of absence",
        default=3,
        validators=[MaxValueValidator(30)],
        help_text="0 for none. Leeds: a home visit on the 3rd day.",
    )
    consecutive_days_task = models.CharField(
        max_length=20, choices=TriggerTask.choices, default=TriggerTask.HOME_VISIT
    )
    trigger_illness_days = models.PositiveSmallIntegerField(
        "ask for medical evidence on this school day of illness",
        default=6,
        validators=[MaxValueValidator(60)],
        help_text="0 for none. 'More than 5 days' is the 6th day.",
    )
    trigger_vulnerable_unexplained = models.BooleanField(
        "welfare check for a vulnerable pupil absent without explanation", default=True
    )

    # ---- Parent reports (read by the office and the portal) ----
    auto_accept_parent_illness = models.BooleanField(
        "accept a parent's illness report for today automatically", default=False
    )

    objects = tenant_manager()

    class Meta:
        verbose_name = "absence procedure"

    def __str__(self):
        return f"Absence procedure of {self.school}"

    @property
    def replace_overdue_n_with_o(self) -> bool:
        """The school's choice (registers.School): overdue N replaced by O nightly."""
        return self.school.replace_overdue_n_with_o

    def clean(self):
        unknown = [a for a in self.actions or [] if a not in ProcedureAction.values]
        if not isinstance(self.actions, list) or unknown:
            listed = ", ".join(map(str, unknown))
            raise ValidationError({"actions": [f"Unknown actions: {listed}."]})
        if len(set(self.actions)) != len(self.actions):
            raise ValidationError({"actions": ["Each action once."]})


def _refuse_outside_leads(sender, instance, action, reverse, pk_set, **kwargs):
    """A safeguarding lead must hold a role at the procedure's school (DESIGN §3)."""
    if action != "pre_add" or not pk_set or reverse:
        return
    with scopes_disabled():
        members = set(
            Membership.objects.filter(school_id=instance.school_id, user_id__in=pk_set).values_list(
                "user_id", flat=True
            )
        )
    if set(pk_set) - members:
        raise ValidationError(
            {"safeguarding_leads": ["A safeguarding lead must be a member of staff here."]}
        )


receiver(m2m_changed, sender=AbsenceProcedure.safeguarding_leads.through, dispatch_uid="dsl_guard")(
    _refuse_outside_leads
)


def procedure_for(school: School) -> AbsenceProcedure:
    """The school's procedure, created from `school.policy_preset` on first read.

    Needs the school's scope (views have it; tasks and commands enter it). Two first
    reads at once both end with the one row (the unique school decides)."""
    from ..presets import preset_values

    found = AbsenceProcedure.objects.filter(school=school).select_related("school").first()
    if found is not None:
        return found
    procedure = AbsenceProcedure(
        school=school, preset=school.policy_preset, **preset_values(school.policy_preset)
    )
    procedure.full_clean(exclude=["school"])
    try:
        with transaction.atomic():
            procedure.save()
    except IntegrityError:
        return AbsenceProcedure.objects.select_related("school").get(school=school)
    return procedure
