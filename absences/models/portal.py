"""Invitations to the parent portal (the absences issue, "Parent portal").

School staff invite a contact with parental responsibility who has an email address on
file. The email carries a single-use link that expires; only the SHA-256 of its token is
stored, so the table cannot be used to sign anybody in. One invitation goes to one email
address at one school and covers every contact of that school with parental
responsibility and that address and no account yet (brothers and sisters at the school
share one email). Its state moves only through `absences.services.portal`, by
conditional UPDATEs: accepted once, revoked once, never both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from registers.models import Contact, Role, School, tenant_manager
from registers.models.crossing import refuse_other_schools

# Who invites parents to the portal: the office and the school's administrators.
ROLES_PORTAL_INVITE = frozenset({Role.OFFICE, Role.SCHOOL_ADMIN, Role.HEADTEACHER})

# How long an invitation link works (days). The Parent portal's invitations are a
# one-off act; a parent who misses it is simply invited again.
INVITATION_DAYS = 14


class PortalInvitation(models.Model):
    class Revoked(models.TextChoices):
        # The school invited the same person again: only the newest link works.
        REINVITED = "reinvited", "Replaced by a newer invitation"
        # Staff withdrew it.
        WITHDRAWN = "withdrawn", "Withdrawn by the school"
        # The person who received it said it was not meant for them.
        NOT_ME = "not_me", "The recipient said it was not for them"

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    # Lower-cased; the account is matched by it at acceptance.
    email = models.EmailField()
    # sha256 hex of the token in the link; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=12, choices=Revoked.choices, blank=True)
    # Set when the email was handed to the mail server (a failure leaves it empty and
    # the staff page says so).
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "email"])]
        constraints = [
            models.CheckConstraint(
                name="portal_invitation_accepted_or_revoked",
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"Invitation {self.pk} to {self.email}"

    def is_open(self, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at


class InvitedContact(models.Model):
    """One contact an invitation covers (a child's parent at the school)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT)
    invitation = models.ForeignKey(
        PortalInvitation, on_delete=models.PROTECT, related_name="invited"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "contact"], name="invited_contact_unique"
            ),
        ]
        indexes = [models.Index(fields=["school", "contact"])]

    def __str__(self):
        return f"Invitation {self.invitation_id} for contact {self.contact_id}"

    def clean(self):
        refuse_other_schools(self, ["invitation", "contact"])
