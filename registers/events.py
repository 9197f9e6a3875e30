"""The register's events, and the writer every app's `events.py` uses (DESIGN.md §2).

One writer function per kind of event. Each writes an immutable `Event` row (school,
kind, actor and role, when, pupil, parameters as JSON) and is called inside the
transaction of the change it records, so a change that fails leaves no event and an
event never describes a change that did not happen. Writers of many events write them
with one bulk insert.

Kinds are `TextChoices` declared by the app that owns them and registered here with
`register_kinds` (the core imports no other app; an app's kinds need no migration).
Background work a change causes goes through `registers.outbox`, not through here.
An app's `events.py` (see `letters/events.py`):

    @register_kinds
    class AbsenceEvent(models.TextChoices):
        # A parent reported an absence (portal or office).
        REPORTED = "absence_reported", "Absence reported"

    def absence_reported(*, report, user, role, when) -> Event:
        return record(school_id=report.school_id, kind=AbsenceEvent.REPORTED, user=user,
                      role=role, when=when, pupil_id=report.pupil_id,
                      params={"report_id": report.pk, "from": report.starts})

The register's writers:

    mark_amended(mark=, new_code=, new_minutes_late=, reason=, user=, role=, when=,
                 new_note=None, new_absence_reason=None) -> Amendment   (unsaved)
    save_amendments(amendments)            # the amendments and one event each, bulk
    register_saved(register=, user=, role=, when=, created=, amended=) -> Event
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.utils import timezone

from .models import Amendment, Event, Mark, Register, Role

# A full name may be longer (first and last name are 150 characters each) than the
# record keeps; the record keeps its start rather than failing the save.
_NAME_KEPT = Amendment._meta.get_field("amended_by_name").max_length
_EVENT_NAME_KEPT = Event._meta.get_field("actor_name").max_length

# Every kind of event any app writes: value -> label (for the timeline and the audit).
KINDS: dict[str, str] = {}


def register_kinds(kinds: type[models.TextChoices]) -> type[models.TextChoices]:
    """Declare an app's kinds of event (use as a class decorator on its TextChoices).

    Raises ValueError if a kind is already declared with another meaning: two apps
    must not write the same kind.
    """
    for value, label in kinds.choices:
        if KINDS.get(value, label) != label:
            raise ValueError(f"The event kind {value!r} is already declared as {KINDS[value]!r}.")
        KINDS[value] = label
    return kinds


@register_kinds
class Kind(models.TextChoices):
    # A saved mark's code, lateness, note or absence reason changed (one per amendment).
    MARK_AMENDED = "mark_amended", "Mark amended"
    # A group's register saved for a session (each save: who, and how many marks it
    # created or amended; "taken" itself is derived: every pupil has a mark).
    REGISTER_SAVED = "register_saved", "Register saved"


# ---- Who did it ------------------------------------------------------------------------


def actor_name(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


_ROLE_BY_LABEL = {label: value for value, label in Role.choices}


def acting_role(roles: Iterable[str], allowed: Iterable[str]) -> str:
    """The role a person acts in: the first (in `Role` order) of their roles that allows
    the action, or "" if none does. Views pass it to services as `role=`."""
    held = set(roles) & set(allowed)
    return next((role for role in Role.values if role in held), "")


# ---- The writer --------------------------------------------------------------------------


def event(
    *,
    school_id: int,
    kind: str,
    user=None,
    role: str = "",
    when: datetime | None = None,
    pupil_id: int | None = None,
    params: dict | None = None,
) -> Event:
    """An unsaved event (for `save_events`). `user` None is the system; `role` is a
    `Role` value (or "" for the system). Raises ValueError for a kind nobody declared."""
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a declared kind of event.")
    return Event(
        school_id=school_id,
        kind=kind,
        occurred_at=when or timezone.now(),
        actor=user,
        actor_name=actor_name(user)[:_EVENT_NAME_KEPT],
        actor_role=role or "",
        pupil_id=pupil_id,
        params=params or {},
    )


def save_events(events: list[Event]) -> list[Event]:
    """Write events with one insert, whatever their number. Call it inside the
    transaction of the change they record."""
    return Event.objects.bulk_create(events) if events else []


def record(**kwargs) -> Event:
    """Write one event (`event`'s arguments)."""
    [saved] = save_events([event(**kwargs)])
    return saved


# ---- The register's events -------------------------------------------------------------


def mark_amended(
    *,
    mark: Mark,
    new_code: str,
    new_minutes_late,
    reason: str,
    user,
    role,
    when,
    new_note: str | None = None,
    new_absence_reason: str | None = None,
):
    """An unsaved amendment for a change about to be written to `mark` (whose reason,
    if any, is loaded); `save_amendments` writes it with its event. Note and absence
    reason stay as they were unless given."""
    old_absence_reason = mark.reason.name if mark.reason_id else ""
    return Amendment(
        school_id=mark.school_id,
        mark=mark,
        original_code=mark.code_id,
        new_code=new_code,
        original_minutes_late=mark.minutes_late,
        new_minutes_late=new_minutes_late,
        original_note=mark.note,
        new_note=mark.note if new_note is None else new_note,
        original_absence_reason=old_absence_reason,
        new_absence_reason=(
            old_absence_reason if new_absence_reason is None else new_absence_reason
        ),
        reason=reason,
        amended_at=when,
        amended_by=user,
        amended_by_name=actor_name(user)[:_NAME_KEPT],
        amended_by_role=role_label(role),
    )


def save_amendments(amendments: list[Amendment]) -> None:
    """Write the amendments and a `mark_amended` event for each: two inserts, whatever
    their number, in the caller's transaction."""
    if not amendments:
        return
    Amendment.objects.bulk_create(amendments)
    save_events(
        [
            Event(
                school_id=a.school_id,
                kind=Kind.MARK_AMENDED,
                occurred_at=a.amended_at,
                actor=a.amended_by,
                actor_name=a.amended_by_name[:_EVENT_NAME_KEPT],
                actor_role=_ROLE_BY_LABEL.get(a.amended_by_role, a.amended_by_role),
                pupil_id=a.mark.pupil_id,
                params={
                    "amendment_id": a.pk,
                    "mark_id": a.mark_id,
                    "session_id": a.mark.session_id,
                    "date": a.mark.date,
                    "original_code": a.original_code,
                    "new_code": a.new_code,
                    "reason": a.reason,
                },
            )
            for a in amendments
        ]
    )


def register_saved(
    *, register: Register, user, role: str, when: datetime, created: int, amended: int
) -> Event:
    """A group's register saved for a session (each save, in its transaction): who saved
    it and how many marks the save created and amended. One insert."""
    session = register.session
    return record(
        school_id=register.school_id,
        kind=Kind.REGISTER_SAVED,
        user=user,
        role=role,
        when=when,
        params={
            "register_id": register.pk,
            "registration_group_id": register.registration_group_id,
            "registration_group": register.registration_group.name,
            "session_id": session.pk,
            "date": session.date,
            "period": session.period,
            "created": created,
            "amended": amended,
        },
    )
