"""Storing a night's decisions and everything they cause (DESIGN.md §2, §7).

Pupils are stored in chunks, each chunk in ONE transaction: its decisions (the unique
constraints refuse what another worker stored first), the cases' stage moves
(conditional UPDATEs from the stage the night read), stage entries, tasks, letters
(through `letters.services.letters_draft`, one call per kind and details, held for
approval when the rule says so), proposals with their notices, and the events. A
worker killed mid-run leaves each chunk either whole or untouched; the next run
decides the rest. When a chunk meets a conflict (a concurrent worker, a person moving a
case meanwhile) it is stored again pupil by pupil, so one pupil's conflict costs
nobody else their decision.
"""

from __future__ import annotations

import json
import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from letters import kinds as letter_kinds
from letters.services import letters_draft
from registers.models import Contact

from .. import events
from ..engine.evaluate import Night, Outcome, Reset
from ..models import (
    Case,
    Decision,
    EscalationTask,
    NoticeStatus,
    NoticeToImprove,
    PenaltyNotice,
    Proposal,
    ProposalStatus,
    StageEntry,
)

log = logging.getLogger(__name__)

CHUNK = 200

TASK_TITLES = {
    "call": "Phone the family",
    "meeting": "Book a meeting with the family",
    "home_visit": "Home visit",
    "referral": "Referral",
    "review": "Review the case",
    "evidence_request": "Ask for evidence",
}
TO_WORDS = {
    "la": "the local authority",
    "tas": "the Team Around the School",
    "school_nurse": "the school nursing team",
    "social_care": "children's social care",
    "early_help": "early help",
    "sick_children_service": "the education of sick children service",
}
# Letters whose required details (a meeting's date, time and place) exist only once the
# meeting is booked: the night asks for the meeting; the letter is drafted with it.
AFTER_BOOKING = {"meeting_invitation", "lateness_2"}
# Drafted when the notice to improve is issued, with its improvement period.
WITH_THE_NOTICE = {"notice_to_improve"}


class Moved(Exception):
    """A case is no longer at the stage the night read."""


def store_night(*, school, run, night: Night, preset: str, stop_after=None) -> list[Outcome]:
    """Store the night; returns the decisions stored by this call. `stop_after` (tests)
    raises RuntimeError after that many pupils, as a worker killed mid-run stops."""
    by_pupil: dict[int, list[Outcome]] = {}
    for outcome in night.decisions:
        by_pupil.setdefault(outcome.pupil_id, []).append(outcome)
    resets: dict[int, list[Reset]] = {}
    for reset in night.resets:
        resets.setdefault(reset.pupil_id, []).append(reset)
    pupils = sorted(set(by_pupil) | set(resets))
    chunk_size = CHUNK if stop_after is None else 1
    stored: list[Outcome] = []
    for start in range(0, len(pupils), chunk_size):
        chunk = pupils[start : start + chunk_size]
        outcomes = [o for pid in chunk for o in by_pupil.get(pid, [])]
        chunk_resets = [r for pid in chunk for r in resets.get(pid, [])]
        try:
            with transaction.atomic():
                _store(school, run, outcomes, chunk_resets, preset, night.as_of)
            stored += outcomes
        except (IntegrityError, Moved):
            for pid in chunk:
                try:
                    with transaction.atomic():
                        _store(
                            school,
                            run,
                            by_pupil.get(pid, []),
                            resets.get(pid, []),
                            preset,
                            night.as_of,
                        )
                    stored += by_pupil.get(pid, [])
                except (IntegrityError, Moved) as exc:
                    # Stored by another worker first, or moved by a person meanwhile:
                    # what is there stands and nothing is done twice.
                    log.info("Escalation: pupil %s skipped on %s: %s", pid, night.as_of, exc)
        if stop_after is not None and start + chunk_size >= stop_after:
            raise RuntimeError(f"stopped after {start + chunk_size} pupils (test)")
    # Rules considered for open cases that did not fire (the run log); a re-run adds none.
    Decision.objects.bulk_create(
        [_row(school, run, o, preset, night.as_of, fired=False) for o in night.considered],
        ignore_conflicts=True,
    )
    return stored


