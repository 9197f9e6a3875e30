"""The attendance lead's morning queue (DESIGN.md §1, §7): what the night proposed.

- letters to approve: the letters app's drafts, each with the pupil's figures as the
  letter states them (`letters.selectors.drafts_with_figures`) and the evidence of the
  night's decision that drafted it (matched by pupil, day and kind of letter);
- meetings to book and other open tasks (calls, home visits, referrals, reviews,
  evidence requests), due soonest first, with their decision's evidence;
- legal steps to consider and reports to the local authority (proposals), with theirs.

A fixed number of queries whatever the number of items: the drafts, their figures once
per distinct letter date, the decisions behind them, the tasks, the proposals
(pinned in tests/escalation/test_queue_page.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import F

from letters.models import IssuedLetter
from letters.selectors import Figures, drafts_with_figures

from ..models import Decision, EscalationTask, Proposal, ProposalStatus, TaskKind, TaskStatus
from . import evidence


@dataclass
class QueueLetter:
    letter: IssuedLetter
    figures: Figures
    # The night's decision that drafted it, or None (drafted by hand).
    decision: Decision | None
    evidence: list[evidence.Figure]


@dataclass
class QueueTask:
    task: EscalationTask
    evidence: list[evidence.Figure]
    overdue: bool


@dataclass
class QueueProposal:
    proposal: Proposal
    evidence: list[evidence.Figure]


@dataclass
class Queue:
    letters: list[QueueLetter]
    meetings: list[QueueTask]
    tasks: list[QueueTask]
    proposals: list[QueueProposal]

    @property
    def total(self) -> int:
        return len(self.letters) + len(self.meetings) + len(self.tasks) + len(self.proposals)


def _decisions_for_letters(*, school, letters: list[IssuedLetter]) -> dict[int, Decision]:
    """letter id -> the fired decision of that pupil and day whose actions drafted a
    letter of its kind (one query)."""
    if not letters:
        return {}
    rows = Decision.objects.filter(
        school=school,
        fired=True,
        pupil_id__in={x.pupil_id for x in letters},
        on__in={x.as_of for x in letters},
    ).order_by("pk")
    by_key: dict[tuple, Decision] = {}
    for row in rows:
        for action in row.actions or []:
            if isinstance(action, dict) and action.get("type") == "letter":
                by_key.setdefault((row.pupil_id, row.on, action.get("kind")), row)
    found = {}
    for letter in letters:
        decision = by_key.get((letter.pupil_id, letter.as_of, letter.kind))
        if decision is not None:
            found[letter.pk] = decision
    return found


def open_tasks(*, school):
    return (
        EscalationTask.objects.filter(school=school, status=TaskStatus.OPEN)
        .select_related("pupil", "pupil__registration_group", "decision", "case")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


def waiting_proposals(*, school):
    return (
        Proposal.objects.filter(school=school, status=ProposalStatus.PROPOSED)
        # A notice withdrawn before its proposal was settled with it: nothing to decide.
        .exclude(penalty_notice__status="withdrawn")
        .select_related(
            "pupil",
            "pupil__registration_group",
            "contact",
            "case",
            "penalty_notice",
            "notice_to_improve",
        )
        .order_by("proposed_on", "pupil_id", "pk")
    )


def queue(*, school, today: dt.date) -> Queue:
    drafts = drafts_with_figures(school=school)
    decisions = _decisions_for_letters(school=school, letters=[x for x, _ in drafts])
    letters = [
        QueueLetter(
            letter=letter,
            # A letter a rule drafted was judged on the rule's own window (its evidence,
            # shown beside it: last year for a persistent-absence letter); the year-to-date
            # fit check is for letters drafted by hand.
            figures=replace(figures, warning="") if letter.pk in decisions else figures,
            decision=decisions.get(letter.pk),
            evidence=evidence.figures(decisions[letter.pk].evidence)
            if letter.pk in decisions
            else [],
        )
        for letter, figures in drafts
    ]
    meetings, tasks = [], []
    for task in open_tasks(school=school):
        row = QueueTask(
            task=task,
            evidence=evidence.figures(task.decision.evidence) if task.decision_id else [],
            overdue=bool(task.due_on and task.due_on < today),
        )
        (meetings if task.kind == TaskKind.MEETING else tasks).append(row)
    proposals = [
        QueueProposal(proposal=p, evidence=evidence.figures(p.evidence))
        for p in waiting_proposals(school=school)
    ]
    return Queue(letters=letters, meetings=meetings, tasks=tasks, proposals=proposals)
