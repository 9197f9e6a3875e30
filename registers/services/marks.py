"""THE mark writer (DESIGN.md §2, §5): every source of a mark goes through `marks_write`.

The register page, the API, the office, approved leave, the system's N to O and (for its
checks and amendments) `import_marks`: each is only a caller of this module, so every
rule of `rules.mark_errors` holds for all of them and every change is audited with its
source. Entries for a session on a day still to come are planned entries
(`models.PlannedEntry`), not marks; they become marks here when the register is saved,
or by `services.planned.planned_entries_due` once the session has closed untaken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import events
from ..codes import code_rules
from ..models import (
    AbsenceReason,
    Mark,
    PlannedEntry,
    Pupil,
    Register,
    RegistrationGroup,
    School,
    Session,
)
from .rules import ADVANCE_SOURCES, Writing, mark_errors


@dataclass
class MarkEntry:
    """One pupil's mark as submitted (a register line, an API line, an office entry)."""

    pupil_id: int
    code: str
    minutes_late: int | None = None
    note: str = ""
    reason_id: int | None = None
    # The version the person saw: 0 when there was no mark yet.
    seen_version: int = 0
    # Why a saved mark is being changed (required for a change of code or lateness).
    amendment_reason: str = ""
    # The session; None for the session the writer was called with.
    session: Session | None = None
    # No reason was sent: a saved reason stays while its code stands.
    keep_reason: bool = False


@dataclass
class Conflict:
    """A pupil whose mark someone else saved, differently, since the person saw it."""

    pupil_id: int
    current: Mark | None
    mine: MarkEntry | None = None


class MarksInvalid(ValidationError):
    """Bad lines: `pupil_errors` is {pupil id: {field: message}} (for entries across
    several sessions the key is "<pupil id> <date> <AM|PM>").

    A ValidationError, so callers that only need messages can read `message_dict`."""

    def __init__(self, pupil_errors: dict):
        self.pupil_errors = {str(k): dict(v) for k, v in pupil_errors.items()}
        super().__init__({k: list(v.values()) for k, v in self.pupil_errors.items()})


class RegisterConflict(Exception):
    """Someone else saved some of these marks, differently, since they were read."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} marks were changed by someone else.")


@dataclass
class SaveResult:
    created: int
    amended: int
    unchanged: int
    register: Register | None
    planned: int = 0  # planned entries written for sessions still to come
    converted: int = 0  # planned entries that became marks
    # Each saved mark whose code changed: (pupil id, code before, code after), in order.
    changes: list[tuple[int, str, str]] = field(default_factory=list)


def pre_entered_message(mark: Mark | PlannedEntry) -> str:
    return f"{mark.get_source_display()} entered {mark.code_id}: only office staff can change it."


def local_now(school: School, now: datetime) -> datetime:
    return timezone.localtime(now, ZoneInfo(school.timezone))


def register_open(session: Session, *, local: datetime) -> bool:
    """True until the session's register closes (school-local time)."""
    return (session.date, session.closes) > (local.date(), local.time())


def register_not_yet_open(session: Session, *, local: datetime) -> bool:
    """True before the session's register opens (school-local time)."""
    return (session.date, session.opens) > (local.date(), local.time())


