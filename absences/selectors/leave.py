"""Reads of leave of absence: the assessment (DESIGN §9 `leave_assess`), the decider's
queue, a request's history, evidence a reader may open, refused leave taken (for the
escalation engine) and the decision letters (for the portal).

Every figure comes from `registers.metrics` / `registers.codes` (DESIGN §6): the
attendance "now" is the year to date as of the request date; "if granted" is the same
record with the requested sessions counted under the ground's code (a session already
marked on or before that date is counted once, under the new code); the sessions in
between are not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import Count, Q

from absences.events import LeaveEvent
from absences.leave_presets import leave_checks_for
from absences.models import LeaveChecks, LeaveEvidence, LeaveGround, LeaveRequest
from absences.models.leave import GRANTED_CODE, REFUSED_TAKEN_CODE, ROLES_LEAVE_DECIDE
from absences.services.leave import request_sessions, session_key, sessions_between
from registers import metrics
from registers.codes import Summary, percent
from registers.events import KINDS
from registers.models import Event, Mark, Pupil, School, Session

Status = LeaveRequest.Status
# The codes that are unauthorised absence (attendance-codes.csv; BH-29 "record").
UNAUTHORISED_CODES = ("G", "N", "O", "U")


# ---- The assessment (DESIGN §9) ----------------------------------------------------------


def _check(rule: str, passed: bool, detail: str) -> dict:
    return {"rule": rule, "passed": passed, "detail": detail}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _checks(
    *, checks: LeaveChecks, first_day: date, requested_on: date, ground: str, year: Summary
) -> list[dict]:
    """The school's checks that are switched on, in the contract's order."""
    out = []
    if checks.notice_period:
        days = (first_day - requested_on).days
        passed = days >= checks.notice_days
        detail = (
            f"Asked {_plural(days, 'day')} before the first day; the school asks for at least "
            f"{checks.notice_days}."
        )
        if not passed:
            detail += " Short notice is flagged, not a reason to refuse by itself."
        out.append(_check("notice_period", passed, detail))
    if checks.retrospective:
        passed = first_day > requested_on
        detail = (
            "Asked before the leave begins."
            if passed
            else "The leave begins on or before the day it was asked for: leave cannot be "
            "granted retrospectively."
        )
        out.append(_check("retrospective", passed, detail))
    if checks.unauthorised_on_record:
        unauthorised = sum(year.codes.get(c, 0) for c in UNAUTHORISED_CODES)
        out.append(
            _check(
                "unauthorised_on_record",
                unauthorised == 0,
                f"{_plural(unauthorised, 'session')} of unauthorised absence (G, N, O, U) "
                "this academic year.",
            )
        )
    if checks.authorised_over:
        limit = Fraction(checks.authorised_limit_pct, 100)
        if not year.possible:
            out.append(_check("authorised_over_10pct", True, "No possible sessions yet this year."))
        else:
            share = Fraction(year.authorised, year.possible)
            out.append(
                _check(
                    "authorised_over_10pct",
                    share <= limit,
                    f"Authorised absence this year: {year.authorised} of {year.possible} "
                    f"sessions ({percent(share)}%); refused above {checks.authorised_limit_pct}%.",
                )
            )
    if checks.holiday:
        holiday = ground == LeaveGround.HOLIDAY
        out.append(
            _check(
                "holiday",
                not holiday,
                "A family holiday: not granted in term time."
                if holiday
                else f"Ground: {dict(LeaveGround.choices).get(ground, ground)}.",
            )
        )
    return out


def leave_assess(
    *,
    school: School,
    pupil: Pupil,
    first: tuple[date, str],
    last: tuple[date, str],
    requested_on: date,
    ground: str,
    checks: LeaveChecks | None = None,
    sessions: list[Session] | None = None,
) -> dict:
    """The assessment of a request (DESIGN §9 `leave_assess`, exact keys):

    {"sessions": int (school sessions requested while on roll),
     "attendance_pct_now": Decimal | None (year to date as of `requested_on`, 2 dp),
     "attendance_pct_if_granted": Decimal | None,
     "checks": [{"rule", "passed", "detail"}]} with rules notice_period, retrospective,
    unauthorised_on_record, authorised_over_10pct, holiday as the school's settings have
    them (a check switched off is left out). `ground`: C1, J1, S, C, C2, R, T, or G for a
    family holiday. Queries: a fixed few (calendar, roll, marks), whatever the length.
    The decision stays a person's.
    """
    checks = checks or leave_checks_for(school)
    if sessions is None:
        sessions = sessions_between(school=school, first=first, last=last)
    sessions = [s for s in sessions if pupil.on_roll(s.date)]
    tally = metrics.counts(
        school=school, as_of=requested_on, windows={"ytd": metrics.YearToDate()}, pupils=[pupil]
    )
    year = tally.summary(pupil.pk, "ytd")
    bounds = tally.bounds.get("ytd")
    projected = Summary(pupil_id=pupil.pk)
    for code, n in year.codes.items():
        projected.add(code, n)
    counted = [s.pk for s in sessions if s.date <= requested_on]
    if counted and bounds is not None:
        marked = Mark.objects.filter(
            school=school, pupil=pupil, session_id__in=counted, date__gte=bounds.start
        ).values_list("code_id", flat=True)
        for code in marked:
            projected.add(code, -1)
    granted = GRANTED_CODE.get(ground, ground)
    if sessions:
        projected.add(granted, len(sessions))
    return {
        "sessions": len(sessions),
        "attendance_pct_now": year.attendance_pct,
        "attendance_pct_if_granted": projected.attendance_pct,
        "checks": _checks(
            checks=checks,
            first_day=first[0],
            requested_on=requested_on,
            ground=ground,
            year=year,
        ),
    }


def request_assess(request: LeaveRequest, *, sessions=None) -> dict:
    """`leave_assess` for a saved request, as of the day the school received it."""
    return leave_assess(
        school=request.school,
        pupil=request.pupil,
        first=request.first,
        last=request.last,
        requested_on=request.requested_on,
        ground=request.ground,
        sessions=sessions,
    )


# ---- The decider's queue and a request's page ------------------------------------------


QUEUES = {
    # Waiting for a decision, soonest first (the leave that starts first is most urgent).
    "pending": (LeaveRequest.PENDING, ["first_day", "first_period", "pk"]),
    # Decided or withdrawn, latest first.
    "decided": (LeaveRequest.DECIDED | {Status.WITHDRAWN}, ["-first_day", "-pk"]),
}


def leave_queue(*, school: School, queue: str = "pending", limit: int = 200):
    """Requests of one queue with their pupil, evidence count and the parent who asked.
    Three queries whatever their number (one with the count, two for the related rows)."""
    statuses, order = QUEUES.get(queue, QUEUES["pending"])
    return list(
        LeaveRequest.objects.filter(school=school, status__in=list(statuses))
        .select_related("pupil", "pupil__registration_group", "requested_by_contact")
        .annotate(evidence_count=Count("evidence"))
        .order_by(*order)[:limit]
    )


def queue_counts(*, school: School) -> dict[str, int]:
    pending = LeaveRequest.objects.filter(school=school, status__in=list(LeaveRequest.PENDING))
    return {"pending": pending.count()}


def leave_request_for(*, school: School, request_id: int) -> LeaveRequest | None:
    return (
        LeaveRequest.objects.filter(school=school, pk=request_id)
        .select_related("pupil", "pupil__registration_group", "requested_by_contact", "decided_by")
        .first()
    )


def prior_requests(*, request: LeaveRequest) -> list[LeaveRequest]:
    """The pupil's other requests, latest first (the decider sees the pattern)."""
    return list(
        LeaveRequest.objects.filter(school_id=request.school_id, pupil_id=request.pupil_id)
        .exclude(pk=request.pk)
        .order_by("-first_day", "-pk")[:20]
    )


