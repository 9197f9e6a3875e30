"""Reads for the case pages (DESIGN.md §7): the list by track and stage, and one case
with its history, tasks, letters, meetings, documents and legal steps.

Every list is a fixed number of queries whatever the number of cases or pupils (the
case page's count is pinned in tests/escalation/test_cases_pages.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from letters.models import IssuedLetter
from letters.selectors import Figures, figures_for
from registers.models import Pupil, School
from registers.selectors import name_or_upn_matches

from ..ladder import STAGES
from ..models import (
    Attachment,
    Case,
    EscalationTask,
    Meeting,
    NoticeToImprove,
    PenaltyNotice,
    Proposal,
    ProposalStatus,
    Stage,
    StageEntry,
    TaskStatus,
    Track,
)
from . import evidence

LIST_LIMIT = 300
STAGED_TRACKS = [Track.ATTENDANCE, Track.PUNCTUALITY, Track.LEGAL]


@dataclass
class CaseFilters:
    track: str = ""
    stage: str = ""
    state: str = "open"  # open | closed | all
    query: str = ""


def case_filters(params) -> CaseFilters:
    """The list's filters from the query string; unknown values are ignored (all)."""
    track = params.get("track", "")
    track = track if track in STAGED_TRACKS else ""
    stage = params.get("stage", "")
    stage = stage if stage in Stage.values and stage != Stage.NONE else ""
    state = params.get("state", "open")
    state = state if state in ("open", "closed", "all") else "open"
    return CaseFilters(track=track, stage=stage, state=state, query=params.get("q", "")[:100])


def cases(*, school: School, filters: CaseFilters) -> QuerySet[Case]:
    """Cases matching the filters, stage entered longest ago first (the ones waiting
    longest), each with its pupil, group and number of open tasks (one query)."""
    qs = Case.objects.filter(school=school)
    if filters.state == "open":
        qs = qs.filter(closed_on__isnull=True)
    elif filters.state == "closed":
        qs = qs.filter(closed_on__isnull=False)
    if filters.track:
        qs = qs.filter(track=filters.track)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.query.strip():
        pupils = Pupil.objects.filter(school=school).filter(name_or_upn_matches(filters.query))
        qs = qs.filter(pupil__in=pupils)
    return (
        qs.select_related("pupil", "pupil__registration_group")
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN)))
        .order_by("closed_on", "stage_since", "pk")
    )


def stage_counts(*, school: School) -> dict[str, list[tuple[str, str, int]]]:
    """Open cases by track and stage: {track: [(stage, label, n), ...]} in ladder order,
    every stage shown (0 too). One query."""
    counted = dict(
        ((track, stage), n)
        for track, stage, n in Case.objects.filter(school=school, closed_on__isnull=True)
        .order_by()
        .values_list("track", "stage")
        .annotate(n=Count("pk"))
    )
    return {
        track: [
            (stage, Stage(stage).label, counted.get((track, stage), 0))
            for stage in STAGES[track]
            if stage != Stage.NONE
        ]
        for track in STAGED_TRACKS
    }


@dataclass
class EntryRow:
    entry: StageEntry
    figures: list[evidence.Figure]

    @property
    def who(self) -> str:
        if self.entry.rule:
            return f"Rule {self.entry.rule}"
        if self.entry.by_id:
            by = self.entry.by
            return by.get_full_name() or by.get_username()
        return "Imported" if self.entry.imported else "The system"


@dataclass
class CasePage:
    case: Case
    pupil: Pupil
    entries: list[EntryRow]
    tasks: list[EscalationTask]
    letters: list[IssuedLetter]
    meetings: list[Meeting]
    attachments: list[Attachment]
    proposals: list[Proposal]
    penalty_notices: list[PenaltyNotice]
    notices_to_improve: list[NoticeToImprove]
    other_cases: list[Case]
    figures: Figures | None
    stages: list[tuple[str, str]] = field(default_factory=list)


def case_for(*, school: School, case_id: int) -> Case | None:
    return (
        Case.objects.filter(school=school, pk=case_id)
        .select_related("pupil", "pupil__registration_group")
        .first()
    )


def case_page(*, school: School, case: Case, today: dt.date) -> CasePage:
    """Everything the case page shows, in a fixed number of queries."""
    pupil = case.pupil
    entries = [
        EntryRow(entry=e, figures=evidence.figures(e.figures))
        for e in StageEntry.objects.filter(school=school, case=case).select_related("by")
    ]
    tasks = list(
        EscalationTask.objects.filter(school=school, case=case)
        .select_related("done_by")
        .order_by("status", "due_on", "pk")
    )
    # Letters are not tied to a case: the pupil's letters while it was open.
    letters_qs = IssuedLetter.objects.filter(
        school=school, pupil=pupil, letter_date__gte=case.opened_on
    )
    if case.closed_on:
        letters_qs = letters_qs.filter(letter_date__lte=case.closed_on)
    letters = list(letters_qs.defer("html").order_by("-created_at", "-pk"))
    meetings = list(Meeting.objects.filter(school=school, case=case).select_related("recorded_by"))
    attachments = list(
        Attachment.objects.filter(school=school, case=case).select_related("uploaded_by")
    )
    proposals = list(
        Proposal.objects.filter(school=school, case=case)
        .select_related("contact", "decided_by")
        .order_by("-proposed_on", "pk")
    )
    legal_q = Q(case=case) | Q(pupil=pupil) if case.track == Track.LEGAL else Q(case=case)
    notices = list(PenaltyNotice.objects.filter(legal_q, school=school).select_related("contact"))
    ntis = list(NoticeToImprove.objects.filter(legal_q, school=school))
    others = list(
        Case.objects.filter(school=school, pupil=pupil).exclude(pk=case.pk).order_by("-opened_on")
    )
    figures = figures_for(school=school, pupil_ids=[pupil.pk], as_of=today).get(pupil.pk)
    return CasePage(
        case=case,
        pupil=pupil,
        entries=entries,
        tasks=tasks,
        letters=letters,
        meetings=meetings,
        attachments=attachments,
        proposals=proposals,
        penalty_notices=notices,
        notices_to_improve=ntis,
        other_cases=others,
        figures=figures,
        stages=[(s, Stage(s).label) for s in STAGES[case.track] if s != case.stage],
    )


def pending_proposals(proposals: list[Proposal]) -> list[Proposal]:
    return [p for p in proposals if p.status == ProposalStatus.PROPOSED]
