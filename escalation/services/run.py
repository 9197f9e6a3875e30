"""The nightly escalation run for one school and day (DESIGN.md §2, §7, §9).

    result = run_escalation(school=school, as_of=date(2025, 3, 3), dry_run=False)
    result.as_json()   # {"school", "policy", "as_of", "calendar_points", "decisions"}

Idempotent by construction, not by luck:
- the `Run` row is unique per (school, day); a second run reuses it;
- decisions already stored for the day are skipped before evaluating (`skip`), and the
  unique constraints on `Decision` (pupil, track, rule, day; one fired decision per
  staged track and day) refuse a duplicate from a concurrent worker;
- each pupil's decisions and everything they cause (stage moves, letters, tasks,
  proposals, notices) are stored in ONE transaction: a worker killed mid-run leaves
  every pupil either fully decided or untouched, and the next run decides the rest;
- a case moves only by a conditional UPDATE from the stage the night read.
Nothing here is scheduled as a Celery ETA: letters render and go out through the
letters app's outbox and approval (conditional state changes there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from letters import kinds as letter_kinds
from letters.services import letter_draft
from registers.metrics import SchoolCalendar
from registers.models import School

from .. import engine, events, ladder
from ..engine import state as engine_state
from ..engine.evaluate import Outcome, Reset
from ..models import (
    Case,
    Decision,
    EscalationPolicy,
    EscalationTask,
    NoticeStatus,
    NoticeToImprove,
    PenaltyNotice,
    Proposal,
    ProposalStatus,
    Run,
    RunStatus,
    StageEntry,
)

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
    stored = _store(
        school=school,
        run=run,
        night=night,
        policy=policy,
        state=state,
        calendar=calendar,
        stop_after=stop_after,
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


def _store(*, school, run, night, policy, state, calendar, stop_after) -> list[Outcome]:
    """Store the night pupil by pupil, each in one transaction."""
    by_pupil: dict[int, list[Outcome]] = {}
    for outcome in night.decisions:
        by_pupil.setdefault(outcome.pupil_id, []).append(outcome)
    resets: dict[int, list[Reset]] = {}
    for reset in night.resets:
        resets.setdefault(reset.pupil_id, []).append(reset)
    stored: list[Outcome] = []
    done = 0
    for pupil_id in sorted(set(by_pupil) | set(resets)):
        outcomes = by_pupil.get(pupil_id, [])
        try:
            with transaction.atomic():
                for reset in resets.get(pupil_id, []):
                    _apply_reset(school=school, reset=reset, as_of=night.as_of)
                rows = _apply_pupil(
                    school=school,
                    run=run,
                    outcomes=outcomes,
                    policy=policy,
                    state=state.of(pupil_id),
                    calendar=calendar,
                    as_of=night.as_of,
                )
        except (IntegrityError, _Moved) as exc:
            # Another worker decided this pupil first (or a person moved the case since
            # the night read it): what is stored stands; nothing is done twice.
            log.info("Escalation: pupil %s skipped on %s: %s", pupil_id, night.as_of, exc)
            continue
        stored += [o for o in outcomes if rows]
        done += 1
        if stop_after is not None and done >= stop_after:
            raise RuntimeError(f"stopped after {done} pupils (test)")
    # Rules considered for open cases that did not fire (the run log); a re-run adds none.
    Decision.objects.bulk_create(
        [
            Decision(
                school=school,
                run=run,
                pupil_id=o.pupil_id,
                on=night.as_of,
                track=o.track,
                rule=f"{policy.preset}/{o.rule_id}",
                from_stage=o.from_stage,
                to_stage=o.to_stage,
                fired=False,
                evidence=o.evidence,
            )
            for o in night.considered
        ],
        ignore_conflicts=True,
    )
    return stored


class _Moved(Exception):
    """A case is no longer at the stage the night read."""


def _apply_reset(*, school, reset: Reset, as_of: date) -> None:
    case = Case.objects.filter(
        school=school, pupil_id=reset.pupil_id, track=reset.track, closed_on__isnull=True
    ).first()
    if case is None:
        return
    moved = Case.objects.filter(pk=case.pk, stage=reset.from_stage, closed_on__isnull=True).update(
        stage="none", closed_on=as_of, close_reason=reset.reason[:200]
    )
    if not moved:
        raise _Moved(f"{reset.track} case no longer at {reset.from_stage}")
    StageEntry.objects.create(
        school=school,
        case=case,
        on=as_of,
        from_stage=reset.from_stage,
        to_stage="none",
        reason=reset.reason,
    )
    events.track_reset(
        school_id=school.pk,
        pupil_id=reset.pupil_id,
        track=reset.track,
        from_stage=reset.from_stage,
        reason=reset.reason,
        on=as_of,
        when=timezone.now(),
    )


def _apply_pupil(*, school, run, outcomes, policy, state, calendar, as_of) -> list[Decision]:
    """One pupil's decisions and their effects (inside the caller's transaction)."""
    if not outcomes:
        return []
    rows = [
        Decision(
            school=school,
            run=run,
            pupil_id=o.pupil_id,
            on=as_of,
            track=o.track,
            rule=f"{policy.preset}/{o.rule_id}",
            from_stage=o.from_stage,
            to_stage=o.to_stage,
            actions=o.actions,
            evidence=o.evidence,
        )
        for o in outcomes
    ]
    Decision.objects.bulk_create(rows)  # IntegrityError if decided already: all rolls back
    for outcome, row in zip(outcomes, rows, strict=True):
        case = _move_case(school=school, outcome=outcome, row=row, state=state, as_of=as_of)
        _actions(school=school, outcome=outcome, row=row, case=case, calendar=calendar, as_of=as_of)
    events.decisions_recorded(school_id=school.pk, decisions=rows, when=timezone.now())
    return rows


def _move_case(*, school, outcome: Outcome, row: Decision, state, as_of: date) -> Case | None:
    """The case of the decision's track, moved to its new stage by a conditional UPDATE."""
    if outcome.track == "welfare":
        return None
    case = Case.objects.filter(
        school=school, pupil_id=outcome.pupil_id, track=outcome.track, closed_on__isnull=True
    ).first()
    if outcome.to_stage == outcome.from_stage:
        return case
    if case is None and outcome.from_stage != "none":
        raise _Moved(f"no open {outcome.track} case")
    if case is not None:
        changes = {"stage": outcome.to_stage, "stage_since": as_of}
        if outcome.to_stage == "none":
            changes |= {"closed_on": as_of, "close_reason": f"Rule {row.rule}"[:200]}
        moved = Case.objects.filter(
            pk=case.pk, stage=outcome.from_stage, closed_on__isnull=True
        ).update(**changes)
        if not moved:
            raise _Moved(f"{outcome.track} case no longer at {outcome.from_stage}")
        for name, value in changes.items():
            setattr(case, name, value)
    else:
        case = Case(
            school=school,
            pupil_id=outcome.pupil_id,
            track=outcome.track,
            stage=outcome.to_stage,
            stage_since=as_of,
            opened_on=as_of,
        )
        case.full_clean(exclude=["school", "pupil"], validate_constraints=False)
        case.save()  # the one-open-case constraint refuses a second worker's case
    StageEntry.objects.create(
        school=school,
        case=case,
        on=as_of,
        from_stage=outcome.from_stage,
        to_stage=outcome.to_stage,
        rule=row.rule,
        decision=row,
        figures=outcome.evidence,
    )
    return case