def marks_write(
    *,
    school: School,
    entries: list[MarkEntry],
    actor,
    role: str,
    source: str,
    session: Session | None = None,
    registration_group: RegistrationGroup | None = None,
    pupils: Mapping[int, Pupil] | None = None,
    allowed_pupil_ids: set[int] | None = None,
    planned: Iterable[PlannedEntry] | None = None,
    can_change_pre_entered: bool = True,
    now: datetime | None = None,
) -> SaveResult:
    """Write marks (or planned entries, for days still to come) in one transaction, or none.

    entries: one per (pupil, session), across one or many sessions (`session` fills in
    entries without one). actor: the user (None for the system); role: the acting Role
    (recorded on amendments); source: Mark.Source. registration_group: given when a
    whole register is saved: its row records who saved it, and the session's planned
    entries of its pupils become marks. pupils / allowed_pupil_ids: the register's pupils,
    when the caller has read them (others are "Not a pupil of this register"). planned:
    the register's planned entries, when the caller has read them. A class teacher
    (`can_change_pre_entered=False`) may not change a pre-entered mark or planned entry.

    Raises MarksInvalid (field messages keyed by pupil) on any broken rule
    (`rules.mark_errors`), RegisterConflict when a mark someone else saved differs from
    the entry. Queries do not grow with the number of entries.
    """
    if registration_group is not None and session is None:
        raise ValueError("A register is saved for one session: give `session`.")
    now = now or timezone.now()
    local = local_now(school, now)
    entries = [e if e.session else replace(e, session=session) for e in entries]
    if any(e.session is None or e.session.school_id != school.pk for e in entries):
        raise ValidationError("That session is not at this school.")
    keys = [(e.pupil_id, e.session.pk) for e in entries]
    if len(set(keys)) != len(keys):
        raise ValidationError("A pupil appears twice in the register.")
    reasons = _reasons(school, entries)
    known = _pupils(school, entries, pupils, allowed_pupil_ids)
    several = len({k[1] for k in keys}) > 1
    write = _Write(
        school=school,
        actor=actor,
        role=role,
        source=source,
        now=now,
        local=local,
        reasons=reasons,
        pupils=known,
        can_change_pre_entered=can_change_pre_entered,
        several=several,
    )
    try:
        with transaction.atomic():
            result = write.run(
                entries=entries,
                register_session=session if registration_group is not None else None,
                planned=planned,
            )
            if registration_group is not None and session.date <= local.date():
                result.register = _register_saved(
                    school=school, group=registration_group, session=session, user=actor, now=now
                )
                events.register_saved(
                    register=result.register,
                    user=actor,
                    role=role,
                    when=now,
                    created=result.created,
                    amended=result.amended,
                )
    except IntegrityError as exc:
        # Two first saves of the same mark at once: the unique constraint catches the
        # second, which is then told, like any other conflict.
        raise RegisterConflict(
            [Conflict(pupil_id=e.pupil_id, current=None, mine=e) for e in entries]
        ) from exc
    return result


def _key(entry: MarkEntry, several: bool) -> str:
    if not several:
        return str(entry.pupil_id)
    return f"{entry.pupil_id} {entry.session.date.isoformat()} {entry.session.period}"


def _reasons(school: School, entries: list[MarkEntry]) -> dict[int, AbsenceReason]:
    ids = {e.reason_id for e in entries if e.reason_id}
    if not ids:
        return {}
    return {r.pk: r for r in AbsenceReason.objects.filter(school=school, pk__in=ids)}


def _pupils(school, entries, pupils, allowed) -> dict[int, Pupil]:
    """The entries' pupils (None for one not of this register), read once."""
    known = dict(pupils or {})
    wanted = {e.pupil_id for e in entries}
    if allowed is not None:
        wanted &= set(allowed)
    missing = wanted - set(known)
    if missing:
        known.update((p.pk, p) for p in Pupil.objects.filter(school=school, pk__in=missing))
    if allowed is not None:
        known = {pk: p for pk, p in known.items() if pk in allowed}
    return known


def _let_go_of_saved_reason(entry: MarkEntry, mark: Mark | None) -> MarkEntry:
    """The school's reason belongs to the code it was given for: the saved reason sent
    back with a new code is let go of (as the import does), not refused."""
    if mark is None or entry.reason_id is None or entry.reason_id != mark.reason_id:
        return entry
    if mark.reason.code_id == entry.code:
        return entry
    return replace(entry, reason_id=None)


def _same_entry(entry: MarkEntry, mark: Mark) -> bool:
    """The entry says what the saved mark says (a note or reason left out says nothing)."""
    return (
        (entry.code, entry.minutes_late) == (mark.code_id, mark.minutes_late)
        and entry.note in ("", mark.note)
        and (entry.keep_reason or entry.reason_id in (None, mark.reason_id))
    )


