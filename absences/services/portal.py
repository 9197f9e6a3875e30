"""Parent portal invitations: invite, revoke, accept, refuse (the absences issue, "Parent
portal"; DESIGN.md §3 "Parents are users linked to Contacts with parental responsibility").

Who may be invited: a contact with parental responsibility, an email address on file and
no account yet. A contact without parental responsibility is never invited and never
linked, whatever the staff or the link say.

Who gets linked at acceptance, and how the wrong person is kept out:
- The school vouches for the address: an invitation covers the family at the inviting
  school: at acceptance every contact of that school with parental responsibility, the
  invitation's address and no other account is linked (brothers and sisters, including
  one added after the email went out). A contact whose email the school corrected after
  inviting is left out (the old address no longer speaks for it).
- The account is matched by email, never created twice: when an account already holds
  the invited address (the same parent invited by a second school of the trust, or for a
  child joining later) the invitation adds the children to THAT account, and only after
  its password is given on the acceptance page. Holding the email (the link) alone
  never opens an existing account, and a person signed in on a shared computer with
  another account cannot pick up someone else's invitation without that account's
  password.
- Nothing is linked by email alone across schools: another school's contacts with the
  same address wait for that school's own invitation.
- The recipient can answer "this is not for me", which closes the link and tells the
  school (an event on each child's timeline).

Tokens: 32 random bytes (`secrets.token_urlsafe`), stored as SHA-256 only; single use
(accepting is a conditional UPDATE that only one request wins), expiring after
`INVITATION_DAYS`, and revoked when the same person is invited again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from registers.models import Contact, School
from registers.tenancy import all_schools, school_scope

from ..events import PortalEvent, portal_changed
from ..models.portal import INVITATION_DAYS, InvitedContact, PortalInvitation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Invited:
    """An invitation just made, with the token for its email (never stored)."""

    invitation: PortalInvitation
    token: str
    contacts: list[Contact]


@dataclass
class Skipped:
    contact: Contact
    why: str


def invitable(contact: Contact) -> str:
    """Why a contact cannot be invited ("" if they can)."""
    if not contact.parental_responsibility:
        return "has no parental responsibility recorded, so cannot use the portal"
    if not contact.email:
        return "has no email address on file"
    if contact.user_id:
        return "already has an account"
    return ""


@transaction.atomic
def invitations_create(
    *, school: School, contacts: list[Contact], user, role: str, now: datetime | None = None
) -> tuple[list[Invited], list[Skipped]]:
    """Invite the given contacts of `school` (in its scope): one invitation per email
    address, covering every contact of the school with parental responsibility, that
    address and no account (brothers and sisters). Earlier open invitations to the same
    address or contacts are revoked ("reinvited"): only the newest link works.

    Returns (invitations made with their tokens, contacts skipped with why). Send the
    emails with `invitation_send` after the transaction has committed.
    """
    now = now or timezone.now()
    skipped = [Skipped(c, why) for c in contacts if (why := invitable(c))]
    wanted = {c.email.strip().lower() for c in contacts if not invitable(c)}
    if not wanted:
        return [], skipped
    email_q = Q()
    for email in wanted:
        email_q |= Q(email__iexact=email)
    covered: dict[str, list[Contact]] = defaultdict(list)
    family = (
        Contact.objects.filter(
            email_q, school=school, parental_responsibility=True, user__isnull=True
        )
        .select_related("pupil")
        .order_by("pupil__legal_surname", "pupil__legal_forename")
    )
    for contact in family:
        covered[contact.email.strip().lower()].append(contact)
    all_ids = [c.pk for cs in covered.values() for c in cs]
    _revoke_open(
        school=school,
        open_q=Q(email__in=list(covered)) | Q(invited__contact_id__in=all_ids),
        reason=PortalInvitation.Revoked.REINVITED,
        user=user,
        role=role,
        now=now,
    )
    made = []
    for email, people in sorted(covered.items()):
        token = secrets.token_urlsafe(32)
        invitation = PortalInvitation(
            school=school,
            email=email,
            token_hash=token_hash(token),
            created_by=user,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        invitation.full_clean()
        invitation.save()
        InvitedContact.objects.bulk_create(
            InvitedContact(school=school, invitation=invitation, contact=c) for c in people
        )
        portal_changed(
            kind=PortalEvent.INVITED,
            contacts=people,
            user=user,
            role=role,
            when=now,
            invitation_id=invitation.pk,
            email=email,
        )
        made.append(Invited(invitation, token, people))
    return made, skipped


def _revoke_open(*, school, open_q: Q, reason: str, user, role: str, now) -> int:
    """Revoke the school's open invitations matching `open_q` (conditional UPDATE)."""
    ids = list(
        PortalInvitation.objects.filter(
            open_q, school=school, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    if not ids:
        return 0
    changed = PortalInvitation.objects.filter(
        pk__in=ids, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_reason=reason)
    contacts = Contact.objects.filter(
        school=school, pk__in=InvitedContact.objects.filter(invitation_id__in=ids).values("contact")
    )
    portal_changed(
        kind=PortalEvent.INVITATION_REVOKED,
        contacts=list(contacts),
        user=user,
        role=role,
        when=now,
        why=reason,
    )
    return changed


@transaction.atomic
def invitation_revoke(*, school: School, contact: Contact, user, role: str) -> int:
    """Withdraw the open invitation(s) covering a contact. Returns how many closed."""
    return _revoke_open(
        school=school,
        open_q=Q(invited__contact=contact),
        reason=PortalInvitation.Revoked.WITHDRAWN,
        user=user,
        role=role,
        now=timezone.now(),
    )


def invitation_send(*, invited: Invited, link: str) -> bool:
    """Email the link (an absolute URL carrying the token). Sets `sent_at`; False, with
    nothing sent, if the mail server refused (the staff page says so)."""
    invitation = invited.invitation
    school = invitation.school
    context = {
        "school": school,
        "link": link,
        "children": [c.pupil.forename for c in invited.contacts],
        "name": invited.contacts[0].name if invited.contacts else "",
        "days": INVITATION_DAYS,
        "expires_at": invitation.expires_at,
    }
    try:
        send_mail(
            subject=f"{school.name}: your parent portal invitation",
            message=render_to_string("absences/portal_invitation_email.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except OSError:
        return False
    with school_scope(school):
        PortalInvitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


# ---- Acceptance (outside any school: the link is all the recipient has) -----------------


class InvitationClosed(Exception):
    """The link cannot be used: `why` is "unknown", "accepted", "revoked" or "expired"."""

    def __init__(self, why: str, invitation: PortalInvitation | None = None):
        super().__init__(why)
        self.why = why
        self.invitation = invitation


def invitation_by_token(token: str, *, now: datetime | None = None) -> PortalInvitation:
    """The open invitation of a token, or InvitationClosed. Looked up by hash across
    schools (the link carries no school), the school loaded with it."""
    now = now or timezone.now()
    with all_schools():
        invitation = (
            PortalInvitation.objects.select_related("school")
            .filter(token_hash=token_hash(token or ""))
            .first()
        )
    if invitation is None:
        raise InvitationClosed("unknown")
    if invitation.accepted_at is not None:
        raise InvitationClosed("accepted", invitation)
    if invitation.revoked_at is not None:
        raise InvitationClosed("revoked", invitation)
    if now >= invitation.expires_at:
        raise InvitationClosed("expired", invitation)
    return invitation


def linkable_contacts(invitation: PortalInvitation, *, user=None) -> list[Contact]:
    """The contacts linked when the invitation is accepted: every contact of the
    invitation's school with parental responsibility, the invited address (any case) and
    no account or this one. The invitation covers the family: a brother or sister whose
    contact was added, or given this address, after the email went out is linked too (the
    school's own records vouch for it; a contact whose address changed is left out)."""
    with school_scope(invitation.school):
        contacts = Contact.objects.filter(
            school=invitation.school,
            parental_responsibility=True,
            email__iexact=invitation.email.strip(),
        ).select_related("pupil")
        if user is not None and user.pk:
            contacts = contacts.filter(Q(user__isnull=True) | Q(user=user))
        else:
            contacts = contacts.filter(user__isnull=True)
        return list(contacts.order_by("pupil__legal_forename"))


def account_for_email(email: str):
    """The existing account holding this address (as email or username), if any."""
    User = get_user_model()
    return (
        User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email), is_active=True)
        .order_by("pk")
        .first()
    )


def invitation_accept(*, token: str, user=None, password: str, now: datetime | None = None):
    """Accept an invitation: link its contacts to an account and return the account.

    `user` None: a new account (username = the invited address) with `password`, checked
    by Django's password validators. `user` given (signed in): `password` must be that
    account's. Raises InvitationClosed for a used, revoked, expired or unknown link, and
    ValidationError {"password": [...]} / {"__all__": [...]} with nothing changed.
    """
    now = now or timezone.now()
    invitation = invitation_by_token(token, now=now)
    User = get_user_model()
    if user is None:
        if account_for_email(invitation.email) is not None:
            raise ValidationError(
                "An account with this email address already exists: sign in with it, "
                "then open the link again to add your children to it."
            )
        user = User(username=invitation.email, email=invitation.email)
        validate_password(password, user)
        user.set_password(password)
    elif not user.check_password(password):
        raise ValidationError({"password": ["That is not the password of this account."]})
    contacts = linkable_contacts(invitation, user=user)
    if not contacts:
        raise ValidationError(
            "The school's details for this invitation have changed since it was sent. "
            "Please ask the school for a new invitation."
        )
    school = invitation.school
    with transaction.atomic(), school_scope(school):
        won = PortalInvitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now)
        if not won:
            raise InvitationClosed("accepted", invitation)
        if user.pk is None:
            user.first_name, _, user.last_name = contacts[0].name.partition(" ")
            user.full_clean(exclude=["password"])
            user.save()
        PortalInvitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        linked = Contact.objects.filter(
            Q(user__isnull=True) | Q(user=user), pk__in=[c.pk for c in contacts]
        ).update(user=user)
        if linked != len(contacts):
            raise ValidationError("Someone else accepted this invitation at the same moment.")
        portal_changed(
            kind=PortalEvent.LINKED,
            contacts=contacts,
            user=user,
            role="",
            when=now,
            invitation_id=invitation.pk,
        )
    return user


def invitation_refuse(*, token: str, now: datetime | None = None) -> PortalInvitation:
    """ "This invitation is not for me": the link stops working and the school is told."""
    now = now or timezone.now()
    invitation = invitation_by_token(token, now=now)
    with transaction.atomic(), school_scope(invitation.school):
        closed = PortalInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now, revoked_reason=PortalInvitation.Revoked.NOT_ME)
        if closed:
            contacts = list(
                Contact.objects.filter(
                    school=invitation.school,
                    pk__in=InvitedContact.objects.filter(invitation=invitation).values("contact"),
                )
            )
            portal_changed(
                kind=PortalEvent.INVITATION_REFUSED,
                contacts=contacts,
                user=None,
                role="",
                when=now,
                invitation_id=invitation.pk,
                email=invitation.email,
            )
    return invitation
