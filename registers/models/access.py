"""The access log: who looked at which pupil's records, downloaded what, and who signed
in. Rows are written in the request that did it and never changed or deleted (the
models refuse; on PostgreSQL a trigger refuses too). A school admin searches and exports
them at /<school>/access-log/."""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is never changed.")

    def delete(self):
        raise PermissionError("The access log is never deleted.")


class AccessEvent(models.Model):
    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"  # a sign-in attempt; `outcome` says how it went
        PUPIL_VIEWED = "pupil_viewed", "Pupil's record viewed"  # one pupil's details
        PUPIL_LIST_VIEWED = "pupil_list_viewed", "Pupil list viewed"  # many pupils at once
        ATTENDANCE_VIEWED = "attendance_viewed", "Pupil's attendance viewed"  # figures, range
        LETTER_DOWNLOADED = "letter_downloaded", "Letter opened or downloaded"  # one PDF
        PRINT_BATCH_DOWNLOADED = "print_batch_downloaded", "Print batch downloaded"  # merged PDF
        EXPORT_DOWNLOADED = "export_downloaded", "Export downloaded"  # CSV/JSON of many pupils
        EVIDENCE_PACK_DOWNLOADED = "evidence_pack_downloaded", "Evidence pack downloaded"
        # A school admin removed a colleague's authenticator and backup codes (lost phone);
        # `name` is the admin, `description` whose devices.
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in reset"
        # A school admin revoked a colleague's API token; `description` says which.
        API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"  # the page or file was given
        FAILED = "failed", "Failed"  # wrong username or password
        LOCKED_OUT = "locked_out", "Locked out"  # too many failures (django-axes)

    # Null for a sign-in with an unknown username (no school can be named).
    school = models.ForeignKey(
        "registers.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # As it was at the time: the name typed for a failed sign-in, else the person's name.
    name = models.CharField(max_length=200)
    roles = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.ALLOWED)
    pupil = models.ForeignKey(
        "registers.Pupil", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What was opened, in words ("letter 12, first_absence, 2025-01-10").
    description = models.CharField(max_length=300, blank=True)
    # Safeguarding fields the answer carried (looked_after, child_in_need, ...), if any.
    safeguarding_fields = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(db_index=True)

    objects = ScopedManager(
        _manager_class=models.Manager.from_queryset(AccessEventQuerySet), school="school"
    )

    class Meta:
        indexes = [models.Index(fields=["school", "-at"], name="access_school_at")]
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.name} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is never deleted.")
