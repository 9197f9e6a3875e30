"""The period a report covers, from a page's or the API's query string.

`?period=ytd` (default) | `term` | `half_term` | `weeks&weeks=N` | `range&from=DATE&to=DATE`.
Each is a window of `registers.metrics` resolved against the school's calendar as of today
(or `as_of`), so "this term" on a dashboard is the same dates a rule or a letter counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registers import metrics

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

    @property
    def name(self) -> str:
        name = dict(CHOICES)[self.kind]
        return f"Last {self.weeks} school weeks" if self.kind == "weeks" else name

    @property
    def label(self) -> str:
        if self.bounds is None:
            return f"{self.name}: no school days yet"
        b = self.bounds
        return f"{self.name}, {b.start:%-d %b %Y} to {b.end:%-d %b %Y}"

    def query(self) -> dict[str, str]:
        """The query-string parameters that give this period again (links, exports)."""
        q = {"period": self.kind}
        if self.kind == "weeks":
            q["weeks"] = str(self.weeks)
        if self.kind == "range" and self.bounds:
            q["from"] = self.bounds.start.isoformat()
            q["to"] = self.bounds.end.isoformat()
        return q


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def period_from_query(query, *, calendar: metrics.SchoolCalendar, today: date) -> Period:
    """The period a query string asks for, as of `today`; anything unreadable falls back
    to the year to date and says why (`problem`)."""
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
        start, end = _date(query.get("from", "")), _date(query.get("to", ""))
        if start is None or end is None:
            return _resolved("ytd", weeks, calendar, today, "Give both dates of the range.")
        if end < start:
            return _resolved("ytd", weeks, calendar, today, "The range ends before it starts.")
        return Period("range", weeks, metrics.Bounds(start, end))
    return _resolved(kind, weeks, calendar, today)


WINDOWS = {
    "ytd": lambda weeks: metrics.YearToDate(),
    "term": lambda weeks: metrics.Term(),
    "half_term": lambda weeks: metrics.HalfTerm(),
    "weeks": metrics.LastSchoolWeeks,
}


def _resolved(kind, weeks, calendar, today, problem="") -> Period:
    return Period(kind, weeks, WINDOWS[kind](weeks).bounds(calendar, today), problem)
