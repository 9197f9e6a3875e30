"""Writes to the register. Every change to a saved mark goes through here, so that
every change is audited (DESIGN.md §5) and no save half-happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import events
from .models import (
    AbsenceReason,
    Amendment,
    Mark,
    Period,
    Pupil,
    Register,
    RegisterTimes,
    RegistrationGroup,
    School,
    Session,
)
from .schooldays import planned_school_days
from .stats import code_rules

PRESENT_CODE = {Period.AM: "/", Period.PM: "\\"}
# The codes that carry minutes late (L while the register is open, U after it closes).
MINUTES_LATE_CODES = frozenset({"L", "U"})
MAX_MINUTES_LATE = 600
# Lengths of the free text a person writes on a mark and on an amendment.
MAX_NOTE = Mark._meta.get_field("note").max_length
MAX_AMENDMENT_REASON = Amendment._meta.get_field("reason").max_length


# ---- Sessions ---------------------------------------------------------------------


@transaction.atomic
def sessions_generate(*, school: School, start: date | None = None, end: date | None = None) -> int:
    """Create the AM/PM sessions of every school day in the calendar (idempotent).

    Sessions on days that have stopped being school days are removed only if no mark
    stands on them: marks are legal records and keep their session.
    """
    times = {t.period: t for t in RegisterTimes.objects.filter(school=school)}
    missing = [p for p in Period.values if p not in times]
    if missing:
        raise ValidationError(f"{school} has no register times for {', '.join(missing)}.")
    days = planned_school_days(school=school, start=start, end=end)
    existing = set(
        Session.objects.filter(school=school, date__in=days).values_list("date", "period")
    )
    new = [
        Session(
            school=school,
            date=day,
            period=period,
            opens=times[period].opens,
            late_after=times[period].late_after,
            closes=times[period].closes,
        )
        for day in days
        for period in Period.values
        if (day, period) not in existing
    ]
    Session.objects.bulk_create(new, batch_size=1000)
    stale = Session.objects.filter(school=school, marks__isnull=True).exclude(date__in=days)
    if start:
        stale = stale.filter(date__gte=start)
    if end:
        stale = stale.filter(date__lte=end)
    stale.delete()
    return len(new)


# ---- Late arrivals ------------------------------------------------------------------


def code_for_arrival(*, session: Session, arrival: time) -> tuple[str, int | None]:
    """L while the register is open after the late time, U after it closes."""

    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    if arrival <= session.late_after:
        return PRESENT_CODE[session.period], None
    late_by = minutes(arrival) - minutes(session.late_after)
    if arrival <= session.closes:
        return "L", late_by
    return "U", late_by


# ---- Saving a register ----------------------------------------------------------------


@dataclass
class MarkEntry:
    """One pupil's line of a register as submitted."""

    pupil_id: int
    code: str
    minutes_late: int | None = None
    note: str = ""
    reason_id: int | None = None
    # The version the person saw: 0 when there was no mark yet.
    seen_version: int = 0
    # Why a saved mark is being changed (required for a change).
    amendment_reason: str = ""


@dataclass
class Conflict:
    pupil_id: int
    current: Mark | None


class MarksInvalid(ValidationError):
    """Bad lines of a register: `pupil_errors` is {pupil id: {field: message}}.

    A ValidationError, so callers that only need messages can read `message_dict`
    ({pupil id: [messages]})."""

    def __init__(self, pupil_errors: dict):
        self.pupil_errors = {str(k): dict(v) for k, v in pupil_errors.items()}
        super().__init__({k: list(v.values()) for k, v in self.pupil_errors.items()})


