"""The nightly escalation run for one school and day (DESIGN.md §2, §7, §9).

    result = run_escalation(school=school, as_of=date(2025, 3, 3), dry_run=False)
    result.as_json()   # {"school", "policy", "as_of", "calendar_points", "decisions"}

Idempotent by construction, not by luck:
- the `Run` row is unique per (school, day); a second run reuses it;
- decisions already stored for the day are skipped before evaluating (`skip`), and the
  unique constraints on `Decision` (pupil, track, rule, day; one fired decision per
  staged track and day) refuse a duplicate from a concurrent worker;
- decisions and everything they cause (stage moves, letters, tasks, proposals,
  notices) are stored a chunk of pupils per transaction (`escalation.services.store`):
  a worker killed mid-run leaves each pupil either fully decided or untouched, and the
  next run decides the rest;
- a case moves only by a conditional UPDATE from the stage the night read.
Nothing here is scheduled as a Celery ETA: letters render and go out through the
letters app's outbox and approval (conditional state changes there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from registers.metrics import SchoolCalendar
from registers.models import School

from .. import engine, events, ladder
from ..engine import state as engine_state
from ..engine.evaluate import Outcome, Reset
from ..models import (
    Decision,
    EscalationPolicy,
    Run,
    RunStatus,
)
from .store import store_night

log = logging.getLogger(__name__)

TRACK_ORDER = {t: i for i, t in enumerate(ladder.TRACKS)}


# ---- The school's policy ----------------------------------------------------------


def policy_for(*, school: School) -> EscalationPolicy:
    """The school's policy, created from `school.policy_preset` the first time it is read
    (`escalation.presets`). A school with no preset gets an empty ladder (nothing fires)
    until one is chosen."""
    policy = EscalationPolicy.objects.filter(school=school).first()
    if policy is not None:
        return policy
    preset = school.policy_preset or ""
    rules, settings = [], {}
    if preset:
        from .. import presets  # the presets package is data; imported when first needed

        rules, settings = presets.data(preset), presets.settings(preset)
    policy = EscalationPolicy(school=school, preset=preset or "none", rules=rules)
    for name in ("issuer", "nti_weeks", "payment_period_days"):
        if name in settings:
            setattr(policy, name, settings[name])
    policy.full_clean(exclude=["school"])
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:  # created a moment ago by another worker or request
        return EscalationPolicy.objects.get(school=school)
    return policy


def engine_settings(policy: EscalationPolicy, preset: str | None = None) -> engine.Settings:
    return engine.Settings(
        preset=preset or policy.preset,
        issuer=policy.issuer,
        nti_weeks=policy.nti_weeks,
        payment_period_days=policy.payment_period_days,
    )


# ---- The result ---------------------------------------------------------------------


@dataclass
class RunResult:
    school: str
    policy: str
    as_of: date
    calendar_points: list[str]
    decisions: list[Outcome] = field(default_factory=list)
    considered: int = 0
    resets: list[Reset] = field(default_factory=list)

    def decision_dicts(self) -> list[dict]:
        ordered = sorted(self.decisions, key=lambda d: (d.upn, TRACK_ORDER[d.track], d.rule_id))
        return [d.as_json(self.policy) for d in ordered]

    def as_json(self) -> dict:
        """The object of `run_escalation --format json` (DESIGN.md §9)."""
        return {
            "school": self.school,
            "policy": self.policy,
            "as_of": self.as_of.isoformat(),
            "calendar_points": self.calendar_points,
            "decisions": self.decision_dicts(),
        }


# ---- The run ------------------------------------------------------------------------


def run_escalation(
    *, school: School, as_of: date, dry_run: bool = False, stop_after: int | None = None
) -> RunResult:
    """Decide one school's day and (unless `dry_run`) store it. Returns the decisions this
    run made: a second run of the same day returns none.

    `stop_after` (tests only) raises RuntimeError after that many pupils were stored,
    as a worker killed mid-run would stop.
    Raises `ladder.LadderError` if the stored policy does not validate.
    """
    policy = policy_for(school=school)
    rules = policy.ladder()
    settings = engine_settings(policy)
    calendar = SchoolCalendar(school)
    year_start = calendar.year(as_of)[0]
    state = engine_state.load(
        school=school, as_of=as_of, preset=policy.preset, year_start=year_start
    )
    decided = set(
        Decision.objects.filter(school=school, on=as_of, fired=True)
        .exclude(track="welfare")
        .values_list("pupil_id", "track")
    )
    welfare_done = set(
        Decision.objects.filter(school=school, on=as_of, track="welfare").values_list(
            "pupil_id", "rule"
        )
    )
    night = engine.decide(
        school=school,
        as_of=as_of,
        rules=rules,
        settings=settings,
        state=state,
        calendar=calendar,
        skip=decided,
    )
    # Welfare decisions already stored today (all fire, so skip them by rule).
    night.decisions = [
        d
        for d in night.decisions
        if not (
            d.track == "welfare" and (d.pupil_id, f"{policy.preset}/{d.rule_id}") in welfare_done
        )
    ]
    result = RunResult(
        school=school.slug,
        policy=policy.preset,
        as_of=as_of,
        calendar_points=night.calendar_points,
        considered=len(night.considered),
        resets=night.resets,
    )
    if dry_run:
        result.decisions = night.decisions
        return result
    run = _run_row(school=school, as_of=as_of, policy=policy, points=night.calendar_points)
    stored = store_night(
        school=school, run=run, night=night, preset=policy.preset, stop_after=stop_after
    )
    result.decisions = stored
    from .legal import notices_to_improve_due

    notices_to_improve_due(school=school, as_of=as_of)
    now = timezone.now()
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=now, rules=night.rules, pupils=len(stored)
        )
        events.run_finished(
            school_id=school.pk, as_of=as_of, decided=len(stored), rules=night.rules, when=now
        )
    return result


def _run_row(*, school, as_of, policy, points) -> Run:
    now = timezone.now()
    run, created = Run.objects.get_or_create(
        school=school,
        as_of=as_of,
        defaults={
            "preset": policy.preset,
            "policy_version": policy.version,
            "calendar_points": points,
            "started_at": now,
        },
    )
    if not created:
        Run.objects.filter(pk=run.pk).update(
            attempts=F("attempts") + 1, status=RunStatus.RUNNING, started_at=now
        )
    return run