# ---- Actions ------------------------------------------------------------------------

_TASK_TITLES = {
    "call": "Phone the family",
    "meeting": "Book a meeting with the family",
    "home_visit": "Home visit",
    "referral": "Referral",
    "review": "Review the case",
    "evidence_request": "Ask for evidence",
}
_TO_WORDS = {
    "la": "the local authority",
    "tas": "the Team Around the School",
    "school_nurse": "the school nursing team",
    "social_care": "children's social care",
    "early_help": "early help",
    "sick_children_service": "the education of sick children service",
}
# Letters whose required details (a meeting's date, time and place) only exist once the
# meeting is booked: the night asks for the meeting, and the letter is drafted then.
_AFTER_BOOKING = {"meeting_invitation", "lateness_2"}


def _task_title(action: dict) -> str:
    title = action.get("note") or _TASK_TITLES[action["kind"]]
    if action.get("to") and not action.get("note"):
        title += f" to {_TO_WORDS.get(action['to'], action['to'])}"
    return title


def _actions(*, school, outcome: Outcome, row: Decision, case, calendar, as_of: date) -> None:
    pupil_id = outcome.pupil_id
    tasks = []
    for action in outcome.actions:
        if action["type"] == "task":
            tasks.append(
                EscalationTask(
                    school=school,
                    pupil_id=pupil_id,
                    case=case,
                    decision=row,
                    kind=action["kind"],
                    to=action.get("to") or "",
                    role=action.get("role") or "",
                    title=_task_title(action)[:200],
                    created_on=as_of,
                    due_on=date.fromisoformat(action["due"]) if action.get("due") else None,
                )
            )
    for action in outcome.actions:
        if action["type"] != "letter" or action["kind"] not in _AFTER_BOOKING:
            continue
        meeting = next((t for t in tasks if t.kind == "meeting" and not t.letter_kind), None)
        if meeting is None:
            meeting = EscalationTask(
                school=school,
                pupil_id=pupil_id,
                case=case,
                decision=row,
                kind="meeting",
                title=_TASK_TITLES["meeting"],
                created_on=as_of,
                due_on=as_of,
            )
            tasks.append(meeting)
        meeting.letter_kind = action["kind"]
    EscalationTask.objects.bulk_create(tasks)
    for action in outcome.actions:
        if action["type"] == "letter" and action["kind"] not in _AFTER_BOOKING:
            _draft(
                school=school,
                outcome=outcome,
                row=row,
                case=case,
                kind=action["kind"],
                as_of=as_of,
            )
        elif action["type"] in ("legal", "report"):
            _propose(school=school, outcome=outcome, row=row, case=case, action=action, as_of=as_of)


