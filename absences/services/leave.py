"""Leave of absence: requests, their evidence, the decider's steps and their marks.

Every change of status is a conditional UPDATE (from the states it may leave, at the
version the person saw), an event with who, role and why (`absences.events.LeaveEvent`)
and, for decisions, the register written through THE one mark writer
(`registers.services.marks.marks_write`, source `leave`), all in one transaction: a
refused step changes nothing.

Decisions (issue 9 "Leave-of-absence workflow"; RULES.md BS-20..24, BH-28..36, DS-38/39,
BL-10/12, LE-33/34):
- granted / partly granted: the granted sessions are pre-entered with the ground's code
  (days to come become planned entries; a session already marked N, O or G is amended;
  a present mark or another reason already recorded is left, and named).
- refused (and the sessions not granted of a partial grant): nothing is written ahead;
  a session the pupil is absent for anyway (N or O) becomes G, the decision referenced
  (`leave_refused_taken`, run at the decision and by beat; see its docstring).
- withdrawn (or reopened) before the first day: the planned entries are withdrawn, so
  nothing is left behind (DESIGN §5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from absences.events import LeaveEvent, leave_changed
from absences.evidence import MAX_FILES, evidence_check, private_storage
from absences.models import AbsenceReport, LeaveEvidence, LeaveGround, LeaveRequest
from registers.models import Contact, Period, Pupil, RegisterTimes, School, Session
from registers.services.marks import local_now

Status = LeaveRequest.Status
# The longest request accepted in one go (a term and a bit): longer is a mistake in a date.
MAX_SESSIONS = 200
MAX_REASON = 4000


def school_today(school: School, now: datetime) -> date:
    """The school-local date at `now` (session dates are local dates)."""
    return local_now(school, now).date()


def leave_has_begun(request: LeaveRequest, *, now: datetime | None = None) -> bool:
    """True once the request's first session has begun (school-local time): any day
    before today; today from the morning for leave from AM, from the PM register's opening
    (today's PM session, else the school's PM register times) for leave from PM. A decision
    is taken back only before this (leave_reopen); after it the register is changed."""
    local = local_now(request.school, now or timezone.now())
    if request.first_day != local.date():
        return request.first_day < local.date()
    if request.first_period != Period.PM:
        return True
    opens = (
        Session.objects.filter(school=request.school, date=local.date(), period=Period.PM)
        .values_list("opens", flat=True)
        .first()
    ) or (
        RegisterTimes.objects.filter(school=request.school, period=Period.PM)
        .values_list("opens", flat=True)
        .first()
    )
    return opens is None or local.time() >= opens


# ---- Sessions of a request -------------------------------------------------------------


def session_key(day: date, period: str) -> str:
    """How a session is named in `granted_sessions` and in forms: "2026-12-01 AM"."""
    return f"{day.isoformat()} {period}"


def parse_session_key(key: str) -> tuple[date, str]:
    """The inverse of `session_key`; raises ValueError for anything else."""
    day, period = key.split(" ")
    if period not in Period.values:
        raise ValueError(key)
    return date.fromisoformat(day), period


def sessions_between(*, school: School, first: tuple, last: tuple) -> list[Session]:
    """The school's sessions from `first` to `last` ((date, "AM"|"PM") pairs), in order.
    One query."""
    (fd, _), (ld, _) = first, last
    sessions = Session.objects.filter(school=school, date__range=(fd, ld)).order_by(
        "date", "period"
    )
    return [s for s in sessions if first <= (s.date, s.period) <= last]


def request_sessions(request: LeaveRequest) -> list[Session]:
    return sessions_between(school=request.school, first=request.first, last=request.last)


# ---- Who may act for a pupil -----------------------------------------------------------


def parent_contact(*, school: School, pupil: Pupil, user) -> Contact | None:
    """The user's contact with parental responsibility for the pupil, or None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Contact.objects.filter(school=school, pupil=pupil, user=user, parental_responsibility=True)
        .order_by("priority")
        .first()
    )


