"""Attendance arithmetic: the one definition of "possible session" (DESIGN.md §6).

Every screen, letter, rule and export counts through this module. Counts come from
set-based queries (one GROUP BY over the marks for any number of pupils), never one
query per pupil. Percentages are compared as exact fractions; they are rounded only
for display and export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from django.db.models import Count, F, Q

from .models import AttendanceCode, Mark, Pupil, Session
from .schooldays import (
    academic_year_start,
    recent_school_days,
    recent_school_weeks_start,
    week_start,
)

PERSISTENT_ABSENCE = Fraction(10, 100)
SEVERE_ABSENCE = Fraction(50, 100)
LATE_CODES = frozenset({"L"})
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


@dataclass(frozen=True)
class CodeRule:
    code: str
    category: str
    possible: bool
    attended: bool
    authorised: bool
    unauthorised: bool


@lru_cache(maxsize=1)
def code_rules() -> dict[str, CodeRule]:
    """The national codes and how each counts; immutable reference data, read once."""
    return {
        c.code: CodeRule(
            code=c.code,
            category=c.category,
            possible=c.possible,
            attended=c.attended,
            authorised=c.authorised_absence,
            unauthorised=c.unauthorised_absence,
        )
        for c in AttendanceCode.objects.all()
    }


def codes_in_order() -> list[str]:
    return list(code_rules())


@dataclass
class Summary:
    """A pupil's counts over a range of dates."""

    pupil_id: int
    possible: int = 0
    attended: int = 0
    present: int = 0
    approved_activity: int = 0
    authorised: int = 0
    unauthorised: int = 0
    lates: int = 0
    codes: dict[str, int] = field(default_factory=dict)

    def add(self, code: str, count: int) -> None:
        rule = code_rules()[code]
        self.codes[code] = self.codes.get(code, 0) + count
        if rule.possible:
            self.possible += count
        if rule.attended:
            self.attended += count
        if rule.category == "present":
            self.present += count
        elif rule.category == "approved_activity":
            self.approved_activity += count
        if rule.authorised:
            self.authorised += count
        if rule.unauthorised:
            self.unauthorised += count
        if code in LATE_CODES:
            self.lates += count

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance(self) -> Fraction | None:
        return Fraction(self.attended, self.possible) if self.possible else None

    @property
    def absence(self) -> Fraction | None:
        return Fraction(self.absent, self.possible) if self.possible else None

    @property
    def attendance_pct(self) -> Decimal | None:
        return percent(self.attendance)

    @property
    def absence_pct(self) -> Decimal | None:
        return percent(self.absence)

    @property
    def persistent_absence(self) -> bool:
        return self.absence is not None and self.absence >= PERSISTENT_ABSENCE

    @property
    def severe_absence(self) -> bool:
        return self.absence is not None and self.absence >= SEVERE_ABSENCE

    @property
    def days_missed(self) -> Decimal:
        """Absent sessions as school days (two sessions a day), for parents' letters."""
        return Decimal(self.absent) / 2

    def as_row(self) -> dict:
        """The export row of DESIGN.md §9 (without the upn)."""
        row = {
            "possible": self.possible,
            "attended": self.attended,
            "present": self.present,
            "approved_activity": self.approved_activity,
            "authorised": self.authorised,
            "unauthorised": self.unauthorised,
            "lates": self.lates,
            "attendance_pct": self.attendance_pct,
            "persistent_absence": self.persistent_absence,
            "severe_absence": self.severe_absence,
        }
        for code in codes_in_order():
            row[code] = self.codes.get(code, 0)
        return row


