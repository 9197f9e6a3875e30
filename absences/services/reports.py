"""Absence reports: log a parent's call (or a portal report), accept it, withdraw it.

Everything a report does to the register goes through THE mark writer
(`registers.services.marks.marks_write`, DESIGN.md §2, §5) with the report's source
(`office` or `parent`), so its marks are pre-entered: locked for the class teacher and
kept by "mark all present". Sessions on days still to come become planned entries, so
withdrawing a report before the day leaves nothing behind (§5).

The rules (the absences issue, "Office: reports and calls"; Blue Sky BS-09/BS-15,
Burton Hathow BH-08, DSAT DS-08, Leeds LE-07 "pre-entered reason"):
- the sessions are every session of the school from (first_day, first_period) to
  (last_day, last_period): school days only, weekends, holidays and closures have none;
- where the register holds N, the N becomes the reported code, with an amendment;
- where it holds another code (present, another reason, leave), nothing is written until
  the office says what to do (`on_conflict`: keep the register's mark, or replace it
  with an amendment): `ReportConflict` names the sessions;
- a report overlapping a live one is refused (`ReportOverlap`), or merged into it when
  both say the same reason and are in the same state: one report, never double-booked;
- a parent's report waiting for the office pre-enters nothing until it is accepted.
Each change writes its event (`absences.events.ReportEvent`) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone

from registers.models import AbsenceReason, Contact, Mark, Period, PlannedEntry, Pupil, School
from registers.models import Session as RegisterSession
from registers.services.marks import MarkEntry, MarksInvalid, RegisterConflict, marks_write
from registers.services.planned import planned_withdraw
from registers.stats import code_rules

from .. import events
from ..models import AbsenceReport

# Codes a report may carry. Leave of absence that the headteacher grants (C, C1, C2, J1,
# S) goes through a leave request, not a call; N is "no reason yet", the very thing a
# report replaces; present, attendance and administrative codes are not absences.
NOT_REPORTABLE = frozenset({"C", "C1", "C2", "J1", "S", "N", "U", "X", "Z", "D", "#"})
# The longest span one report may cover: long illness is reported again (and reviewed:
# BS-16, DS-09) rather than entered for months at a time.
MAX_SPAN_DAYS = 62
# The reasons a school without its own gets when reports are first used (each mapped to
# a national code, DESIGN.md §5); the school renames or retires them on its reasons page.
DEFAULT_REASONS = (
    ("Illness", "I"),
    ("Medical or dental appointment", "M"),
    ("Religious observance", "R"),
)


class OnConflict(models.TextChoices):
    # Leave the register's saved mark as it is; the report covers the other sessions.
    KEEP = "keep", "Keep the register's mark"
    # Replace the saved mark with the reported code; the writer records an amendment.
    REPLACE = "replace", "Replace it with the reported code (amendment)"


@dataclass(frozen=True)
class HeldSession:
    """A session of the report where the register already holds another code."""

    session: RegisterSession
    code: str
    source: str  # Mark.Source of what holds it
    planned: bool  # a planned entry for a day to come, not yet a mark

    @property
    def label(self) -> str:
        held = "is planned as" if self.planned else "holds"
        what = Mark.Source(self.source).label.lower() if self.source else "register"
        return f"{session_label(self.session)} {held} {self.code} ({what})"


def session_label(session: RegisterSession) -> str:
    return f"{session.date:%a} {session.date.day} {session.date:%b} {session.period}"


class ReportOverlap(ValidationError):
    """The report overlaps a live report of the pupil that it cannot be merged into.
    `reports`: the reports in the way; `sessions`: the sessions both cover."""

    def __init__(self, message: str, *, reports, sessions):
        self.reports = list(reports)
        self.sessions = list(sessions)
        super().__init__({NON_FIELD_ERRORS: [message]})


class ReportConflict(ValidationError):
    """The register holds another saved code for some sessions; the office must choose
    (`on_conflict`). `sessions`: [HeldSession]. Keyed on the `on_conflict` field."""

    def __init__(self, sessions: list[HeldSession]):
        self.sessions = sessions
        listed = "; ".join(h.label for h in sessions)
        super().__init__(
            {
                "on_conflict": [
                    # Shown after the field's label "The register already holds another
                    # code": the message does not say it again.
                    f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} of this "
                    f"report ({listed}). Choose whether to keep the register's marks or "
                    "replace them."
                ]
            }
        )


# ---- Reading what a report covers ---------------------------------------------------------


def span_sessions(
    *, school: School, first_day: date, first_period: str, last_day: date, last_period: str
) -> list[RegisterSession]:
    """The school's sessions from (first_day, first_period) to (last_day, last_period),
    in order. Sessions exist on school days only, so weekends, holidays and closures
    are skipped by construction. One query."""
    query = RegisterSession.objects.filter(school=school, date__range=(first_day, last_day))
    if first_period == Period.PM:
        query = query.exclude(date=first_day, period=Period.AM)
    if last_period == Period.AM:
        query = query.exclude(date=last_day, period=Period.PM)
    return list(query.order_by("date", "period"))


def report_reasons(*, school: School) -> list[AbsenceReason]:
    """The school's active reasons a report may carry, by name; the defaults (Illness I,
    Medical or dental appointment M, Religious observance R) are added the first time a
    school without a reason for one of those codes uses reports. Two queries at most
    after the first time (one when nothing is missing)."""
    reasons = [
        r
        for r in AbsenceReason.objects.filter(school=school, active=True)
        .select_related("code")
        .order_by("name")
        if r.code_id not in NOT_REPORTABLE and not code_rules()[r.code_id].attended
    ]
    have = {r.code_id for r in reasons}
    missing = [(name, code) for name, code in DEFAULT_REASONS if code not in have]
    if not missing:
        return reasons
    taken = set(
        AbsenceReason.objects.filter(school=school).values_list("name", flat=True)
    )  # a retired default stays retired: the school chose so
    added = [
        AbsenceReason(school=school, name=name, code_id=code)
        for name, code in missing
        if name not in taken
    ]
    if not added:
        return reasons
    AbsenceReason.objects.bulk_create(added, ignore_conflicts=True)
    return report_reasons(school=school)


# ---- Logging a report -----------------------------------------------------------------


def report_absence(
    *,
    school: School,
    pupil: Pupil,
    reason: AbsenceReason,
    first_day: date,
    first_period: str,
    last_day: date,
    last_period: str,
    channel: str,
    source: str,
    actor,
    role: str,
    contact: Contact | None = None,
    reporter: str = "",
    note: str = "",
    accept: bool = True,
    on_conflict: str | None = None,
    now: datetime | None = None,
) -> AbsenceReport:
    """Log an absence report and, when `accept`, pre-enter its sessions.

    source: AbsenceReport.Source ("office" for a call the office logs, "parent" for the
    portal); accept: False keeps a parent's report pending (nothing pre-entered) until
    `report_accept`. on_conflict: None, "keep" or "replace" (OnConflict) for sessions the
    register already holds with another code. Returns the report: a new one, or the live
    one it was merged into (`report.merged` is True then).

    Raises ValidationError {field: [message]} for bad input, ReportOverlap, or
    ReportConflict (when the register holds another code and `on_conflict` is None);
    nothing is changed when it raises (one transaction).
    """
    now = now or timezone.now()
    report = AbsenceReport(
        school=school,
        pupil=pupil,
        contact=contact,
        reporter=" ".join(reporter.split()),
        channel=channel,
        reason=reason,
        first_day=first_day,
        first_period=first_period,
        last_day=last_day,
        last_period=last_period,
        note=note.strip(),
        source=source,
        status=AbsenceReport.Status.ACCEPTED if accept else AbsenceReport.Status.PENDING,
        created_by=actor,
        created_by_role=role or "",
        created_at=now,
    )
    if accept:
        report.decided_by, report.decided_at = actor, now
    _check_report(
        report,
        today=timezone.localtime(now, ZoneInfo(school.timezone)).date(),
        on_conflict=on_conflict,
    )
    with transaction.atomic():
        # One report of a pupil at a time: two people logging the same call at once are
        # serialised here, so the second sees the first and is refused or merged.
        Pupil.objects.select_for_update().filter(school=school, pk=pupil.pk).first()
        sessions = _sessions_of(report)
        merged_into = _merge_target(report, sessions)
        if merged_into is not None:
            return _merge(
                merged_into, report, actor=actor, role=role, now=now, on_conflict=on_conflict
            )
        report.save()
        report.merged = False
        events.report_event(
            report=report,
            kind=events.ReportEvent.LOGGED,
            user=actor,
            role=role,
            when=now,
            accepted=accept,
            sessions=len(sessions),
        )
        if accept:
            _pre_enter(report, sessions, actor=actor, role=role, now=now, on_conflict=on_conflict)
    return report


def _check_report(report: AbsenceReport, *, today: date, on_conflict: str | None) -> None:
    """Field messages for everything wrong with a new report, all at once."""
    errors: dict[str, list[str]] = {}
    try:
        report.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if report.reason_id and report.reason.school_id == report.school_id:
        code = report.reason.code_id
        if not report.reason.active:
            errors.setdefault("reason", []).append(
                f"{report.reason.name} is retired: choose one of the school's reasons."
            )
        elif code in NOT_REPORTABLE or code_rules()[code].attended:
            errors.setdefault("reason", []).append(
                f"{report.reason.name} ({code}) cannot be reported: leave of absence is "
                "asked for and decided by the headteacher, and N is no reason."
            )
    if not report.contact_id and not report.reporter:
        errors.setdefault("reporter", []).append(
            "Say who reported it: choose a contact or write their name."
        )
    if on_conflict not in (None, "", *OnConflict.values):
        errors.setdefault("on_conflict", []).append("Choose to keep or to replace.")
    if report.first_day and report.last_day and "last_day" not in errors:
        if (report.last_day - report.first_day).days > MAX_SPAN_DAYS:
            errors.setdefault("last_day", []).append(
                f"A report covers at most {MAX_SPAN_DAYS} days; log a longer absence again "
                "when the family next reports it."
            )
        if report.source == AbsenceReport.Source.PARENT and report.first_day < today:
            errors.setdefault("first_day", []).append(
                "A parent reports an absence for today or a day to come; for a past day "
                "please contact the school office."
            )
    if errors:
        raise ValidationError(errors)


def _sessions_of(report: AbsenceReport) -> list[RegisterSession]:
    sessions = span_sessions(
        school=report.school,
        first_day=report.first_day,
        first_period=report.first_period,
        last_day=report.last_day,
        last_period=report.last_period,
    )
    if not sessions:
        raise ValidationError(
            {
                "first_day": [
                    f"There are no school sessions from {report.span_label}: weekends, "
                    "holidays and closures have none."
                ]
            }
        )
    return sessions


def _live_overlapping(report: AbsenceReport) -> list[AbsenceReport]:
    """The pupil's live reports whose span meets this one's (one query)."""
    candidates = (
        AbsenceReport.objects.filter(
            school=report.school,
            pupil=report.pupil,
            status__in=AbsenceReport.LIVE,
            first_day__lte=report.last_day,
            last_day__gte=report.first_day,
        )
        .exclude(pk=report.pk)
        .select_related("reason", "contact", "created_by")
    )
    return [r for r in candidates if r.start <= report.end and report.start <= r.end]


def _who_and_when(report: AbsenceReport) -> str:
    """ "reported by Sienna Knight (Mother), logged by Layla Hunt at 09:04 on 30 Nov": the
    contact reported it, the staff member logged it (a parent's own report was sent
    through the portal)."""
    at = timezone.localtime(report.created_at)
    when = f"at {at:%H:%M} on {at.day} {at:%b}"
    by = report.reported_by
    if report.channel == AbsenceReport.Channel.PORTAL:
        return f"reported by {by or 'a parent'} through the parent portal {when}"
    staff = (
        report.created_by.get_full_name() or report.created_by.username if report.created_by else ""
    )
    logged = f"logged by {staff} {when}" if staff else f"logged {when}"
    return f"reported by {by}, {logged}" if by else logged


def _merge_target(report: AbsenceReport, sessions) -> AbsenceReport | None:
    """The live report this one merges into, None if it overlaps nothing. Raises
    ReportOverlap when it overlaps one it cannot merge with."""
    overlapping = _live_overlapping(report)
    if not overlapping:
        return None
    both = [s for s in sessions if any(r.start <= _key(s) <= r.end for r in overlapping)]
    first = overlapping[0]
    said = f"{first.reason.name}, {first.span_label}"
    if len(overlapping) > 1:
        raise ReportOverlap(
            f"This overlaps {len(overlapping)} reports already logged for "
            f"{report.pupil.display_name}; withdraw or change those first.",
            reports=overlapping,
            sessions=both,
        )
    if first.reason_id != report.reason_id or first.status != report.status:
        state = "waiting for the office" if first.is_pending else "already accepted"
        raise ReportOverlap(
            f"{report.pupil.display_name} already has a report {state} for "
            f"{len(both)} of these sessions ({said}). Withdraw it first, or report only "
            "the other sessions.",
            reports=overlapping,
            sessions=both,
        )
    if first.start <= report.start and report.end <= first.end:
        raise ReportOverlap(
            f"Already reported: {said} ({_who_and_when(first)}). Nothing was changed.",
            reports=overlapping,
            sessions=both,
        )
    return first


def _key(session: RegisterSession) -> tuple:
    return (session.date, session.period)


def _merge(
    into: AbsenceReport, new: AbsenceReport, *, actor, role, now, on_conflict
) -> AbsenceReport:
    """Extend `into` to cover `new` as well (same reason, same state): one report."""
    before = (into.first_day, into.first_period, into.last_day, into.last_period)
    if new.start < into.start:
        into.first_day, into.first_period = new.first_day, new.first_period
    if new.end > into.end:
        into.last_day, into.last_period = new.last_day, new.last_period
    if new.note and new.note not in into.note:
        into.note = f"{into.note}\n{new.note}".strip()[: AbsenceReport.note.field.max_length]
    into.full_clean()
    into.save(update_fields=["first_day", "first_period", "last_day", "last_period", "note"])
    into.merged = True
    events.report_event(
        report=into,
        kind=events.ReportEvent.EXTENDED,
        user=actor,
        role=role,
        when=now,
        was={
            "first_day": before[0],
            "first_period": before[1],
            "last_day": before[2],
            "last_period": before[3],
        },
        channel_now=new.channel,
        reporter_now=new.contact.name if new.contact_id else new.reporter,
    )
    if into.status == AbsenceReport.Status.ACCEPTED:
        _pre_enter(
            into, _sessions_of(into), actor=actor, role=role, now=now, on_conflict=on_conflict
        )
    return into


# ---- Accepting and withdrawing --------------------------------------------------------


def report_accept(
    *,
    report: AbsenceReport,
    actor,
    role: str,
    on_conflict: str | None = None,
    now: datetime | None = None,
) -> AbsenceReport:
    """Accept a parent's pending report: its sessions are pre-entered (with the parent
    as the mark's source). Raises ValidationError if it is no longer pending (a
    colleague accepted or withdrew it), ReportOverlap, ReportConflict."""
    now = now or timezone.now()
    if on_conflict not in (None, "", *OnConflict.values):
        raise ValidationError({"on_conflict": ["Choose to keep or to replace."]})
    with transaction.atomic():
        # Conditional: of two people accepting at once, one does it.
        claimed = AbsenceReport.objects.filter(
            school=report.school_id, pk=report.pk, status=AbsenceReport.Status.PENDING
        ).update(status=AbsenceReport.Status.ACCEPTED, decided_by=actor, decided_at=now)
        if not claimed:
            raise ValidationError({NON_FIELD_ERRORS: [_not_pending(report)]})
        report.refresh_from_db()
        sessions = _sessions_of(report)
        overlapping = [
            r for r in _live_overlapping(report) if r.status == AbsenceReport.Status.ACCEPTED
        ]
        if overlapping:
            raise ReportOverlap(
                f"{report.pupil.display_name} already has an accepted report "
                f"({overlapping[0].reason.name}, {overlapping[0].span_label}) for some of "
                "these sessions: withdraw one of the two.",
                reports=overlapping,
                sessions=[
                    s for s in sessions if any(r.start <= _key(s) <= r.end for r in overlapping)
                ],
            )
        events.report_event(
            report=report, kind=events.ReportEvent.ACCEPTED, user=actor, role=role, when=now
        )
        _pre_enter(report, sessions, actor=actor, role=role, now=now, on_conflict=on_conflict)
    return report


def _not_pending(report: AbsenceReport) -> str:
    current = AbsenceReport.objects.filter(school=report.school_id, pk=report.pk).first()
    state = current.get_status_display().lower() if current else "gone"
    return f"This report is no longer waiting for the office: it is {state}."


def report_withdraw(
    *,
    report: AbsenceReport,
    actor,
    role: str,
    why: str,
    amend_marks: bool = False,
    now: datetime | None = None,
) -> AbsenceReport:
    """Withdraw a live report (`why` is required): its planned entries for days to come
    are withdrawn (nothing is left behind, DESIGN.md §5). Marks already written stay
    (they are legal records) unless `amend_marks`: then each that still holds the
    report's code becomes N (reason not yet established), with an amendment giving `why`.
    Raises ValidationError if `why` is empty or the report is not live."""
    now = now or timezone.now()
    why = " ".join(why.split())
    if not why:
        raise ValidationError({"why": ["Say why the report is withdrawn."]})
    if len(why) > 500:
        raise ValidationError({"why": ["At most 500 characters."]})
    with transaction.atomic():
        was = report.status
        claimed = AbsenceReport.objects.filter(
            school=report.school_id, pk=report.pk, status__in=AbsenceReport.LIVE
        ).update(
            status=AbsenceReport.Status.WITHDRAWN,
            decided_by=actor,
            decided_at=now,
            decision_note=why,
        )
        if not claimed:
            raise ValidationError({NON_FIELD_ERRORS: ["This report is already withdrawn."]})
        report.refresh_from_db()
        withdrawn = amended = 0
        if was == AbsenceReport.Status.ACCEPTED:
            withdrawn, amended = _take_back(
                report, actor=actor, role=role, why=why, amend=amend_marks, now=now
            )
        events.report_event(
            report=report,
            kind=events.ReportEvent.WITHDRAWN,
            user=actor,
            role=role,
            when=now,
            why=why,
            planned_withdrawn=withdrawn,
            marks_amended=amended,
        )
    return report


def _take_back(report: AbsenceReport, *, actor, role, why, amend, now) -> tuple[int, int]:
    sessions = span_sessions(
        school=report.school,
        first_day=report.first_day,
        first_period=report.first_period,
        last_day=report.last_day,
        last_period=report.last_period,
    )
    ids = [s.pk for s in sessions]
    code = report.reason.code_id
    # Only what this report planned: a leave's planned entry kept on conflict stays.
    mine = set(
        PlannedEntry.objects.filter(
            school=report.school,
            pupil=report.pupil,
            session_id__in=ids,
            source=_mark_source(report),
            code_id=code,
        ).values_list("session_id", flat=True)
    )
    withdrawn = planned_withdraw(
        school=report.school, pupil=report.pupil, sessions=[s for s in sessions if s.pk in mine]
    )
    if not amend:
        return withdrawn, 0
    marks = Mark.objects.filter(
        school=report.school,
        pupil=report.pupil,
        session_id__in=ids,
        code_id=code,
        source__in=(Mark.Source.OFFICE, Mark.Source.PARENT),
    ).select_related("session")
    entries = [
        MarkEntry(
            pupil_id=report.pupil_id,
            code="N",
            session=m.session,
            seen_version=m.version,
            amendment_reason=f"Absence report withdrawn: {why}"[:500],
        )
        for m in marks
    ]
    if entries:
        _write(report, entries, actor=actor, role=role, now=now)
    return withdrawn, len(entries)


# ---- Pre-entering the marks ---------------------------------------------------------------


def _mark_source(report: AbsenceReport) -> str:
    return (
        Mark.Source.PARENT if report.source == AbsenceReport.Source.PARENT else Mark.Source.OFFICE
    )


def _pre_enter(report, sessions, *, actor, role, now, on_conflict) -> None:
    """Write the report's code for each of its sessions through the mark writer:
    a mark (today and before) or a planned entry (days to come). N is replaced with an
    amendment; another saved code is a conflict (`on_conflict` decides)."""
    code = report.reason.code_id
    ids = [s.pk for s in sessions]
    marks = {
        m.session_id: m
        for m in Mark.objects.filter(school=report.school, pupil=report.pupil, session_id__in=ids)
    }
    plans = {
        p.session_id: p
        for p in PlannedEntry.objects.filter(
            school=report.school, pupil=report.pupil, session_id__in=ids
        )
    }
    said = f"Reported by {report.reported_by} ({report.get_channel_display().lower()})"
    entries, held = [], []
    for session in sessions:
        mark, plan = marks.get(session.pk), plans.get(session.pk)
        current = mark or plan
        entry = MarkEntry(
            pupil_id=report.pupil_id,
            code=code,
            note=report.note[:500],
            reason_id=report.reason_id,
            session=session,
            seen_version=mark.version if mark else 0,
        )
        if current is None:
            entries.append(entry)
        elif current.code_id == code:
            # Already says so (the register, or an earlier call): nothing to write, so
            # no amendment is recorded for a report that changes nothing.
            pass
        elif current.code_id == "N":
            # "No reason yet" is what a report answers: replaced without asking (a mark
            # with an amendment; a planned entry is simply replaced).
            entry.amendment_reason = f"{said}: {report.reason.name}"[:500]
            entries.append(entry)
        else:
            held.append(
                HeldSession(
                    session=session,
                    code=current.code_id,
                    source=current.source,
                    planned=mark is None,
                )
            )
            if on_conflict == OnConflict.REPLACE:
                entry.amendment_reason = (
                    f"{said}: {report.reason.name}, replacing {current.code_id}"[:500]
                )
                entries.append(entry)
    if held and not on_conflict:
        raise ReportConflict(held)
    if entries:
        _write(report, entries, actor=actor, role=role, now=now)
    if held:
        events.report_event(
            report=report,
            kind=events.ReportEvent.CONFLICT_RESOLVED,
            user=actor,
            role=role,
            when=now,
            choice=on_conflict,
            sessions=[
                {"date": h.session.date, "period": h.session.period, "code": h.code} for h in held
            ],
        )


def _write(report, entries, *, actor, role, now) -> None:
    try:
        marks_write(
            school=report.school,
            entries=entries,
            actor=actor,
            role=role,
            source=_mark_source(report),
            pupils={report.pupil_id: report.pupil},
            now=now,
        )
    except MarksInvalid as exc:
        raise ValidationError({NON_FIELD_ERRORS: _flat(exc.pupil_errors)}) from exc
    except RegisterConflict as exc:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    "Someone changed this pupil's marks for these sessions a moment ago; "
                    "nothing was saved. Look again and log it once more."
                ]
            }
        ) from exc


def _flat(pupil_errors: dict) -> list[str]:
    """'<pupil> <date> <AM|PM>' keyed messages as sentences naming the session."""
    out = []
    for key, fields in pupil_errors.items():
        parts = key.split(" ")
        when = ""
        if len(parts) == 3:
            day = date.fromisoformat(parts[1])
            when = f"{day:%a} {day.day} {day:%b} {parts[2]}: "
        out.extend(f"{when}{message}" for message in fields.values())
    return out