def _acting(*, school, pupil, user, role: str) -> Contact | None:
    """Staff (a role given) act for the school; anyone else must be a parent of the
    pupil with parental responsibility (PermissionDenied otherwise)."""
    if role:
        return None
    contact = parent_contact(school=school, pupil=pupil, user=user)
    if contact is None:
        raise PermissionDenied("Only a parent with parental responsibility can do this.")
    return contact


# ---- Submit ----------------------------------------------------------------------------


def _span_words(request: LeaveRequest) -> str:
    """ "from 5 February 2025 to the morning of 6 February 2025": halves named, one day
    said once ("for the afternoon of 5 February 2025")."""
    first, last = f"{request.first_day:%-d %B %Y}", f"{request.last_day:%-d %B %Y}"
    starts_pm = request.first_period == Period.PM
    ends_am = request.last_period == Period.AM
    if request.first_day == request.last_day:
        half = "the afternoon of " if starts_pm else "the morning of " if ends_am else ""
        return f"for {half}{first}"
    return (
        f"from {'the afternoon of ' if starts_pm else ''}{first} "
        f"to {'the morning of ' if ends_am else ''}{last}"
    )


def _overlap_errors(*, school, pupil, first, last, exclude_pk=None) -> dict[str, str]:
    """A clear message when the sessions are already asked for (never double-booked:
    issue 9, "Faults other systems shipped")."""
    others = LeaveRequest.objects.filter(school=school).active()
    others = others.overlapping(pupil_id=pupil.pk, first=first, last=last)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    other = others.order_by("first_day").first()
    if other is not None:
        return {
            "first_day": (
                f"Leave {_span_words(other)} is already "
                f"{other.get_status_display().lower()} for {pupil.forename}: these dates "
                "overlap it. Withdraw that request first, or choose other dates."
            )
        }
    (fd, _), (ld, _) = first, last
    reports = AbsenceReport.objects.filter(
        school=school,
        pupil=pupil,
        status__in=AbsenceReport.LIVE,
        first_day__lte=ld,
        last_day__gte=fd,
    )
    for report in reports:
        if report.start <= last and first <= (report.last_day, report.last_period):
            return {
                "first_day": (
                    f"An absence from {report.first_day:%-d %B %Y} to {report.last_day:%-d %B %Y} "
                    f"is already reported for {pupil.forename}: these dates overlap it."
                )
            }
    return {}


def _request_errors(*, school, pupil, first, last, ground, reason) -> tuple[dict, list]:
    errors: dict[str, str] = {}
    if ground not in LeaveGround.values:
        errors["ground"] = "Choose what the leave is for."
    if not (reason or "").strip():
        errors["reason"] = "Say in your own words why the leave is needed."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason under {MAX_REASON} characters."
    if last < first:
        errors["last_day"] = "The last day and session come before the first."
        return errors, []
    sessions = sessions_between(school=school, first=first, last=last)
    if not sessions:
        errors["first_day"] = (
            "There are no school sessions between those dates (weekends, holidays and "
            "closures need no leave)."
        )
    elif len(sessions) > MAX_SESSIONS:
        errors["last_day"] = (
            f"That is {len(sessions)} sessions; a request can cover at most {MAX_SESSIONS}."
        )
    elif not pupil.on_roll(sessions[0].date):
        errors["first_day"] = f"{pupil.forename} is not on roll on {sessions[0].date:%-d %B %Y}."
    return errors, sessions


def _checked_files(files: Iterable, *, already: int = 0) -> tuple[list, list[str]]:
    files = [f for f in files if f]
    messages = []
    if already + len(files) > MAX_FILES:
        messages.append(f"Send at most {MAX_FILES} files with a request.")
        return [], messages
    checked = []
    for upload in files:
        try:
            checked.append((upload, evidence_check(upload)))
        except ValidationError as exc:
            messages.extend(exc.messages)
    return checked, messages


