"""Beat tasks of first-day calling and N codes (DESIGN §2: deadlines live in the database
and are checked here, never held as a Celery ETA or countdown). Each fan-out enqueues
one task per school; each school's task is idempotent (conditional UPDATEs, unique
constraints), so a re-delivered task changes nothing twice."""

from celery import shared_task
from django.utils import timezone

from registers.models import School
from registers.selectors import local_today
from registers.tasks import SchoolTask

from .services.calling import calling_escalate, welfare_triggers
from .services.ncodes import overdue_n_replace


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def calling_deadlines_everywhere() -> None:
    """Every few minutes: each school's calling list brought up to now."""
    for school_id in School.objects.values_list("pk", flat=True):
        calling_deadlines_at_school.delay(school_id)


@shared_task(base=SchoolTask, ignore_result=True)
def calling_deadlines_at_school(school_id: int) -> int:
    school = School.objects.get(pk=school_id)
    return len(calling_escalate(school=school, now=timezone.now()).escalated)


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def nightly_absences_everywhere() -> None:
    """Each evening: the welfare triggers over whole days, and overdue N to O."""
    for school_id in School.objects.values_list("pk", flat=True):
        nightly_absences_at_school.delay(school_id)


@shared_task(base=SchoolTask, ignore_result=True)
def nightly_absences_at_school(school_id: int) -> dict:
    school = School.objects.get(pk=school_id)
    today = local_today(school)
    return {
        "welfare_tasks": welfare_triggers(school=school, as_of=today),
        "n_replaced": overdue_n_replace(school=school, as_of=today),
    }


# ---- Leave of absence: refused leave taken (absences.services.leave_decide) -------------


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def leave_refused_taken_everywhere() -> None:
    """Every 15 minutes: N or O in sessions of refused leave, once the register has
    closed, become G with the decision referenced (BH-32, DS-39, BL-12)."""
    for school_id in School.objects.values_list("pk", flat=True):
        leave_refused_taken_at_school.delay(school_id)


@shared_task(base=SchoolTask, ignore_result=True)
def leave_refused_taken_at_school(school_id: int) -> int:
    from .services.leave_decide import leave_refused_taken

    return leave_refused_taken(school=School.objects.get(pk=school_id))


@shared_task(base=SchoolTask, ignore_result=True)
def leave_question_email(school_id: int, request_id: int, version: int) -> int:
    """The decider's question to the parents (outbox work, at least once; claimed)."""
    from .services.leave_decide import leave_question_email as send

    return send(request_id=request_id, version=version)
