"""The period a report covers, from a page's or the API's query string.

`?period=ytd` (default) | `term` | `half_term` | `weeks&weeks=N` | `range&from=DATE&to=DATE`.
Each is a window of `registers.metrics` resolved against the school's calendar as of today
(or `as_of`), so "this term" on a dashboard is the same dates a rule or a letter counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from registers import metrics
from registers.validation import parse_date

CHOICES = (
    ("ytd", "Year to date"),
    ("term", "This term"),
    ("half_term", "This half term"),
    ("weeks", "Last school weeks"),
    ("range", "Date range"),
)
DEFAULT_WEEKS = 4
MAX_WEEKS = 52


@dataclass(frozen=True)
class Period:
    """A resolved period: what was asked for, its dates (None: the calendar has no such
    period yet) and a label ("This term, 6 Jan to 14 Mar 2025")."""

    kind: str
    weeks: int
    bounds: metrics.Bounds | None
    problem: str = ""
    # What the person typed, kept for the form when it could not be used.
    asked: str = ""
    typed_from: str = ""
    typed_to: str = ""
    # Set when the period was cut before today (today's registers are still coming in).
    cut_before_today: bool = False

    @property
    def form_kind(self) -> str:
        return self.asked or self.kind

    @property
    def form_from(self) -> str:
        return self.typed_from

    @property
    def form_to(self) -> str:
        return self.typed_to

    @property
    def name(self) -> str:
        name = dict(CHOICES)[self.kind]
        return f"Last {self.weeks} school weeks" if self.kind == "weeks" else name

    @property
    def label(self) -> str:
        if self.bounds is None:
            if self.cut_before_today:
                return (
                    f"{self.name}: no school day before today yet (today's registers are "
                    "still coming in: see Today)"
                )
            if self.kind == "range":
                return f"{self.name}: no school days in this range"
            return f"{self.name}: no school days yet"
        b = self.bounds
        label = f"{self.name}, {b.start:%-d %b %Y} to {b.end:%-d %b %Y}"
        if self.cut_before_today:
            label += " (today's registers are still coming in: see Today)"
        return label

    def query(self) -> dict[str, str]:
        """The query-string parameters that give this period again (links, exports)."""
        q = {"period": self.kind}
        if self.kind == "weeks":
            q["weeks"] = str(self.weeks)
        if self.kind == "range" and self.bounds:
            q["from"] = self.typed_from or self.bounds.start.isoformat()
            q["to"] = self.typed_to or self.bounds.end.isoformat()
        return q


def period_from_query(
    query, *, calendar: metrics.SchoolCalendar, today: date, before_today: bool = False
) -> Period:
    """The period a query string asks for, as of `today`; anything unreadable falls back
    to the year to date and says why (`problem`), keeping what was typed for the form.

    `before_today`: the period runs to the end of the last school day before today at
    most (pages: today's registers are still coming in, so today would read as a day of
    absence); the label says so, and bounds are None when no school day is left.
    """
    period = _period_from_query(query, calendar=calendar, today=today)
    if not before_today or period.bounds is None or period.bounds.end < today:
        return period
    if period.kind == "weeks" and not period.problem:
        # "The last 4 school weeks" on a Monday are the 4 weeks before it, not 3 and today
        earlier = calendar.school_days(metrics.Bounds(date.min, today - timedelta(days=1)))
        if earlier:
            period = _period_from_query(query, calendar=calendar, today=earlier[-1])
            return replace(period, cut_before_today=True)
    b = period.bounds
    days = calendar.school_days(metrics.Bounds(b.start, today - timedelta(days=1)))
    bounds = metrics.Bounds(b.start, days[-1]) if days else None
    return replace(period, bounds=bounds, cut_before_today=True)


def _period_from_query(query, *, calendar, today) -> Period:
    kind = query.get("period") or "ytd"
    if kind not in dict(CHOICES):
        return _resolved("ytd", DEFAULT_WEEKS, calendar, today, "Unknown period: year to date.")
    weeks = DEFAULT_WEEKS
    if kind == "weeks":
        raw = query.get("weeks") or str(DEFAULT_WEEKS)
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_WEEKS:
            return _resolved(
                "weeks", DEFAULT_WEEKS, calendar, today,
                f"Weeks must be a whole number from 1 to {MAX_WEEKS}: showing {DEFAULT_WEEKS}.",
            )  # fmt: skip
        weeks = int(raw)
    if kind == "range":
        raw_from, raw_to = query.get("from", "") or "", query.get("to", "") or ""
        typed = {"asked": "range", "typed_from": raw_from, "typed_to": raw_to}
        if not raw_from.strip() or not raw_to.strip():
            problem = "Give both dates of the range (From and To): showing the year to date."
            return replace(_resolved("ytd", weeks, calendar, today, problem), **typed)
        try:
            start, end = parse_date(raw_from), parse_date(raw_to)
        except ValueError as error:
            problem = f"{error} Showing the year to date."
            return replace(_resolved("ytd", weeks, calendar, today, problem), **typed)
        if end < start:
            problem = "The range ends before it starts: showing the year to date."
            return replace(_resolved("ytd", weeks, calendar, today, problem), **typed)
        bounds = metrics.Bounds(start, end)
        if not calendar.school_days(bounds):
            bounds = None  # "no school days in this range"
        return Period("range", weeks, bounds, typed_from=raw_from, typed_to=raw_to)
    return _resolved(kind, weeks, calendar, today)


WINDOWS = {
    "ytd": lambda weeks: metrics.YearToDate(),
    "term": lambda weeks: metrics.Term(),
    "half_term": lambda weeks: metrics.HalfTerm(),
    "weeks": metrics.LastSchoolWeeks,
}


def _resolved(kind, weeks, calendar, today, problem="") -> Period:
    return Period(kind, weeks, WINDOWS[kind](weeks).bounds(calendar, today), problem)
