"""The policy simulator: what a ladder would have done over a range of days (DESIGN.md
§9 `simulate_policy`; the lead's "what would this policy have done last year" page).

    result = simulate(school=, start=, end=, preset=None)
    result.days          # one run_escalation object per school day, in order
    result.by_month()    # {"2024-09": {"letters": n, "meetings": n, "notices": n}, ...}

Every school day of the range is decided in order by the same engine as the nightly
run, from the same marks, under the school's policy or a preset. Each day's proposals
are taken as approved on the day they were made: stages move, notices count as issued
that day, meetings as held that day, tasks stay open until their due date. It starts
from no open case (tracks at none) and the penalty notices issued before the range (so
a second notice is priced as one). It stores nothing: the state lives in memory and
nothing is written (not even the school's policy row, read from the preset if absent).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from registers import metrics
from registers.metrics import Bounds, SchoolCalendar

from .. import engine, ladder
from ..engine import state as engine_state
from ..models import ISSUED_STATUSES, EscalationPolicy, PenaltyNotice
from .run import RunResult


@dataclass
class Simulation:
    school: str
    policy: str
    start: date
    end: date
    days: list[RunResult] = field(default_factory=list)

    def as_json(self) -> list[dict]:
        return [day.as_json() for day in self.days]

    def by_month(self) -> dict[str, dict[str, int]]:
        """Per month (YYYY-MM): letters, meetings (meeting tasks) and notices (penalty
        notices and notices to improve) the policy would have produced."""
        months: dict[str, Counter] = {}
        for day in self.days:
            counts = months.setdefault(day.as_of.strftime("%Y-%m"), Counter())
            for decision in day.decisions:
                for action in decision.actions:
                    if action["type"] == "letter":
                        counts["letters"] += 1
                    elif action["type"] == "task" and action["kind"] == "meeting":
                        counts["meetings"] += 1
                    elif action["type"] == "legal" and action["kind"] in (
                        "penalty_notice",
                        "notice_to_improve",
                    ):
                        counts["notices"] += 1
        return {
            month: {key: counts[key] for key in ("letters", "meetings", "notices")}
            for month, counts in sorted(months.items())
        }


def ladder_of(*, school, preset: str | None) -> tuple[str, list[ladder.Rule], engine.Settings]:
    """The rules and settings to simulate: the named preset's, or the school's policy
    (its stored rules, else its preset's), read without storing anything."""
    from .. import presets

    policy = EscalationPolicy.objects.filter(school=school).first()
    if preset is None and policy is not None:
        return policy.preset, policy.ladder(), _settings(policy.preset, vars(policy))
    name = preset or school.policy_preset
    if not name:
        return "none", [], engine.Settings(preset="none")
    values = presets.settings(name)  # KeyError for an unknown preset
    return name, presets.load(name), _settings(name, values)


def _settings(name: str, values: dict) -> engine.Settings:
    return engine.Settings(
        preset=name,
        issuer=values.get("issuer", "school"),
        nti_weeks=values.get("nti_weeks", 4),
        payment_period_days=values.get("payment_period_days", 28),
    )


def _notice_history(*, school, before: date) -> engine.State:
    state = engine.State()
    rows = PenaltyNotice.objects.filter(
        school=school, status__in=ISSUED_STATUSES, issued_on__lt=before
    ).values_list("pupil_id", "parent_priority", "issued_on")
    for pupil_id, priority, issued_on in rows:
        pupil = state.of(pupil_id)
        pupil.notices.setdefault(priority, []).append(issued_on)
        pupil.last_notice = max(filter(None, (pupil.last_notice, issued_on)))
        pupil.rearm_after = pupil.last_notice
    return state


def simulate(
    *, school, start: date, end: date, preset: str | None = None, progress=None
) -> Simulation:
    """Replay every school day from `start` to `end` (inclusive). Raises KeyError for
    an unknown preset, `ladder.LadderError` for a stored policy that does not validate.
    Queries: a handful per school day (the figures, batched for all pupils)."""
    name, rules, settings = ladder_of(school=school, preset=preset)
    calendar = SchoolCalendar(school)
    days = calendar.days[bisect_left(calendar.days, start) : bisect_right(calendar.days, end)]
    result = Simulation(school=school.slug, policy=name, start=start, end=end)
    if not days:
        return result
    state = _notice_history(school=school, before=start)
    roll = metrics.roll(school=school, bounds=Bounds(days[0], days[-1]))
    facts = engine_state.facts(school=school, pupil_ids=[p.pupil_id for p in roll])
    open_until: dict[tuple[int, str], date] = {}
    for day in days:
        for (pid, rule_id), until in list(open_until.items()):
            if until < day:
                state.of(pid).open_task_rules.discard(rule_id)
                del open_until[(pid, rule_id)]
        night = engine.decide(
            school=school,
            as_of=day,
            rules=rules,
            settings=settings,
            state=state,
            calendar=calendar,
            pupil_facts=facts,
        )
        for outcome in night.decisions:
            state.apply(outcome, on=day)
            dues = [
                date.fromisoformat(a["due"]) if a.get("due") else day + timedelta(days=7)
                for a in outcome.actions
                if a["type"] == "task"
            ]
            if dues:
                state.of(outcome.pupil_id).open_task_rules.add(outcome.rule_id)
                open_until[(outcome.pupil_id, outcome.rule_id)] = max(dues)
        result.days.append(
            RunResult(
                school=school.slug,
                policy=name,
                as_of=day,
                calendar_points=night.calendar_points,
                decisions=night.decisions,
                resets=night.resets,
            )
        )
        if progress is not None:  # the simulator page's progress: (days done, days)
            progress(len(result.days), len(days))
    return result
