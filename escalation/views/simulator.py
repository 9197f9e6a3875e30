"""The simulator page: "what would this policy have done last year" (DESIGN.md §9
`simulate_policy`): a preset (or the school's own ladder) over a range of at most one
school year, every school day decided in order by the nightly engine as if each proposal
were approved on its day. Nothing is stored. Shows the counts by month and the decisions.

It runs inline: one school year of a 1,000-pupil school is decided in seconds (the
figure is in the README), well inside a request's time; a GET with the form's fields
is the run, so the page can be bookmarked and reloaded."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from registers.models import Pupil
from registers.permissions import roles_required
from registers.schooldays import academic_year_bounds
from registers.selectors import local_today

from ..forms import SimulatorForm
from ..ladder import LadderError
from ..roles import ROLES_SIMULATE
from ..services.run import policy_for
from ..services.simulate import simulate
from ._common import page

DECISIONS_SHOWN = 500


def _last_year(today: dt.date) -> tuple[dt.date, dt.date]:
    start, _end = academic_year_bounds(today)
    return academic_year_bounds(start - dt.timedelta(days=1))


@roles_required(ROLES_SIMULATE)
def simulator(request, school_slug):
    school = request.school
    policy = policy_for(school=school)
    today = local_today(school)
    if "start" not in request.GET:
        start, end = _last_year(today)
        form = SimulatorForm(current=policy.preset, initial={"start": start, "end": end})
        return page(request, "escalation/simulator.html", {"form": form, "policy": policy})
    form = SimulatorForm(request.GET, current=policy.preset)
    context = {"form": form, "policy": policy}
    if not form.is_valid():
        return page(request, "escalation/simulator.html", context, status=400)
    data = form.cleaned_data
    began = time.monotonic()
    try:
        result = simulate(
            school=school, start=data["start"], end=data["end"], preset=data["preset"] or None
        )
    except LadderError as exc:
        form.add_error(None, "The policy has rules that cannot be used: " + "; ".join(exc.messages))
        return page(request, "escalation/simulator.html", context, status=400)
    seconds = time.monotonic() - began
    decisions = [(day.as_of, d) for day in result.days for d in day.decision_dicts()]
    by_month = result.by_month()
    totals = Counter()
    for counts in by_month.values():
        totals.update(counts)
    by_rule = Counter(decision["rule"] for _day, decision in decisions)
    shown = decisions[:DECISIONS_SHOWN]
    names = {
        p.upn: p.display_name
        for p in Pupil.objects.filter(school=school, upn__in={d["upn"] for _day, d in shown})
    }
    return page(
        request,
        "escalation/simulator.html",
        {
            **context,
            "result": result,
            "by_month": [
                (dt.date.fromisoformat(month + "-01"), counts) for month, counts in by_month.items()
            ],
            "totals": totals,
            "most": max([c for m in by_month.values() for c in m.values()] + [1]),
            "by_rule": by_rule.most_common(),
            "decisions": [(day, d, names.get(d["upn"], "")) for day, d in shown],
            "decision_count": len(decisions),
            "shown": DECISIONS_SHOWN,
            "school_days": len(result.days),
            "seconds": seconds,
        },
    )
