"""One night's decisions for a school, from its ladder, the pupils' state and the
figures (RULES.md §0.2-§0.5). Pure: reads nothing, writes nothing; the nightly run
(`escalation.services.run`) stores what it returns, the simulator applies it in memory.

For each pupil on roll and each rule due today (its calendar point), a rule is
*considered* when the pupil's conditions and the track's stage allow it, and *fires*
when its tests hold (a percentage test also needs `Rule.possible_needed` possible
sessions in its window). Per staged track at most one decision: an `improve` that
fires wins (a track closed by improvement cannot re-open in the same run), else the
highest `to_stage`, ties to the first in the ladder. Welfare rules all fire; an action
already taken for the pupil that day by another welfare rule is left out.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from registers.metrics import SchoolCalendar

from ..ladder import Rule, Test
from . import points
from .figures import Figures, exact_text, metric_key
from .state import (
    STAGED_TRACKS,
    PupilFacts,
    PupilState,
    State,
    notices_counting,
    stage_rank,
)

TRACK_ORDER = ("attendance", "punctuality", "legal", "welfare")
# National framework 2024: notice 1 £80 (£160 if paid in days 22-28), notice 2 £160.
NOTICE_AMOUNTS = {1: 80, 2: 160}


@dataclass(frozen=True)
class Settings:
    preset: str
    issuer: str = "school"
    nti_weeks: int = 4
    payment_period_days: int = 28


@dataclass
class Outcome:
    pupil_id: int
    upn: str
    track: str
    rule_id: str
    rule: Rule
    from_stage: str | None
    to_stage: str | None
    actions: list[dict] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    fired: bool = True

    def as_json(self, preset: str) -> dict:
        """The decision as in `run_escalation --format json` (DESIGN.md §9)."""
        return {
            "upn": self.upn,
            "track": self.track,
            "rule": f"{preset}/{self.rule_id}",
            "from_stage": self.from_stage,
            "to_stage": self.to_stage,
            "actions": self.actions,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Reset:
    """A track returned to none by the calendar, not by a rule: a new academic year, or
    the end of a penalty notice's payment period (RULES.md §0.4)."""

    pupil_id: int
    track: str
    from_stage: str
    reason: str


@dataclass
class Night:
    as_of: date
    decisions: list[Outcome]
    considered: list[Outcome]  # open cases' advance/improve rules that did not fire
    resets: list[Reset]
    rules: dict[str, dict]  # rule id -> {"considered": n, "fired": n}
    calendar_points: list[str]


def due_rules(rules: list[Rule], cal: SchoolCalendar, as_of: date) -> tuple[list[Rule], list[str]]:
    """The enabled rules whose calendar point is as-of, and the names of the points."""
    due, names = [], set()
    for rule in rules:
        if not rule.enabled:
            continue
        if points.is_point(cal, as_of, rule.when):
            due.append(rule)
            if rule.when.point != "nightly":
                names.add(rule.when.name)
    return due, sorted(names)


def _school_days_after(cal: SchoolCalendar, start: date, end: date) -> int:
    """School days after `start` up to and including `end`."""
    days = cal.days
    return max(0, bisect_right(days, end) - bisect_right(days, start))


