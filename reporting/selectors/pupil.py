"""One pupil's year: the marks by session, figures by reason, the forecast and one
timeline of everything every app recorded about them (`registers.models.Event`).

The timeline reads events generically: each kind's label comes from the kinds the apps
declared (`registers.events.KINDS`) and its parameters are shown as they were recorded,
so a later app's events appear here without code in reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registers import metrics, stats
from registers.codes import code_rules
from registers.events import KINDS
from registers.forecast import Forecast, pupil_forecasts
from registers.models import AttendanceCode, Event, Pupil, School

TIMELINE_LIMIT = 200
# Parameters that are ids (for machines): left out of the timeline's text.
_HIDDEN = ("_id", "id")


@dataclass
class TimelineEntry:
    when: object
    kind: str
    label: str
    actor: str
    role: str
    details: list[tuple[str, str]]


@dataclass
class ReasonRow:
    code: str
    meaning: str
    reason: str
    sessions: int


@dataclass
class PupilYear:
    pupil: Pupil
    start: date
    end: date  # as-of (the figures run to it)
    year_end: date
    summary: stats.Summary
    marks: dict[tuple[date, str], str]
    school_days: set[date]
    categories: dict[str, str]
    reasons: list[ReasonRow]
    forecast: Forecast
    timeline: list[TimelineEntry]
    codes_used: list[tuple[str, str, str]]  # (code, meaning, category) for the legend


def _details(params: dict) -> list[tuple[str, str]]:
    return [
        (key.replace("_", " ").capitalize(), str(value))
        for key, value in params.items()
        if not key.endswith(_HIDDEN) and value not in (None, "", [], {})
    ]


def timeline(*, school: School, pupil: Pupil, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """The pupil's events, newest first, from every app. One query."""
    events = Event.objects.filter(school=school, pupil=pupil).order_by("-occurred_at", "-id")
    return [
        TimelineEntry(
            when=e.occurred_at,
            kind=e.kind,
            label=KINDS.get(e.kind, e.kind.replace("_", " ").capitalize()),
            actor=e.actor_name,
            role=e.actor_role,
            details=_details(e.params),
        )
        for e in events[:limit]
    ]


def pupil_year(*, school: School, pupil: Pupil, as_of: date) -> PupilYear:
    """The academic year holding as-of, to as-of. About eight queries."""
    calendar = metrics.SchoolCalendar(school)
    start, year_end = calendar.year(as_of)
    end = min(as_of, year_end)
    rows = (
        stats.marks_on_roll(school=school, start=start, end=end, pupils=[pupil.pk])
        .order_by()
        .values_list("date", "session__period", "code_id", "reason__name")
    )
    marks, reasons = {}, {}
    summary = stats.Summary(pupil_id=pupil.pk)
    rules = code_rules()
    for day, period, code, reason in rows:
        marks[(day, period)] = code
        summary.add(code, 1)
        rule = rules[code]
        if rule.authorised or rule.unauthorised:
            key = (code, reason or "")
            reasons[key] = reasons.get(key, 0) + 1
    meanings = dict(AttendanceCode.objects.values_list("code", "meaning"))
    categories = {code: rule.category for code, rule in rules.items()}
    used = sorted(set(marks.values()), key=lambda c: list(rules).index(c))
    return PupilYear(
        pupil=pupil,
        start=start,
        end=end,
        year_end=year_end,
        summary=summary,
        marks=marks,
        school_days=set(calendar.school_days(metrics.Bounds(start, year_end))),
        categories=categories,
        reasons=sorted(
            (ReasonRow(c, meanings.get(c, ""), r, n) for (c, r), n in reasons.items()),
            key=lambda row: (-row.sessions, row.code, row.reason),
        ),
        forecast=pupil_forecasts(school=school, as_of=as_of, pupils=[pupil.pk], calendar=calendar)[
            pupil.pk
        ],
        timeline=timeline(school=school, pupil=pupil),
        codes_used=[(c, meanings.get(c, ""), categories[c]) for c in used],
    )


__all__ = ["PupilYear", "pupil_year", "timeline"]