def percent(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _pupil_ids(pupils) -> list[int] | None:
    if pupils is None:
        return None
    return [p.pk if isinstance(p, Pupil) else p for p in pupils]


def marks_on_roll(*, school, start: date, end: date, pupils=None):
    """Marks in the range for sessions while each pupil was on roll."""
    marks = Mark.objects.filter(school=school, date__range=(start, end)).filter(
        date__gte=F("pupil__on_roll_from")
    )
    marks = marks.filter(Q(pupil__on_roll_to__isnull=True) | Q(date__lte=F("pupil__on_roll_to")))
    ids = _pupil_ids(pupils)
    if ids is not None:
        marks = marks.filter(pupil_id__in=ids)
    return marks


def summarise(
    *, school, start: date, end: date, pupils: Iterable | None = None
) -> dict[int, Summary]:
    """Summaries keyed by pupil id: every pupil given (zeros if no marks), or every
    pupil with a mark in the range when `pupils` is None. One query."""
    ids = _pupil_ids(pupils)
    summaries = {pid: Summary(pupil_id=pid) for pid in ids or ()}
    rows = (
        marks_on_roll(school=school, start=start, end=end, pupils=ids)
        .order_by()
        .values_list("pupil_id", "code_id")
        .annotate(n=Count("id"))
    )
    for pupil_id, code, n in rows:
        summaries.setdefault(pupil_id, Summary(pupil_id=pupil_id)).add(code, n)
    return summaries


def combine(summaries: Iterable[Summary]) -> Summary:
    """Totals for a group, year or school (attendance % of the sessions, not a mean)."""
    total = Summary(pupil_id=0)
    for s in summaries:
        for code, n in s.codes.items():
            total.add(code, n)
    return total


@dataclass
class IndicatorWindows:
    year_start: date
    penalty_start: date | None
    missing_days: list[date]
    deletion_days: list[date]


def indicator_windows(*, school, as_of: date) -> IndicatorWindows:
    deletion_days = recent_school_days(school=school, as_of=as_of, count=DELETION_REVIEW_DAYS)
    return IndicatorWindows(
        year_start=academic_year_start(school=school, day=as_of),
        penalty_start=recent_school_weeks_start(
            school=school, as_of=as_of, count=PENALTY_WINDOW_WEEKS
        ),
        missing_days=deletion_days[-MISSING_FROM_SCHOOL_DAYS:],
        deletion_days=deletion_days,
    )


def indicators(*, school, as_of: date, pupils: Iterable | None = None) -> dict[int, list[str]]:
    """The indicators of DESIGN.md §6 that hold for each pupil as of a date.

    Pupils default to everyone on roll on `as_of`. The same few queries (8) for any
    number of pupils.
    """
    ids = _pupil_ids(pupils)
    if ids is None:
        ids = list(on_roll(school=school, day=as_of).values_list("pk", flat=True))
    windows = indicator_windows(school=school, as_of=as_of)
    year = summarise(school=school, start=windows.year_start, end=as_of, pupils=ids)

    sessions_in = _session_counts(school=school, windows=windows)
    window_counts = _window_counts(school=school, as_of=as_of, windows=windows, ids=ids)

    result: dict[int, list[str]] = {}
    for pid in ids:
        held = []
        summary = year[pid]
        if summary.persistent_absence:
            held.append("persistent_absence")
        if summary.severe_absence:
            held.append("severe_absence")
        counts = window_counts.get(pid, {})
        if counts.get("penalty", 0) >= PENALTY_THRESHOLD_SESSIONS:
            held.append("penalty_threshold")
        if len(windows.missing_days) == MISSING_FROM_SCHOOL_DAYS and _absent_throughout(
            counts, sessions_in, "missing"
        ):
            held.append("missing_from_school")
        if len(windows.deletion_days) == DELETION_REVIEW_DAYS and _absent_throughout(
            counts, sessions_in, "deletion"
        ):
            held.append("deletion_review")
        if summary.codes.get("I", 0) >= LONG_ILLNESS_SESSIONS:
            held.append("long_illness")
        result[pid] = held
    return result


def _absent_throughout(counts: dict, sessions_in: dict, window: str) -> bool:
    """Every session of the window coded G, N or O. Sessions that were not possible for
    the pupil (a planned partial closure `#`, say) neither break nor make the run."""
    needed = sessions_in[window] - counts.get(f"{window}_not_possible", 0)
    return needed > 0 and counts.get(window, 0) == needed


def _session_counts(*, school, windows: IndicatorWindows) -> dict[str, int]:
    def count(days):
        if not days:
            return 0
        return Session.objects.filter(school=school, date__range=(days[0], days[-1])).count()

    return {"missing": count(windows.missing_days), "deletion": count(windows.deletion_days)}


def _window_counts(*, school, as_of: date, windows: IndicatorWindows, ids) -> dict[int, dict]:
    starts = [d for d in (windows.penalty_start, *windows.deletion_days[:1]) if d]
    if not starts:
        return {}
    not_possible = [code for code, rule in code_rules().items() if not rule.possible]

    def since(day, codes):
        return Count("id", filter=Q(date__gte=day, code_id__in=codes))

    missing_from = (windows.missing_days or [as_of])[0]
    deletion_from = (windows.deletion_days or [as_of])[0]
    aggregates = {
        "penalty": since(windows.penalty_start or as_of, PENALTY_CODES),
        "missing": since(missing_from, MISSING_CODES),
        "deletion": since(deletion_from, MISSING_CODES),
        "missing_not_possible": since(missing_from, not_possible),
        "deletion_not_possible": since(deletion_from, not_possible),
    }
    rows = (
        marks_on_roll(school=school, start=min(starts), end=as_of, pupils=ids)
        .order_by()
        .values("pupil_id")
        .annotate(**aggregates)
    )
    return {row.pop("pupil_id"): row for row in rows}


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
    ids = _pupil_ids(pupils)
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
