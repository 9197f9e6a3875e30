"""Celery tasks of the escalation app: the nightly run (DESIGN.md §2, §7).

Beat calls `escalation_nightly_everywhere` every hour (CELERY_BEAT_SCHEDULE). From
`NIGHTLY_FROM` local time (after the day's last register) it sends one
`escalation_run_at_school` per school whose day is a school day and whose run of the
day is not done yet. So a night is retried by the next hour's fan-out if a worker died
or Redis was down, and a run is idempotent (unique constraints, one transaction per
pupil: `escalation.services.run`), so a second or concurrent delivery decides nothing
twice. No business deadline is a Celery ETA or countdown: the date is an argument,
the schedule is beat's.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from celery import shared_task
from django.utils import timezone

from registers.models import School, Session
from registers.tasks import SchoolTask
from registers.tenancy import all_schools

from .models import Run, RunStatus

log = logging.getLogger(__name__)

# Local time from which a school's day is decided (registers are closed by then).
NIGHTLY_FROM = dt.time(18, 0)


def schools_due(*, now: dt.datetime | None = None) -> list[tuple[int, dt.date]]:
    """(school id, local date) of each school whose evening it is, whose day had
    sessions and whose run of the day is not done. Cross-school by design."""
    now = now or timezone.now()
    with all_schools():
        days: dict[int, dt.date] = {}
        for pk, zone in School.objects.values_list("pk", "timezone"):
            local = now.astimezone(ZoneInfo(zone))
            if local.time() >= NIGHTLY_FROM:
                days[pk] = local.date()
        if not days:
            return []
        dates = set(days.values())
        with_sessions = set(
            Session.objects.filter(school_id__in=list(days), date__in=dates).values_list(
                "school_id", "date"
            )
        )
        done = set(
            Run.objects.filter(
                school_id__in=list(days), as_of__in=dates, status=RunStatus.DONE
            ).values_list("school_id", "as_of")
        )
    return sorted(
        (pk, day)
        for pk, day in days.items()
        if (pk, day) in with_sessions and (pk, day) not in done
    )


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def escalation_nightly_everywhere() -> int:
    """Beat: one run per school due this evening (see the module's docstring)."""
    due = schools_due()
    for school_id, day in due:
        escalation_run_at_school.delay(school_id=school_id, as_of=day.isoformat())
    return len(due)


@shared_task(base=SchoolTask, ignore_result=True, acks_late=True)
def escalation_run_at_school(school_id: int, as_of: str) -> int:
    """One school's run of a day (idempotent: a redelivery decides nothing twice).
    Returns how many decisions this delivery made."""
    from .services.run import run_escalation

    school = School.objects.get(pk=school_id)
    result = run_escalation(school=school, as_of=dt.date.fromisoformat(as_of))
    log.info("Escalation %s %s: %s decisions", school.slug, as_of, len(result.decisions))
    return len(result.decisions)


@shared_task(base=SchoolTask, ignore_result=True, acks_late=True)
def escalation_simulate(school_id: int, run_id: int) -> bool:
    """A simulation asked for on the simulator page (`services.simulation_runs`):
    claimed by a conditional UPDATE, so a redelivery simulates nothing twice."""
    from .services.simulation_runs import simulation_execute

    return simulation_execute(school=School.objects.get(pk=school_id), run_id=run_id)