def letter_cause(*, kind: str, outcome: Outcome, school) -> dict:
    """What the night knows of a letter's details (only fields the kind has)."""
    fields = {f.name for f in letter_kinds.spec(kind).cause}
    cause = {}
    if "window_weeks" in fields:
        weeks = next(
            (
                t.metric.window.n
                for t in outcome.rule.all_tests()
                if t.metric.window
                and t.metric.window.kind in ("block", "weeks")
                and t.metric.window.n
            ),
            6,
        )
        cause["window_weeks"] = weeks
    if "target_pct" in fields:
        cause["target_pct"] = school.attendance_target
    if "period" in fields:
        windows = {t.metric.window.kind for t in outcome.rule.all_tests() if t.metric.window}
        cause["period"] = (
            "last academic year"
            if "prev_year" in windows
            else "this half term"
            if "half_term" in windows
            else "this academic year"
        )
    return cause


def _draft(*, school, outcome: Outcome, row: Decision, case, kind: str, as_of: date) -> None:
    """A letter through the letters app, held for approval when the rule says so. A
    letter that cannot be drafted (no parent to write to) becomes a review task."""
    cause = letter_cause(kind=kind, outcome=outcome, school=school)
    if kind == "notice_to_improve":
        return  # drafted with the notice's dates when the notice is approved (legal)
    try:
        with transaction.atomic():
            letter_draft(
                school=school,
                pupil=_pupil(school, outcome.pupil_id),
                kind=kind,
                cause=cause,
                requires_approval=outcome.rule.approval,
                as_of=as_of,
            )
    except ValidationError as exc:
        EscalationTask.objects.create(
            school=school,
            pupil_id=outcome.pupil_id,
            case=case,
            decision=row,
            kind="review",
            to=f"letter:{kind}"[:30],
            title=f"The {kind.replace('_', ' ')} letter could not be drafted: "
            f"{'; '.join(exc.messages)}"[:200],
            created_on=as_of,
            due_on=as_of,
        )


def _pupil(school, pupil_id: int):
    from registers.models import Pupil

    return Pupil.objects.get(school=school, pk=pupil_id)


def _propose(*, school, outcome: Outcome, row: Decision, case, action: dict, as_of: date) -> None:
    """A legal step or report for the lead's queue (approved at once where the rule needs
    no approval), with its notice row."""
    from registers.models import Contact

    approved = not outcome.rule.approval
    contact = None
    if action.get("parent") is not None:
        contact = (
            Contact.objects.filter(
                school=school,
                pupil_id=outcome.pupil_id,
                priority=action["parent"],
                parental_responsibility=True,
            )
            .order_by("pk")
            .first()
        )
    kind = "report" if action["type"] == "report" else action["kind"]
    proposal = Proposal.objects.create(
        school=school,
        pupil_id=outcome.pupil_id,
        case=case,
        decision=row,
        kind=kind,
        report_kind=action["kind"] if kind == "report" else "",
        contact=contact,
        proposed_on=as_of,
        approver=outcome.rule.approver,
        status=ProposalStatus.APPROVED if approved else ProposalStatus.PROPOSED,
        decided_at=timezone.now() if approved else None,
        reason=action.get("reason", ""),
        evidence=outcome.evidence,
    )
    if kind == "penalty_notice":
        counted = next((v for k, v in outcome.evidence.items() if k.startswith("unauthorised[")), 0)
        PenaltyNotice.objects.create(
            school=school,
            pupil_id=outcome.pupil_id,
            contact=contact,
            parent_priority=action["parent"],
            case=case,
            proposal=proposal,
            notice_number=action["notice_number"],
            amount_gbp=action["amount_gbp"],
            issuer=action["issuer"],
            status=NoticeStatus.APPROVED if approved else NoticeStatus.PROPOSED,
            proposed_on=as_of,
            sessions_counted=counted if isinstance(counted, int) else 0,
        )
    elif kind == "notice_to_improve":
        NoticeToImprove.objects.create(
            school=school,
            pupil_id=outcome.pupil_id,
            case=case,
            proposal=proposal,
            weeks=action.get("weeks") or 4,
            proposed_on=as_of,
            target_pct=school.attendance_target,
        )
