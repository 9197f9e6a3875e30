"""The school's own absence reasons, each recorded under a national code (DESIGN.md §5)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import AbsenceReason, School
from .sessions import PRESENT_CODE

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
