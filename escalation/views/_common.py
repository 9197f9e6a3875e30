"""Helpers shared by the escalation pages (plain function views)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render

from registers.events import acting_role
from registers.selectors import local_today

from ..roles import ROLES_CASEWORK, ROLES_DECIDE, ROLES_LEGAL, ROLES_POLICY_EDIT


def messages_of(exc: ValidationError) -> list[str]:
    """Every message of a ValidationError, keyed or not, in order."""
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(exc.messages)


def refused(request, exc: ValidationError) -> None:
    """A service's refusal as one message at the top of the page the person returns to."""
    messages.error(request, " ".join(messages_of(exc)))


def errors_to_form(form, exc: ValidationError) -> None:
    """A service's field errors onto the form's fields (others at the top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def role_for(request, allowed) -> str:
    return acting_role(request.roles, allowed)


def can(request) -> dict:
    """What the signed-in person may do here (templates show only those buttons)."""
    roles = request.roles
    return {
        "casework": bool(roles & ROLES_CASEWORK),
        "decide": bool(roles & ROLES_DECIDE),
        "legal": bool(roles & ROLES_LEGAL),
        "edit_policy": bool(roles & ROLES_POLICY_EDIT),
    }


def page(request, template: str, context: dict, status: int = 200):
    context = {**context, "can": can(request), "today": local_today(request.school)}
    return render(request, template, context, status=status)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
