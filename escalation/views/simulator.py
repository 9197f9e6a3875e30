"""The simulator page: "what would this policy have done last year" (DESIGN.md §9
`simulate_policy`): a preset (or the school's own ladder) over a range of at most one
school year, every school day decided in order by the nightly engine as if each proposal
were approved on its day. Nothing of the school's is stored.

One school year of a 1,000-pupil school takes minutes (README: the figure), so the page
asks Celery for it (`services.simulation_runs`) and shows its progress (htmx polls a
small fragment; without JavaScript the page says to reload); the result stays on its own
page, which can be bookmarked."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from registers.permissions import roles_required
from registers.schooldays import academic_year_bounds
from registers.selectors import local_today

from ..forms import SimulatorForm
from ..models import SimulationRun, SimulationStatus
from ..roles import ROLES_SIMULATE
from ..services.run import policy_for
from ..services.simulation_runs import simulation_request
from ._common import page

RECENT = 5
# A run still queued after this long has no worker taking it: the page says so.
STALLED_AFTER = dt.timedelta(minutes=2)


def _stalled(run) -> bool:
    return run.status == SimulationStatus.QUEUED and timezone.now() - run.created_at > STALLED_AFTER


def _last_year(today: dt.date) -> tuple[dt.date, dt.date]:
    start, _end = academic_year_bounds(today)
    return academic_year_bounds(start - dt.timedelta(days=1))


@roles_required(ROLES_SIMULATE)
def simulator(request, school_slug):
    school = request.school
    policy = policy_for(school=school)
    status = 200
    if request.method == "POST":
        form = SimulatorForm(request.POST, current=policy.preset)
        if form.is_valid():
            run = simulation_request(
                school=school,
                user=request.user,
                preset=form.cleaned_data["preset"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
            return redirect("escalation:simulation", school_slug=school.slug, run_id=run.pk)
        status = 400
    else:
        start, end = _last_year(local_today(school))
        form = SimulatorForm(current=policy.preset, initial={"start": start, "end": end})
    recent = SimulationRun.objects.filter(school=school).select_related("requested_by")[:RECENT]
    return page(
        request,
        "escalation/simulator.html",
        {
            "form": form,
            "policy": policy,
            "recent": recent,
            # Tasks run in the request (the demo without Redis): the page waits for the run.
            "eager": settings.CELERY_TASK_ALWAYS_EAGER,
        },
        status=status,
    )


def _run(request, run_id) -> SimulationRun:
    return get_object_or_404(SimulationRun, school=request.school, pk=run_id)


def _months(result: dict) -> list:
    return [
        (dt.date.fromisoformat(month + "-01"), counts)
        for month, counts in (result.get("by_month") or {}).items()
    ]


@roles_required(ROLES_SIMULATE)
def simulation(request, school_slug, run_id):
    run = _run(request, run_id)
    return page(
        request,
        "escalation/simulation.html",
        {
            "run": run,
            "result": run.result,
            "by_month": _months(run.result),
            "stalled": _stalled(run),
        },
    )


@roles_required(ROLES_SIMULATE)
def simulation_progress(request, school_slug, run_id):
    """The progress fragment (htmx, every few seconds); once finished, the browser is
    sent to the result page."""
    run = _run(request, run_id)
    if run.status in (SimulationStatus.DONE, SimulationStatus.FAILED):
        response = HttpResponse("")
        response["HX-Redirect"] = request.path.rsplit("progress/", 1)[0]
        return response
    return render(
        request, "escalation/_simulation_progress.html", {"run": run, "stalled": _stalled(run)}
    )
