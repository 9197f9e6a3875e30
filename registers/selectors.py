"""Reads for the register pages: what a teacher or the office sees.

Every function here runs a fixed number of queries whatever the size of the group or
the school, so that opening a register of 30 costs the same as one of 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from .events import actor_name
from .models import (
    ROLES_REGISTER_ANY_GROUP,
    Amendment,
    AttendanceCode,
    Mark,
    Period,
    PlannedEntry,
    Pupil,
    Register,
    RegisterTimes,
    RegistrationGroup,
    Role,
    School,
    Session,
)
from .pickers import (  # noqa: F401  (re-exported: the register's reads, in one place)
    SHORT_LABELS,
    CodeChoice,
    CodePicker,
    ReasonChoice,
    code_picker,
    name_reasons,
    reason_choices,
    reason_codes,
    school_reasons,
)
from .services import MINUTES_LATE_CODES
from .stats import on_roll

# When someone holds several roles, the one named on an amendment is the one they
# most likely act in on a register.
ROLE_PRECEDENCE = (
    Role.OFFICE,
    Role.ATTENDANCE_OFFICER,
    Role.ATTENDANCE_LEAD,
    Role.HEADTEACHER,
    Role.SCHOOL_ADMIN,
    Role.TEACHER,
)


# ---- Time and calendar ----------------------------------------------------------------


def local_now(school: School) -> datetime:
    return timezone.localtime(timezone.now(), ZoneInfo(school.timezone))


def local_today(school: School) -> date:
    return local_now(school).date()


def current_period(school: School, *, sessions: dict[str, Session] | None = None) -> str:
    """AM until the school's PM register opens (today's PM session, or the school's PM
    register times), PM from then. `sessions`: today's sessions, when already read."""
    now = local_now(school)
    if sessions is None:
        sessions = sessions_on(school=school, day=now.date())
    pm = sessions.get(Period.PM)
    if pm is not None:
        opens = pm.opens
    else:
        opens = (
            RegisterTimes.objects.filter(school=school, period=Period.PM)
            .values_list("opens", flat=True)
            .first()
        )
    if opens is None:
        # No PM register at all: the day's only register is the morning's.
        return Period.AM
    return Period.AM if now.time() < opens else Period.PM


def sessions_on(*, school: School, day: date) -> dict[str, Session]:
    return {s.period: s for s in Session.objects.filter(school=school, date=day)}


