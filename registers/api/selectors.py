"""Reads for the API. Each returns in a fixed number of queries, whatever the pupil count."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from ..models import (
    Contact,
    GroupMembership,
    Mark,
    PlannedEntry,
    Pupil,
    Register,
    RegistrationGroup,
    School,
    Session,
)
from ..selectors import local_today, register_pupils, register_taken, session_marks
from ..stats import on_roll
from .permissions import sees_all_pupils, sees_contacts


def pupils_visible(*, school: School, user, roles) -> QuerySet[Pupil]:
    """All the school's pupils, or for a teacher only those in their own groups today."""
    pupils = Pupil.objects.filter(school=school).select_related("registration_group")
    if not sees_all_pupils(roles):
        # In one of their groups today, as dated (a move to come has not happened yet).
        theirs = GroupMembership.objects.filter(school=school, group__teachers=user)
        pupils = pupils.filter(pk__in=theirs.covering(local_today(school)).values("pupil"))
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


def group_pupil_ids(*, school: School, group: RegistrationGroup, day: date) -> set[int]:
    """The pupils this register may mark: those in the group on that day; and, so that
    the service can say "not on roll" rather than "not of this register", those of the
    group who are not on roll that day. A pupil on roll in another group that day (moved
    in later, or out earlier) is not on this register. One query."""
    spells = GroupMembership.objects.filter(school=school, group=group)
    off_roll = ~Q(pupil__in=on_roll(school=school, day=day))
    return set(
        spells.filter(Q(pk__in=spells.covering(day).values("pk")) | off_roll).values_list(
            "pupil_id", flat=True
        )
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
