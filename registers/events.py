"""Audit writers for the register: the immutable amendment trail (DESIGN.md §5)."""

from .models import Amendment, Mark, Role


def actor_name(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def mark_amended(*, mark: Mark, new_code: str, new_minutes_late, reason: str, user, role, when):
    """An unsaved amendment for a change about to be written to `mark`."""
    return Amendment(
        school_id=mark.school_id,
        mark=mark,
        original_code=mark.code_id,
        new_code=new_code,
        original_minutes_late=mark.minutes_late,
        new_minutes_late=new_minutes_late,
        reason=reason,
        amended_at=when,
        amended_by=user,
        amended_by_name=actor_name(user),
        amended_by_role=role_label(role),
    )


def save_amendments(amendments: list[Amendment]) -> None:
    Amendment.objects.bulk_create(amendments)
