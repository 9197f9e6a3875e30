"""The evidence pack for the local authority: ONE PDF about one pupil over a period
(DESIGN.md §7: "attendance certificate with per-session marks for the period, letters
sent, meetings held, support offered, calls made"), printed by the letters renderer
(WeasyPrint through `letters.rendering.html_to_pdf`, which fetches nothing but the
school's logo).

    pack = evidence_pack_data(school=, pupil=, start=, end=)   # what it says (a dict)
    pdf, pages = evidence_pack_pdf(school=, pupil=, start=, end=, user=)

Figures come from `registers.stats.summarise` (one definition of attendance, DESIGN §6);
the certificate lists every school day of the period with its AM and PM codes as the
register holds them (amended marks show their current code; a session with no mark says
so). A fixed number of queries, whatever the length of the period.

Raises `letters.printable.PrintingUnavailable` on a server without WeasyPrint and
`letters.printable.Unprintable` when no font can print a character of a name.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from absences.models import CallAttempt
from letters import printable, rendering
from letters.models import IssuedLetter
from letters.selectors import letterhead_for, logo_bytes, parent_contacts
from registers import stats
from registers.models import AttendanceCode, Mark, Pupil, School
from registers.schooldays import school_days

from .models import (
    Case,
    EscalationTask,
    Meeting,
    NoticeToImprove,
    PenaltyNotice,
    StageEntry,
    TaskKind,
    TaskStatus,
)

# Letters that went out (or were approved to go): drafts and cancelled ones were not sent.
SENT = (IssuedLetter.Status.APPROVED, IssuedLetter.Status.EMAILED, IssuedLetter.Status.PRINTED)
# Tasks that are support offered to the family when done.
SUPPORT_TASKS = (TaskKind.HOME_VISIT, TaskKind.REFERRAL, TaskKind.EVIDENCE_REQUEST)


def _certificate(*, school: School, pupil: Pupil, start: dt.date, end: dt.date) -> list[dict]:
    """One row per school day: {"date", "am", "pm"} (a code, or "" with no mark)."""
    days = school_days(school=school, start=start, end=end)
    marks: dict[tuple[dt.date, str], str] = {}
    for day, period, code in Mark.objects.filter(
        school=school, pupil=pupil, date__range=(start, end)
    ).values_list("date", "session__period", "code_id"):
        marks[(day, period)] = code
    first = pupil.on_roll_from
    last = pupil.on_roll_to or end
    return [
        {
            "date": day,
            "am": marks.get((day, "AM"), ""),
            "pm": marks.get((day, "PM"), ""),
            "on_roll": first <= day <= last,
        }
        for day in days
    ]


def evidence_pack_data(*, school: School, pupil: Pupil, start: dt.date, end: dt.date) -> dict:
    """Everything the pack says, as template context."""
    rows = _certificate(school=school, pupil=pupil, start=start, end=end)
    used = {r["am"] for r in rows} | {r["pm"] for r in rows}
    summary = stats.summarise(school=school, start=start, end=end, pupils=[pupil.pk])[pupil.pk]
    letters = list(
        IssuedLetter.objects.filter(
            school=school, pupil=pupil, status__in=SENT, letter_date__range=(start, end)
        )
        .defer("html")
        .order_by("letter_date", "pk")
    )
    meetings = list(
        Meeting.objects.filter(school=school, pupil=pupil, held_on__range=(start, end))
        .select_related("recorded_by")
        .order_by("held_on", "pk")
    )
    support_tasks = list(
        EscalationTask.objects.filter(
            school=school,
            pupil=pupil,
            kind__in=SUPPORT_TASKS,
            status=TaskStatus.DONE,
            done_at__date__range=(start, end),
        ).order_by("done_at", "pk")
    )
    calls = list(
        CallAttempt.objects.filter(school=school, pupil=pupil, date__range=(start, end))
        .select_related("contact")
        .order_by("at", "pk")
    )
    stages = list(
        StageEntry.objects.filter(school=school, case__pupil=pupil, on__range=(start, end))
        .select_related("case", "by")
        .order_by("on", "pk")
    )
    notices = list(
        PenaltyNotice.objects.filter(school=school, pupil=pupil).order_by("proposed_on", "pk")
    )
    ntis = list(
        NoticeToImprove.objects.filter(school=school, pupil=pupil).order_by("proposed_on", "pk")
    )
    letterhead = letterhead_for(school=school)
    return {
        "school": school,
        "letterhead": letterhead,
        "school_name": letterhead.name or school.name,
        "pupil": pupil,
        "contacts": parent_contacts(school=school, pupil_ids=[pupil.pk])[pupil.pk],
        "start": start,
        "end": end,
        "summary": summary,
        "attendance_pct": stats.percent(summary.attendance) if summary.possible else None,
        "rows": rows,
        "codes": list(
            AttendanceCode.objects.filter(code__in=used - {""}).order_by("sort_order", "code")
        ),
        "letters": letters,
        "meetings": meetings,
        "support": [m for m in meetings if m.support],
        "support_tasks": support_tasks,
        "calls": calls,
        "stages": stages,
        "open_cases": list(Case.objects.filter(school=school, pupil=pupil, closed_on__isnull=True)),
        "penalty_notices": notices,
        "notices_to_improve": ntis,
        "made_at": timezone.localtime(),
    }


def evidence_pack_html(*, context: dict, user) -> str:
    made_by = (user.get_full_name() or user.get_username()) if user else "the school"
    return render_to_string(
        "escalation/pdf/evidence_pack.html",
        {**context, "made_by": made_by, "has_logo": bool(context["letterhead"].logo)},
    )


def evidence_pack_pdf(
    *, school: School, pupil: Pupil, start: dt.date, end: dt.date, user=None
) -> tuple[bytes, int]:
    """(PDF bytes, pages) of the pack."""
    context = evidence_pack_data(school=school, pupil=pupil, start=start, end=end)
    html = evidence_pack_html(context=context, user=user)
    pdf, pages, missing = rendering.html_to_pdf(html, logo=logo_bytes(context["letterhead"]))
    if missing:
        raise printable.Unprintable(
            missing, {c: "the pupil's or a contact's details" for c in missing}
        )
    return pdf, pages