class RegisterConflict(Exception):
    """Someone else saved some of these marks since the register was opened."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} marks were changed by someone else.")


@dataclass
class SaveResult:
    created: int
    amended: int
    unchanged: int
    register: Register | None


def _validate_entry(
    entry: MarkEntry, *, period: str, reasons: dict[int, AbsenceReason]
) -> dict[str, str]:
    errors = {}
    other_present = PRESENT_CODE[Period.PM if period == Period.AM else Period.AM]
    if entry.code not in code_rules():
        errors["code"] = f"{entry.code!r} is not a national attendance code."
    elif entry.code == other_present:
        errors["code"] = (
            f"{entry.code} is the {'afternoon' if period == Period.AM else 'morning'} present "
            f"mark; use {PRESENT_CODE[period]} in the {period}."
        )
    if entry.minutes_late is not None:
        if entry.minutes_late < 0 or entry.minutes_late > MAX_MINUTES_LATE:
            errors["minutes_late"] = f"Minutes late must be between 0 and {MAX_MINUTES_LATE}."
        elif entry.code not in MINUTES_LATE_CODES:
            errors["minutes_late"] = "Minutes late go with L or U only."
    if entry.reason_id is not None:
        reason = reasons.get(entry.reason_id)
        if reason is None:
            errors["reason"] = "No such reason at this school."
        elif reason.code_id != entry.code:
            errors["reason"] = f"{reason.name} is recorded as {reason.code_id}, not {entry.code}."
    if len(entry.note) > MAX_NOTE:
        errors["note"] = f"A note may be at most {MAX_NOTE} characters."
    if len(entry.amendment_reason.strip()) > MAX_AMENDMENT_REASON:
        errors["amendment_reason"] = (
            f"The reason for the change may be at most {MAX_AMENDMENT_REASON} characters."
        )
    # A NUL cannot be stored (PostgreSQL refuses it): say so rather than fail the save.
    for name, text in (("note", entry.note), ("amendment_reason", entry.amendment_reason)):
        if "\x00" in text:
            errors.setdefault(name, "Text may not contain a NUL character.")
    return errors


def marks_save(
    *,
    school: School,
    session: Session,
    entries: list[MarkEntry],
    user,
    role: str,
    source: str = Mark.Source.REGISTER,
    registration_group: RegistrationGroup | None = None,
    allowed_pupil_ids: set[int] | None = None,
    can_change_pre_entered: bool = True,
) -> SaveResult:
    """Save many marks of one session in one transaction, or none of them.

    Raises MarksInvalid (a ValidationError; field messages keyed by pupil id) on bad input and
    RegisterConflict when any mark changed since the person saw it. Queries do not
    grow with the number of pupils. A class teacher (`can_change_pre_entered=False`) may
    not change a mark the office, a parent or approved leave entered in advance.
    """
    if session.school_id != school.pk:
        raise ValidationError("That session is not at this school.")
    pupil_ids = [e.pupil_id for e in entries]
    if len(set(pupil_ids)) != len(pupil_ids):
        raise ValidationError("A pupil appears twice in the register.")
    reasons = {
        r.pk: r
        for r in AbsenceReason.objects.filter(
            school=school, pk__in=[e.reason_id for e in entries if e.reason_id]
        )
    }
    pupils = {
        p.pk: p
        for p in Pupil.objects.filter(school=school, pk__in=pupil_ids).only(
            "pk", "on_roll_from", "on_roll_to", "registration_group_id"
        )
    }
    errors: dict[str, dict[str, str]] = {}
    for entry in entries:
        pupil = pupils.get(entry.pupil_id)
        if pupil is None or (allowed_pupil_ids is not None and pupil.pk not in allowed_pupil_ids):
            errors[str(entry.pupil_id)] = {"pupil": "Not a pupil of this register."}
            continue
        if not pupil.on_roll(session.date):
            errors[str(entry.pupil_id)] = {"pupil": f"Not on roll on {session.date:%d %B %Y}."}
            continue
        entry_errors = _validate_entry(entry, period=session.period, reasons=reasons)
        if entry_errors:
            errors[str(entry.pupil_id)] = entry_errors
    if errors:
        raise MarksInvalid(errors)

    now = timezone.now()
    try:
        with transaction.atomic():
            result = _write_marks(
                school=school,
                session=session,
                entries=entries,
                reasons=reasons,
                user=user,
                role=role,
                source=source,
                now=now,
                can_change_pre_entered=can_change_pre_entered,
            )
            if registration_group is not None:
                result.register = _register_taken(
                    school=school,
                    group=registration_group,
                    session=session,
                    user=user,
                    role=role,
                    now=now,
                    marks=result.created + result.amended,
                )
    except IntegrityError as exc:
        # Two first saves of the same mark at once: the unique constraint catches the
        # second, which is then told, like any other conflict.
        raise RegisterConflict(
            [Conflict(pupil_id=e.pupil_id, current=None) for e in entries]
        ) from exc
    return result


def pre_entered_message(mark: Mark) -> str:
    return f"{mark.get_source_display()} entered {mark.code_id}: only office staff can change it."


def _write_marks(
    *, school, session, entries, reasons, user, role, source, now, can_change_pre_entered
) -> SaveResult:
    existing = {
        m.pupil_id: m
        for m in Mark.objects.select_for_update(of=("self",))
        .filter(school=school, session=session, pupil_id__in=[e.pupil_id for e in entries])
        .select_related("code", "reason")
    }
    conflicts = [
        Conflict(pupil_id=e.pupil_id, current=existing.get(e.pupil_id))
        for e in entries
        if e.seen_version != (existing[e.pupil_id].version if e.pupil_id in existing else 0)
    ]
    if conflicts:
        raise RegisterConflict(conflicts)

    to_create, to_update, amendments, refused = [], [], [], {}
    for entry in entries:
        mark = existing.get(entry.pupil_id)
        if mark is None:
            to_create.append(
                Mark(
                    school=school,
                    pupil_id=entry.pupil_id,
                    session=session,
                    date=session.date,
                    code_id=entry.code,
                    minutes_late=entry.minutes_late,
                    note=entry.note,
                    reason_id=entry.reason_id,
                    source=source,
                    recorded_by=user,
                    recorded_at=now,
                )
            )
            continue
        unchanged = (
            mark.code_id == entry.code
            and mark.minutes_late == entry.minutes_late
            and mark.note == entry.note
            and mark.reason_id == entry.reason_id
        )
        if unchanged:
            continue
        if mark.is_pre_entered and not can_change_pre_entered:
            refused[str(entry.pupil_id)] = {"code": pre_entered_message(mark)}
            continue
        # Every change is audited; only a change to the code or lateness needs a reason
        # from the person (a note or absence reason added later is routine).
        code_changed = (mark.code_id, mark.minutes_late) != (entry.code, entry.minutes_late)
        why = entry.amendment_reason.strip()
        if code_changed and not why:
            refused[str(entry.pupil_id)] = {
                "amendment_reason": f"Say why the saved mark {mark.code_id} is changed."
            }
            continue
        new_reason = reasons.get(entry.reason_id)
        amendments.append(
            events.mark_amended(
                mark=mark,
                new_code=entry.code,
                new_minutes_late=entry.minutes_late,
                new_note=entry.note,
                new_absence_reason=new_reason.name if new_reason else "",
                reason=why or "Note or absence reason updated",
                user=user,
                role=role,
                when=now,
            )
        )
        mark.code_id = entry.code
        mark.minutes_late = entry.minutes_late
        mark.note = entry.note
        mark.reason_id = entry.reason_id
        mark.source = source
        mark.recorded_by = user
        mark.recorded_at = now
        mark.version += 1
        to_update.append(mark)
    if refused:
        raise MarksInvalid(refused)

    Mark.objects.bulk_create(to_create)
    Mark.objects.bulk_update(
        to_update,
        [
            "code",
            "minutes_late",
            "note",
            "reason",
            "source",
            "recorded_by",
            "recorded_at",
            "version",
        ],
    )
    events.save_amendments(amendments)
    return SaveResult(
        created=len(to_create),
        amended=len(amendments),
        unchanged=len(entries) - len(to_create) - len(to_update),
        register=None,
    )


def _register_taken(*, school, group, session, user, role, now: datetime, marks: int) -> Register:
    register, created = Register.objects.get_or_create(
        school=school,
        registration_group=group,
        session=session,
        defaults={"taken_by": user, "taken_at": now, "last_saved_by": user, "last_saved_at": now},
    )
    if created:
        events.register_taken(register=register, user=user, role=role, when=now, marks=marks)
    else:
        Register.objects.filter(pk=register.pk).update(last_saved_by=user, last_saved_at=now)
    return register


def mark_record(
    *,
    school: School,
    pupil: Pupil,
    session: Session,
    code: str,
    user,
    role: str,
    source: str,
    minutes_late: int | None = None,
    note: str = "",
    reason_id: int | None = None,
    amendment_reason: str = "",
) -> SaveResult:
    """Record one mark (office, parent report, approved leave, system), amending the
    saved one if there is one. The caller's view of the version is the current one."""
    current = (
        Mark.objects.filter(school=school, pupil=pupil, session=session)
        .values_list("version", flat=True)
        .first()
    )
    return marks_save(
        school=school,
        session=session,
        entries=[
            MarkEntry(
                pupil_id=pupil.pk,
                code=code,
                minutes_late=minutes_late,
                note=note,
                reason_id=reason_id,
                seen_version=current or 0,
                amendment_reason=amendment_reason,
            )
        ],
        user=user,
        role=role,
        source=source,
    )


