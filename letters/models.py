"""Letters: each school's templates (versioned), letterhead, issued letters, print batches.

An issued letter is a record of what was sent: its HTML, PDF and checksum never change
once rendered, and it is never deleted (a mistaken one is cancelled). Status moves only
through conditional UPDATEs in `letters.services`, so an action done twice happens once.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import slugify

from registers.models import (
    ROLES_PUPIL_RECORDS,
    ROLES_SCHOOL_SETTINGS,
    Pupil,
    Role,
    School,
    tenant_manager,
)

from .kinds import Kind

# Who may do what with letters (views read these). The wording and letterhead are the
# school's settings; letters are part of a pupil's record.
ROLES_EDIT_TEMPLATES = ROLES_SCHOOL_SETTINGS
ROLES_APPROVE = frozenset({Role.HEADTEACHER, Role.ATTENDANCE_LEAD})
ROLES_VIEW = ROLES_PUPIL_RECORDS
# Drafting by hand is casework; printing and posting is done in the office too.
ROLES_DRAFT = frozenset({Role.ATTENDANCE_OFFICER, Role.ATTENDANCE_LEAD, Role.HEADTEACHER})
# A letter's PDF, a print batch and who a letter went to carry parents' names and home
# addresses: the roles that see contacts in the API (ROLES_REGISTER_ANY_GROUP: office,
# attendance officer and lead, headteacher, school admin). A trust lead oversees figures
# (which letters went, of what kind, when) and never opens one; teachers go through the
# office.
ROLES_OPEN_LETTERS = ROLES_VIEW - {Role.TRUST_LEAD}
ROLES_PRINT = ROLES_OPEN_LETTERS

LOGO_MAX_BYTES = 1024 * 1024


def _school_dir(school: School) -> str:
    return f"letters/{slugify(school.slug)}"


def logo_path(instance, filename: str) -> str:
    return f"{_school_dir(instance.school)}/letterhead/{filename}"


def letter_pdf_path(instance, filename: str) -> str:
    return f"{_school_dir(instance.school)}/issued/{instance.created_at:%Y/%m}/{filename}"


def batch_pdf_path(instance, filename: str) -> str:
    return f"{_school_dir(instance.school)}/print/{filename}"


def validate_logo(file):
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError("The logo must be at most 1 MB; a 600 pixel wide PNG is plenty.")


class Letterhead(models.Model):
    """A school's letterhead and letter settings (one per school)."""

    class Addressing(models.TextChoices):
        EACH = "each", "One letter to each parent or carer, at their own address"
        TOGETHER = "together", "One letter addressed to all of them, at the first address"

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="letterhead")
    name = models.CharField(
        max_length=200, blank=True, help_text="Leave empty to use the school's name."
    )
    logo = models.ImageField(
        upload_to=logo_path, blank=True, validators=[validate_logo], help_text="PNG or JPEG, 1 MB."
    )
    address = models.TextField(blank=True, help_text="One line per line.")
    contact_line = models.CharField(
        max_length=300,
        blank=True,
        help_text="Whom parents contact about attendance, e.g. 'Mrs Khan, attendance officer, "
        "01632 960000, attendance@school.example'.",
    )
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_role = models.CharField(max_length=200, blank=True)
    addressing = models.CharField(
        max_length=10, choices=Addressing.choices, default=Addressing.EACH
    )
    school_day_hours = models.DecimalField(
        "hours of lessons in a school day",
        max_digits=3,
        decimal_places=1,
        default=Decimal("6.5"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text="Turns days missed into hours of learning lost in letters.",
    )
    la_name = models.CharField(
        "local authority team", max_length=200, blank=True, help_text="For missing-from-school."
    )
    la_address = models.TextField("local authority address", blank=True)
    la_email = models.EmailField("local authority email", blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = tenant_manager()

    def __str__(self):
        return f"Letterhead of {self.school}"


class LetterTemplate(models.Model):
    """One version of a school's wording for a kind of letter. Editing adds a version;
    a saved version never changes, so an issued letter always shows what it used."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    show_summary = models.BooleanField(
        "show the attendance table and chart",
        default=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = tenant_manager()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "version"], name="letter_template_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("A saved letter template never changes; save a new version.")
        super().save(*args, **kwargs)


class PrintBatch(models.Model):
    """One merged PDF of approved letters for posting."""

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pdf = models.FileField(upload_to=batch_pdf_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    letter_count = models.PositiveIntegerField()
    page_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "created_at"])]

    def __str__(self):
        return f"Print batch {self.pk} ({self.letter_count} letters)"


class IssuedLetterQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("Issued letters are records and are never deleted; cancel one.")


class IssuedLetter(models.Model):
    class Status(models.TextChoices):
        # Waiting for a headteacher or attendance lead to approve it (or cancel it).
        DRAFT = "draft", "Draft"
        # Approved: emailed automatically, or waiting for the next print batch.
        APPROVED = "approved", "Approved"
        # Sent to the recipients' email addresses with the PDF attached.
        EMAILED = "emailed", "Sent by email"
        # Included in a print batch for posting.
        PRINTED = "printed", "Printed"
        # Withdrawn before it went out; kept as a record.
        CANCELLED = "cancelled", "Cancelled"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        POST = "post", "Post"

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="+")
    template_version = models.PositiveIntegerField()
    # Figures count up to this day.
    as_of = models.DateField()
    letter_date = models.DateField()
    # The case or request behind the letter, as the caller described it.
    cause = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Whom this copy is written to: [{name, relationship, email, address_lines}].
    recipients = models.JSONField(default=list)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    # Filled once by the rendering task, then never changed.
    subject = models.CharField(max_length=300, blank=True)
    html = models.TextField(blank=True)
    pdf = models.FileField(upload_to=letter_pdf_path, blank=True, max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_error = models.CharField(max_length=500, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Set, by a conditional update, when the email is handed over (outbox): from then on
    # the approval cannot be undone, and the letter is never handed over twice.
    email_queued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)
    # Set when email gave up for good: the letter then goes into the print batch.
    email_failed_at = models.DateTimeField(null=True, blank=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    print_batch = models.ForeignKey(
        PrintBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(models.Manager.from_queryset(IssuedLetterQuerySet))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "pupil", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for pupil {self.pupil_id} ({self.status})"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("An issued letter never changes; services move its status.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Issued letters are records and are never deleted; cancel one.")

    @property
    def is_rendered(self) -> bool:
        return bool(self.sha256)

    @property
    def addressee_names(self) -> str:
        return ", ".join(r["name"] for r in self.recipients)

    @property
    def has_postal_address(self) -> bool:
        return any(r.get("address_lines") for r in self.recipients)
