"""Celery tasks of the register. Tasks take ids, never objects, and re-enter the school's
tenant scope themselves (there is no request to do it for them)."""

import logging

from celery import shared_task
from django_scopes import scopes_disabled

from .models import School
from .services import planned_entries_due
from .tenancy import school_scope

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def planned_entries_due_everywhere() -> None:
    """Beat (CELERY_BEAT_SCHEDULE): one task per school, each idempotent."""
    with scopes_disabled():
        school_ids = list(School.objects.values_list("pk", flat=True))
    for school_id in school_ids:
        planned_entries_due_at_school.delay(school_id)


@shared_task(ignore_result=True)
def planned_entries_due_at_school(school_id: int) -> int:
    """Planned entries of sessions whose register has closed become marks (DESIGN.md §5).
    Running it twice, or beside a register save, writes nothing twice."""
    with school_scope(school_id):
        school = School.objects.get(pk=school_id)
        done = planned_entries_due(school=school)
    for plan, errors in done.refused:
        log.warning("Planned entry %s kept: %s", plan.pk, "; ".join(errors.values()))
    return done.created