def request_history(*, request: LeaveRequest) -> list[Event]:
    """Every change of the request (who, role, when, why), oldest first; each event
    carries `label` (the kind's wording)."""
    events = list(
        Event.objects.filter(
            school_id=request.school_id,
            pupil_id=request.pupil_id,
            kind__in=LeaveEvent.values,
            params__request_id=request.pk,
        ).order_by("occurred_at", "id")
    )
    for event in events:
        event.label = KINDS.get(event.kind, event.kind)
    return events


@dataclass
class SessionLine:
    """One requested session on the decider's page."""

    session: Session
    key: str
    mark: str  # the code marked (or planned) now, "" if none
    granted: bool
    planned: bool = False  # `mark` is a planned entry for a day still to come


def session_lines(*, request: LeaveRequest, sessions: list[Session]) -> list[SessionLine]:
    """The requested sessions with what the register holds for each now. Two queries."""
    from registers.models import PlannedEntry

    ids = [s.pk for s in sessions]
    marks = dict(
        Mark.objects.filter(
            school_id=request.school_id, pupil_id=request.pupil_id, session_id__in=ids
        ).values_list("session_id", "code_id")
    )
    planned = dict(
        PlannedEntry.objects.filter(
            school_id=request.school_id, pupil_id=request.pupil_id, session_id__in=ids
        ).values_list("session_id", "code_id")
    )
    granted = set(request.granted_sessions)
    return [
        SessionLine(
            session=s,
            key=session_key(s.date, s.period),
            mark=marks.get(s.pk) or planned.get(s.pk, ""),
            granted=session_key(s.date, s.period) in granted,
            planned=s.pk not in marks and s.pk in planned,
        )
        for s in sessions
    ]


# ---- Parents -----------------------------------------------------------------------------


def parent_requests(*, school: School, user, pupil: Pupil | None = None) -> list[LeaveRequest]:
    """Requests for the children the user has parental responsibility for here (one
    child's with `pupil`), latest first. One query."""
    rows = LeaveRequest.objects.filter(
        school=school,
        pupil__contacts__user=user,
        pupil__contacts__parental_responsibility=True,
    )
    if pupil is not None:
        rows = rows.filter(pupil=pupil)
    return list(rows.select_related("pupil").distinct().order_by("-first_day", "-pk"))