def _row(school, run, o: Outcome, preset: str, on: date, fired: bool = True) -> Decision:
    return Decision(
        school=school,
        run=run,
        pupil_id=o.pupil_id,
        on=on,
        track=o.track,
        rule=f"{preset}/{o.rule_id}",
        from_stage=o.from_stage,
        to_stage=o.to_stage,
        fired=fired,
        actions=o.actions if fired else [],
        evidence=o.evidence,
    )


def _store(school, run, outcomes, resets, preset, as_of) -> None:
    for reset in resets:
        _reset(school=school, reset=reset, as_of=as_of)
    if not outcomes:
        return
    rows = [_row(school, run, o, preset, as_of) for o in outcomes]
    Decision.objects.bulk_create(rows)  # IntegrityError if decided already: all rolls back
    cases = _move_cases(school=school, outcomes=outcomes, rows=rows, as_of=as_of)
    _tasks(school=school, outcomes=outcomes, rows=rows, cases=cases, as_of=as_of)
    _letters(school=school, outcomes=outcomes, rows=rows, cases=cases, as_of=as_of)
    _proposals(school=school, outcomes=outcomes, rows=rows, cases=cases, as_of=as_of)
    events.decisions_recorded(school_id=school.pk, decisions=rows, when=timezone.now())


def _reset(*, school, reset: Reset, as_of: date) -> None:
    case = Case.objects.filter(
        school=school, pupil_id=reset.pupil_id, track=reset.track, closed_on__isnull=True
    ).first()
    if case is None:
        return
    moved = Case.objects.filter(pk=case.pk, stage=reset.from_stage, closed_on__isnull=True).update(
        stage="none", closed_on=as_of, close_reason=reset.reason[:200]
    )
    if not moved:
        raise Moved(f"{reset.track} case no longer at {reset.from_stage}")
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


def _move_cases(*, school, outcomes, rows, as_of) -> list[Case | None]:
    """Each decision's case after its move (None on the welfare track): new cases in
    one insert, moves of open ones by conditional UPDATE (Moved if a case is no longer
    where the night read it)."""
    pupil_ids = {o.pupil_id for o in outcomes if o.track != "welfare"}
    open_cases = {
        (c.pupil_id, c.track): c
        for c in Case.objects.filter(school=school, pupil_id__in=pupil_ids, closed_on__isnull=True)
    }
    cases: list[Case | None] = []
    new, entries = [], []
    for o, row in zip(outcomes, rows, strict=True):
        if o.track == "welfare":
            cases.append(None)
            continue
        case = open_cases.get((o.pupil_id, o.track))
        if o.to_stage == o.from_stage:
            cases.append(case)
            continue
        if case is None:
            if o.from_stage != "none":
                raise Moved(f"no open {o.track} case")
            case = Case(
                school=school,
                pupil_id=o.pupil_id,
                track=o.track,
                stage=o.to_stage,
                stage_since=as_of,
                opened_on=as_of,
            )
            new.append(case)
        else:
            changes = {"stage": o.to_stage, "stage_since": as_of}
            if o.to_stage == "none":
                changes |= {"closed_on": as_of, "close_reason": f"Rule {row.rule}"[:200]}
            moved = Case.objects.filter(
                pk=case.pk, stage=o.from_stage, closed_on__isnull=True
            ).update(**changes)
            if not moved:
                raise Moved(f"{o.track} case no longer at {o.from_stage}")
            for name, value in changes.items():
                setattr(case, name, value)
        cases.append(case)
        entries.append(
            StageEntry(
                school=school,
                case=case,
                on=as_of,
                from_stage=o.from_stage,
                to_stage=o.to_stage,
                rule=row.rule,
                decision=row,
                figures=o.evidence,
            )
        )
    Case.objects.bulk_create(new)  # the one-open-case constraint refuses a second worker's
    for entry in entries:
        entry.case_id = entry.case.pk
    StageEntry.objects.bulk_create(entries)
    return cases


