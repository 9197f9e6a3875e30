"""Casework by people (DESIGN.md §7): moving and closing cases by hand, meeting notes,
documents, tasks, the morning queue's approvals and skips, penalty notices' progress and
notices to improve.

Every write here is one transaction with its event (`escalation.events.casework`), and
every change of state is a conditional UPDATE from the state it leaves: a double click,
a retried request or two people at once change a thing once; the second is told it had
already happened (the functions return False / 0 rather than raising).

Errors a person can put right raise `ValidationError` with messages keyed by field;
nothing is written then.

    case_move(school=, case=, to_stage=, reason=, user=, role=) -> bool
    case_open(school=, pupil=, track=, to_stage=, reason=, user=, role=) -> Case
    meeting_record(school=, pupil=, case=, task=, held_on=, attendees=, ..., user=, role=)
    attachment_add(school=, pupil=, case=, file=, title=, user=, role=) -> Attachment
    task_finish(school=, task=, done=True|False, note=, user=, role=) -> bool

Proposals, penalty notices and notices to improve: `escalation.services.legal_steps`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from absences.evidence import evidence_check
from letters.services import letter_draft
from registers.models import Pupil, School
from registers.selectors import local_today

from .. import ladder
from ..events import CaseworkEvent, casework
from ..models import (
    Attachment,
    Case,
    EscalationTask,
    Meeting,
    NoticeStatus,
    NoticeToImprove,
    PenaltyNotice,
    Proposal,
    ProposalStatus,
    Stage,
    StageEntry,
    TaskKind,
    TaskStatus,
    Track,
)

REASON_MAX = 500
# Stages a track may be moved to by hand (welfare has none).
STAGED_TRACKS = (Track.ATTENDANCE, Track.PUNCTUALITY, Track.LEGAL)


def _reason(reason: str, *, field: str = "reason", what: str = "a reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({field: f"Give {what}: it is kept with the case."})
    if len(reason) > REASON_MAX:
        raise ValidationError({field: f"Keep it to {REASON_MAX} characters."})
    return reason


def _today(school: School) -> dt.date:
    return local_today(school)


def stages_of(track: str) -> tuple[str, ...]:
    """The stages of a track, `none` first (RULES.md §0.1)."""
    return ladder.STAGES.get(track, ())


# ---- Cases -------------------------------------------------------------------------------


def case_move(*, school: School, case: Case, to_stage: str, reason: str, user, role: str) -> bool:
    """Move an open case to another stage of its track by hand (up, down or to `none`,
    which closes it), with a reason. Returns False when the case had already moved or
    closed since the page was shown (nothing is written then).

    Raises ValidationError for a stage of another track, the stage it is at, or no
    reason."""
    reason = _reason(reason)
    if to_stage not in stages_of(case.track):
        raise ValidationError({"to_stage": "Choose a stage of this case's track."})
    if to_stage == case.stage:
        raise ValidationError({"to_stage": "The case is at this stage already."})
    today = _today(school)
    closing = to_stage == Stage.NONE
    with transaction.atomic():
        changes = {"stage": to_stage, "stage_since": today}
        if closing:
            changes |= {"closed_on": today, "close_reason": reason[:200]}
        moved = Case.objects.filter(
            school=school, pk=case.pk, stage=case.stage, closed_on__isnull=True
        ).update(**changes)
        if not moved:
            return False
        StageEntry.objects.create(
            school=school,
            case=case,
            on=today,
            from_stage=case.stage,
            to_stage=to_stage,
            by=user,
            role=role,
            reason=reason,
        )
        if closing:
            _case_close_work(school=school, case=case, reason=reason, user=user)
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.CASE_CLOSED if closing else CaseworkEvent.CASE_MOVED,
            user=user,
            role=role,
            pupil_id=case.pupil_id,
            case_id=case.pk,
            track=case.track,
            from_stage=case.stage,
            to_stage=to_stage,
            reason=reason,
        )
    return True


def _case_close_work(*, school: School, case: Case, reason: str, user) -> None:
    """A case closed by hand takes its open work with it, in the same transaction:
    open tasks are skipped and waiting proposals skipped (their penalty notices and
    notices to improve not yet issued withdrawn), each with the closing reason."""
    now = timezone.now()
    note = f"Case closed: {reason}"[:REASON_MAX]
    EscalationTask.objects.filter(school=school, case=case, status=TaskStatus.OPEN).update(
        status=TaskStatus.SKIPPED, done_by=user, done_at=now, note=note
    )
    waiting = list(
        Proposal.objects.filter(
            school=school, case=case, status=ProposalStatus.PROPOSED
        ).values_list("pk", flat=True)
    )
    Proposal.objects.filter(school=school, pk__in=waiting, status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.SKIPPED, decided_by=user, decided_at=now, reason=note
    )
    PenaltyNotice.objects.filter(
        school=school,
        case=case,
        status__in=[NoticeStatus.PROPOSED, NoticeStatus.APPROVED],
    ).update(status=NoticeStatus.WITHDRAWN, reason=note, changed_by=user, changed_at=now)
    NoticeToImprove.objects.filter(
        school=school, case=case, status=NoticeToImprove.Status.PROPOSED
    ).update(status=NoticeToImprove.Status.WITHDRAWN, changed_by=user, changed_at=now)


def case_open(
    *, school: School, pupil: Pupil, track: str, to_stage: str, reason: str, user, role: str
) -> Case:
    """Open a case by hand (a concern the night has not raised). Raises ValidationError
    for the welfare track, `none`, no reason, or a pupil with an open case on the track."""
    reason = _reason(reason)
    if track not in STAGED_TRACKS:
        raise ValidationError({"track": "Choose the attendance, punctuality or legal track."})
    if to_stage not in stages_of(track) or to_stage == Stage.NONE:
        raise ValidationError({"to_stage": "Choose a stage of this track."})
    today = _today(school)
    with transaction.atomic():
        if Case.objects.filter(
            school=school, pupil=pupil, track=track, closed_on__isnull=True
        ).exists():
            raise ValidationError(
                {"track": "This pupil already has an open case on this track: move that one."}
            )
        case = Case(
            school=school,
            pupil=pupil,
            track=track,
            stage=to_stage,
            stage_since=today,
            opened_on=today,
        )
        case.full_clean(exclude=["school", "pupil"], validate_constraints=False)
        case.save()
        StageEntry.objects.create(
            school=school,
            case=case,
            on=today,
            from_stage=Stage.NONE,
            to_stage=to_stage,
            by=user,
            role=role,
            reason=reason,
        )
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.CASE_MOVED,
            user=user,
            role=role,
            pupil_id=pupil.pk,
            case_id=case.pk,
            track=track,
            from_stage=Stage.NONE,
            to_stage=to_stage,
            reason=reason,
        )
    return case


# ---- Meetings, documents, tasks ----------------------------------------------------------


def meeting_record(
    *,
    school: School,
    pupil: Pupil,
    case: Case | None,
    held_on: dt.date,
    attendees: str,
    barriers: str = "",
    targets: str = "",
    support: str = "",
    review_on: dt.date | None = None,
    task: EscalationTask | None = None,
    user,
    role: str,
) -> Meeting:
    """Notes of a meeting with the family. The meeting task it answers (if any, and
    still open) is done by it; a review date becomes a `review` task due that day, so
    the queue shows it when it comes. Raises ValidationError for a meeting in the
    future, a review before the meeting, or no attendees."""
    errors = {}
    today = _today(school)
    if held_on > today:
        errors["held_on"] = "A meeting is recorded once it has been held: not a future date."
    if review_on is not None and review_on <= held_on:
        errors["review_on"] = "The review comes after the meeting."
    if not (attendees or "").strip():
        errors["attendees"] = "Say who came (one per line)."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        meeting = Meeting(
            school=school,
            pupil=pupil,
            case=case,
            task=task,
            held_on=held_on,
            attendees=attendees.strip(),
            barriers=barriers.strip(),
            targets=targets.strip(),
            support=support.strip(),
            review_on=review_on,
            recorded_by=user,
        )
        meeting.full_clean(exclude=["school", "pupil", "case", "task"])
        meeting.save()
        if task is not None:
            EscalationTask.objects.filter(school=school, pk=task.pk, status=TaskStatus.OPEN).update(
                status=TaskStatus.DONE,
                done_by=user,
                done_at=now,
                note=f"Meeting held on {held_on:%d/%m/%Y}",
            )
        if review_on is not None:
            EscalationTask.objects.create(
                school=school,
                pupil=pupil,
                case=case,
                kind=TaskKind.REVIEW,
                role=role,
                title=f"Review the targets agreed at the meeting of {held_on:%d/%m/%Y}",
                created_on=today,
                due_on=review_on,
            )
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.MEETING_RECORDED,
            user=user,
            role=role,
            pupil_id=pupil.pk,
            meeting_id=meeting.pk,
            case_id=case.pk if case else None,
            held_on=held_on.isoformat(),
            review_on=review_on.isoformat() if review_on else None,
        )
    return meeting


def attachment_add(
    *, school: School, pupil: Pupil, case: Case | None, file, title: str, user, role: str
) -> Attachment:
    """Keep a document with a case: a PDF, JPEG or PNG by its content, at most the
    size of leave evidence (`absences.evidence.evidence_check`), in private storage
    (no URL; `views.cases.attachment` serves it after its checks)."""
    title = " ".join((title or "").split()) or getattr(file, "name", "")[:200] or "Document"
    try:
        evidence_check(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    with transaction.atomic():
        attachment = Attachment(
            school=school, pupil=pupil, case=case, title=title[:200], uploaded_by=user
        )
        attachment.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{_safe_name(file)}", file, save=False)
        attachment.save()
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.ATTACHMENT_ADDED,
            user=user,
            role=role,
            pupil_id=pupil.pk,
            attachment_id=attachment.pk,
            case_id=case.pk if case else None,
            title=attachment.title,
        )
    return attachment


def _safe_name(file) -> str:
    """The stored name: the sniffed type's extension on a random stem (a person's file
    name is kept only as the title, never as a path)."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    ext = "pdf" if head.startswith(b"%PDF") else "png" if head.startswith(b"\x89PNG") else "jpg"
    return f"{uuid.uuid4().hex}.{ext}"


