"""The first-day calling list (issue 9; RULES.md DS-10..15, BS-10..12, BH-09, BL-15..19,
LE-08..10): THE one reading of "who is absent without explanation today", used by the
page, the API, the `calling_list` command and the beat task that escalates.

A pupil is on the list for a school day when, at `at` (school-local time), a session of
that day whose register has closed holds N for them, or holds no mark (and no planned
entry) although their group's register for it was saved. Pupils of registers nobody has
taken are not listed one by one (the whole class would be): `untaken` counts those
registers and the page sends the office to "Not yet taken". A pupil stays on the list,
accounted for, once the day has a `CallingDay` row or an attempt (their absence was
explained since).

Status, computed the same way everywhere (`status_of`):
- accounted_for: a contact was reached ("spoke"), the day's unexplained sessions are all
  explained now, or the row says so (the lead closed it);
- not_accounted_for: the row says so (the beat escalated it), or the escalation is due
  (`escalation_due`: the deadline has passed, the failed attempts reached the limit, or
  every contact to try today was tried without reaching anyone);
- to_call otherwise.

Order: vulnerable pupils first (DS-10, LE-09, BL-19), then by today's registration
group, then surname and forename.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from registers.codes import code_rules
from registers.metrics import SchoolCalendar, consecutive_days
from registers.models import (
    Contact,
    GroupMembership,
    Mark,
    PlannedEntry,
    Pupil,
    Register,
    School,
    Session,
)

from ..models import AbsenceProcedure, CallAttempt, CallingDay, FirstContact, procedure_for
from .contacts import pupil_contacts

UNEXPLAINED = "N"
# How far back "day of absence" looks (a 2nd and 3rd day are highlighted; more is shown).
DAYS_LOOKED_BACK = 20


@dataclass
class CallingEntry:
    pupil: Pupil
    group_name: str
    vulnerable: bool
    # 1 on the first day; 2, 3 ... when the pupil was absent on the school days before.
    day_of_absence: int
    # Periods ("AM", "PM") of today's closed sessions with N or no mark.
    unexplained_sessions: list[str]
    contacts: list[Contact]
    attempts: list[CallAttempt]
    status: str
    # Why not accounted for (CallingDay.Why) or "" .
    why: str = ""
    calling_day: CallingDay | None = None
    # What to do next, in words ("Text first contact", "Call Jo Bloggs (2)").
    next_step: str = ""
    next_contact: Contact | None = None
    # When the first call is due (aware), for the "call after N minutes" step.
    call_due: datetime | None = None

    @property
    def failed_attempts(self) -> int:
        return sum(1 for a in self.attempts if a.failed)

    def as_json(self) -> dict:
        """The DESIGN §9 `calling_list` object."""
        return {
            "upn": self.pupil.upn,
            "vulnerable": self.vulnerable,
            "day_of_absence": self.day_of_absence,
            "unexplained_sessions": self.unexplained_sessions,
            "contacts": [
                {"priority": c.priority, "name": c.name, "phone": c.phone} for c in self.contacts
            ],
            "status": self.status,
        }


@dataclass
class CallingList:
    day: date
    at: datetime  # aware, school-local
    procedure: AbsenceProcedure
    entries: list[CallingEntry] = field(default_factory=list)
    # Registers of closed sessions nobody has saved: their pupils are not listed.
    untaken: int = 0
    closed_sessions: list[str] = field(default_factory=list)
    deadline: datetime | None = None

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)


def absence_codes() -> frozenset[str]:
    """Codes that are an absence (authorised or not): a day of them continues a spell."""
    return frozenset(c for c, r in code_rules().items() if r.authorised or r.unauthorised)


def contacts_to_try(*, procedure: AbsenceProcedure, contacts, vulnerable: bool, day_of_absence):
    """The contacts with a phone number the procedure has the office try today, in order:
    all of them, or the first `day_one_contacts` on day 1 (BL-15, BL-18) unless the pupil
    is vulnerable (BL-19)."""
    phoned = [c for c in contacts if c.phone]
    limit = procedure.day_one_contacts
    if (
        limit
        and day_of_absence == 1
        and not (vulnerable and procedure.vulnerable_all_contacts_day_one)
    ):
        return phoned[:limit]
    return phoned


def escalation_due(
    *,
    procedure: AbsenceProcedure,
    local: datetime,
    day: date,
    attempts: list[CallAttempt],
    to_try: list[Contact],
) -> str:
    """Why the pupil is now "not accounted for" (a CallingDay.Why value), or "".

    The deadline (DS-15: 10:00) passes at `procedure.deadline` school time on `day` (a
    day already past is past its deadline); `failed_attempts_limit` failed attempts (0:
    not used); or every contact to try today tried, each without reaching anyone (BS-11)."""
    if (local.date(), local.time()) >= (day, procedure.deadline):
        return CallingDay.Why.DEADLINE
    failed = [a for a in attempts if a.failed]
    if procedure.failed_attempts_limit and len(failed) >= procedure.failed_attempts_limit:
        return CallingDay.Why.ATTEMPTS
    if procedure.escalate_when_contacts_exhausted and to_try:
        tried = {a.contact_id for a in failed}
        if all(c.pk in tried for c in to_try):
            return CallingDay.Why.CONTACTS_EXHAUSTED
    return ""


def status_of(
    *,
    row: CallingDay | None,
    attempts: list[CallAttempt],
    explained: bool,
    why: str,
) -> str:
    # An absence explained since (a parent rang the office after the deadline) or a
    # contact reached closes the day, whatever the beat stored before.
    if explained or any(a.outcome == CallAttempt.Outcome.SPOKE for a in attempts):
        return CallingDay.Status.ACCOUNTED_FOR
    if row is not None and row.status != CallingDay.Status.TO_CALL:
        return row.status
    return CallingDay.Status.NOT_ACCOUNTED_FOR if why else CallingDay.Status.TO_CALL


def _next_step(*, procedure, entry: CallingEntry, to_try: list[Contact], closed_at) -> None:
    """Fill the entry's next step (DS-11..13, BS-10, BL-15..18): first message, then calls
    to the contacts in priority order."""
    if entry.status != CallingDay.Status.TO_CALL:
        return
    # A message is not a call: the contact it went to is still to be phoned (DS-11, DS-12).
    called = [a for a in entry.attempts if a.outcome != CallAttempt.Outcome.TEXT_SENT]
    attempted = {a.contact_id for a in called}
    if procedure.first_contact != FirstContact.CALL and not entry.attempts:
        first = to_try[0] if to_try else None
        entry.next_contact = first
        how = FirstContact(procedure.first_contact).label.lower()
        entry.next_step = f"Send a {how}" + (f" to {first.name}" if first else "")
        return
    # The call is due N minutes after the first message (DS-12), or after the register
    # closed when no message went.
    texts = [a.at for a in entry.attempts if a.outcome == CallAttempt.Outcome.TEXT_SENT]
    start = texts[0] if texts else closed_at
    if start is not None:
        entry.call_due = start + timedelta(minutes=procedure.call_after_minutes)
    following = next((c for c in to_try if c.pk not in attempted), None)
    entry.next_contact = following
    if following is not None:
        entry.next_step = f"Call {following.name} (contact {following.priority})"
    elif to_try:
        entry.next_step = "Every contact tried: try again or tell the safeguarding lead"
    else:
        entry.next_step = "No phone number on file: tell the safeguarding lead"


def calling_list(*, school: School, at: datetime | None = None) -> CallingList:
    """The calling list of the school day `at` falls on (default now), as of `at`.

    Queries: a fixed number (about 14), whatever the number of pupils."""
    zone = ZoneInfo(school.timezone)
    local = timezone.localtime(at or timezone.now(), zone)
    day = local.date()
    procedure = procedure_for(school)
    result = CallingList(day=day, at=local, procedure=procedure)
    result.deadline = datetime.combine(day, procedure.deadline, tzinfo=zone)
    sessions = list(Session.objects.filter(school=school, date=day).order_by("period"))
    closed = [s for s in sessions if (s.date, s.closes) <= (day, local.time())]
    result.closed_sessions = [s.period for s in closed]
    rows = {
        r.pupil_id: r
        for r in CallingDay.objects.filter(school=school, date=day).select_related("accounted_by")
    }
    attempts: dict[int, list[CallAttempt]] = {}
    for attempt in CallAttempt.objects.filter(
        school=school, date=day, at__lte=local
    ).select_related("recorded_by"):
        attempts.setdefault(attempt.pupil_id, []).append(attempt)
    unexplained, spells = _unexplained(school=school, day=day, closed=closed)
    result.untaken = spells.untaken
    pupil_ids = set(unexplained) | set(rows) | set(attempts)
    if not pupil_ids:
        return result
    pupils = Pupil.objects.filter(school=school, pk__in=pupil_ids)
    groups = dict(
        GroupMembership.objects.covering(day)
        .filter(school=school, pupil_id__in=pupil_ids)
        .values_list("pupil_id", "group__name")
    )
    contacts = pupil_contacts(school=school, pupil_ids=pupil_ids)
    before = _previous_days(school=school, day=day, pupil_ids=pupil_ids)
    first_close = datetime.combine(day, closed[0].closes, tzinfo=zone) if closed else None
    for pupil in pupils:
        periods = unexplained.get(pupil.pk, [])
        mine = attempts.get(pupil.pk, [])
        entry = CallingEntry(
            pupil=pupil,
            group_name=groups.get(pupil.pk, ""),
            vulnerable=pupil.is_vulnerable,
            day_of_absence=1 + before.get(pupil.pk, 0),
            unexplained_sessions=periods,
            contacts=contacts.get(pupil.pk, []),
            attempts=mine,
            status="",
            calling_day=rows.get(pupil.pk),
        )
        to_try = contacts_to_try(
            procedure=procedure,
            contacts=entry.contacts,
            vulnerable=entry.vulnerable,
            day_of_absence=entry.day_of_absence,
        )
        why = escalation_due(
            procedure=procedure, local=local, day=day, attempts=mine, to_try=to_try
        )
        entry.status = status_of(
            row=entry.calling_day, attempts=mine, explained=not periods, why=why
        )
        if entry.status == CallingDay.Status.NOT_ACCOUNTED_FOR:
            stored = entry.calling_day.escalated_why if entry.calling_day else ""
            entry.why = stored or why
        _next_step(procedure=procedure, entry=entry, to_try=to_try, closed_at=first_close)
        result.entries.append(entry)
    result.entries.sort(
        key=lambda e: (not e.vulnerable, e.group_name, e.pupil.surname, e.pupil.forename)
    )
    return result


@dataclass
class _Spells:
    untaken: int = 0


def _unexplained(*, school, day, closed) -> tuple[dict[int, list[str]], _Spells]:
    """{pupil id: [periods with N, or no mark on a saved register]} for the closed sessions."""
    spells = _Spells()
    if not closed:
        return {}, spells
    found: dict[int, list[str]] = {}
    marked: set[tuple[int, int]] = set()
    for pupil_id, session_id, code in Mark.objects.filter(
        school=school, session__in=closed
    ).values_list("pupil_id", "session_id", "code_id"):
        marked.add((pupil_id, session_id))
        if code == UNEXPLAINED:
            found.setdefault(pupil_id, []).append(session_id)
    planned = set(
        PlannedEntry.objects.filter(school=school, session__in=closed).values_list(
            "pupil_id", "session_id"
        )
    )
    saved = set(
        Register.objects.filter(school=school, session__in=closed).values_list(
            "registration_group_id", "session_id"
        )
    )
    roll = list(
        GroupMembership.objects.covering(day)
        .filter(school=school, pupil__on_roll_from__lte=day)
        .filter(Q(pupil__on_roll_to__isnull=True) | Q(pupil__on_roll_to__gte=day))
        .values_list("pupil_id", "group_id")
    )
    groups_on_roll = {g for _, g in roll}
    spells.untaken = sum(1 for g in groups_on_roll for s in closed if (g, s.pk) not in saved)
    for pupil_id, group_id in roll:
        for session in closed:
            key = (pupil_id, session.pk)
            if (group_id, session.pk) in saved and key not in marked and key not in planned:
                found.setdefault(pupil_id, []).append(session.pk)
    period = {s.pk: s.period for s in closed}
    return {p: sorted(period[s] for s in ids) for p, ids in found.items()}, spells


def _previous_days(*, school, day: date, pupil_ids) -> dict[int, int]:
    """{pupil id: consecutive school days absent (any absence code) before `day`}."""
    calendar = SchoolCalendar(school)
    earlier = [d for d in calendar.days if d < day]
    if not earlier:
        return {}
    return consecutive_days(
        school=school,
        as_of=earlier[-1],
        codes=absence_codes(),
        at_most=DAYS_LOOKED_BACK,
        pupils=list(pupil_ids),
        calendar=calendar,
    )