def next_school_day(*, school: School, after: date) -> date | None:
    return (
        Session.objects.filter(school=school, date__gt=after)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def previous_school_day(*, school: School, before: date) -> date | None:
    return (
        Session.objects.filter(school=school, date__lt=before)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


# ---- Who takes which register ---------------------------------------------------------


def registers_for(*, school: School, user, roles) -> list[RegistrationGroup]:
    """The groups whose registers this person takes: their own, or all for the office."""
    groups = RegistrationGroup.objects.filter(school=school)
    if not roles & ROLES_REGISTER_ANY_GROUP:
        groups = groups.filter(teachers=user)
    return list(groups.order_by("name"))


def teaches(*, group: RegistrationGroup, user) -> bool:
    taught = getattr(group, "taught_by_user", None)
    if taught is not None:
        return taught
    return group.teachers.filter(pk=user.pk).exists()


def group_for(*, school: School, group_id: int, user) -> RegistrationGroup | None:
    """The group, with whether `user` teaches it, in one query (None if not there)."""
    teachers = RegistrationGroup.teachers.through.objects.filter(
        registrationgroup_id=OuterRef("pk"), user_id=user.pk
    )
    return (
        RegistrationGroup.objects.filter(school=school, pk=group_id)
        .annotate(taught_by_user=Exists(teachers))
        .first()
    )


# ---- Who is on a register -------------------------------------------------------------


def register_roll(*, school: School, group, day: date) -> QuerySet[Pupil]:
    """The pupils of a registration group (or of several: an iterable of groups) on `day`:
    on roll that day and in the group that day (DESIGN.md §4: a past register lists who
    was in it then; a move starts on its date). THE answer to "who is in this group on
    this day". Each pupil carries `register_group_id`, the group they are in that day, for
    counting by group. One query when evaluated (a join on the spell covering the day;
    spells never overlap, so a pupil appears once)."""
    groups = [group] if isinstance(group, RegistrationGroup) else list(group)
    spell = FilteredRelation(
        "group_memberships",
        condition=Q(group_memberships__group__in=groups, group_memberships__starts__lte=day)
        & (Q(group_memberships__ends__isnull=True) | Q(group_memberships__ends__gte=day)),
    )
    return (
        on_roll(school=school, day=day)
        .annotate(spell=spell)
        .filter(spell__isnull=False)
        .annotate(register_group_id=F("spell__group"))
    )


def acting_role(*, roles, teaches_group: bool) -> str:
    """The role recorded on amendments for this person on this register."""
    if teaches_group and Role.TEACHER in roles:
        return Role.TEACHER
    return next(role for role in ROLE_PRECEDENCE if role in roles)


# ---- Registers taken or not -----------------------------------------------------------


@dataclass
class RegisterStatus:
    group: RegistrationGroup
    session: Session
    on_roll: int
    marked: int
    register: Register | None

    @property
    def taken(self) -> bool:
        """Taken when every pupil on the register's roll that session has a mark."""
        return self.on_roll > 0 and self.marked >= self.on_roll

    @property
    def unmarked(self) -> int:
        return max(self.on_roll - self.marked, 0)


def register_statuses(
    *, school: School, groups: list[RegistrationGroup], sessions: list[Session]
) -> dict[tuple[int, int], RegisterStatus]:
    """Taken or not, and marked / on roll, for each (group id, session id) of one day.

    Pupils count in the group they were in that day (DESIGN.md §4). Three queries
    whatever the number of groups, pupils or sessions.
    """
    if not groups or not sessions:
        return {}
    day = sessions[0].date
    roll = register_roll(school=school, group=groups, day=day)
    on_roll_counts = dict(
        roll.order_by()
        .values_list("register_group_id")
        .annotate(n=Count("pk"))
        .values_list("register_group_id", "n")
    )
    marked_counts = {
        (group_id, session_id): n
        for group_id, session_id, n in roll.filter(marks__session__in=sessions)
        .order_by()
        .values_list("register_group_id", "marks__session")
        .annotate(n=Count("marks"))
    }
    registers = {
        (r.registration_group_id, r.session_id): r
        for r in Register.objects.filter(
            school=school, session__in=sessions, registration_group__in=groups
        ).select_related("taken_by", "last_saved_by")
    }
    return {
        (g.pk, s.pk): RegisterStatus(
            group=g,
            session=s,
            on_roll=on_roll_counts.get(g.pk, 0),
            marked=marked_counts.get((g.pk, s.pk), 0),
            register=registers.get((g.pk, s.pk)),
        )
        for g in groups
        for s in sessions
    }


@dataclass
class GroupDay:
    group: RegistrationGroup
    statuses: list[RegisterStatus]


def my_registers(*, school: School, user, roles, day: date) -> list[GroupDay]:
    groups = registers_for(school=school, user=user, roles=roles)
    sessions = sorted(sessions_on(school=school, day=day).values(), key=lambda s: s.period)
    statuses = register_statuses(school=school, groups=groups, sessions=sessions)
    return [GroupDay(g, [statuses[(g.pk, s.pk)] for s in sessions]) for g in groups]


def outstanding(*, school: School, session: Session) -> tuple[list, list]:
    """(not yet taken, taken) registers of a session; groups with nobody on roll are left
    out. A register partly marked is not yet taken: it stays on the list to chase."""
    groups = list(
        RegistrationGroup.objects.filter(school=school)
        .order_by("name")
        .prefetch_related("teachers")
    )
    statuses = register_statuses(school=school, groups=groups, sessions=[session])
    rows = [statuses[(g.pk, session.pk)] for g in groups]
    not_taken = [r for r in rows if not r.taken and r.on_roll]
    taken = sorted(
        (r for r in rows if r.taken),
        key=lambda r: (r.register is None, r.register.last_saved_at if r.register else 0),
    )
    return not_taken, taken


def teacher_names(group: RegistrationGroup) -> list[str]:
    """Names of the group's teachers (prefetched by `outstanding`)."""
    return [actor_name(t) for t in group.teachers.all()]


# ---- One register ---------------------------------------------------------------------


@dataclass
class RegisterLine:
    """One pupil's line: the saved mark, and what the person has entered on the form."""

    pupil: Pupil
    mark: Mark | None
    can_change_pre_entered: bool
    # What the office entered ahead for this session (not a mark yet).
    planned: PlannedEntry | None = None
    code: str = ""
    arrival: str = ""
    minutes: str = ""
    note: str = ""
    version: int = 0
    amend: str = ""
    # The reason's id as on the form ("" for none), and its name for the state text.
    reason: str = ""
    reason_name: str = ""
    errors: list[str] = field(default_factory=list)
    # Someone else's mark saved, differently, since this person opened the register:
    # what is saved now, and what this person entered (they choose per pupil).
    conflict: Mark | None = None
    conflicted: bool = False
    mine: str = ""
    resolve: str = ""
    reason_posted: bool = True
    # The marks of the last school days: [(day, AM code, PM code)], oldest first.
    recent: list = field(default_factory=list)
    # What the school's clock made of a late's arrival time, when not L ("arrived 09:30,
    # after the register closed at 09:05: U, unauthorised").
    clock: str = ""

    @property
    def entered(self) -> Mark | PlannedEntry | None:
        """What stands on the line before anyone takes it: the mark, or the plan."""
        return self.mark or self.planned

    @property
    def pre_entered(self) -> bool:
        return bool(self.entered and self.entered.is_pre_entered)

    @property
    def locked(self) -> bool:
        """A pre-entered mark or planned entry a teacher cannot change here."""
        return self.pre_entered and not self.can_change_pre_entered

    @property
    def unmarked(self) -> bool:
        """No mark saved yet (a planned entry becomes one when the register is saved)."""
        return self.mark is None and self.planned is None

    @property
    def saved_code(self) -> str:
        return self.mark.code_id if self.mark else ""

    @property
    def legal_name(self) -> str:
        return f"{self.pupil.legal_forename} {self.pupil.legal_surname}"

    @property
    def shows_legal_name(self) -> bool:
        return self.legal_name != self.pupil.display_name

    @property
    def changing_saved_mark(self) -> bool:
        return bool(self.mark and self.code and self.code != self.mark.code_id)

    @property
    def shows_amend(self) -> bool:
        if self.mark is None:
            return False
        return self.changing_saved_mark or bool(self.errors) or self.conflicted

    @property
    def state_text(self) -> str:
        if not self.code:
            return "Not marked"
        text = f"{self.code} {SHORT_LABELS.get(self.code, '')}".strip()
        if self.code in MINUTES_LATE_CODES and self.minutes:
            text += f" ({self.minutes} min)"
        if self.reason_name:
            text += f" · {self.reason_name}"
        return text

    @property
    def retired_reason(self) -> ReasonChoice | None:
        """The saved mark's reason if the school has retired it since: still offered on
        this line, so that saving the register again does not drop it."""
        reason = self.mark.reason if self.mark and self.mark.reason_id else None
        if reason is None or reason.active:
            return None
        return ReasonChoice(reason.pk, reason.name, reason.code_id, active=False)

    @property
    def shows_details(self) -> bool:
        return bool(self.arrival or self.minutes or self.errors) or self.code in MINUTES_LATE_CODES

    def show_saved(self, mark: Mark | None) -> None:
        """Take a freshly read saved mark, keeping whatever the person entered."""
        self.mark = mark
        self.version = mark.version if mark else 0
        shown = mark or self.planned
        if shown and not self.code:
            self.code = shown.code_id
            self.minutes = "" if shown.minutes_late is None else str(shown.minutes_late)
            self.note = shown.note
            self.reason = "" if shown.reason_id is None else str(shown.reason_id)


def _line(
    pupil: Pupil, mark: Mark | None, can_change_pre_entered: bool, planned=None
) -> RegisterLine:
    line = RegisterLine(
        pupil=pupil, mark=None, can_change_pre_entered=can_change_pre_entered, planned=planned
    )
    line.show_saved(mark)
    return line


_PLANNED_FIELDS = {
    "planned_id": "plan__id",
    "planned_code": "plan__code_id",
    "planned_meaning": "plan__code__meaning",
    "planned_reason_id": "plan__reason_id",
    "planned_note": "plan__note",
    "planned_source": "plan__source",
    "planned_at": "plan__created_at",
    "planned_by_id": "plan__created_by_id",
    "planned_by_first": "plan__created_by__first_name",
    "planned_by_last": "plan__created_by__last_name",
    "planned_by_username": "plan__created_by__username",
}


def register_pupils(
    *, school: School, group: RegistrationGroup, session: Session
) -> list[tuple[Pupil, PlannedEntry | None]]:
    """The register's roll (`register_roll`) by surname, each pupil with their planned
    entry for the session if the office entered one. One query."""
    rows = (
        register_roll(school=school, group=group, day=session.date)
        .annotate(
            plan=FilteredRelation("planned_entries", condition=Q(planned_entries__session=session))
        )
        .annotate(**{name: F(path) for name, path in _PLANNED_FIELDS.items()})
    )
    pupils = [(p, _planned_entry(p, school=school, session=session)) for p in rows]
    pupils.sort(key=lambda pp: (pp[0].surname.casefold(), pp[0].forename.casefold(), pp[0].pk))
    return pupils


def _planned_entry(pupil: Pupil, *, school: School, session: Session) -> PlannedEntry | None:
    if pupil.planned_id is None:
        return None
    plan = PlannedEntry(
        pk=pupil.planned_id,
        school=school,
        pupil=pupil,
        session=session,
        code=AttendanceCode(code=pupil.planned_code, meaning=pupil.planned_meaning),
        reason_id=pupil.planned_reason_id,
        note=pupil.planned_note,
        source=pupil.planned_source,
        created_at=pupil.planned_at,
    )
    if pupil.planned_by_id is not None:
        plan.created_by = get_user_model()(
            pk=pupil.planned_by_id,
            first_name=pupil.planned_by_first,
            last_name=pupil.planned_by_last,
            username=pupil.planned_by_username,
        )
    return plan


def session_marks(*, school: School, session: Session, pupil_ids) -> dict[int, Mark]:
    return {
        m.pupil_id: m
        for m in Mark.objects.filter(
            school=school, session=session, pupil_id__in=list(pupil_ids)
        ).select_related("code", "recorded_by", "reason")
    }


def register_lines(
    *,
    school: School,
    group: RegistrationGroup,
    session: Session,
    can_change_pre_entered: bool,
    with_marks: bool = True,
) -> list[RegisterLine]:
    """The register's roll that day, by surname, each with any saved mark and planned
    entry. Two queries; `with_marks=False` (a register being saved: the writer reads
    the marks under lock) one."""
    pupils = register_pupils(school=school, group=group, session=session)
    marks = (
        session_marks(school=school, session=session, pupil_ids=[p.pk for p, _ in pupils])
        if with_marks
        else {}
    )
    return [_line(p, marks.get(p.pk), can_change_pre_entered, plan) for p, plan in pupils]


@dataclass
class RecentMarks:
    """The marks of the last school days before a register, for the strip on each row."""

    days: list[date]
    codes: dict[tuple[int, date, str], str]

    def strip(self, pupil_id: int) -> list[tuple[date, str, str]]:
        """(day, AM code, PM code) oldest first; "" where there is no mark."""
        return [
            (
                day,
                self.codes.get((pupil_id, day, Period.AM), ""),
                self.codes.get((pupil_id, day, Period.PM), ""),
            )
            for day in self.days
        ]


RECENT_DAYS = 5


def recent_marks(*, school: School, pupil_ids: list[int], before: date) -> RecentMarks:
    """The group's marks on the last `RECENT_DAYS` school days before `before`. One query
    for the whole group (the days are a subquery on the school's sessions); a day on which
    none of these pupils has a mark is left out."""
    days = (
        Session.objects.filter(school=school, date__lt=before)
        .order_by("-date")
        .values("date")
        .distinct()[:RECENT_DAYS]
    )
    rows = Mark.objects.filter(school=school, pupil_id__in=pupil_ids, date__in=days).values_list(
        "pupil_id", "date", "session__period", "code_id"
    )
    codes = {(pid, day, period): code for pid, day, period, code in rows}
    return RecentMarks(days=sorted({day for _, day, _ in codes}), codes=codes)


def register_amendments(*, school: School, session: Session, pupil_ids: list[int]):
    """Every change to the saved marks of this register (its session, its pupils), newest
    first, with the pupil: the register's history for leads and the office. One query."""
    return list(
        Amendment.objects.filter(school=school, mark__session=session, mark__pupil_id__in=pupil_ids)
        .select_related("mark__pupil")
        .order_by("-amended_at", "-pk")
    )


def register_taken(*, school: School, group: RegistrationGroup, session: Session):
    return (
        Register.objects.filter(school=school, registration_group=group, session=session)
        .select_related("taken_by", "last_saved_by")
        .first()
    )


# ---- Finding a pupil ------------------------------------------------------------------


def name_or_upn_matches(query: str) -> Q:
    """Every word somewhere in a legal or preferred name, or a whole UPN: "amy smi"
    finds Amy Smith."""
    matches = Q()
    for word in query.split():
        matches &= (
            Q(legal_forename__icontains=word)
            | Q(legal_surname__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
            | Q(upn__iexact=word)
        )
    return matches


def pupil_search(*, school: School, query: str, limit: int = 25) -> list[Pupil]:
    """Pupils whose name (legal or preferred), UPN or class matches, current roll first."""
    if not query.split():
        return []
    # A class name ("Ash 3") is matched whole, not word by word.
    pupils = Pupil.objects.filter(
        name_or_upn_matches(query) | Q(registration_group__name__iexact=query.strip()),
        school=school,
    ).select_related("registration_group")
    today = local_today(school)
    left = Q(on_roll_to__lt=today)
    return list(
        pupils.annotate(has_left=ExpressionWrapper(left, output_field=BooleanField())).order_by(
            "has_left", "legal_surname", "legal_forename"
        )[:limit]
    )