@contextmanager
def _files_undone_on_failure():
    """The names of files stored inside the block; deleted again if the block fails (the
    transaction rolled back: no row points at them)."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        storage = private_storage()
        for name in names:
            storage.delete(name)
        raise


def _store_files(*, request: LeaveRequest, checked, user, now, names) -> list[LeaveEvidence]:
    stored = []
    for upload, content_type in checked:
        evidence = LeaveEvidence(
            school_id=request.school_id,
            request=request,
            original_name=(upload.name or "evidence")[-200:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=user,
            uploaded_at=now,
        )
        evidence.file.save(upload.name or "evidence", upload, save=False)
        names.append(evidence.file.name)
        evidence.save()
        stored.append(evidence)
    return stored


def leave_request_submit(
    *,
    school: School,
    pupil: Pupil,
    user,
    first_day: date,
    first_period: str,
    last_day: date,
    last_period: str,
    ground: str,
    reason: str,
    files: Sequence = (),
    role: str = "",
    requested_on: date | None = None,
    contact: Contact | None = None,
    now: datetime | None = None,
) -> LeaveRequest:
    """A new request, status submitted, with its evidence files, in one transaction.

    user: the parent (a contact of the pupil with parental responsibility) or, with
    `role` given, staff entering a paper form (BS-20), who may give the date the school
    received it (`requested_on`, not in the future; default today, school-local) and
    the parent who signed it (`contact`).
    files: uploaded files (PDF, JPEG, PNG by content, each at most
    settings.LEAVE_EVIDENCE_MAX_BYTES, at most `evidence.MAX_FILES`).

    Raises PermissionDenied (not a parent with parental responsibility) or
    ValidationError {field: message} (fields first_day, last_day, ground, reason,
    files, requested_on): bad dates, no school session, overlapping a request that
    still holds its sessions or a live absence report, a refused file. Nothing is
    written then.
    """
    now = now or timezone.now()
    today = school_today(school, now)
    if pupil.school_id != school.pk:
        raise PermissionDenied("That pupil is not at this school.")
    acting = _acting(school=school, pupil=pupil, user=user, role=role)
    if role and contact is not None:
        # Staff entering a form name the parent who signed it (one with parental
        # responsibility for this pupil).
        if contact.pupil_id != pupil.pk or not contact.parental_responsibility:
            raise ValidationError(
                {"contact": "Choose a parent with parental responsibility for this pupil."}
            )
        acting = contact
    contact = acting
    first, last = (first_day, first_period), (last_day, last_period)
    if first_period not in Period.values or last_period not in Period.values:
        raise ValidationError({"first_period": "Choose morning or afternoon."})
    errors, _sessions = _request_errors(
        school=school, pupil=pupil, first=first, last=last, ground=ground, reason=reason
    )
    if requested_on is not None and (not role or requested_on > today):
        errors["requested_on"] = "The date the school received the request cannot be in the future."
    checked, file_errors = _checked_files(files)
    if file_errors:
        errors["files"] = " ".join(file_errors)
    if not errors:
        errors = _overlap_errors(school=school, pupil=pupil, first=first, last=last)
    if errors:
        raise ValidationError(errors)
    with _files_undone_on_failure() as names, transaction.atomic():
        # Two submissions at once: the second waits here, then sees the first's overlap.
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
        errors = _overlap_errors(school=school, pupil=pupil, first=first, last=last)
        if errors:
            raise ValidationError(errors)
        request = LeaveRequest(
            school=school,
            pupil=pupil,
            requested_by_contact=contact,
            requested_by=user,
            requested_on=requested_on or today,
            submitted_at=now,
            first_day=first_day,
            first_period=first_period,
            last_day=last_day,
            last_period=last_period,
            ground=ground,
            reason=reason.strip(),
        )
        request.full_clean()
        request.save()
        evidence = _store_files(request=request, checked=checked, user=user, now=now, names=names)
        leave_changed(
            request=request,
            kind=LeaveEvent.SUBMITTED,
            user=user,
            role=role,
            when=now,
            why=reason.strip()[:500],
            ground=ground,
            first=session_key(*first),
            last=session_key(*last),
            files=len(evidence),
        )
    return request


# ---- Status changes --------------------------------------------------------------------


def _move(
    *, request: LeaveRequest, to: str, allowed_from: Iterable[str], seen_version=None, **fields
):
    """The conditional UPDATE of every status change: from the states it may leave (and
    the version the person saw, if given). Raises ValidationError when the request has
    moved on meanwhile (someone else decided, the parent withdrew)."""
    rows = LeaveRequest.objects.filter(
        school_id=request.school_id, pk=request.pk, status__in=list(allowed_from)
    )
    if seen_version is not None:
        rows = rows.filter(version=seen_version)
    changed = rows.update(status=to, version=F("version") + 1, **fields)
    if not changed:
        current = LeaveRequest.objects.get(school_id=request.school_id, pk=request.pk)
        raise ValidationError(
            {
                "status": (
                    f"This request is now {current.get_status_display().lower()} "
                    "(it changed since the page was opened): look at it again."
                )
            }
        )
    request.refresh_from_db()
    return request


def leave_request_withdraw(
    *, request: LeaveRequest, user, why: str, role: str = "", now: datetime | None = None
) -> LeaveRequest:
    """Withdraw a request (the parent who may act for the pupil, or staff with `role`).

    Pending requests may be withdrawn at any time; a granted one only before its first
    day (school-local): its planned entries are then withdrawn, leaving nothing behind
    (DESIGN §5). Leave already begun is changed by the school, not withdrawn.
    Raises PermissionDenied, or ValidationError {field: message}.
    """
    from absences.services.leave_decide import withdraw_planned

    now = now or timezone.now()
    school = request.school
    _acting(school=school, pupil=request.pupil, user=user, role=role)
    if not (why or "").strip():
        raise ValidationError({"why": "Say why the request is withdrawn."})
    today = school_today(school, now)
    allowed = set(LeaveRequest.PENDING)
    if request.first_day > today:
        allowed |= {Status.GRANTED, Status.PARTLY_GRANTED}
    elif request.status in (Status.GRANTED, Status.PARTLY_GRANTED):
        raise ValidationError(
            {"status": "The leave has begun: ask the school to change the register instead."}
        )
    if request.status not in allowed:
        raise ValidationError(
            {
                "status": f"This request is {request.get_status_display().lower()}: "
                "there is nothing to withdraw."
            }
        )
    with transaction.atomic():
        before = request.status
        request = _move(request=request, to=Status.WITHDRAWN, allowed_from=allowed)
        withdrawn = withdraw_planned(request=request) if before in LeaveRequest.DECIDED else 0
        leave_changed(
            request=request,
            kind=LeaveEvent.WITHDRAWN,
            user=user,
            role=role,
            when=now,
            why=why.strip()[:500],
            previous=before,
            planned_withdrawn=withdrawn,
        )
    return request


def leave_provide_information(
    *,
    request: LeaveRequest,
    user,
    message: str,
    files: Sequence = (),
    role: str = "",
    now: datetime | None = None,
) -> LeaveRequest:
    """The parent's answer to "more information requested" (BS-24: the head may require
    evidence): the message and any files; the request goes back under review.
    Raises PermissionDenied, or ValidationError {message|files|status: message}."""
    now = now or timezone.now()
    _acting(school=request.school, pupil=request.pupil, user=user, role=role)
    errors = {}
    if not (message or "").strip():
        errors["message"] = "Write your answer to the school's question."
    elif len(message) > MAX_REASON:
        errors["message"] = f"Keep the answer under {MAX_REASON} characters."
    already = LeaveEvidence.objects.filter(school_id=request.school_id, request=request).count()
    checked, file_errors = _checked_files(files, already=already)
    if file_errors:
        errors["files"] = " ".join(file_errors)
    if errors:
        raise ValidationError(errors)
    with _files_undone_on_failure() as names, transaction.atomic():
        request = _move(
            request=request, to=Status.UNDER_REVIEW, allowed_from=[Status.MORE_INFORMATION]
        )
        evidence = _store_files(request=request, checked=checked, user=user, now=now, names=names)
        leave_changed(
            request=request,
            kind=LeaveEvent.INFORMATION_PROVIDED,
            user=user,
            role=role,
            when=now,
            why=message.strip(),
            files=len(evidence),
        )
    return request
