"""The simulator page's runs (DESIGN.md §9 `simulate_policy`, as a page): asked for by
a person, run by Celery with its progress, summarised for the page. The simulation
stores nothing of the school's (`escalation.services.simulate`).

    simulation_request(school=, user=, preset=, start=, end=) -> SimulationRun
    simulation_execute(school=, run_id=) -> bool     # the Celery task's body

The task goes through the outbox (sent when the request's transaction commits; a key per
run, so it is sent once) and claims the run with a conditional UPDATE (queued -> running,
or a run left running by a dead worker after `STALE_AFTER`): delivered twice, it
simulates once. No ETA or countdown is used.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registers import outbox
from registers.models import Pupil, School

from ..ladder import LadderError
from ..models.simulation import STALE_AFTER, SimulationRun, SimulationStatus
from .simulate import simulate

TASK = "escalation.tasks.escalation_simulate"
DECISIONS_KEPT = 500
# How often (in school days) the progress is written: a year is ~190 days.
PROGRESS_EVERY = 5


def simulation_request(
    *, school: School, user, preset: str, start: dt.date, end: dt.date
) -> SimulationRun:
    """A run waiting for a worker; its task is sent when the transaction commits."""
    with transaction.atomic():
        run = SimulationRun.objects.create(
            school=school,
            requested_by=user,
            preset=preset,
            start=start,
            end=end,
            created_at=timezone.now(),
        )
        outbox.enqueue(
            school=school,
            work=[
                outbox.Work(
                    TASK,
                    {"school_id": school.pk, "run_id": run.pk},
                    key=f"escalation.simulate:{run.pk}",
                )
            ],
        )
    return run


def _claim(*, school, run_id: int) -> bool:
    now = timezone.now()
    return bool(
        SimulationRun.objects.filter(school=school, pk=run_id)
        .filter(
            Q(status=SimulationStatus.QUEUED)
            | Q(status=SimulationStatus.RUNNING, started_at__lt=now - STALE_AFTER)
        )
        .update(status=SimulationStatus.RUNNING, started_at=now, days_done=0)
    )


def summary(*, school: School, result, seconds: float) -> dict:
    """What the page shows, as JSON: counts by month and by rule, totals, the first
    decisions with the pupils' names."""
    decisions = [(day.as_of, d) for day in result.days for d in day.decision_dicts()]
    by_month = result.by_month()
    totals = Counter()
    for counts in by_month.values():
        totals.update(counts)
    shown = decisions[:DECISIONS_KEPT]
    names = {
        p.upn: p.display_name
        for p in Pupil.objects.filter(school=school, upn__in={d["upn"] for _, d in shown})
    }
    return {
        "policy": result.policy,
        "school_days": len(result.days),
        "seconds": round(seconds, 1),
        "by_month": by_month,
        "totals": {k: totals.get(k, 0) for k in ("letters", "meetings", "notices")},
        "by_rule": Counter(d["rule"] for _, d in decisions).most_common(),
        "decision_count": len(decisions),
        "decisions": [
            {
                "day": day.strftime("%d/%m/%Y"),
                "pupil": names.get(d["upn"], d["upn"]),
                "track": d["track"],
                "rule": d["rule"],
                "from_stage": d["from_stage"],
                "to_stage": d["to_stage"],
                "actions": [f"{a['type']}: {a['kind'].replace('_', ' ')}" for a in d["actions"]],
            }
            for day, d in shown
        ],
    }


def simulation_execute(*, school: School, run_id: int) -> bool:
    """Simulate a claimed run, writing its progress; False if another worker has it or
    it is finished (nothing done)."""
    if not _claim(school=school, run_id=run_id):
        return False
    run = SimulationRun.objects.get(school=school, pk=run_id)

    def progress(done: int, total: int) -> None:
        if done == total or done % PROGRESS_EVERY == 0 or done == 1:
            SimulationRun.objects.filter(pk=run.pk, status=SimulationStatus.RUNNING).update(
                days_done=done, days_total=total
            )

    began = time.monotonic()
    try:
        result = simulate(
            school=school,
            start=run.start,
            end=run.end,
            preset=run.preset or None,
            progress=progress,
        )
    except (LadderError, KeyError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, LadderError) else str(exc)
        SimulationRun.objects.filter(pk=run.pk).update(
            status=SimulationStatus.FAILED,
            error=f"The policy cannot be simulated: {message}"[:500],
            finished_at=timezone.now(),
        )
        return True
    SimulationRun.objects.filter(pk=run.pk, status=SimulationStatus.RUNNING).update(
        status=SimulationStatus.DONE,
        result=summary(school=school, result=result, seconds=time.monotonic() - began),
        days_done=len(result.days),
        days_total=len(result.days),
        finished_at=timezone.now(),
    )
    return True