@dataclass
class _Write:
    school: School
    actor: object
    role: str
    source: str
    now: datetime
    local: datetime
    reasons: dict[int, AbsenceReason]
    pupils: dict[int, Pupil]
    can_change_pre_entered: bool
    several: bool

    def run(self, *, entries, register_session, planned) -> SaveResult:
        today = self.local.date()
        sessions = {e.session.pk: e.session for e in entries}
        if register_session is not None:
            sessions[register_session.pk] = register_session
        plans = self._planned(entries, register_session, planned)
        pupil_ids = {e.pupil_id for e in entries} | {p.pupil_id for p in plans.values()}
        existing = {
            (m.pupil_id, m.session_id): m
            for m in Mark.objects.select_for_update(of=("self",))
            .filter(school=self.school, session_id__in=list(sessions), pupil_id__in=pupil_ids)
            .select_related("code", "reason", "recorded_by")
        }
        entries = [
            _let_go_of_saved_reason(e, existing.get((e.pupil_id, e.session.pk))) for e in entries
        ]
        self._check(entries)
        self.to_create, self.to_update, self.amendments = [], [], []
        self.refused, self.conflicts, self.done_plans = {}, [], set()
        future, unchanged = [], 0
        for entry in entries:
            key = (entry.pupil_id, entry.session.pk)
            mark = existing.get(key)
            if mark is None and entry.session.date > today:
                future.append(entry)
            elif mark is None:
                self._create(entry, plans.get(key))
            elif not self._change(entry, mark, entry.session):
                unchanged += 1
            if mark is not None and key in plans:
                self.done_plans.add(plans[key].pk)  # a mark stands: the plan is moot
        if self.refused:
            raise MarksInvalid(self.refused)
        if self.conflicts:
            raise RegisterConflict(self.conflicts)
        converted = 0
        if register_session is not None and register_session.date <= today:
            converted = self._convert(plans, existing, entries, register_session)
        Mark.objects.bulk_create(self.to_create)
        if self.to_update:
            Mark.objects.bulk_update(self.to_update, _UPDATED_FIELDS)
        if self.amendments:
            events.save_amendments(self.amendments)
        if self.done_plans:
            # Conditional: a plan withdrawn or turned into a mark meanwhile is a conflict.
            deleted, _ = PlannedEntry.objects.filter(pk__in=self.done_plans).delete()
            if deleted != len(self.done_plans):
                raise IntegrityError("a planned entry changed while saving")
        self._plan(future)
        return SaveResult(
            created=len(self.to_create) - converted,
            amended=len(self.amendments),
            unchanged=unchanged,
            register=None,
            planned=len(future),
            converted=converted,
            changes=[
                (a.mark.pupil_id, a.original_code, a.new_code)
                for a in self.amendments
                if a.original_code != a.new_code
            ],
        )

    def _check(self, entries: list[MarkEntry]) -> None:
        """The register's law, for every entry (`rules.mark_errors`)."""
        writing = Writing(role=self.role, source=self.source, today=self.local.date())
        errors = {}
        for entry in entries:
            entry_errors = mark_errors(
                code=entry.code,
                session=entry.session,
                pupil=self.pupils.get(entry.pupil_id),
                writing=writing,
                minutes_late=entry.minutes_late,
                note=entry.note,
                reason_id=entry.reason_id,
                reasons=self.reasons,
                amendment_reason=entry.amendment_reason,
            )
            if entry_errors:
                errors[_key(entry, self.several)] = entry_errors
        if errors:
            raise MarksInvalid(errors)

    def _planned(self, entries, register_session, planned) -> dict[tuple[int, int], PlannedEntry]:
        if planned is None:
            pairs = {(e.pupil_id, e.session.pk) for e in entries}
            query = PlannedEntry.objects.filter(
                school=self.school,
                session_id__in={s for _, s in pairs}
                | ({register_session.pk} if register_session else set()),
                pupil_id__in={p for p, _ in pairs} | set(self.pupils),
            )
            planned = query.select_related("created_by")
        return {(p.pupil_id, p.session_id): p for p in planned}

    def _pre_entered(self, session: Session, code: str) -> bool:
        """Entered ahead of the register, whatever the channel: an office report, a
        parent's report or approved leave until the register closes; the office on the
        register page or the API only before the register opens. The office covering or
        correcting a register once it is open takes it like anyone else, and the class
        teacher can still change those marks. Only absences are entered ahead: a present
        or attendance mark is the register's own, never locked."""
        if code_rules()[code].attended:
            return False
        if self.source in ADVANCE_SOURCES:
            return register_open(session, local=self.local)
        writing = Writing(role=self.role, source=self.source, today=self.local.date())
        return writing.office_side and register_not_yet_open(session, local=self.local)

    def _create(self, entry: MarkEntry, plan: PlannedEntry | None) -> None:
        source, recorded_by = self.source, self.actor
        pre_entered = self._pre_entered(entry.session, entry.code)
        note, reason_id = entry.note, entry.reason_id
        if plan is not None:
            if plan.code_id != entry.code and not self.can_change_pre_entered:
                self.refused[_key(entry, self.several)] = {"code": pre_entered_message(plan)}
                return
            if plan.code_id == entry.code:
                # The planned entry, confirmed on the register: its source stands.
                source, recorded_by, pre_entered = plan.source, plan.created_by, True
                note, reason_id = note or plan.note, reason_id or plan.reason_id
            self.done_plans.add(plan.pk)
        if entry.seen_version:
            # The person saw a mark that is not there: nothing to compare with.
            self.conflicts.append(Conflict(pupil_id=entry.pupil_id, current=None, mine=entry))
            return
        self.to_create.append(
            Mark(
                school=self.school,
                pupil_id=entry.pupil_id,
                session=entry.session,
                date=entry.session.date,
                code_id=entry.code,
                minutes_late=entry.minutes_late,
                note=note,
                reason_id=reason_id,
                source=source,
                pre_entered=pre_entered,
                recorded_by=recorded_by,
                recorded_at=self.now,
            )
        )

    def _change(self, entry: MarkEntry, mark: Mark, session: Session) -> bool:
        """Amend `mark` as the entry says; False when it says what is saved already."""
        key = _key(entry, self.several)
        locked = mark.is_pre_entered and not self.can_change_pre_entered
        if locked and not _same_entry(entry, mark):
            # Whatever version was seen: this person may not change it at all.
            self.refused[key] = {"code": pre_entered_message(mark)}
            return False
        if entry.seen_version != mark.version:
            # Saved by someone else since: only a real difference is a conflict.
            if not _same_entry(entry, mark):
                self.conflicts.append(Conflict(pupil_id=entry.pupil_id, current=mark, mine=entry))
            return False
        reason_id = mark.reason_id if entry.keep_reason and mark.code_id == entry.code else None
        reason_id = entry.reason_id if not entry.keep_reason else reason_id
        after = (entry.code, entry.minutes_late, entry.note, reason_id)
        if after == (mark.code_id, mark.minutes_late, mark.note, mark.reason_id):
            return False
        if locked:
            self.refused[key] = {"code": pre_entered_message(mark)}
            return False
        # Every change is audited; only a change to the code or lateness needs a reason
        # from the person (a note or absence reason added later is routine).
        code_changed = (mark.code_id, mark.minutes_late) != (entry.code, entry.minutes_late)
        why = entry.amendment_reason.strip()
        if code_changed and not why:
            self.refused[key] = {
                "amendment_reason": f"Say why the saved mark {mark.code_id} is changed."
            }
            return False
        new_reason = self.reasons.get(reason_id) if reason_id != mark.reason_id else mark.reason
        amendment = events.mark_amended(
            mark=mark,
            new_code=entry.code,
            new_minutes_late=entry.minutes_late,
            new_note=entry.note,
            new_absence_reason=new_reason.name if new_reason else "",
            reason=why or "Note or absence reason updated",
            user=self.actor,
            role=self.role,
            when=self.now,
        )
        amendment.source = self.source
        self.amendments.append(amendment)
        mark.code_id = entry.code
        mark.minutes_late = entry.minutes_late
        mark.note = entry.note
        mark.reason_id = reason_id
        mark.source = self.source
        was_ahead = mark.pre_entered and not code_rules()[entry.code].attended
        mark.pre_entered = was_ahead or self._pre_entered(session, entry.code)
        mark.recorded_by = self.actor
        mark.recorded_at = self.now
        mark.version += 1
        self.to_update.append(mark)
        return True

    def _convert(self, plans, existing, entries, session: Session) -> int:
        """The register's planned entries nobody wrote over become marks, source kept."""
        written = {(e.pupil_id, e.session.pk) for e in entries}
        converted = 0
        for key, plan in plans.items():
            if plan.session_id != session.pk or key in written or plan.pk in self.done_plans:
                continue
            self.done_plans.add(plan.pk)
            if key in existing:
                continue
            self.to_create.append(mark_from_plan(plan, session=session, now=self.now))
            converted += 1
        return converted

    def _plan(self, future: list[MarkEntry]) -> None:
        """Entries for days still to come: planned entries, replaced if there is one."""
        if not future:
            return
        PlannedEntry.objects.bulk_create(
            [
                PlannedEntry(
                    school=self.school,
                    pupil_id=e.pupil_id,
                    session=e.session,
                    code_id=e.code,
                    reason_id=e.reason_id,
                    note=e.note,
                    source=self.source,
                    created_by=self.actor,
                    created_by_role=self.role,
                    created_at=self.now,
                )
                for e in future
            ],
            update_conflicts=True,
            unique_fields=["pupil", "session"],
            update_fields=[
                "code",
                "reason",
                "note",
                "source",
                "created_by",
                "created_by_role",
                "created_at",
            ],
        )


