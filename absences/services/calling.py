"""First-day calling writes (issue 9): call attempts, the deadline escalation, the
safeguarding lead's actions, welfare tasks and the procedure's settings.

Deadlines live in the database (DESIGN §2): `calling_escalate` runs from beat every few
minutes, reads the calling list (absences.selectors.calling, the page's own reading) and
moves each `CallingDay` with a conditional UPDATE (status still "to_call"), so a task
delivered twice, or two workers at once, escalate a pupil once and raise its welfare
tasks once (their unique constraint: once per pupil per trigger per spell).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from registers.metrics import SchoolCalendar, consecutive_days
from registers.models import Contact, Membership, Pupil, Role, School
from registers.selectors import local_now as school_now

from .. import events
from ..events import CallingEvent
from ..models import (
    AbsenceProcedure,
    CallAttempt,
    CallingDay,
    LeadAction,
    WelfareTask,
    procedure_for,
)
from ..selectors.calling import CallingEntry, absence_codes, calling_list

# Who is given each kind of task (RULES.md: DS-14 DSL / attendance lead, LE-14 attendance
# staff, BS-16 attendance officer).
TASK_ROLES = {
    WelfareTask.Kind.HOME_VISIT: Role.ATTENDANCE_LEAD,
    WelfareTask.Kind.WELFARE_CHECK: Role.ATTENDANCE_LEAD,
    WelfareTask.Kind.EVIDENCE_REQUEST: Role.ATTENDANCE_OFFICER,
    WelfareTask.Kind.CALL: Role.OFFICE,
    WelfareTask.Kind.REFERRAL: Role.ATTENDANCE_LEAD,
}


# How long a spell of absence the triggers look back over to find its first day.
SPELL_DAYS = 60


# ---- Call attempts -----------------------------------------------------------------------


@dataclass
class AttemptResult:
    attempt: CallAttempt
    report: object | None = None  # the AbsenceReport a reason created


def call_attempt_record(
    *,
    school: School,
    pupil: Pupil,
    outcome: str,
    user,
    role: str,
    contact: Contact | None = None,
    contact_name: str = "",
    phone: str = "",
    note: str = "",
    at: datetime | None = None,
    reason_id: int | None = None,
    first_period: str = "AM",
    last_day: date | None = None,
    last_period: str = "PM",
) -> AttemptResult:
    """Record one attempt to reach a contact about `pupil`'s absence today (school-local
    date of `at`). "spoke" accounts for the pupil; with `reason_id` (one of the school's
    absence reasons) it also reports the absence from today's `first_period` to
    (`last_day`, `last_period`) through the
    office's `absences.services.reports.report_absence`, which amends today's N through the
    one mark writer. One transaction: a refused report records no attempt.

    Raises ValidationError {field: [message]} for a contact of another pupil, no contact
    named, an unknown outcome, or a reason given with an outcome other than "spoke"."""
    at = at or timezone.now()
    day = timezone.localtime(at, school_zone(school)).date()
    errors: dict[str, list[str]] = {}
    if outcome not in CallAttempt.Outcome.values:
        errors["outcome"] = ["Choose what happened."]
    if contact is not None and contact.pupil_id != pupil.pk:
        errors["contact"] = ["That contact is not one of this pupil's."]
    if contact is None and not contact_name.strip():
        errors["contact"] = ["Choose a contact, or type who was called."]
    if reason_id and outcome != CallAttempt.Outcome.SPOKE:
        errors["reason"] = ["A reason can be given only when you spoke to someone."]
    if errors:
        raise ValidationError(errors)
    attempt = CallAttempt(
        school=school,
        pupil=pupil,
        date=day,
        contact=contact,
        contact_name=(contact.name if contact else contact_name.strip())[:200],
        phone=(phone or (contact.phone if contact else ""))[:40],
        at=at,
        outcome=outcome,
        note=note[:500],
        recorded_by=user,
        recorded_by_role=role,
    )
    attempt.full_clean()
    result = AttemptResult(attempt=attempt)
    with transaction.atomic():
        if reason_id:
            result.report = _report(
                school=school,
                pupil=pupil,
                attempt=attempt,
                reason_id=reason_id,
                first_period=first_period,
                last_day=last_day or day,
                last_period=last_period,
                user=user,
                role=role,
            )
            attempt.report_id = getattr(result.report, "pk", None)
        attempt.save()
        row = _calling_day(school=school, pupil=pupil, day=day)
        if outcome == CallAttempt.Outcome.SPOKE:
            _accounted(row=row, when=at, user=user, note=f"Spoke to {attempt.contact_name}")
        events.calling_event(
            school_id=school.pk,
            kind=CallingEvent.CALL_ATTEMPTED,
            user=user,
            role=role,
            when=at,
            pupil_id=pupil.pk,
            attempt_id=attempt.pk,
            contact=attempt.contact_name,
            outcome=outcome,
        )
    return result


def _report(*, school, pupil, attempt, reason_id, first_period, last_day, last_period, user, role):
    """The reason given on the phone, reported through the office's one report writer
    (absences.services.reports.report_absence): today's N becomes the reason's code with
    an amendment; days to come get planned entries. Its ValidationErrors pass through."""
    from .reports import report_absence, report_reasons

    reason = next((r for r in report_reasons(school=school) if r.pk == reason_id), None)
    if reason is None:
        raise ValidationError({"reason": ["Choose one of the school's absence reasons."]})
    return report_absence(
        school=school,
        pupil=pupil,
        reason=reason,
        first_day=attempt.date,
        first_period=first_period,
        last_day=last_day,
        last_period=last_period,
        channel="phone",
        source="office",
        actor=user,
        role=role,
        contact=attempt.contact,
        reporter="" if attempt.contact else attempt.contact_name,
        note=attempt.note,
        now=attempt.at,
    )


def school_zone(school):
    from zoneinfo import ZoneInfo

    return ZoneInfo(school.timezone)


def _calling_day(*, school, pupil, day) -> CallingDay:
    row, _ = CallingDay.objects.get_or_create(school=school, pupil=pupil, date=day)
    return row


def _accounted(*, row: CallingDay, when, user, note: str) -> bool:
    """Conditional UPDATE: only a day not yet accounted for moves (and writes its event)."""
    moved = (
        CallingDay.objects.filter(pk=row.pk)
        .exclude(status=CallingDay.Status.ACCOUNTED_FOR)
        .update(
            status=CallingDay.Status.ACCOUNTED_FOR,
            accounted_at=when,
            accounted_by=user,
            accounted_note=note[:500],
        )
    )
    if moved:
        events.calling_event(
            school_id=row.school_id,
            kind=CallingEvent.ACCOUNTED_FOR,
            user=user,
            role="",
            when=when,
            pupil_id=row.pupil_id,
            date=row.date.isoformat(),
            note=note[:200],
        )
    return bool(moved)


# ---- Deadline escalation (beat) ---------------------------------------------------------


@dataclass
class EscalationRun:
    escalated: list[int]  # pupil ids moved to "not accounted for" by this run
    accounted: list[int]  # pupil ids moved to "accounted for" (explained since)
    tasks: int  # welfare tasks raised


def calling_escalate(*, school: School, now: datetime | None = None) -> EscalationRun:
    """Bring the stored state of today's calling list up to `now`: a row per listed
    pupil, "not accounted for" where the deadline or the attempts say so (with the
    welfare tasks of BS-11 / DS-14 / LE-13 "no contact" and LE-15 "vulnerable"), and
    "accounted for" where the absence was explained since. Idempotent: a second run (or
    a re-delivered task) moves nothing and raises nothing."""
    now = now or timezone.now()
    listing = calling_list(school=school, at=now)
    run = EscalationRun(escalated=[], accounted=[], tasks=0)
    if not listing.entries:
        return run
    with transaction.atomic():
        CallingDay.objects.bulk_create(
            [CallingDay(school=school, pupil=e.pupil, date=listing.day) for e in listing.entries],
            ignore_conflicts=True,
        )
        ids = dict(
            CallingDay.objects.filter(school=school, date=listing.day).values_list("pupil_id", "pk")
        )
        raise_for: list[CallingEntry] = []
        for entry in listing.entries:
            pk = ids[entry.pupil.pk]
            if entry.status == CallingDay.Status.NOT_ACCOUNTED_FOR:
                moved = CallingDay.objects.filter(pk=pk, status=CallingDay.Status.TO_CALL).update(
                    status=CallingDay.Status.NOT_ACCOUNTED_FOR,
                    escalated_at=now,
                    escalated_why=entry.why,
                )
                if moved:
                    run.escalated.append(entry.pupil.pk)
                    raise_for.append(entry)
                    events.calling_event(
                        school_id=school.pk,
                        kind=CallingEvent.NOT_ACCOUNTED_FOR,
                        user=None,
                        role="",
                        when=now,
                        pupil_id=entry.pupil.pk,
                        date=listing.day.isoformat(),
                        why=entry.why,
                        failed_attempts=entry.failed_attempts,
                    )
            elif entry.status == CallingDay.Status.ACCOUNTED_FOR and not entry.unexplained_sessions:
                row = CallingDay(pk=pk, school=school, pupil=entry.pupil, date=listing.day)
                if _accounted(row=row, when=now, user=None, note="Absence explained"):
                    run.accounted.append(entry.pupil.pk)
        run.tasks = _escalation_tasks(
            school=school, procedure=listing.procedure, day=listing.day, entries=raise_for, now=now
        )
    return run


def _escalation_tasks(*, school, procedure, day, entries: list[CallingEntry], now) -> int:
    wanted = []
    for entry in entries:
        spell = spell_start(school=school, day=day, days=entry.day_of_absence)
        reached = any(a.outcome == CallAttempt.Outcome.SPOKE for a in entry.attempts)
        if procedure.trigger_no_contact and not reached:
            wanted.append(
                (entry.pupil, WelfareTask.Kind.HOME_VISIT, WelfareTask.Trigger.NO_CONTACT, spell)
            )
        if procedure.trigger_vulnerable_unexplained and entry.vulnerable:
            wanted.append(
                (entry.pupil, WelfareTask.Kind.WELFARE_CHECK, WelfareTask.Trigger.VULNERABLE, spell)
            )
    return welfare_tasks_raise(school=school, wanted=wanted, day=day, now=now)


def spell_start(*, school, day: date, days: int, calendar: SchoolCalendar | None = None) -> date:
    """The first school day of a spell of `days` school days ending on `day`."""
    calendar = calendar or SchoolCalendar(school)
    earlier = [d for d in calendar.days if d <= day]
    if day not in earlier:
        earlier.append(day)
    return earlier[-days] if days <= len(earlier) else earlier[0]


def welfare_tasks_raise(*, school, wanted, day: date, now, detail: str = "") -> int:
    """Raise the tasks (pupil, kind, trigger, spell start) not raised before in that spell.
    Returns how many were new. The unique constraint settles a race."""
    if not wanted:
        return 0
    existing = set(
        WelfareTask.objects.filter(
            school=school, pupil__in=[w[0] for w in wanted], spell_start__in={w[3] for w in wanted}
        ).values_list("pupil_id", "trigger", "spell_start")
    )
    new = [w for w in wanted if (w[0].pk, w[2], w[3]) not in existing]
    new = list({(w[0].pk, w[2], w[3]): w for w in new}.values())
    WelfareTask.objects.bulk_create(
        [
            WelfareTask(
                school=school,
                pupil=pupil,
                kind=kind,
                trigger=trigger,
                spell_start=spell,
                raised_on=day,
                due=day,
                assigned_role=TASK_ROLES[kind],
                detail=detail[:300],
            )
            for pupil, kind, trigger, spell in new
        ],
        ignore_conflicts=True,
    )
    for pupil, kind, trigger, spell in new:
        events.calling_event(
            school_id=school.pk,
            kind=CallingEvent.WELFARE_TASK_RAISED,
            user=None,
            role="",
            when=now,
            pupil_id=pupil.pk,
            task=kind,
            trigger=trigger,
            spell_start=spell.isoformat(),
        )
    return len(new)


def welfare_triggers(*, school: School, as_of: date, now: datetime | None = None) -> int:
    """Nightly: the counted triggers over whole days up to `as_of` (after the PM register):
    the procedure's consecutive day of any absence (LE-16, BH-10) and its day of illness
    without medical evidence (LE-14, BS-16, DS-09). Once per pupil per trigger per spell.
    Returns the tasks raised."""
    now = now or timezone.now()
    procedure = procedure_for(school)
    calendar = SchoolCalendar(school)
    wanted = []
    rules = [
        (
            procedure.trigger_consecutive_days,
            absence_codes(),
            procedure.consecutive_days_task,
            WelfareTask.Trigger.CONSECUTIVE_DAYS,
        ),
        (
            procedure.trigger_illness_days,
            frozenset({"I"}),
            WelfareTask.Kind.EVIDENCE_REQUEST,
            WelfareTask.Trigger.ILLNESS,
        ),
    ]
    pupils = {}
    for threshold, codes, kind, trigger in rules:
        if not threshold:
            continue
        # The whole run (up to SPELL_DAYS), so that its first day names the spell and
        # the task is not raised again on the run's next day.
        runs = consecutive_days(
            school=school,
            as_of=as_of,
            codes=codes,
            at_most=max(threshold, SPELL_DAYS),
            calendar=calendar,
        )
        reached = {pk: run for pk, run in runs.items() if run >= threshold}
        if reached:
            pupils.update({p.pk: p for p in Pupil.objects.filter(school=school, pk__in=reached)})
        for pk, run in reached.items():
            spell = spell_start(school=school, day=as_of, days=run, calendar=calendar)
            wanted.append((pupils[pk], kind, trigger, spell))
    with transaction.atomic():
        return welfare_tasks_raise(school=school, wanted=wanted, day=as_of, now=now)


def welfare_task_close(
    *, task: WelfareTask, status: str, outcome: str, user, role: str, now=None
) -> WelfareTask:
    """Close an open task as done or not needed, with what happened (required)."""
    now = now or timezone.now()
    errors = {}
    if status not in (WelfareTask.Status.DONE, WelfareTask.Status.NOT_NEEDED):
        errors["status"] = ["Choose done or not needed."]
    if not outcome.strip():
        errors["outcome"] = ["Say what was done, or why it is not needed."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        moved = WelfareTask.objects.filter(pk=task.pk, status=WelfareTask.Status.OPEN).update(
            status=status, outcome=outcome.strip()[:1000], closed_at=now, closed_by=user
        )
        if not moved:
            raise ValidationError({"status": ["Someone has already closed this task."]})
        events.calling_event(
            school_id=task.school_id,
            kind=CallingEvent.WELFARE_TASK_CLOSED,
            user=user,
            role=role,
            when=now,
            pupil_id=task.pupil_id,
            task_id=task.pk,
            status=status,
        )
    task.refresh_from_db()
    return task


# ---- The safeguarding lead ------------------------------------------------------------


def lead_action_record(
    *,
    school: School,
    pupil: Pupil,
    day: date,
    action: str,
    note: str,
    pupil_safe: bool,
    user,
    role: str,
    now: datetime | None = None,
) -> LeadAction:
    """What the lead did for a pupil not accounted for (one of the school's listed
    actions, or "other" with a note); `pupil_safe` closes the day as accounted for."""
    now = now or timezone.now()
    procedure = procedure_for(school)
    errors = {}
    if action not in [*procedure.actions, "other"]:
        errors["action"] = ["Choose one of the school's actions, or other."]
    if action == "other" and not note.strip():
        errors["note"] = ["Say what was done."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _calling_day(school=school, pupil=pupil, day=day)
        if row.status == CallingDay.Status.ACCOUNTED_FOR:
            raise ValidationError({"action": ["This pupil is already accounted for."]})
        record = LeadAction(
            school=school,
            calling_day=row,
            action=action,
            note=note.strip()[:1000],
            pupil_safe=pupil_safe,
            at=now,
            by=user,
            by_role=role,
        )
        record.full_clean()
        record.save()
        events.calling_event(
            school_id=school.pk,
            kind=CallingEvent.LEAD_ACTION,
            user=user,
            role=role,
            when=now,
            pupil_id=pupil.pk,
            action=action,
            pupil_safe=pupil_safe,
        )
        if pupil_safe:
            _accounted(row=row, when=now, user=user, note=note or "Safe (safeguarding lead)")
    return record


# ---- Settings ---------------------------------------------------------------------------

# Fields the settings page edits (the leads are a many-to-many, set apart).
PROCEDURE_FIELDS = [
    "first_contact",
    "call_after_minutes",
    "day_one_contacts",
    "vulnerable_all_contacts_day_one",
    "deadline",
    "failed_attempts_limit",
    "escalate_when_contacts_exhausted",
    "actions",
    "trigger_no_contact",
    "trigger_consecutive_days",
    "consecutive_days_task",
    "trigger_illness_days",
    "trigger_vulnerable_unexplained",
    "auto_accept_parent_illness",
]


def procedure_update(
    *,
    procedure: AbsenceProcedure,
    values: dict,
    leads,
    replace_overdue_n_with_o: bool,
    user,
    role: str,
    preset: str | None = None,
) -> AbsenceProcedure:
    """Save the school's procedure (and its N to O choice, kept on the School) in one
    transaction, with an event naming the fields changed. Raises ValidationError."""
    now = timezone.now()
    changed = [f for f in PROCEDURE_FIELDS if f in values and getattr(procedure, f) != values[f]]
    for name in PROCEDURE_FIELDS:
        if name in values:
            setattr(procedure, name, values[name])
    if preset is not None:
        procedure.preset = preset
    procedure.full_clean()
    school = procedure.school
    leads = list(leads)
    staff = set(
        Membership.objects.filter(school=school, user__in=leads).values_list("user_id", flat=True)
    )
    if any(user.pk not in staff for user in leads):
        raise ValidationError({"leads": ["A safeguarding lead must be a member of staff here."]})
    with transaction.atomic():
        procedure.save()
        procedure.safeguarding_leads.set(leads)
        if school.replace_overdue_n_with_o != replace_overdue_n_with_o:
            changed.append("replace_overdue_n_with_o")
            School.objects.filter(pk=school.pk).update(
                replace_overdue_n_with_o=replace_overdue_n_with_o
            )
            school.replace_overdue_n_with_o = replace_overdue_n_with_o
        events.calling_event(
            school_id=school.pk,
            kind=CallingEvent.PROCEDURE_CHANGED,
            user=user,
            role=role,
            when=now,
            changed=changed,
            preset=procedure.preset,
        )
    return procedure


def today(school: School) -> date:
    return school_now(school).date()
