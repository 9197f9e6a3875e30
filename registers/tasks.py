"""The base of every Celery task that works on one school's data (DESIGN.md §3).

A task has no request, so no middleware selects its school. `SchoolTask` enters the
school's tenant scope from the task's own `school_id` argument before the body runs,
for every run and every retry, so a task cannot forget it:

    @shared_task(base=SchoolTask)
    def render_letter(school_id: int, letter_id: int): ...

A task without a `school_id` refuses to run (TypeError), unless it is declared
school-less (`@shared_task(base=SchoolTask, school_less=True)`, e.g. a nightly fan-out
that enqueues one task per school): it then runs with scopes on and no school selected,
so a tenant query in it raises ScopeError instead of reading every school.
"""

import inspect
import logging

from celery import Task, shared_task

from .models import School
from .services import planned_entries_due
from .tenancy import school_scope

log = logging.getLogger(__name__)


class SchoolTask(Task):
    # True for a task that works across schools without reading tenant rows itself.
    school_less = False

    def __call__(self, *args, **kwargs):
        if self.school_less:
            return super().__call__(*args, **kwargs)
        with school_scope(self.school_id_of(args, kwargs)):
            return super().__call__(*args, **kwargs)

    def school_id_of(self, args, kwargs) -> int:
        """The `school_id` argument of this call, positional or by keyword."""
        try:
            bound = inspect.signature(self.run).bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"Task {self.name}: {exc}") from None
        school_id = bound.arguments.get("school_id")
        if not isinstance(school_id, int) or isinstance(school_id, bool):
            raise TypeError(
                f"Task {self.name} works on one school's data and needs a school_id "
                f"(an int), not {school_id!r}; declare it school_less=True if it is not."
            )
        return school_id


# ---- Planned entries (DESIGN.md §5) ----------------------------------------------------


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def planned_entries_due_everywhere() -> None:
    """Beat (CELERY_BEAT_SCHEDULE): one task per school, each idempotent."""
    for school_id in School.objects.values_list("pk", flat=True):
        planned_entries_due_at_school.delay(school_id)


@shared_task(base=SchoolTask, ignore_result=True)
def planned_entries_due_at_school(school_id: int) -> int:
    """Planned entries of sessions whose register has closed become marks (DESIGN.md §5).
    Running it twice, or beside a register save, writes nothing twice."""
    done = planned_entries_due(school=School.objects.get(pk=school_id))
    for plan, errors in done.refused:
        log.warning("Planned entry %s kept: %s", plan.pk, "; ".join(errors.values()))
    return done.created
