"""What the parent portal reads (the absences issue, "Parent portal").

Every figure on a parent's page is computed for the child on that page, at the child's
own school, by the one definition of attendance (`registers.metrics` counts,
`registers.codes.Summary`; DESIGN.md §6): this module only chooses the window (the
academic year to date, the last school weeks) and puts the counts into words.

Which children a parent sees: contacts linked to their account WITH parental
responsibility (`parent_children`, `parent_contact`). A contact without it, or another
family's child, is not theirs: the views answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from registers import metrics
from registers.codes import Summary, code_rules
from registers.models import AttendanceCode, Contact, Mark, Period, PlannedEntry, School, Session
from registers.selectors import local_today
from registers.tenancy import all_schools, school_scope

from ..models.portal import InvitedContact, PortalInvitation

try:  # the reporting engineer's forecast (optional: the sentence is left out without it)
    from registers import forecast as forecasting
except ImportError:  # pragma: no cover
    forecasting = None

# How far back "recent marks" go on a child's page, in school weeks.
RECENT_WEEKS = 3

# The national codes in the words a parent uses (the rest read their official meaning).
PLAIN = {
    "/": "Present",
    "\\": "Present",
    "L": "Late, arrived before the register closed",
    "U": "Late, arrived after the register closed (counts as absent)",
    "I": "Ill",
    "M": "Medical or dental appointment",
    "N": "Absent: the school has not been told why yet",
    "O": "Absent without a reason the school could accept",
    "G": "Holiday the school did not agree",
    "C": "Leave agreed by the school for exceptional circumstances",
    "R": "Religious observance",
    "#": "School closed",
}


def plain(code: str, meaning: str = "") -> str:
    return PLAIN.get(code) or meaning or code


def days_words(sessions: int) -> str:
    """Sessions as school days in words (two sessions a day): "½ day", "3½ days"."""
    whole, half = divmod(sessions, 2)
    number = f"{whole if whole or not half else ''}{'½' if half else ''}"
    return f"{number or 0} day{'' if sessions == 2 or (whole == 0 and half) else 's'}"


# ---- Whose children -----------------------------------------------------------------------


def parent_contact(*, school: School, user, pupil_id: int) -> Contact | None:
    """The account's contact for this pupil at this school WITH parental responsibility,
    its pupil loaded, or None (another family's child, or no parental responsibility)."""
    if not user.is_authenticated:
        return None
    return (
        Contact.objects.filter(
            school=school, pupil_id=pupil_id, user=user, parental_responsibility=True
        )
        .select_related("pupil", "pupil__registration_group")
        .first()
    )


@dataclass
class Child:
    contact: Contact
    summary: Summary
    on_roll: bool

    @property
    def pupil(self):
        return self.contact.pupil

    @property
    def missed_text(self) -> str:
        return days_words(self.summary.absent)


@dataclass
class SchoolChildren:
    school: School
    today: date
    children: list[Child] = field(default_factory=list)


def parent_children(*, user) -> list[SchoolChildren]:
    """The account's children with parental responsibility, by school, each child's year
    to date counted at their own school (one count per school, not per child)."""
    if not user.is_authenticated:
        return []
    with all_schools():
        contacts = list(
            Contact.objects.filter(user=user, parental_responsibility=True)
            .select_related("school", "pupil", "pupil__registration_group")
            .order_by("school__name", "pupil__legal_forename")
        )
    by_school: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_school.setdefault(contact.school_id, []).append(contact)
    result = []
    for group in by_school.values():
        school = group[0].school
        with school_scope(school):
            today = local_today(school)
            tally = metrics.counts(
                school=school,
                as_of=today,
                windows={"year": metrics.YearToDate()},
                pupils=[c.pupil_id for c in group],
            )
        seen = set()
        entry = SchoolChildren(school=school, today=today)
        for contact in group:
            if contact.pupil_id in seen:
                continue  # two contacts of one child on one account (both parents' email)
            seen.add(contact.pupil_id)
            entry.children.append(
                Child(
                    contact=contact,
                    summary=tally.summary(contact.pupil_id, "year"),
                    on_roll=contact.pupil.on_roll(today),
                )
            )
        result.append(entry)
    return result


# ---- One child's page ---------------------------------------------------------------------


@dataclass
class Missed:
    """Sessions missed under one code this year, in days (two sessions a day)."""

    code: str
    words: str
    sessions: int
    authorised: bool

    @property
    def days(self) -> Decimal:
        return Decimal(self.sessions) / 2

    @property
    def days_text(self) -> str:
        return days_words(self.sessions)


@dataclass
class Cell:
    code: str = ""
    words: str = ""
    planned: bool = False  # a report or agreed leave still to come


@dataclass
class DayRow:
    day: date
    am: Cell | None
    pm: Cell | None

    @property
    def cells(self) -> list[Cell | None]:
        return [self.am, self.pm]


@dataclass
class ChildYear:
    school: School
    as_of: date
    summary: Summary
    target: Decimal
    missed: list[Missed]
    recent: list[DayRow]
    recent_from: date | None
    forecast: str = ""
    # The first day of the academic year holding as_of: "this school year" starts here.
    year_from: date | None = None

    @property
    def missed_text(self) -> str:
        return days_words(self.summary.absent)

    @property
    def meets_target(self) -> bool | None:
        attendance = self.summary.attendance
        if attendance is None:
            return None
        return attendance >= Fraction(str(self.target)) / 100


def child_year(*, school: School, pupil, as_of: date | None = None) -> ChildYear:
    """This academic year to date for one pupil at their school: the §6 summary, the
    sessions missed by code (in days), the school's target, the marks of the last
    `RECENT_WEEKS` school weeks (and what is planned ahead in them), and the forecast
    sentence. About 8 queries whatever the year's length."""
    as_of = as_of or local_today(school)
    calendar = metrics.SchoolCalendar(school)
    windows = {"year": metrics.YearToDate(), "recent": metrics.LastSchoolWeeks(RECENT_WEEKS)}
    if forecasting is not None:
        # The forecast's "current rate" window, counted in the same query.
        windows["rate"] = metrics.LastSchoolWeeks(forecasting.RECENT_WEEKS)
    tally = metrics.counts(
        school=school, as_of=as_of, windows=windows, pupils=[pupil.pk], calendar=calendar
    )
    summary = tally.summary(pupil.pk, "year")
    rules = code_rules()
    meanings = dict(AttendanceCode.objects.values_list("code", "meaning"))
    missed = [
        Missed(
            code=code,
            words=plain(code, meanings.get(code, "")),
            sessions=n,
            authorised=rules[code].authorised,
        )
        for code, n in sorted(summary.codes.items(), key=lambda item: (-item[1], item[0]))
        if rules[code].authorised or rules[code].unauthorised
    ]
    recent_bounds = tally.bounds.get("recent")
    recent = _recent(school=school, pupil=pupil, bounds=recent_bounds, meanings=meanings)
    sentence = ""
    if forecasting is not None and summary.possible:
        # registers.forecast's own arithmetic on this pupil's counts (pure, no queries
        # beyond the calendar's): the same sentence staff and letters show.
        remaining = forecasting.remaining_sessions(
            calendar=calendar, as_of=as_of, on_roll_to=pupil.on_roll_to
        )
        found = forecasting.forecast(
            year=summary, remaining=remaining, recent=tally.summary(pupil.pk, "rate")
        )
        sentence = found.sentence(pupil.forename)
    return ChildYear(
        school=school,
        as_of=as_of,
        summary=summary,
        target=school.attendance_target,
        missed=missed,
        recent=recent,
        recent_from=recent_bounds.start if recent_bounds else None,
        forecast=sentence,
        year_from=calendar.year(as_of)[0],
    )


def _recent(*, school, pupil, bounds, meanings) -> list[DayRow]:
    """The school days of the window, newest first, each with its two sessions' marks
    (or planned entries). A session with neither is shown empty ("not recorded yet")."""
    if bounds is None:
        return []
    sessions = Session.objects.filter(school=school, date__range=(bounds.start, bounds.end))
    days: dict[date, dict[str, Cell | None]] = {}
    for day, period in sessions.values_list("date", "period"):
        days.setdefault(day, {Period.AM: None, Period.PM: None})[period] = Cell()
    marks = Mark.objects.filter(
        school=school, pupil=pupil, date__range=(bounds.start, bounds.end)
    ).values_list("date", "session__period", "code_id")
    for day, period, code in marks:
        days.setdefault(day, {Period.AM: None, Period.PM: None})[period] = Cell(
            code=code, words=plain(code, meanings.get(code, ""))
        )
    planned = PlannedEntry.objects.filter(
        school=school, pupil=pupil, session__date__range=(bounds.start, bounds.end)
    ).values_list("session__date", "session__period", "code_id")
    for day, period, code in planned:
        cell = days.get(day, {}).get(period)
        if cell is not None and not cell.code:
            days[day][period] = Cell(
                code=code, words=plain(code, meanings.get(code, "")), planned=True
            )
    return [
        DayRow(day=day, am=cells[Period.AM], pm=cells[Period.PM])
        for day, cells in sorted(days.items(), reverse=True)
        if pupil.on_roll(day)
    ]


# ---- Staff: who has been invited ------------------------------------------------------------


@dataclass
class InviteRow:
    contact: Contact
    # "account", "invited", "expired", "revoked", "not_invited", "cannot", or "sibling":
    # no account for this child yet, but the address is that of a parent who has one for
    # a brother or sister here (an invitation adds this child to that account).
    status: str
    why: str = ""
    invitation: PortalInvitation | None = None


def invitation_rows(*, school: School, group_id: int | None = None, now) -> list[InviteRow]:
    """Every contact of the school's pupils on roll (of one group if given) with their
    portal state, by group and pupil. Four queries."""
    contacts = (
        Contact.objects.filter(school=school, pupil__on_roll_to__isnull=True)
        .select_related("pupil", "pupil__registration_group")
        .order_by(
            "pupil__registration_group__name",
            "pupil__legal_surname",
            "pupil__legal_forename",
            "priority",
        )
    )
    if group_id is not None:
        contacts = contacts.filter(pupil__registration_group_id=group_id)
    contacts = list(contacts)
    latest: dict[int, PortalInvitation] = {}
    invited = (
        InvitedContact.objects.filter(school=school, contact_id__in=[c.pk for c in contacts])
        .select_related("invitation")
        .order_by("invitation__created_at", "invitation_id")
    )
    for row in invited:
        latest[row.contact_id] = row.invitation  # the newest wins
    # Addresses of this school's parents who already have an account (for any child).
    with_account = {
        email.strip().lower()
        for email in Contact.objects.filter(
            school=school, parental_responsibility=True, user__isnull=False
        )
        .exclude(email="")
        .values_list("email", flat=True)
    }
    rows = []
    for contact in contacts:
        invitation = latest.get(contact.pk)
        if contact.user_id and contact.parental_responsibility:
            rows.append(InviteRow(contact, "account", invitation=invitation))
        elif not contact.parental_responsibility:
            rows.append(InviteRow(contact, "cannot", "no parental responsibility"))
        elif not contact.email:
            rows.append(InviteRow(contact, "cannot", "no email address on file"))
        elif contact.email.strip().lower() in with_account and not (
            invitation
            and not invitation.accepted_at
            and not invitation.revoked_at
            and invitation.expires_at > now
        ):
            rows.append(InviteRow(contact, "sibling", invitation=invitation))
        elif invitation is None:
            rows.append(InviteRow(contact, "not_invited"))
        elif invitation.revoked_at:
            rows.append(
                InviteRow(contact, "revoked", invitation.get_revoked_reason_display(), invitation)
            )
        elif invitation.accepted_at:
            rows.append(InviteRow(contact, "not_invited", invitation=invitation))
        elif invitation.expires_at <= now:
            rows.append(InviteRow(contact, "expired", invitation=invitation))
        else:
            rows.append(InviteRow(contact, "invited", invitation=invitation))
    return rows


# ---- A child's reports, leave requests and letters ---------------------------------------

# The school's reasons a parent may report under (illness and appointments).
PARENT_REPORT_CODES = ("I", "M")


def parent_reasons(*, school: School) -> list:
    """The school's active reasons under codes I and M, through the office's
    `report_reasons` (which adds the defaults the first time)."""
    from ..services.reports import report_reasons

    return [r for r in report_reasons(school=school) if r.code_id in PARENT_REPORT_CODES]


@dataclass
class Step:
    when: object
    label: str
    by_parent: bool
    words: str = ""


# Steps whose words the parent sees: the school's question, their own answer and why.
_WORDS_SHOWN = {"leave_information_requested", "leave_information_provided", "leave_withdrawn"}


def leave_history(*, school: School, request) -> list[Step]:
    """The request's changes of status, oldest first: when, what, whether the parent
    did it; the words only of the question, the answer and a withdrawal (staff notes on
    a reopened decision stay with the school). One query."""
    from registers.events import KINDS
    from registers.models import Event

    from ..events import LeaveEvent

    rows = Event.objects.filter(
        school=school,
        pupil_id=request.pupil_id,
        kind__in=LeaveEvent.values,
        params__request_id=request.pk,
    ).order_by("occurred_at", "id")
    return [
        Step(
            when=e.occurred_at,
            label=KINDS.get(e.kind, e.kind),
            by_parent=not e.actor_role and e.actor_id is not None,
            words=(e.params.get("why") or "") if e.kind in _WORDS_SHOWN else "",
        )
        for e in rows
    ]


# Letters a parent reads in the portal: the decisions on leave, once they have gone out.
DECISION_KINDS = ("leave_granted", "leave_partly_granted", "leave_refused")
SENT = ("approved", "emailed", "printed")


def child_reports(*, school: School, pupil, since: date, today: date, limit: int = 10) -> list:
    """The pupil's absence reports of this school year (ending on or after `since`, its
    first day) and ahead, newest first (any channel). Each gets `when`: its span, with
    the year on any date outside `today`'s calendar year ("Fri 27 Mar 2026")."""
    from ..models import AbsenceReport

    reports = list(
        AbsenceReport.objects.filter(school=school, pupil=pupil, last_day__gte=since)
        .select_related("reason")
        .order_by("-first_day", "-created_at")[:limit]
    )
    for report in reports:
        report.when = _span_words(report, this_year=today.year)
    return reports


def _day_words(day: date, this_year: int) -> str:
    words = f"{day:%a} {day.day} {day:%b}"
    return words if day.year == this_year else f"{words} {day.year}"


def _span_words(report, *, this_year: int) -> str:
    """As AbsenceReport.span_label, with the year where it is not this calendar year."""
    first = _day_words(report.first_day, this_year)
    if report.first_day == report.last_day:
        if (report.first_period, report.last_period) == (Period.AM, Period.PM):
            return first
        if report.first_period == report.last_period:
            return f"{first} {report.first_period}"
    last = _day_words(report.last_day, this_year)
    return f"{first} {report.first_period} to {last} {report.last_period}"


def child_leave(*, school: School, pupil, limit: int | None = 10) -> list:
    """The pupil's leave requests, newest first."""
    from ..models import LeaveRequest

    rows = LeaveRequest.objects.filter(school=school, pupil=pupil).order_by("-submitted_at", "-id")
    return list(rows if limit is None else rows[:limit])


def child_letters(*, school: School, contact, requests=None) -> list:
    """Decision letters on the pupil's leave requests (`requests`, default all of them;
    `absences.selectors.leave.decision_letters`) that have gone out and are rendered,
    newest first: only the copy addressed to this parent (a copy to the other parent
    carries their own home address). One query for any number of requests."""
    from letters.models import IssuedLetter

    if requests is None:
        requests = child_leave(school=school, pupil=contact.pupil, limit=None)
    ids = [pk for req in requests for pk in (req.decision_letter_ids or [])]
    if not ids:
        return []
    letters = IssuedLetter.objects.filter(
        school=school,
        pupil_id=contact.pupil_id,
        pk__in=ids,
        status__in=SENT,
        rendered_at__isnull=False,
    ).order_by("-created_at", "-pk")
    return [x for x in letters if _addressed_to(x, contact)]


def _addressed_to(letter, contact) -> bool:
    email = (contact.email or "").strip().lower()
    for recipient in letter.recipients or []:
        if email and (recipient.get("email") or "").strip().lower() == email:
            return True
        if (recipient.get("name") or "").strip() == contact.name.strip():
            return True
    return False
