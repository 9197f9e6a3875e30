"""What the engine knows about each pupil before a night: the stage of each track, the
legal history, which rules fired before, open tasks, meetings (RULES.md §0).

The nightly run loads it from the database (`load`, a constant number of queries);
the simulator keeps one in memory and moves it forward day by day (`State.apply`),
as if every proposal were approved, every notice issued and every meeting held on the
day it was made (DESIGN.md §9 `simulate_policy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Q

from registers.models import Contact, Pupil

from ..ladder import STAGES

STAGED_TRACKS = ("attendance", "punctuality", "legal")


@dataclass
class TrackState:
    stage: str = "none"
    since: date | None = None  # the day the stage was entered
    opened_on: date | None = None  # the day the case opened
    case_id: int | None = None


@dataclass
class PupilFacts:
    """The pupil as the rules see them on the day."""

    pupil_id: int
    upn: str
    date_of_birth: date
    sen: bool
    looked_after: bool
    vulnerable: bool
    # (priority, contact id) of each contact with parental responsibility, in order.
    parents: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class PupilState:
    tracks: dict[str, TrackState] = field(default_factory=dict)
    # Unauthorised sessions count again from the day after this (last warning/notice).
    rearm_after: date | None = None
    # The last penalty notice (for `since_notice`).
    last_notice: date | None = None
    # Issued penalty notices by parent priority: their dates (for numbering, §0.5).
    notices: dict[int, list[date]] = field(default_factory=dict)
    # A notice proposed or approved and not yet issued: the track waits for it.
    notice_pending: bool = False
    # Rule id -> the days it fired (this and last year: enough for `once`).
    fired: dict[str, list[date]] = field(default_factory=dict)
    # Rule ids with a task still open for the pupil.
    open_task_rules: set[str] = field(default_factory=set)
    meetings: list[date] = field(default_factory=list)

    def track(self, name: str) -> TrackState:
        return self.tracks.setdefault(name, TrackState())


class State:
    def __init__(self):
        self.pupils: dict[int, PupilState] = {}

    def of(self, pupil_id: int) -> PupilState:
        return self.pupils.setdefault(pupil_id, PupilState())

    # ---- The simulator's bookkeeping ---------------------------------------------

    def apply(self, outcome, *, on: date, due_on: date | None = None) -> None:
        """Move the state as if the outcome's proposals were approved, its notices
        issued and its meetings held on `on` (a task stays open until `due_on`)."""
        pupil = self.of(outcome.pupil_id)
        pupil.fired.setdefault(outcome.rule_id, []).append(on)
        if outcome.track in STAGED_TRACKS and outcome.to_stage != outcome.from_stage:
            track = pupil.track(outcome.track)
            if outcome.to_stage == "none":
                pupil.tracks[outcome.track] = TrackState()
            else:
                opened = track.opened_on if track.stage != "none" else on
                pupil.tracks[outcome.track] = TrackState(outcome.to_stage, on, opened)
        for action in outcome.actions:
            if action["type"] == "legal" and action["kind"] == "penalty_notice":
                pupil.notices.setdefault(action["parent"], []).append(on)
                pupil.last_notice = on
                pupil.rearm_after = on
            if action["type"] == "task" and action["kind"] == "meeting":
                pupil.meetings.append(on)
        if outcome.track == "legal" and outcome.to_stage in ("warning", "notice_to_improve"):
            pupil.rearm_after = on


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def notices_counting(dates: list[date], as_of: date) -> int:
    """Notices that count towards the limit on as-of: a notice dated D counts up to
    D + 3 years - 1 day (RULES.md §0.5)."""
    since = years_before(as_of, 3)
    return sum(1 for day in dates if since < day <= as_of)


def stage_rank(track: str, stage: str | None) -> int:
    stages = STAGES.get(track, ())
    return stages.index(stage) if stage in stages else 0


# ---- Loading from the database ---------------------------------------------------


def facts(*, school, pupil_ids: list[int]) -> dict[int, PupilFacts]:
    """The pupils' facts and parents: two queries for any number of pupils."""
    found = {}
    wanted = set(pupil_ids)
    # The whole school's pupils, kept to those asked for here: a list of a thousand ids
    # in the query costs more than the few former pupils read with them.
    rows = Pupil.objects.filter(school=school).only(
        "pk",
        "upn",
        "date_of_birth",
        "sen",
        "looked_after",
        "child_in_need",
        "young_carer",
        "flagged_vulnerable",
    )
    for p in rows:
        if p.pk not in wanted:
            continue
        found[p.pk] = PupilFacts(
            pupil_id=p.pk,
            upn=p.upn,
            date_of_birth=p.date_of_birth,
            sen=p.sen != Pupil.SEN.NONE,
            looked_after=p.looked_after,
            vulnerable=p.is_vulnerable,
        )
    parents = (
        Contact.objects.filter(school=school, parental_responsibility=True)
        .order_by("pupil_id", "priority", "pk")
        .values_list("pupil_id", "priority", "pk")
    )
    for pupil_id, priority, pk in parents:
        if pupil_id in found:
            found[pupil_id].parents.append((priority, pk))
    return found