# ---- The school's own absence reasons ---------------------------------------------------

# The present marks need no reason; every other code may carry one of the school's own.
REASONLESS_CODES = frozenset(PRESENT_CODE.values())


def reason_create(*, school: School, name: str, code: str) -> AbsenceReason:
    """Add one of the school's own reasons; the register offers it at once.

    Names are unique at a school whatever their capitals and spacing, so that
    "hospital appointment" cannot sit beside "Hospital appointment" on the register.
    """
    name = " ".join(name.split())
    taken = ValidationError({"name": f"There is already a reason called “{name}”."})
    if AbsenceReason.objects.filter(school=school, name__iexact=name).exists():
        raise taken
    if code in REASONLESS_CODES:
        raise ValidationError({"code": f"{code} is a present mark: it needs no reason."})
    reason = AbsenceReason(school=school, name=name, code_id=code)
    reason.full_clean()
    try:
        with transaction.atomic():
            reason.save()
    except IntegrityError as exc:
        # Two people adding the same name at once: the constraint refuses the second.
        raise taken from exc
    return reason


def reason_set_active(*, school: School, reason: AbsenceReason, active: bool) -> bool:
    """Retire a reason (the register stops offering it) or restore it. Reasons are never
    deleted: marks recorded with one keep it. False if it was already so, e.g. because
    a colleague did the same a moment before."""
    changed = AbsenceReason.objects.filter(school=school, pk=reason.pk, active=not active).update(
        active=active
    )
    return changed == 1
