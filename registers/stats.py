"""Attendance arithmetic: the one definition of "possible session" (DESIGN.md §6).

Every screen, letter, rule and export counts through this module. Counts come from
set-based queries (one GROUP BY over the marks for any number of pupils), never one
query per pupil. Percentages are compared as exact fractions; they are rounded only
for display and export.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import F, Q

from . import metrics
from .codes import (  # noqa: F401  (the statistics' public names, defined one layer down)
    LATE_CODES,
    PERSISTENT_ABSENCE,
    SEVERE_ABSENCE,
    CodeRule,
    Summary,
    code_rules,
    codes_in_order,
    percent,
)
from .metrics import Bounds, LastSchoolDays, LastSchoolWeeks, SchoolCalendar, YearToDate
from .models import Mark, Pupil, Session
from .schooldays import academic_year_start, week_start

# Codes that count towards the penalty-notice threshold (L does not).
PENALTY_CODES = ("G", "N", "O", "U")
# Codes that make a pupil "missing from school" over consecutive school days.
MISSING_CODES = ("G", "N", "O")
PENALTY_THRESHOLD_SESSIONS = 10
PENALTY_WINDOW_WEEKS = 10
MISSING_FROM_SCHOOL_DAYS = 10
DELETION_REVIEW_DAYS = 20
LONG_ILLNESS_SESSIONS = 30

INDICATOR_KEYS = (
    "persistent_absence",
    "severe_absence",
    "penalty_threshold",
    "missing_from_school",
    "deletion_review",
    "long_illness",
)


def marks_on_roll(*, school, start: date, end: date, pupils=None):
    """Marks in the range for sessions while each pupil was on roll."""
    marks = Mark.objects.filter(school=school, date__range=(start, end)).filter(
        date__gte=F("pupil__on_roll_from")
    )
    marks = marks.filter(Q(pupil__on_roll_to__isnull=True) | Q(date__lte=F("pupil__on_roll_to")))
    ids = metrics.pupil_ids(pupils)
    if ids is not None:
        marks = marks.filter(pupil_id__in=ids)
    return marks


def summarise(
    *, school, start: date, end: date, pupils: Iterable | None = None
) -> dict[int, Summary]:
    """Summaries keyed by pupil id over `start` to `end` (inclusive): every pupil given
    (zeros if no marks), or every pupil with a mark in the range while on roll when
    `pupils` is None. One query for given pupils; two (three when some pupil joined or
    left in the range) for every pupil, whatever the number (`registers.metrics.tally`).
    """
    ids = metrics.pupil_ids(pupils)
    summaries = {pid: Summary(pupil_id=pid) for pid in ids or ()}
    if start > end:
        return summaries
    bounds = Bounds(start, end)
    counted = metrics.tally(
        school=school,
        bounds={"range": bounds},
        on_roll=ids if ids is not None else metrics.roll(school=school, bounds=bounds),
        every_pupil=ids is None,
    )
    for pid in counted.pupil_ids:
        summaries[pid] = counted.summary(pid, "range")
    return summaries


def combine(summaries: Iterable[Summary]) -> Summary:
    """Totals for a group, year or school (attendance % of the sessions, not a mean)."""
    total = Summary(pupil_id=0)
    for s in summaries:
        for code, n in s.codes.items():
            total.add(code, n)
    return total


# The windows of the §6 indicators, counted together in one query.
INDICATOR_WINDOWS = {
    "year": YearToDate(),
    "penalty": LastSchoolWeeks(PENALTY_WINDOW_WEEKS),
    "missing": LastSchoolDays(MISSING_FROM_SCHOOL_DAYS),
    "deletion": LastSchoolDays(DELETION_REVIEW_DAYS),
}


def indicator_roll(*, school, as_of: date):
    """The pupils `indicators` reports on by default: everyone on roll at any time from
    the start of the academic year to as-of (DESIGN.md §6), as a Pupil queryset."""
    return on_roll(school=school, start=academic_year_start(school=school, day=as_of), end=as_of)


def indicators(*, school, as_of: date, pupils: Iterable | None = None) -> dict[int, list[str]]:
    """The indicators of DESIGN.md §6 (keys of INDICATOR_KEYS, in that order) that hold
    for each pupil as of a date, keyed by pupil id.

    Pupils default to everyone on roll at any time from the start of the academic year
    to as-of (`indicator_roll`), each counted over their own time on roll: a pupil who
    left in March having missed 10% is a persistent absentee of that year. At most five
    queries for any number of pupils (calendar 2, roll 1, marks 1 or 2).
    """
    calendar = SchoolCalendar(school)
    bounds = metrics.resolve(INDICATOR_WINDOWS, calendar=calendar, as_of=as_of)
    year = bounds["year"]
    ids = metrics.pupil_ids(pupils)
    if year is None:
        return {pid: [] for pid in ids or ()}
    span = Bounds(min(b.start for b in bounds.values() if b), as_of)
    # Everyone of the year by default; given pupils are counted wherever the windows go.
    pupils_on_roll = metrics.roll(school=school, bounds=year if ids is None else span, pupils=ids)
    counted = metrics.tally(
        school=school, bounds=bounds, on_roll=pupils_on_roll, every_pupil=ids is None
    )
    runs = {
        window: (
            len(calendar.school_days(bounds[window])) == days,
            calendar.sessions(bounds[window]),
        )
        for window, days in (
            ("missing", MISSING_FROM_SCHOOL_DAYS),
            ("deletion", DELETION_REVIEW_DAYS),
        )
    }

    def absent_throughout(pid, window) -> bool:
        # Every session of the window coded G, N or O. Sessions that were not possible
        # for the pupil (a planned partial closure `#`, say) neither break nor make it.
        complete, sessions = runs[window]
        missing = counted.sessions(pid, window, MISSING_CODES)
        if not (complete and missing):  # most pupils: no need to look further
            return False
        return missing == sessions - counted.not_possible(pid, window)

    result: dict[int, list[str]] = {}
    for pid in ids if ids is not None else [p.pupil_id for p in pupils_on_roll]:
        summary = counted.summary(pid, "year")
        absence = summary.absence  # an exact Fraction, or None with no possible session
        held = {
            "persistent_absence": absence is not None and absence >= PERSISTENT_ABSENCE,
            "severe_absence": absence is not None and absence >= SEVERE_ABSENCE,
            "penalty_threshold": counted.sessions(pid, "penalty", PENALTY_CODES)
            >= PENALTY_THRESHOLD_SESSIONS,
            "missing_from_school": absent_throughout(pid, "missing"),
            "deletion_review": absent_throughout(pid, "deletion"),
            "long_illness": summary.codes.get("I", 0) >= LONG_ILLNESS_SESSIONS,
        }
        result[pid] = [key for key in INDICATOR_KEYS if held[key]]
    return result


def on_roll(*, school, day: date | None = None, start: date | None = None, end: date | None = None):
    """Pupils on roll on a day, or at any time in a range."""
    start = start or day
    end = end or day
    return Pupil.objects.filter(school=school, on_roll_from__lte=end).filter(
        Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=start)
    )


def weekly(*, school, pupil: Pupil, start: date, end: date) -> list[dict]:
    """A pupil's attendance week by week (for letters' charts and the timeline)."""
    rows = (
        marks_on_roll(school=school, start=start, end=end, pupils=[pupil.pk])
        .order_by()
        .values_list("date", "code_id")
    )
    weeks: dict[date, Summary] = {}
    for day, code in rows:
        weeks.setdefault(week_start(day), Summary(pupil_id=pupil.pk)).add(code, 1)
    return [
        {
            "week_start": monday,
            "possible": s.possible,
            "attended": s.attended,
            "pct": s.attendance_pct,
        }
        for monday, s in sorted(weeks.items())
    ]


def missing_marks(*, school, start: date, end: date, pupils=None) -> list[tuple[int, int]]:
    """(pupil id, session id) of past sessions of pupils on roll with no mark."""
    sessions = list(
        Session.objects.filter(school=school, date__range=(start, end)).values_list("pk", "date")
    )
    roll = on_roll(school=school, start=start, end=end)
    ids = metrics.pupil_ids(pupils)
    if ids is not None:
        roll = roll.filter(pk__in=ids)
    roll = list(roll.values_list("pk", "on_roll_from", "on_roll_to"))
    marks = Mark.objects.filter(school=school, date__range=(start, end))
    if ids is not None:
        marks = marks.filter(pupil_id__in=ids)
    marked = set(marks.values_list("pupil_id", "session_id"))
    missing = []
    for pupil_id, roll_from, roll_to in roll:
        for session_id, day in sessions:
            on_roll_then = roll_from <= day and (roll_to is None or day <= roll_to)
            if on_roll_then and (pupil_id, session_id) not in marked:
                missing.append((pupil_id, session_id))
    return missing
