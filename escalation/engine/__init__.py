"""The escalation engine: a school's ladder evaluated for one day (RULES.md §0).

    night = engine.decide(school=, as_of=, rules=, settings=, state=, calendar=)

reads the figures (`figures.compute`, batched from `registers.metrics`) and returns a
`Night` (decisions sorted by UPN then track, considered-and-not-fired rules of open
cases, calendar resets, per-rule counts). It stores nothing: `escalation.services.run`
stores a night, the simulator (`escalation.services.simulate`) applies it in memory.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

from registers import metrics
from registers.metrics import Bounds, SchoolCalendar
from registers.services.rules import compulsory_school_age_starts

from ..ladder import Rule
from .evaluate import Evaluation, Night, Outcome, Reset, Settings, due_rules  # noqa: F401
from .figures import PupilDates, compute
from .state import STAGED_TRACKS, PupilFacts, State, facts  # noqa: F401

__all__ = ["Night", "Outcome", "Reset", "Settings", "State", "decide"]


def _dates(state: State, pupil_ids, pupil_facts: dict[int, PupilFacts], as_of: date) -> PupilDates:
    """The pupils' own dates. A re-armed count (the penalty threshold) starts after the
    last warning or notice, and never before the day the pupil reached compulsory
    school age: sessions from before it are no ground for a legal step (RULES.md §0.5,
    DESIGN §7)."""
    dates = PupilDates()
    for pid in pupil_ids:
        pf = pupil_facts.get(pid)
        begins = compulsory_school_age_starts(pf.date_of_birth) if pf and pf.date_of_birth else None
        if begins and begins <= as_of:
            # Counted from the day it begins: re-armed "after" the day before. (A pupil
            # not yet of age has no legal step at all: `evaluate._Pupil.pupil_ok`.)
            dates.rearm_after[pid] = begins - timedelta(days=1)
        pupil = state.pupils.get(pid)
        if pupil is None:
            continue
        for track, ts in pupil.tracks.items():
            if ts.stage != "none" and ts.since:
                dates.stage_since.setdefault(track, {})[pid] = ts.since
        if pupil.last_notice:
            dates.last_notice[pid] = pupil.last_notice
        if pupil.rearm_after:
            dates.rearm_after[pid] = max(
                filter(None, (dates.rearm_after.get(pid), pupil.rearm_after))
            )
    return dates


_RUN_INDICATORS = {"missing_from_school": ("G", "N", "O"), "deletion_review": ("G", "N", "O")}


def _episode_codes(rule: Rule) -> tuple[str, ...]:
    for test in rule.all_tests():
        if test.metric.kind == "consecutive_days":
            return test.metric.codes
        if test.metric.kind == "indicator" and test.metric.key in _RUN_INDICATORS:
            return _RUN_INDICATORS[test.metric.key]
    return ()


def episode_starts(
    *, school, as_of: date, due: list[Rule], state: State, calendar: SchoolCalendar, ids
) -> dict[tuple[str, int], date]:
    """For `once: episode` rules that fired before for a pupil: the first school day of
    the pupil's current run of days with the rule's codes (one query per rule, for the
    few pupils concerned). A run that reaches back to the last firing is the same
    episode (the rule does not fire again)."""
    out = {}
    days = calendar.days[: bisect_right(calendar.days, as_of)]
    for rule in due:
        if rule.once != "episode":
            continue
        last = {
            pid: max(state.pupils[pid].fired[rule.id])
            for pid in ids
            if pid in state.pupils and state.pupils[pid].fired.get(rule.id)
        }
        if not last:
            continue
        reach = max(len(days) - bisect_right(days, day) + 2 for day in last.values())
        runs = metrics.consecutive_days(
            school=school,
            as_of=as_of,
            codes=_episode_codes(rule),
            at_most=min(reach, len(days)) or 1,
            pupils=list(last),
            calendar=calendar,
        )
        for pid in last:
            run = runs.get(pid, 0)
            # No run today: a new episode starts whenever it comes (as-of is after it).
            out[(rule.id, pid)] = days[-run] if run else as_of
    return out


def on_roll(*, school, as_of: date) -> list[metrics.OnRoll]:
    """Pupils on roll on as-of (those the night decides for). One query."""
    return metrics.roll(school=school, bounds=Bounds(as_of, as_of))


def decide(
    *,
    school,
    as_of: date,
    rules: list[Rule],
    settings: Settings,
    state: State,
    calendar: SchoolCalendar,
    pupil_facts: dict[int, PupilFacts] | None = None,
    skip: set[tuple[int, str]] = frozenset(),
) -> Night:
    """The day's decisions. `pupil_facts` (the simulator passes the year's, once) is
    narrowed to the pupils on roll on as-of; `skip` holds (pupil id, track) decided
    already today."""
    due, names = due_rules(rules, calendar, as_of)
    if not due:
        return Night(as_of, [], [], [], {}, names)
    roll = on_roll(school=school, as_of=as_of)
    ids = [p.pupil_id for p in roll]
    if pupil_facts is None:
        pupil_facts = facts(school=school, pupil_ids=ids)
    here = {pid: pupil_facts[pid] for pid in ids if pid in pupil_facts}
    figures = compute(
        school=school,
        as_of=as_of,
        rules=due,
        pupils=roll,
        dates=_dates(state, ids, here, as_of),
        calendar=calendar,
    )
    evaluation = Evaluation(
        as_of=as_of,
        calendar=calendar,
        figures=figures,
        settings=settings,
        episode_starts=episode_starts(
            school=school, as_of=as_of, due=due, state=state, calendar=calendar, ids=ids
        ),
    )
    return evaluation.run(
        rules=rules, due=due, facts=here, state=state, skip=skip, calendar_points=names
    )