def parent_may_read(*, request: LeaveRequest, user) -> bool:
    """A parent with parental responsibility for the request's pupil."""
    if user is None or not user.is_authenticated:
        return False
    return request.pupil.contacts.filter(user=user, parental_responsibility=True).exists()


def evidence_readable(*, school: School, evidence_id: int, user, roles) -> LeaveEvidence | None:
    """The evidence if this reader may open it, else None (the view answers 404):
    a decider of this school (ROLES_LEAVE_DECIDE), or the parent who sent the request
    (the account that submitted it, or the account of the contact named on it) while
    they still hold parental responsibility. Not another family, not a teacher, not the
    office (who pass requests on, they do not judge them)."""
    evidence = (
        LeaveEvidence.objects.filter(school=school, pk=evidence_id)
        .select_related("request", "request__requested_by_contact")
        .first()
    )
    if evidence is None:
        return None
    if set(roles) & ROLES_LEAVE_DECIDE:
        return evidence
    request = evidence.request
    contact = request.requested_by_contact
    senders = {request.requested_by_id, contact.user_id if contact else None} - {None}
    if user.pk in senders and parent_may_read(request=request, user=user):
        return evidence
    return None


def decision_letters(*, school: School, request: LeaveRequest):
    """The decision letters of a request (letters.IssuedLetter, one per recipient and
    decision), newest first, cancelled ones left out. For the portal: a parent reads the
    copy addressed to them once it is rendered (`letter.pdf`)."""
    from letters.models import IssuedLetter

    if not request.decision_letter_ids:
        return IssuedLetter.objects.none()
    return (
        IssuedLetter.objects.filter(school=school, pk__in=request.decision_letter_ids)
        .exclude(status=IssuedLetter.Status.CANCELLED)
        .order_by("-created_at", "-pk")
    )


# ---- For the escalation engine -----------------------------------------------------------


def refused_leave_taken(*, school: School, pupil_ids, start: date, end: date) -> dict[int, int]:
    """Sessions of refused leave taken, per pupil, dated `start` to `end` inclusive:
    marks coded G inside a refused request (or the sessions a partial grant did not
    grant). {pupil id: sessions}; pupils with none are left out. Two queries, whatever
    the number of pupils (RULES.md: BL "≥ 5 days without consent → EPN", BH-32, DS-39).
    """
    pupil_ids = list(pupil_ids)
    if not pupil_ids or start > end:
        return {}
    refused = list(
        LeaveRequest.objects.filter(
            school=school,
            pupil_id__in=pupil_ids,
            status__in=[Status.REFUSED, Status.PARTLY_GRANTED],
            first_day__lte=end,
            last_day__gte=start,
        ).only(
            "pupil_id",
            "first_day",
            "first_period",
            "last_day",
            "last_period",
            "status",
            "granted_sessions",
        )
    )
    if not refused:
        return {}
    by_pupil: dict[int, list[LeaveRequest]] = {}
    for request in refused:
        by_pupil.setdefault(request.pupil_id, []).append(request)
    marks = Mark.objects.filter(
        school=school,
        pupil_id__in=list(by_pupil),
        code_id=REFUSED_TAKEN_CODE,
        date__range=(start, end),
    ).values_list("pupil_id", "date", "session__period")
    taken: dict[int, int] = {}
    for pupil_id, day, period in marks:
        for request in by_pupil[pupil_id]:
            if request.covers(day, period) and session_key(day, period) not in set(
                request.granted_sessions
            ):
                taken[pupil_id] = taken.get(pupil_id, 0) + 1
                break
    return taken


def refused_sessions_due(*, school: School, until: date) -> list[tuple[LeaveRequest, list]]:
    """Refused requests (and partial grants) with sessions on or before `until` whose
    marks are N or O: the sweep's work (services.leave_decide.leave_refused_taken).
    (request, [Mark]) pairs; three queries."""
    requests = list(
        LeaveRequest.objects.filter(
            school=school,
            status__in=[Status.REFUSED, Status.PARTLY_GRANTED],
            first_day__lte=until,
        )
        .filter(Q(last_day__gte=_year_ago(until)))
        .select_related("school", "pupil")
    )
    if not requests:
        return []
    marks = list(
        Mark.objects.filter(
            school=school,
            pupil_id__in={r.pupil_id for r in requests},
            code_id__in=("N", "O"),
            date__range=(min(r.first_day for r in requests), until),
        ).select_related("session")
    )
    out = []
    for request in requests:
        granted = set(request.granted_sessions)
        mine = [
            m
            for m in marks
            if m.pupil_id == request.pupil_id
            and request.covers(m.date, m.session.period)
            and session_key(m.date, m.session.period) not in granted
        ]
        if mine:
            out.append((request, mine))
    return out


def _year_ago(day: date) -> date:
    return date(day.year - 1, day.month, min(day.day, 28))


__all__ = [
    "decision_letters",
    "evidence_readable",
    "leave_assess",
    "leave_queue",
    "prior_requests",
    "refused_leave_taken",
    "request_assess",
    "request_history",
    "request_sessions",
    "session_lines",
]