def _task(school, o: Outcome, row, case, as_of, **fields) -> EscalationTask:
    return EscalationTask(
        school=school, pupil_id=o.pupil_id, case=case, decision=row, created_on=as_of, **fields
    )


def _tasks(*, school, outcomes, rows, cases, as_of) -> None:
    made = []
    for o, row, case in zip(outcomes, rows, cases, strict=True):
        tasks = []
        for action in o.actions:
            if action["type"] != "task":
                continue
            title = action.get("note") or TASK_TITLES[action["kind"]]
            if action.get("to") and not action.get("note"):
                title += f" to {TO_WORDS.get(action['to'], action['to'])}"
            tasks.append(
                _task(
                    school,
                    o,
                    row,
                    case,
                    as_of,
                    kind=action["kind"],
                    to=action.get("to") or "",
                    role=action.get("role") or "",
                    title=title[:200],
                    due_on=date.fromisoformat(action["due"]) if action.get("due") else None,
                )
            )
        for action in o.actions:
            if action["type"] != "letter" or action["kind"] not in AFTER_BOOKING:
                continue
            meeting = next((t for t in tasks if t.kind == "meeting" and not t.letter_kind), None)
            if meeting is None:
                meeting = _task(
                    school,
                    o,
                    row,
                    case,
                    as_of,
                    kind="meeting",
                    title=TASK_TITLES["meeting"],
                    due_on=as_of,
                    role=o.rule.approver,
                )
                tasks.append(meeting)
            meeting.letter_kind = action["kind"]
        made += tasks
    EscalationTask.objects.bulk_create(made)


def letter_cause(*, kind: str, outcome: Outcome, school) -> dict:
    """What the night knows of a letter's details (only fields the kind has)."""
    fields = {f.name for f in letter_kinds.spec(kind).cause}
    tests = outcome.rule.all_tests()
    cause = {}
    if "window_weeks" in fields:
        cause["window_weeks"] = next(
            (
                t.metric.window.n
                for t in tests
                if t.metric.window and t.metric.window.kind in ("block", "weeks")
            ),
            6,
        )
    if "target_pct" in fields:
        cause["target_pct"] = str(school.attendance_target)
    if "period" in fields:
        windows = {t.metric.window.kind for t in tests if t.metric.window}
        cause["period"] = (
            "last academic year"
            if "prev_year" in windows
            else "this half term"
            if "half_term" in windows
            else "this academic year"
        )
    return cause


def _letters(*, school, outcomes, rows, cases, as_of) -> None:
    """The letters, one `letters_draft` per kind, details and approval for the whole
    chunk. A pupil with nobody to write to gets a review task instead."""
    wanted = []
    for o, row, case in zip(outcomes, rows, cases, strict=True):
        for action in o.actions:
            kind = action["kind"]
            if action["type"] == "letter" and kind not in AFTER_BOOKING | WITH_THE_NOTICE:
                wanted.append((o, row, case, kind))
    if not wanted:
        return
    writable = set(
        Contact.objects.filter(
            school=school,
            pupil_id__in={o.pupil_id for o, *_ in wanted},
            parental_responsibility=True,
        ).values_list("pupil_id", flat=True)
    )
    groups: dict[tuple, list[int]] = {}
    causes: dict[tuple, dict] = {}
    reviews = []
    for o, row, case, kind in wanted:
        if o.pupil_id not in writable:
            reviews.append(
                _task(
                    school,
                    o,
                    row,
                    case,
                    as_of,
                    kind="review",
                    to=f"letter:{kind}"[:30],
                    title=f"The {kind.replace('_', ' ')} letter could not be drafted: nobody "
                    "with parental responsibility is on record"[:200],
                    due_on=as_of,
                )
            )
            continue
        cause = letter_cause(kind=kind, outcome=o, school=school)
        key = (kind, o.rule.approval, json.dumps(cause, sort_keys=True))
        causes[key] = cause
        groups.setdefault(key, []).append(o.pupil_id)
    EscalationTask.objects.bulk_create(reviews)
    for (kind, approval, _), pupil_ids in groups.items():
        try:
            letters_draft(
                school=school,
                pupils=pupil_ids,
                kind=kind,
                cause=causes[(kind, approval, _)],
                requires_approval=approval,
                as_of=as_of,
            )
        except ValidationError as exc:
            # A wording or detail the letters app refuses: the night's decisions stand,
            # the letters wait for a person (one review task per pupil).
            log.warning("Escalation: %s letters not drafted: %s", kind, exc.messages)
            EscalationTask.objects.bulk_create(
                EscalationTask(
                    school=school,
                    pupil_id=pid,
                    kind="review",
                    to=f"letter:{kind}"[:30],
                    title=f"Draft the {kind.replace('_', ' ')} letter by hand: "
                    f"{'; '.join(exc.messages)}"[:200],
                    created_on=as_of,
                    due_on=as_of,
                )
                for pid in pupil_ids
            )


