"""First-day calling: a pupil's day on the calling list, each call attempt, what the
safeguarding lead did, and the welfare tasks the triggers raise (issue 9; RULES.md FDC, HV).

The calling list itself is computed (absences.selectors.calling) from today's marks; a
`CallingDay` row holds what must outlive a page view: that a pupil was escalated as "not
accounted for" (moved by the beat task with a conditional UPDATE, DESIGN §2: the deadline
lives in the database, never in a Celery ETA) and how the lead closed it.
"""

from django.conf import settings
from django.db import models

from registers.models import Contact, Pupil, Role, School, tenant_manager
from registers.models.crossing import refuse_other_schools


class CallingDay(models.Model):
    """One pupil's unexplained absence on one school day, once the list has seen it."""

    class Status(models.TextChoices):
        # Absent without explanation; the office is still calling.
        TO_CALL = "to_call", "To call"
        # Someone with the pupil was reached, or the absence is now explained.
        ACCOUNTED_FOR = "accounted_for", "Accounted for"
        # Deadline passed or attempts used up: the safeguarding lead takes it over.
        NOT_ACCOUNTED_FOR = "not_accounted_for", "Not accounted for"

    class Why(models.TextChoices):
        DEADLINE = "deadline", "The deadline passed"
        ATTEMPTS = "attempts", "Too many failed attempts"
        CONTACTS_EXHAUSTED = "contacts_exhausted", "Every contact tried, nobody reached"

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TO_CALL)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_why = models.CharField(max_length=20, choices=Why.choices, blank=True)
    # How it was closed (a reached contact, an explained mark, or the lead).
    accounted_at = models.DateTimeField(null=True, blank=True)
    accounted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accounted_note = models.CharField(max_length=500, blank=True)

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "date"], name="calling_day_unique_pupil_date")
        ]
        indexes = [models.Index(fields=["school", "date", "status"])]

    def __str__(self):
        return f"{self.pupil_id} {self.date}: {self.status}"

    def clean(self):
        refuse_other_schools(self, ["pupil"])


class CallAttempt(models.Model):
    """One attempt to reach a pupil's contact about an unexplained absence (a legal-ish
    record of the school's enquiries: never deleted)."""

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke to them"  # reached: the pupil is accounted for
        VOICEMAIL = "voicemail", "Left a voicemail"  # a failed attempt
        TEXT_SENT = "text_sent", "Text or message sent"  # first contact (DS-11, BL-16)
        NO_ANSWER = "no_answer", "No answer"  # a failed attempt
        WRONG_NUMBER = "wrong_number", "Wrong number"  # a failed attempt; fix the contact

    FAILED = frozenset({Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.WRONG_NUMBER})

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    # The school day the absence is for (the attempt may be logged a little later).
    date = models.DateField()
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who was tried when not a contact on file ("aunt, number from the sibling's school"),
    # and the name kept as text so the record stands if the contact is edited.
    contact_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_role = models.CharField(max_length=30, blank=True)
    # The absence report the outcome created (a reason given on the phone).
    report_id = models.BigIntegerField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["school", "date", "pupil"])]

    def __str__(self):
        return f"{self.contact_name} {self.at:%H:%M}: {self.outcome}"

    def clean(self):
        refuse_other_schools(self, ["pupil", "contact"])

    @property
    def failed(self) -> bool:
        return self.outcome in self.FAILED


class LeadAction(models.Model):
    """What the designated safeguarding lead did for a pupil not accounted for."""

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    calling_day = models.ForeignKey(CallingDay, on_delete=models.PROTECT, related_name="actions")
    # A ProcedureAction value, or "other".
    action = models.CharField(max_length=30)
    note = models.CharField(max_length=1000, blank=True)
    # The action settled it: the pupil is safe and accounted for.
    pupil_safe = models.BooleanField(default=False)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_role = models.CharField(max_length=30)

    objects = tenant_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} at {self.at:%H:%M}"


class WelfareTask(models.Model):
    """A task a welfare trigger raised (LE-13..16, BS-11, BS-16, DS-09, DS-14, BH-10):
    suggested to a role, decided and closed by a person. Once per pupil per trigger per
    spell of absence (the unique constraint: a retried task raises nothing twice)."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "Home visit"
        WELFARE_CHECK = "welfare_check", "Welfare check"
        EVIDENCE_REQUEST = "evidence_request", "Ask for evidence or more information"
        CALL = "call", "Phone call"
        REFERRAL = "referral", "Referral"

    class Trigger(models.TextChoices):
        NO_CONTACT = "no_contact", "No contact could be reached"  # BS-11, DS-14, LE-13
        CONSECUTIVE_DAYS = "consecutive_days", "Consecutive days of absence"  # LE-16, BH-10
        ILLNESS = "illness", "Illness without medical evidence"  # LE-14, BS-16, DS-09
        VULNERABLE = "vulnerable", "Vulnerable pupil absent without explanation"  # LE-15

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # raised, nobody has acted yet
        DONE = "done", "Done"  # carried out, outcome recorded
        NOT_NEEDED = "not_needed", "Not needed"  # a person decided against it (say why)

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    # The first school day of the absence spell that raised it.
    spell_start = models.DateField()
    raised_on = models.DateField()
    due = models.DateField()
    assigned_role = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    detail = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=1000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = tenant_manager()

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "trigger", "spell_start"], name="welfare_task_once_per_spell"
            )
        ]
        indexes = [models.Index(fields=["school", "status", "due"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.pupil_id} ({self.trigger})"

    @property
    def assigned_role_label(self) -> str:
        return Role(self.assigned_role).label if self.assigned_role in Role.values else ""
