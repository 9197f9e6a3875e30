"""Tenant scope helpers: the one way code selects a school (DESIGN.md §3).

Two layers follow the same calls:

- django-scopes (every database): a scoped manager queried with no school selected
  raises `ScopeError`.
- PostgreSQL row-level security (when `settings.DATABASE_RLS` is on, i.e. the app
  connects as a role that does not own the tables): `school_scope`, `trust_scope` and
  `all_schools` also set which schools' rows the *database* returns
  (`registers.rls` sends it with the next query). django-scopes' own
  `scopes_disabled()` does NOT widen that: inside a school's scope an unscoped query
  still sees only that school's rows. Only `all_schools()` (cross-school work by
  design: beat fan-outs, the outbox, the superuser admin, a parent's own children)
  opens every school; with nothing selected the database returns no tenant rows.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q
from django_scopes import scope, scopes_disabled

from .models import Contact, Membership, Role, School

__all__ = [
    "school_scope",
    "trust_scope",
    "scopes_disabled",
    "all_schools",
    "database_scope",
    "roles_at",
    "staff_schools",
    "parent_schools",
]


# Which schools' rows the database returns: a tuple of school ids, ALL, or () for none.
ALL = "all"
_database_schools: ContextVar[tuple[int, ...] | str] = ContextVar("database_schools", default=())


def database_scope() -> tuple[int, ...] | str:
    """The schools the database shows now: a tuple of ids, `ALL`, or () (no rows)."""
    return _database_schools.get()


@contextmanager
def _database(value: tuple[int, ...] | str):
    token = _database_schools.set(value)
    try:
        yield
    finally:
        _database_schools.reset(token)


@contextmanager
def school_scope(school: School | int):
    """Queries inside see only this school's rows (Celery tasks pass ids and re-enter)."""
    school_id = school.pk if isinstance(school, School) else school
    with scope(school=school_id), _database((int(school_id),)):
        yield


@contextmanager
def trust_scope(schools):
    """Trust reporting: the listed schools together, and no others."""
    ids = [s.pk if isinstance(s, School) else s for s in schools]
    with scope(school=ids), _database(tuple(int(i) for i in ids)):
        yield


@contextmanager
def all_schools():
    """Cross-school work by design, and only that: a beat fan-out that finds every
    school's due work, the outbox's re-dispatch, the superuser admin, a parent's own
    children across schools. django-scopes is off and, under row-level security, the
    database shows every school's rows (`app.all_schools`)."""
    with scopes_disabled(), _database(ALL):
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
    with all_schools():
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