def _proposals(*, school, outcomes, rows, cases, as_of) -> None:
    """Legal steps and reports for the lead's queue (approved at once where the rule
    needs no approval), with their penalty notices and notices to improve."""
    items = [
        (o, row, case, action)
        for o, row, case in zip(outcomes, rows, cases, strict=True)
        for action in o.actions
        if action["type"] in ("legal", "report")
    ]
    if not items:
        return
    contacts = {
        (c.pupil_id, c.priority): c
        for c in Contact.objects.filter(
            school=school,
            pupil_id__in={o.pupil_id for o, *_ in items},
            parental_responsibility=True,
        ).order_by("-pk")
    }
    now = timezone.now()
    proposals = []
    for o, row, case, action in items:
        approved = not o.rule.approval
        kind = "report" if action["type"] == "report" else action["kind"]
        proposals.append(
            Proposal(
                school=school,
                pupil_id=o.pupil_id,
                case=case,
                decision=row,
                kind=kind,
                report_kind=action["kind"] if kind == "report" else "",
                contact=contacts.get((o.pupil_id, action.get("parent"))),
                proposed_on=as_of,
                approver=o.rule.approver,
                status=ProposalStatus.APPROVED if approved else ProposalStatus.PROPOSED,
                decided_at=now if approved else None,
                reason=action.get("reason", ""),
                evidence=o.evidence,
            )
        )
    Proposal.objects.bulk_create(proposals)
    notices, ntis = [], []
    for (o, _, case, action), proposal in zip(items, proposals, strict=True):
        if proposal.kind == "penalty_notice":
            counted = next((v for k, v in o.evidence.items() if k.startswith("unauthorised[")), 0)
            notices.append(
                PenaltyNotice(
                    school=school,
                    pupil_id=o.pupil_id,
                    contact=proposal.contact,
                    parent_priority=action["parent"],
                    case=case,
                    proposal=proposal,
                    notice_number=action["notice_number"],
                    amount_gbp=action["amount_gbp"],
                    issuer=action["issuer"],
                    status=NoticeStatus.APPROVED
                    if proposal.status == ProposalStatus.APPROVED
                    else NoticeStatus.PROPOSED,
                    proposed_on=as_of,
                    sessions_counted=counted if isinstance(counted, int) else 0,
                )
            )
        elif proposal.kind == "notice_to_improve":
            ntis.append(
                NoticeToImprove(
                    school=school,
                    pupil_id=o.pupil_id,
                    case=case,
                    proposal=proposal,
                    weeks=action.get("weeks") or 4,
                    proposed_on=as_of,
                    target_pct=school.attendance_target,
                )
            )
    PenaltyNotice.objects.bulk_create(notices)
    NoticeToImprove.objects.bulk_create(ntis)
