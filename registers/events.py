"""Audit writers for the register: the immutable amendment trail (DESIGN.md §5)."""

from .models import Amendment, Mark, Role

# A full name may be longer (first and last name are 150 characters each) than the
# record keeps; the record keeps its start rather than failing the save.
_NAME_KEPT = Amendment._meta.get_field("amended_by_name").max_length


def actor_name(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


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
    if any, is loaded). Note and absence reason stay as they were unless given."""
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
    Amendment.objects.bulk_create(amendments)
