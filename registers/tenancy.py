"""Tenant scope helpers: the one way code outside a request selects a school."""

from contextlib import contextmanager

from django.db.models import Q
from django_scopes import scope, scopes_disabled

from .models import Contact, Membership, Role, School

__all__ = [
    "school_scope",
    "trust_scope",
    "scopes_disabled",
    "roles_at",
    "staff_schools",
    "parent_schools",
]


@contextmanager
def school_scope(school: School | int):
    """Queries inside see only this school's rows (Celery tasks pass ids and re-enter)."""
    school_id = school.pk if isinstance(school, School) else school
    with scope(school=school_id):
        yield


@contextmanager
def trust_scope(schools):
    """Trust reporting: the listed schools together, and no others."""
    with scope(school=[s.pk if isinstance(s, School) else s for s in schools]):
        yield


def roles_at(user, school: School) -> frozenset[str]:
    """The user's roles at a school; a trust lead's trust role counts at its schools."""
    if not user.is_authenticated:
        return frozenset()
    at_school = Q(school=school)
    if school.trust_id:
        at_school |= Q(trust_id=school.trust_id, role=Role.TRUST_LEAD)
    return frozenset(Membership.objects.filter(at_school, user=user).values_list("role", flat=True))


def staff_schools(user):
    """Schools where the user is staff or trust lead, for the home page."""
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(
        pk__in=Membership.objects.filter(user=user, school__isnull=False).values("school")
    ) | School.objects.filter(
        trust__in=Membership.objects.filter(user=user, role=Role.TRUST_LEAD).values("trust")
    )


def parent_schools(user) -> list[dict]:
    """Where a parent account has children (contacts with parental responsibility linked
    to the account), for the home page until the parent portal exists:
    [{"school": School, "children": ["Sam", ...]}] by school name. One query, across
    schools by design (the account's own children only)."""
    if not user.is_authenticated:
        return []
    found: dict[int, dict] = {}
    with scopes_disabled():
        contacts = (
            Contact.objects.filter(user=user, parental_responsibility=True)
            .select_related("school", "pupil")
            .order_by("school__name", "pupil__legal_forename")
        )
        for contact in contacts:
            entry = found.setdefault(contact.school_id, {"school": contact.school, "children": []})
            if contact.pupil.forename not in entry["children"]:
                entry["children"].append(contact.pupil.forename)
    return list(found.values())