def _due_date(cal: SchoolCalendar, as_of: date, school_days: int | None) -> date | None:
    if school_days is None:
        return None
    if school_days == 0:
        return as_of
    days = cal.days
    i = bisect_right(days, as_of) + school_days - 1
    return days[i] if i < len(days) else as_of + timedelta(days=school_days * 7 // 5)


class _Pupil:
    """One pupil's evaluation (keeps the arguments short)."""

    def __init__(self, night: Evaluation, facts: PupilFacts, state: PupilState):
        self.n = night
        self.facts = facts
        self.state = state

    def stage(self, track: str) -> str:
        return self.state.track(track).stage if track in STAGED_TRACKS else "none"

    @cached_property
    def of_compulsory_age(self) -> bool:
        return points.compulsory_school_age(self.facts.date_of_birth, self.n.as_of)

    def pupil_ok(self, rule: Rule) -> bool:
        c, f = rule.pupil, self.facts
        csa = None
        if c.compulsory_age is not None or rule.track == "legal":
            csa = self.of_compulsory_age
        # Legal steps only for pupils of compulsory school age (RULES.md §0.5), whatever
        # the rule says.
        if rule.track == "legal" and not csa:
            return False
        checks = (
            (c.compulsory_age, csa),
            (c.sen, f.sen),
            (c.looked_after, f.looked_after),
            (c.vulnerable, f.vulnerable),
        )
        if any(want is not None and want != have for want, have in checks):
            return False
        if c.open_track and self.stage(c.open_track) == "none":
            return False
        return all(self.stage(track) in stages for track, stages in c.track_stages)

    def stage_ok(self, rule: Rule) -> bool:
        if rule.track == "welfare":
            return True
        stage = self.stage(rule.track)
        if rule.from_stages and stage not in rule.from_stages:
            return False
        rank = stage_rank(rule.track, stage)
        match rule.type:
            case "open" | "jump":
                if rule.track == "legal" and self.state.notice_pending:
                    return False
                return rank < stage_rank(rule.track, rule.to_stage)
            case "advance" | "improve":
                if stage == "none":
                    return False
                since = self.state.track(rule.track).since
                return since is not None and (
                    _school_days_after(self.n.cal, since, self.n.as_of) >= rule.min_gap_school_days
                )
        return True

    def case_ok(self, rule: Rule) -> bool:
        track = self.state.track(rule.track) if rule.track in STAGED_TRACKS else None
        if rule.opened_by:
            start = points.period_start(
                self.n.cal, self.n.as_of, rule.opened_by, rule.when.weeks or 6
            )
            if track is None or track.opened_on is None or start is None:
                return False
            if track.opened_on > start:
                return False
        if rule.meeting_held is not None:
            since = track.since if track else None
            held = since is not None and any(day >= since for day in self.state.meetings)
            if held != rule.meeting_held:
                return False
        return True

    def once_ok(self, rule: Rule) -> bool:
        fired = self.state.fired.get(rule.id, [])
        as_of, cal = self.n.as_of, self.n.cal
        match rule.once:
            case "always":
                return True
            case "year":
                start = cal.year(as_of)[0]
                return not any(start <= day <= as_of for day in fired)
            case "term":
                start = points.period_start(cal, as_of, "term_start") or cal.year(as_of)[0]
                return not any(start <= day <= as_of for day in fired)
            case "episode":
                start = self.n.episode_start(rule, self.facts.pupil_id)
                return not any(day >= start for day in fired) if start else not fired
            case "open_task":
                return rule.id not in self.state.open_task_rules
        return True

    def figure(self, rule: Rule, test: Test):
        return self.n.column(rule, test).get(self.facts.pupil_id, (None, 0))

    def test_holds(self, rule: Rule, test: Test) -> bool:
        value, possible = self.figure(rule, test)
        if test.metric.is_percentage and possible < rule.possible_needed:
            return False
        return test.holds(value)

    def tests_hold(self, rule: Rule) -> bool:
        if not all(self.test_holds(rule, t) for t in rule.tests):
            return False
        return not rule.any_of or any(self.test_holds(rule, t) for t in rule.any_of)

    def evidence(self, rule: Rule) -> dict:
        out = {}
        for test in rule.all_tests():
            value, possible = self.figure(rule, test)
            key = metric_key(test.metric)
            if test.metric.window and test.metric.window.kind == "since_stage":
                name = test.metric.window.track or rule.track
                track = self.state.track(name)
                since = track.since.isoformat() if track.since else None
                out["stage_since" if name == rule.track else f"{name}_stage_since"] = since
            if test.metric.is_percentage:
                out[key] = {
                    "pct": exact_text(value),
                    "exact": None if value is None else str(value / 100),
                    "possible": possible,
                }
            else:
                out[key] = value
        return out


class Evaluation:
    def __init__(
        self,
        *,
        as_of: date,
        calendar: SchoolCalendar,
        figures: Figures,
        settings: Settings,
        episode_starts: dict[tuple[str, int], date] | None = None,
    ):
        self.as_of = as_of
        self.cal = calendar
        self.figures = figures
        self.settings = settings
        self.episode_starts = episode_starts or {}
        # Each test's column of figures, found once (not once per pupil).
        self._columns: dict[int, dict] = {}
        self._test_sets: dict[tuple, set[int]] = {}

    def column(self, rule: Rule, test: Test) -> dict[int, tuple]:
        found = self._columns.get(id(test))
        if found is None:
            found = self._columns[id(test)] = self.figures.column(test.metric, rule.track)
        return found

    def episode_start(self, rule: Rule, pupil_id: int) -> date | None:
        return self.episode_starts.get((rule.id, pupil_id))

    # ---- Resets ------------------------------------------------------------------

    def resets(self, pupil_id: int, state: PupilState) -> list[Reset]:
        """Tracks the calendar returns to none before the rules run (§0.4); applied to
        `state` at once so the rules see them."""
        out = []
        year_start = self.cal.year(self.as_of)[0]
        for track in STAGED_TRACKS:
            ts = state.tracks.get(track)
            if ts is None or ts.stage == "none" or ts.since is None:
                continue
            reason = ""
            if ts.since < year_start:
                reason = "A new academic year: every track starts at none."
            elif (
                track == "legal"
                and ts.stage == "penalty_notice"
                and not state.notice_pending
                # 28 days after issue (RULES.md §0.4), not after the proposal moved it.
                and max(ts.since, state.last_notice or ts.since)
                + timedelta(days=self.settings.payment_period_days)
                <= self.as_of
            ):
                reason = "The penalty notice's payment period has ended."
            if reason:
                out.append(Reset(pupil_id, track, ts.stage, reason))
                state.tracks[track] = type(ts)()
        return out

    # ---- Actions ------------------------------------------------------------------

    def actions(self, rule: Rule, pupil: _Pupil) -> tuple[list[dict], str | None]:
        """The rule's actions as output, and the legal stage when the law changes it
        (every parent refused a third notice: alternative action)."""
        out, legal_stage = [], None
        for action in rule.actions:
            if action.type == "letter":
                out.append(
                    {
                        "type": "letter",
                        "kind": action.kind,
                        "approval": rule.approval,
                        "approver": rule.approver or None,
                    }
                )
            elif action.type == "task":
                due = _due_date(self.cal, self.as_of, action.due_days)
                out.append(
                    {
                        "type": "task",
                        "kind": action.kind,
                        "role": action.role or None,
                        "to": action.to or None,
                        "note": action.note,
                        "due": due.isoformat() if due else None,
                    }
                )
            elif action.type == "report":
                out.append({"type": "report", "kind": action.kind, "to": "la"})
            elif action.kind == "penalty_notice":
                notices, legal_stage = self.penalty_notices(rule, pupil)
                out += notices
            else:
                item = {"type": "legal", "kind": action.kind, "approver": rule.approver or None}
                if action.kind == "notice_to_improve":
                    item["weeks"] = action.weeks or self.settings.nti_weeks
                out.append(item)
        return out, legal_stage

    def penalty_notices(self, rule: Rule, pupil: _Pupil) -> tuple[list[dict], str | None]:
        """One notice per parent with parental responsibility (§0.5): numbered by the
        notices issued to that parent for this pupil in the last 3 years; a third is
        refused and alternative action proposed instead."""
        parents = pupil.facts.parents
        if not parents:
            return [
                {
                    "type": "task",
                    "kind": "review",
                    "role": rule.approver or None,
                    "to": None,
                    "note": "Penalty notice threshold met, but no parent with parental "
                    "responsibility is on record",
                    "due": self.as_of.isoformat(),
                }
            ], "keep"
        out, any_notice = [], False
        for priority, _ in parents:
            earlier = notices_counting(pupil.state.notices.get(priority, []), self.as_of)
            if earlier >= 2:
                out.append(
                    {
                        "type": "legal",
                        "kind": "alternative_action",
                        "parent": priority,
                        "reason": "Two penalty notices in the last 3 years: no third may be "
                        "issued.",
                        "approver": rule.approver or None,
                    }
                )
                continue
            number = earlier + 1
            any_notice = True
            out.append(
                {
                    "type": "legal",
                    "kind": "penalty_notice",
                    "notice_number": number,
                    "amount_gbp": NOTICE_AMOUNTS[number],
                    "issuer": self.settings.issuer,
                    "parent": priority,
                    "approver": rule.approver or None,
                }
            )
        return out, (None if any_notice else "alternative_action")

    # ---- The night ----------------------------------------------------------------

    def run(
        self,
        *,
        rules: list[Rule],
        due: list[Rule],
        facts: dict[int, PupilFacts],
        state: State,
        skip: set[tuple[int, str]] = frozenset(),
        calendar_points: list[str] = (),
    ) -> Night:
        """Decisions for every pupil in `facts` (ordered by UPN, then track). `skip`:
        (pupil id, track) already decided today (a second run decides nothing new)."""
        night = Night(
            self.as_of,
            [],
            [],
            [],
            {r.id: {"held": 0, "fired": 0} for r in due},
            list(calendar_points),
        )
        order = {r.id: i for i, r in enumerate(rules)}
        # Rule-major first: the pupils each rule's figures hold for, from whole columns
        # (RULES.md tests are per pupil, but most pupils meet no rule on most nights).
        holding = {rule.id: self.holding(rule, facts) for rule in due}
        for rule in due:
            night.rules[rule.id]["held"] = len(holding[rule.id])
        # Logged when they do not fire for an open case: advance and improve rules at a
        # calendar point (a nightly one would log every open case every night).
        judged = {
            r.id
            for r in due
            if r.type in ("advance", "improve")
            and r.track in STAGED_TRACKS
            and r.when.point != "nightly"
        }
        candidates = set().union(*holding.values()) if holding else set()
        for pid, pstate in state.pupils.items():
            if pid not in facts:
                continue
            night.resets += self.resets(pid, pstate)
            if judged and any(
                ts.stage != "none" for t, ts in pstate.tracks.items() if t in STAGED_TRACKS
            ):
                candidates.add(pid)  # an open case: its advance/improve rules are logged
        for pid in sorted(candidates & set(facts), key=lambda p: facts[p].upn):
            pf = facts[pid]
            pstate = state.of(pid)
            pupil = _Pupil(self, pf, pstate)
            fired: dict[str, list[Rule]] = {}
            for rule in due:
                holds = pid in holding[rule.id]
                open_case = rule.id in judged and pupil.stage(rule.track) != "none"
                if not (holds or open_case) or (pid, rule.track) in skip:
                    continue
                if not (pupil.pupil_ok(rule) and pupil.stage_ok(rule) and pupil.case_ok(rule)):
                    continue
                if not pupil.once_ok(rule):
                    continue
                if holds:
                    fired.setdefault(rule.track, []).append(rule)
                else:
                    stage = pupil.stage(rule.track)
                    night.considered.append(
                        Outcome(
                            pid,
                            pf.upn,
                            rule.track,
                            rule.id,
                            rule,
                            stage,
                            stage,
                            evidence=pupil.evidence(rule),
                            fired=False,
                        )
                    )
            taken: set[tuple] = set()
            for track in TRACK_ORDER:
                for rule in self._winners(track, fired.get(track, []), order):
                    outcome = self._outcome(rule, pupil, taken)
                    if outcome is None:
                        continue
                    night.rules[rule.id]["fired"] += 1
                    night.decisions.append(outcome)
        return night

    def holding(self, rule: Rule, facts) -> set[int]:
        """The pupils (of `facts`) whose figures meet the rule's tests: all of `tests`
        and, if any, one of `any_of`."""
        sets = [self.test_set(rule, t) for t in rule.tests]
        found = set(facts).intersection(*sets) if sets else set(facts)
        if rule.any_of:
            found &= set().union(*(self.test_set(rule, t) for t in rule.any_of))
        return found

    def test_set(self, rule: Rule, test: Test) -> set[int]:
        """The pupils a test holds for: the figure compared exactly, a percentage only
        with `Rule.possible_needed` possible sessions in its window (§0.6)."""
        key = (id(test), rule.possible_needed)
        found = self._test_sets.get(key)
        if found is None:
            column = self.column(rule, test)
            need = rule.possible_needed if test.metric.is_percentage else 0
            holds = test.holds
            found = {
                pid
                for pid, (value, possible) in column.items()
                if value is not None and possible >= need and holds(value)
            }
            self._test_sets[key] = found
        return found

    def _winners(self, track: str, rules: list[Rule], order: dict[str, int]) -> list[Rule]:
        if not rules or track == "welfare":
            return rules
        improving = [r for r in rules if r.type == "improve"]
        if improving:
            return improving[:1]

        def height(rule: Rule) -> int:
            if rule.type == "event":
                return -1  # an event loses to any stage change of its track
            return stage_rank(track, rule.to_stage)

        best = max(rules, key=lambda r: (height(r), -order[r.id]))
        return [best]

    def _outcome(self, rule: Rule, pupil: _Pupil, taken: set[tuple]) -> Outcome | None:
        track = rule.track
        actions, legal_stage = self.actions(rule, pupil)
        if track == "welfare":
            # Identical actions the same day are merged (RULES.md §0.3).
            kept = []
            for action in actions:
                key = (action["type"], action["kind"], action.get("to"))
                if key not in taken:
                    taken.add(key)
                    kept.append(action)
            if not kept:
                return None
            return Outcome(
                pupil.facts.pupil_id,
                pupil.facts.upn,
                track,
                rule.id,
                rule,
                None,
                None,
                kept,
                pupil.evidence(rule),
            )
        stage = pupil.stage(track)
        if rule.type == "improve":
            to_stage = "none"
        elif rule.type == "event":
            to_stage = stage
        else:
            to_stage = rule.to_stage
        if legal_stage and legal_stage != "keep":
            to_stage = legal_stage
        if legal_stage == "keep":
            to_stage = stage
        if not actions and (rule.type == "event" or (to_stage == stage and rule.type != "set")):
            return None
        return Outcome(
            pupil.facts.pupil_id,
            pupil.facts.upn,
            track,
            rule.id,
            rule,
            stage,
            to_stage,
            actions,
            pupil.evidence(rule),
        )