def task_finish(
    *, school: School, task: EscalationTask, done: bool, note: str, user, role: str
) -> bool:
    """Mark an open task done (a note is optional) or skipped (a reason is needed).
    Returns False when it was no longer open."""
    note = " ".join((note or "").split())
    if not done:
        note = _reason(note, field="note", what="the reason it is not done")
    elif len(note) > REASON_MAX:
        raise ValidationError({"note": f"Keep it to {REASON_MAX} characters."})
    with transaction.atomic():
        changed = EscalationTask.objects.filter(
            school=school, pk=task.pk, status=TaskStatus.OPEN
        ).update(
            status=TaskStatus.DONE if done else TaskStatus.SKIPPED,
            done_by=user,
            done_at=timezone.now(),
            note=note,
        )
        if changed:
            casework(
                school_id=school.pk,
                kind=CaseworkEvent.TASK_DONE if done else CaseworkEvent.TASK_SKIPPED,
                user=user,
                role=role,
                pupil_id=task.pupil_id,
                task_id=task.pk,
                task_kind=task.kind,
                note=note,
            )
    return bool(changed)


def meeting_book(
    *,
    school: School,
    task: EscalationTask,
    meeting_date: dt.date,
    meeting_time: dt.time,
    meeting_place: str,
    with_whom: str = "",
    user,
    role: str,
) -> bool:
    """Book the meeting a task asks for: the task is done ("Booked for ...") and, when
    the night left a letter for it (`task.letter_kind`: the invitation, the lateness
    meeting letter), that letter is drafted with the day, time and place, for approval.
    Returns False when the task was no longer open (booked twice: one letter). Raises
    ValidationError for a day in the past or a pupil with nobody to write to."""
    if meeting_date < _today(school):
        raise ValidationError({"meeting_date": "Book the meeting for today or a later day."})
    place = " ".join((meeting_place or "").split())
    if not place:
        raise ValidationError({"meeting_place": "Say where the meeting is."})
    note = f"Booked for {meeting_date:%d/%m/%Y} at {meeting_time:%H:%M}, {place}"[:REASON_MAX]
    with transaction.atomic():
        booked = EscalationTask.objects.filter(
            school=school, pk=task.pk, status=TaskStatus.OPEN
        ).update(status=TaskStatus.DONE, done_by=user, done_at=timezone.now(), note=note)
        if not booked:
            return False
        if task.letter_kind:
            cause = {
                "meeting_date": meeting_date,
                "meeting_time": meeting_time,
                "meeting_place": place,
            }
            if task.letter_kind == "meeting_invitation" and with_whom.strip():
                cause["with_whom"] = " ".join(with_whom.split())
            try:
                letter_draft(
                    school=school,
                    pupil=task.pupil,
                    kind=task.letter_kind,
                    user=user,
                    cause=cause,
                    as_of=_today(school),
                    role=role,
                )
            except ValidationError as exc:
                raise ValidationError({"meeting_place": messages(exc)}) from exc
        casework(
            school_id=school.pk,
            kind=CaseworkEvent.TASK_DONE,
            user=user,
            role=role,
            pupil_id=task.pupil_id,
            task_id=task.pk,
            task_kind=task.kind,
            note=note,
            letter_kind=task.letter_kind,
        )
    return True


def messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(exc.messages)
