"""The decider's steps on a leave request and the marks they write (issue 9; the
workflow is described in `absences.services.leave`).

Refused leave taken (BS-23, BH-32, DS-39, BL-12, LE-34): a session of a refused request
(or one a partial grant left out) that the register holds as N or O becomes G, through
the one mark writer, with the request named in the mark's note and the amendment's
reason. Design: a sweep, `leave_refused_taken(school=)`, run at the decision (for
sessions already past) and by beat every 15 minutes (absences.tasks), rather than a
hook inside the mark writer: `registers` may not import `absences` (the layers), the
teacher's N is the right first mark (they do not know about the refusal), and the
sweep is idempotent by construction (it only reads N and O, and writes G at the version
it read: a mark changed meanwhile is a conflict, left for the next run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from absences.events import LeaveEvent, leave_changed
from absences.models import LeaveGround, LeaveRequest
from absences.models.leave import REFUSED_TAKEN_CODE, ROLES_LEAVE_DECIDE
from absences.selectors.leave import refused_sessions_due
from letters.kinds import Kind as LetterKind
from letters.services import letter_draft
from registers import outbox
from registers.codes import code_rules
from registers.events import actor_name
from registers.models import Contact, Mark, Period, Session
from registers.outbox import Work
from registers.services.marks import (
    MarkEntry,
    MarksInvalid,
    RegisterConflict,
    local_now,
    marks_write,
    register_open,
)
from registers.services.planned import planned_withdraw

from .leave import _move, leave_has_begun, request_sessions, session_key

Status = LeaveRequest.Status
# Marks a grant amends (the pupil was away and nobody knew why, or it was put down as
# unauthorised); a present mark, or another reason already recorded (I, M...), stands
# and the decider is told.
AMENDED_BY_GRANT = frozenset({"N", "O", "G"})
# Marks the refused-leave sweep turns into G.
AMENDED_WHEN_REFUSED = ("N", "O")
MAX_DECISION = 4000

LETTER_KIND = {
    Status.GRANTED: LetterKind.LEAVE_GRANTED,
    Status.PARTLY_GRANTED: LetterKind.LEAVE_PARTLY_GRANTED,
    Status.REFUSED: LetterKind.LEAVE_REFUSED,
}
EVENT_KIND = {
    Status.GRANTED: LeaveEvent.GRANTED,
    Status.PARTLY_GRANTED: LeaveEvent.PARTLY_GRANTED,
    Status.REFUSED: LeaveEvent.REFUSED,
}


@dataclass
class Decided:
    request: LeaveRequest
    written: int = 0  # marks created or amended, and planned entries written
    # Sessions granted whose saved mark was left as it stands: (session key, code).
    kept: list[tuple[str, str]] = field(default_factory=list)
    refused_taken: int = 0  # sessions turned into G at the decision
    letters: int = 0
    letter_problem: str = ""


def _decider(role: str) -> None:
    if role not in ROLES_LEAVE_DECIDE:
        raise PermissionDenied("Only the headteacher or their delegate decides leave.")


def withdraw_planned(*, request: LeaveRequest) -> int:
    """Withdraw the planned entries the request's grant wrote for days still to come.
    Marks already written are legal records and stay (a person amends them).
    Returns how many were withdrawn."""
    keys = set(request.granted_sessions)
    sessions = [s for s in request_sessions(request) if session_key(s.date, s.period) in keys]
    if not sessions:
        return 0
    return planned_withdraw(school=request.school, pupil=request.pupil, sessions=sessions)


# ---- Under review, more information ------------------------------------------------------


def leave_review(*, request: LeaveRequest, user, role: str, now: datetime | None = None):
    """A decider starts looking at the request (the parent sees "under review")."""
    _decider(role)
    now = now or timezone.now()
    with transaction.atomic():
        request = _move(
            request=request,
            to=Status.UNDER_REVIEW,
            allowed_from=[Status.SUBMITTED, Status.MORE_INFORMATION],
        )
        leave_changed(request=request, kind=LeaveEvent.UNDER_REVIEW, user=user, role=role, when=now)
    return request


def leave_ask_information(
    *, request: LeaveRequest, user, role: str, message: str, now: datetime | None = None
):
    """Ask the parent for more information or evidence (BS-24). `message` is shown to
    the parent in the portal. Raises ValidationError {message|status}."""
    _decider(role)
    now = now or timezone.now()
    message = (message or "").strip()
    if not message:
        raise ValidationError({"decision": "Write what the parent should tell you or send."})
    if len(message) > MAX_DECISION:
        raise ValidationError({"decision": f"Keep the message under {MAX_DECISION} characters."})
    with transaction.atomic():
        request = _move(
            request=request,
            to=Status.MORE_INFORMATION,
            allowed_from=[Status.SUBMITTED, Status.UNDER_REVIEW],
            decision=message,
        )
        leave_changed(
            request=request,
            kind=LeaveEvent.INFORMATION_REQUESTED,
            user=user,
            role=role,
            when=now,
            why=message,
        )
        # The parents are told by email once this commits (they also see it in the portal).
        outbox.enqueue(
            school=request.school_id,
            work=[
                Work(
                    "absences.tasks.leave_question_email",
                    {"request_id": request.pk, "version": request.version},
                    key=f"leave.question:{request.pk}:{request.version}",
                )
            ],
        )
    return request


def leave_question_email(*, request_id: int, version: int) -> int:
    """Email the decider's question to the pupil's parents with parental responsibility
    and an email address (the outbox task; DESIGN §2). Claimed by a conditional UPDATE on
    `asked_version`, so a second delivery sends nothing. Returns the emails sent."""
    claimed = (
        LeaveRequest.objects.filter(pk=request_id, status=Status.MORE_INFORMATION, version=version)
        .exclude(asked_version=version)
        .update(asked_version=version)
    )
    if not claimed:
        return 0
    request = LeaveRequest.objects.select_related("school", "pupil").get(pk=request_id)
    emails = sorted(
        set(
            Contact.objects.filter(
                school_id=request.school_id, pupil_id=request.pupil_id, parental_responsibility=True
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not emails:
        return 0
    body = render_to_string(
        "absences/leave_question_email.txt", {"leave": request, "school": request.school}
    )
    send_mail(
        subject=f"{request.school.name}: a question about your request for leave",
        message=body,
        from_email=None,
        recipient_list=emails,
    )
    return len(emails)


# ---- Decisions ---------------------------------------------------------------------------


def _chosen(request: LeaveRequest, sessions: list[Session], status: str, chosen) -> list[Session]:
    if status == Status.GRANTED:
        return sessions
    if status == Status.REFUSED:
        return []
    keys = {str(k) for k in (chosen or ())}
    valid = {session_key(s.date, s.period) for s in sessions}
    if keys - valid:
        raise ValidationError({"sessions": "Choose sessions of this request only."})
    if not keys:
        raise ValidationError({"sessions": "Choose the sessions to grant (or refuse the request)."})
    if keys == valid:
        raise ValidationError(
            {"sessions": "Every session is chosen: grant the request instead of part of it."}
        )
    return [s for s in sessions if session_key(s.date, s.period) in keys]


def _grant_entries(request, granted, marks, *, who: str) -> tuple[list[MarkEntry], list]:
    code = request.granted_code
    entries, kept = [], []
    for session in granted:
        mark = marks.get(session.pk)
        if mark is not None and mark.code_id == code:
            continue
        if mark is not None and mark.code_id not in AMENDED_BY_GRANT:
            kept.append((session_key(session.date, session.period), mark.code_id))
            continue
        entries.append(
            MarkEntry(
                pupil_id=request.pupil_id,
                code=code,
                session=session,
                note=f"Leave request {request.pk} granted by {who}",
                seen_version=mark.version if mark else 0,
                amendment_reason=f"Leave of absence granted (request {request.pk}).",
            )
        )
    return entries, kept


def _write(*, request, entries, actor, role, source, now) -> int:
    if not entries:
        return 0
    try:
        result = marks_write(
            school=request.school,
            entries=entries,
            actor=actor,
            role=role,
            source=source,
            pupils={request.pupil_id: request.pupil},
            now=now,
        )
    except MarksInvalid as exc:
        problems = "; ".join(
            f"{key.split(' ', 1)[-1]}: {' '.join(v.values())}"
            for key, v in exc.pupil_errors.items()
        )
        raise ValidationError(
            {"sessions": f"The register refuses some sessions: {problems}"}
        ) from exc
    except RegisterConflict as exc:
        raise ValidationError(
            {"sessions": "Someone changed the register for these sessions meanwhile: try again."}
        ) from exc
    return result.created + result.amended + result.planned


def _letter(*, request, status, granted, sessions, user, role) -> tuple[list[int], str]:
    days = sorted({s.date for s in sessions})
    cause = {
        "leave_from": request.first_day,
        "leave_to": request.last_day,
        "school_days": max(len(days), 1),
        "decision_note": request.decision[:500],
        "holiday": "yes" if request.ground == LeaveGround.HOLIDAY else "",
    }
    if status == Status.PARTLY_GRANTED:
        first, last = granted[0], granted[-1]
        cause["granted_from"] = first.date
        cause["granted_to"] = last.date
        # Half days: the letter says "the afternoon of" / "the morning of" (letters.kinds).
        cause["granted_starts"] = "afternoon" if first.period == Period.PM else ""
        cause["granted_ends"] = "morning" if last.period == Period.AM else ""
    try:
        letters = letter_draft(
            school=request.school,
            pupil=request.pupil,
            kind=LETTER_KIND[status],
            user=user,
            role=role,
            cause=cause,
            # The decider's decision is the approval: the letter goes out by email
            # after the school's usual hold (letters.approval).
            requires_approval=False,
        )
    except ValidationError as exc:
        return [], " ".join(exc.messages)
    return [letter.pk for letter in letters], ""


def leave_decide(
    *,
    request: LeaveRequest,
    user,
    role: str,
    status: str,
    decision: str = "",
    sessions=None,
    seen_version: int | None = None,
    now: datetime | None = None,
) -> Decided:
    """Grant, partly grant (the chosen session keys "YYYY-MM-DD AM") or refuse, in one
    transaction: the status (at the version the decider saw), the marks, the letter and
    the event. A refusal or a partial grant needs the reason (`decision`, told to the
    parent). Raises PermissionDenied (not a decider) or ValidationError {field: message}.
    """
    _decider(role)
    now = now or timezone.now()
    if status not in LETTER_KIND:
        raise ValidationError({"status": "Choose grant, partly grant or refuse."})
    decision = (decision or "").strip()
    if status != Status.GRANTED and not decision:
        raise ValidationError({"decision": "Give the reason: the parent is told it in the letter."})
    if len(decision) > MAX_DECISION:
        raise ValidationError({"decision": f"Keep the reason under {MAX_DECISION} characters."})
    all_sessions = [s for s in request_sessions(request) if request.pupil.on_roll(s.date)]
    granted = _chosen(request, all_sessions, status, sessions)
    who = actor_name(user)
    with transaction.atomic():
        request = _move(
            request=request,
            to=status,
            allowed_from=LeaveRequest.PENDING,
            seen_version=seen_version,
            decision=decision,
            decided_by=user,
            decided_by_role=role,
            decided_at=now,
            granted_sessions=[session_key(s.date, s.period) for s in granted],
        )
        marks = {
            m.session_id: m
            for m in Mark.objects.filter(
                school_id=request.school_id,
                pupil_id=request.pupil_id,
                session_id__in=[s.pk for s in granted],
            )
        }
        entries, kept = _grant_entries(request, granted, marks, who=who)
        result = Decided(request=request, kept=kept)
        result.written = _write(
            request=request,
            entries=entries,
            actor=user,
            role=role,
            source=Mark.Source.LEAVE,
            now=now,
        )
        if status != Status.GRANTED:
            result.refused_taken = _refused_taken(
                school=request.school, only=request, actor=user, role=role, now=now
            )
        letter_ids, result.letter_problem = _letter(
            request=request,
            status=status,
            granted=granted,
            sessions=all_sessions,
            user=user,
            role=role,
        )
        result.letters = len(letter_ids)
        if letter_ids:
            LeaveRequest.objects.filter(pk=request.pk).update(
                decision_letter_ids=[*request.decision_letter_ids, *letter_ids]
            )
            request.decision_letter_ids = [*request.decision_letter_ids, *letter_ids]
        leave_changed(
            request=request,
            kind=EVENT_KIND[status],
            user=user,
            role=role,
            when=now,
            why=decision,
            sessions=len(granted),
            written=result.written,
            kept=[f"{k} {c}" for k, c in kept],
            letters=letter_ids,
            letter_problem=result.letter_problem,
        )
    return result


def leave_reopen(*, request: LeaveRequest, user, role: str, why: str, now: datetime | None = None):
    """Take a decision back before the leave begins (a mistake, new information): back
    under review, the grant's planned entries withdrawn, so nothing is left behind.
    Leave already begun is changed on the register, not reopened."""
    _decider(role)
    now = now or timezone.now()
    if not (why or "").strip():
        raise ValidationError({"why": "Say why the decision is taken back."})
    if not request.is_decided:
        raise ValidationError({"status": "Only a decision can be taken back."})
    if leave_has_begun(request, now=now):
        raise ValidationError(
            {
                "status": "The leave has begun, so the decision cannot be taken back: "
                "change the register instead."
            }
        )
    with transaction.atomic():
        before = request.status
        request = _move(request=request, to=Status.UNDER_REVIEW, allowed_from=LeaveRequest.DECIDED)
        withdrawn = withdraw_planned(request=request)
        LeaveRequest.objects.filter(pk=request.pk).update(granted_sessions=[])
        request.granted_sessions = []
        leave_changed(
            request=request,
            kind=LeaveEvent.REOPENED,
            user=user,
            role=role,
            when=now,
            why=why.strip(),
            previous=before,
            planned_withdrawn=withdrawn,
        )
    return request


# ---- Refused leave taken -----------------------------------------------------------------


def _refused_taken(*, school, only=None, actor=None, role="", now=None) -> int:
    """Turn N/O in refused sessions whose register has closed into G; returns how many.
    Per request one write; a request whose marks changed meanwhile is left for the next
    run (the writer's version check)."""
    now = now or timezone.now()
    local = local_now(school, now)
    done = 0
    for request, marks in refused_sessions_due(school=school, until=local.date()):
        if only is not None and request.pk != only.pk:
            continue
        marks = [m for m in marks if not register_open(m.session, local=local)]
        if not marks:
            continue
        decided = f"{request.decided_at:%-d %B %Y}" if request.decided_at else "earlier"
        entries = [
            MarkEntry(
                pupil_id=m.pupil_id,
                code=REFUSED_TAKEN_CODE,
                session=m.session,
                note=f"Refused leave request {request.pk} (decided {decided})",
                seen_version=m.version,
                amendment_reason=(
                    f"Absent during leave refused on {decided} (request {request.pk}): "
                    "holiday not granted, unauthorised."
                ),
            )
            for m in marks
            if code_rules()[m.code_id].unauthorised
        ]
        try:
            with transaction.atomic():
                written = _write(
                    request=request,
                    entries=entries,
                    actor=actor,
                    role=role,
                    source=Mark.Source.LEAVE if actor else Mark.Source.SYSTEM,
                    now=now,
                )
                leave_changed(
                    request=request,
                    kind=LeaveEvent.REFUSED_TAKEN,
                    user=actor,
                    role=role,
                    when=now,
                    why="Absent in sessions of refused leave: recorded as G.",
                    sessions=[session_key(m.date, m.session.period) for m in marks],
                )
        except ValidationError:
            if only is not None:
                raise
            continue
        done += written
    return done


def leave_refused_taken(*, school, now: datetime | None = None) -> int:
    """The beat sweep for one school (absences.tasks): every N or O in a session of
    refused leave, once its register has closed, becomes G. Idempotent: a second run
    finds nothing to do. Returns the marks amended."""
    return _refused_taken(school=school, now=now)