_UPDATED_FIELDS = [
    "code",
    "minutes_late",
    "note",
    "reason",
    "source",
    "pre_entered",
    "recorded_by",
    "recorded_at",
    "version",
]


def mark_from_plan(plan: PlannedEntry, *, session: Session, now: datetime) -> Mark:
    return Mark(
        school_id=plan.school_id,
        pupil_id=plan.pupil_id,
        session=session,
        date=session.date,
        code_id=plan.code_id,
        note=plan.note,
        reason_id=plan.reason_id,
        source=plan.source,
        pre_entered=True,
        recorded_by_id=plan.created_by_id,
        recorded_at=now,
    )


def _register_saved(*, school, group, session, user, now: datetime) -> Register:
    """The register's row: who first saved it, who last did. One statement."""
    register = Register(
        school=school,
        registration_group=group,
        session=session,
        taken_by=user,
        taken_at=now,
        last_saved_by=user,
        last_saved_at=now,
    )
    Register.objects.bulk_create(
        [register],
        update_conflicts=True,
        unique_fields=["registration_group", "session"],
        update_fields=["last_saved_by", "last_saved_at"],
    )
    return register


def marks_save(
    *,
    school: School,
    session: Session,
    entries: list[MarkEntry],
    user,
    role: str,
    source: str = Mark.Source.REGISTER,
    **options,
) -> SaveResult:
    """One session's marks: `marks_write` with `session` (kept for existing callers)."""
    return marks_write(
        school=school,
        session=session,
        entries=entries,
        actor=user,
        role=role,
        source=source,
        **options,
    )


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
    now: datetime | None = None,
) -> SaveResult:
    """Record one mark (office, parent report, approved leave, system), amending the
    saved one if there is one; a planned entry for a day still to come. The caller's
    view of the version is the current one."""
    current = (
        Mark.objects.filter(school=school, pupil=pupil, session=session)
        .values_list("version", flat=True)
        .first()
    )
    return marks_write(
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
        actor=user,
        role=role,
        source=source,
        # A pupil object of another school is read (and refused) like any other.
        pupils={pupil.pk: pupil} if pupil.school_id == school.pk else None,
        now=now,
    )
