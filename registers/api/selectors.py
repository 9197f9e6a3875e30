"""Reads for the API. Each returns in a fixed number of queries, whatever the pupil count."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from ..models import (
    Contact,
    Mark,
    PlannedEntry,
    Pupil,
    Register,
    RegistrationGroup,
    School,
    Session,
)
from ..selectors import register_pupils, register_taken, session_marks
from .permissions import sees_all_pupils, sees_contacts


def pupils_visible(*, school: School, user, roles) -> QuerySet[Pupil]:
    """All the school's pupils, or for a teacher only those of their own groups."""
    pupils = Pupil.objects.filter(school=school).select_related("registration_group")
    if not sees_all_pupils(roles):
        pupils = pupils.filter(registration_group__teachers=user)
    return pupils


def pupil_detail_queryset(*, school: School, user, roles) -> QuerySet[Pupil]:
    pupils = pupils_visible(school=school, user=user, roles=roles)
    if sees_contacts(roles):
        contacts = Contact.objects.filter(school=school).order_by("priority", "pk")
        pupils = pupils.prefetch_related(Prefetch("contacts", queryset=contacts))
    return pupils


def groups_with_teachers(*, school: School):
    return RegistrationGroup.objects.filter(school=school).prefetch_related("teachers")


def sessions_between(*, school: School, start: date | None, end: date | None):
    sessions = Session.objects.filter(school=school)
    if start:
        sessions = sessions.filter(date__gte=start)
    if end:
        sessions = sessions.filter(date__lte=end)
    return sessions.order_by("date", "period")


def group_pupil_ids(*, school: School, group: RegistrationGroup) -> set[int]:
    """Every pupil of the group, on roll or not: the service says which are off roll."""
    return set(
        Pupil.objects.filter(school=school, registration_group=group).values_list("pk", flat=True)
    )


@dataclass
class RegisterLine:
    pupil: Pupil
    mark: Mark | None
    planned: PlannedEntry | None = None


@dataclass
class RegisterView:
    session: Session
    group: RegistrationGroup
    register: Register | None
    lines: list[RegisterLine]

    @property
    def marked(self) -> int:
        return sum(1 for line in self.lines if line.mark is not None)

    @property
    def complete(self) -> bool:
        """Taken: every pupil on the register's roll that session has a mark."""
        return bool(self.lines) and self.marked == len(self.lines)


def register_view(*, school: School, group: RegistrationGroup, session: Session) -> RegisterView:
    """The register's roll on the session's day (`selectors.register_roll`), each pupil
    with their mark or None, and the office's planned entry if there is one."""
    pupils = register_pupils(school=school, group=group, session=session)
    marks = session_marks(school=school, session=session, pupil_ids=[p.pk for p, _ in pupils])
    return RegisterView(
        session=session,
        group=group,
        register=register_taken(school=school, group=group, session=session),
        lines=[RegisterLine(pupil=p, mark=marks.get(p.pk), planned=plan) for p, plan in pupils],
    )
