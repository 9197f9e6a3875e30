"""Data for the casework pages' tests (queue, cases, legal steps, policy, simulator):
a school on the example calendar with the engine tests' ladder, and a night that really
ran (`escalation.services.run`), so the pages show what the night makes.

`night_school()` gives a school whose night of Mon 16 Sep 2024 (20 possible sessions)
put Alex (40% attendance, 12 unauthorised sessions) on attendance stage 1 with a stage 1
letter drafted, proposed a penalty notice to each of Alex's two parents (legal track),
and Sam (present throughout) nowhere.
"""

from __future__ import annotations

import datetime as dt

from django_scopes import scopes_disabled

from escalation.models import Case, EscalationTask, Proposal, TaskKind
from registers.models import Role
from tests.escalation.factories import (
    OPEN_STAGE_1,
    PENALTY,
    child,
    ladder_school,
    marks,
    run,
)
from tests.factories import staff

D = dt.date
NIGHT = D(2024, 9, 16)
# 6 days (12 sessions) unauthorised of the first 10 school days: 40% attendance.
ABSENT_DAYS = [D(2024, 9, d) for d in (3, 4, 5, 9, 10, 11)]
MEETING_TASK = {
    "id": "TL-30",
    "track": "welfare",
    "type": "event",
    "when": {"point": "nightly"},
    "once": "year",
    "tests": [
        {
            "metric": {"kind": "attendance_pct", "window": {"kind": "ytd"}},
            "op": "<=",
            "value": "90",
        }
    ],
    "actions": [{"type": "task", "kind": "meeting", "role": "attendance_lead", "due_days": 5}],
}
LADDER = [OPEN_STAGE_1, PENALTY, MEETING_TASK]

CASEWORK_ROLES = [Role.ATTENDANCE_OFFICER, Role.ATTENDANCE_LEAD, Role.HEADTEACHER]
NOT_CASEWORK = [Role.TEACHER, Role.OFFICE, Role.SCHOOL_ADMIN, Role.TRUST_LEAD]


@scopes_disabled()
def night_school(**kwargs):
    """(school, alex, sam) after the night of 16 Sep 2024 (see the module's docstring)."""
    school = ladder_school(LADDER, **kwargs)
    alex = child(school, name="Alex", parents=2)
    sam = child(school, name="Sam")
    marks(alex, NIGHT, {day: "O" for day in ABSENT_DAYS})
    marks(sam, NIGHT)
    run(school, NIGHT)
    return school, alex, sam


@scopes_disabled()
def case_of(pupil, track="attendance") -> Case:
    return Case.objects.get(pupil=pupil, track=track, closed_on__isnull=True)


@scopes_disabled()
def proposals_of(pupil, kind="penalty_notice") -> list[Proposal]:
    return list(Proposal.objects.filter(pupil=pupil, kind=kind).order_by("pk"))


@scopes_disabled()
def meeting_task(pupil) -> EscalationTask:
    return EscalationTask.objects.get(pupil=pupil, kind=TaskKind.MEETING)


def person(school, role):
    return staff(school, role)


@scopes_disabled()
def sweep_objects(school, pupil, head) -> dict:
    """One of each escalation object of a school, for the tenancy sweep
    (tests/test_tenancy_sweep.py): an open case with a stage entry, a task, a proposed
    penalty notice with its proposal, a proposed notice to improve, a document."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from escalation.models import (
        Attachment,
        NoticeToImprove,
        PenaltyNotice,
        SimulationRun,
        StageEntry,
    )

    case = Case.objects.create(
        school=school,
        pupil=pupil,
        track="legal",
        stage="penalty_notice",
        stage_since=NIGHT,
        opened_on=NIGHT,
    )
    StageEntry.objects.create(
        school=school, case=case, on=NIGHT, from_stage="none", to_stage="penalty_notice"
    )
    task = EscalationTask.objects.create(
        school=school,
        pupil=pupil,
        case=case,
        kind=TaskKind.MEETING,
        title="Book a meeting",
        created_on=NIGHT,
        letter_kind="meeting_invitation",
    )
    proposal = Proposal.objects.create(
        school=school, pupil=pupil, case=case, kind="penalty_notice", proposed_on=NIGHT
    )
    notice = PenaltyNotice.objects.create(
        school=school,
        pupil=pupil,
        parent_priority=1,
        case=case,
        proposal=proposal,
        notice_number=1,
        amount_gbp=80,
        issuer="school",
        proposed_on=NIGHT,
    )
    nti = NoticeToImprove.objects.create(school=school, pupil=pupil, case=case, proposed_on=NIGHT)
    attachment = Attachment(
        school=school, pupil=pupil, case=case, title="GP letter", uploaded_by=head
    )
    attachment.file.save("gp.pdf", ContentFile(b"%PDF-1.4 sweep"), save=False)
    attachment.save()
    simulation = SimulationRun.objects.create(
        school=school, start=NIGHT, end=NIGHT, created_at=timezone.now()
    )
    return {
        "simulation": simulation,
        "case": case,
        "esc_task": task,
        "proposal": proposal,
        "notice": notice,
        "nti": nti,
        "attachment": attachment,
    }