def load(*, school, as_of: date, preset: str, year_start: date) -> State:
    """The state before as-of's run, from the database. A constant number of queries:
    open cases, legal history, earlier decisions (latest per rule), open tasks,
    meetings. Decisions of as-of itself are left out (the run skips what they decided);
    notices, warnings and notices to improve dated on as-of itself count: a notice
    issued in the morning re-arms that night's count and numbers the next one (RULES.md
    §0.4-§0.5)."""
    from ..models import (
        ISSUED_STATUSES,
        Case,
        Decision,
        EscalationTask,
        Meeting,
        NoticeStatus,
        NoticeToImprove,
        PenaltyNotice,
        StageEntry,
        TaskStatus,
    )

    state = State()
    for case in Case.objects.filter(school=school, closed_on__isnull=True):
        state.of(case.pupil_id).tracks[case.track] = TrackState(
            case.stage, case.stage_since, case.opened_on, case.pk
        )
    notices = (
        PenaltyNotice.objects.filter(school=school)
        .exclude(status=NoticeStatus.WITHDRAWN)
        .values_list("pupil_id", "parent_priority", "status", "issued_on", "proposed_on")
    )
    for pupil_id, priority, status, issued_on, proposed_on in notices:
        pupil = state.of(pupil_id)
        day = issued_on or proposed_on
        if day > as_of:  # a later notice: a run for an earlier day does not see it
            continue
        pupil.last_notice = max(filter(None, (pupil.last_notice, day)))
        pupil.rearm_after = max(filter(None, (pupil.rearm_after, day)))
        if status in ISSUED_STATUSES and issued_on:
            pupil.notices.setdefault(priority, []).append(issued_on)
        elif status in (NoticeStatus.PROPOSED, NoticeStatus.APPROVED):
            pupil.notice_pending = True
    warnings = (
        StageEntry.objects.filter(
            school=school,
            case__track="legal",
            to_stage__in=["warning", "notice_to_improve"],
            on__lte=as_of,
        )
        .values_list("case__pupil_id")
        .annotate(last=Max("on"))
    )
    for pupil_id, last in warnings:
        pupil = state.of(pupil_id)
        pupil.rearm_after = max(filter(None, (pupil.rearm_after, last)))
    ntis = NoticeToImprove.objects.filter(school=school, issued_on__lte=as_of).values_list(
        "pupil_id", "issued_on"
    )
    for pupil_id, issued_on in ntis:
        pupil = state.of(pupil_id)
        pupil.rearm_after = max(filter(None, (pupil.rearm_after, issued_on)))
    # Earlier firings of this preset's rules: the latest per rule, and every one of
    # this academic year (for `once`: year, term, episode).
    since = min(year_start, as_of) - timedelta(days=366)
    fired = Decision.objects.filter(
        school=school, fired=True, on__gte=since, on__lt=as_of, rule__startswith=f"{preset}/"
    ).values_list("pupil_id", "rule", "on")
    for pupil_id, rule, on in fired:
        state.of(pupil_id).fired.setdefault(rule.split("/", 1)[1], []).append(on)
    open_tasks = EscalationTask.objects.filter(
        school=school, status=TaskStatus.OPEN, decision__isnull=False
    ).values_list("pupil_id", "decision__rule")
    for pupil_id, rule in open_tasks:
        state.of(pupil_id).open_task_rules.add(rule.split("/", 1)[-1])
    meetings = (
        Meeting.objects.filter(school=school, held_on__lte=as_of)
        .filter(Q(held_on__gte=year_start))
        .values_list("pupil_id", "held_on")
    )
    for pupil_id, held_on in meetings:
        state.of(pupil_id).meetings.append(held_on)
    return state
