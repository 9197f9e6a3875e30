"""Where a pupil's attendance is heading this academic year (DESIGN.md §6 figures).

Two answers, both exact (Fractions; rounded only for display):

- the projected year-end attendance if the pupil goes on at their current rate (by
  default the rate of the last 4 school weeks, the "current" rate a parent would
  recognise; the year-to-date rate when there is no recent figure);
- how many more absent sessions would make them a persistent absentee of the year
  (absence >= 10% over the whole year, DESIGN.md §6), if they attend every other
  session: "4 more days off and Ava is at or below 90%" (attendance <= 90% is absence
  >= 10%).

`forecast()` is pure arithmetic on counts, so the parent portal (absences), the staff
pupil page (reporting) and a letter say the same thing. `pupil_forecasts()` reads the
counts for many pupils in a fixed number of queries (`registers.metrics`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from . import metrics
from .codes import PERSISTENT_ABSENCE, Summary, percent

# The "current rate": the pupil's attendance over the most recent school weeks.
RECENT_WEEKS = 4


@dataclass(frozen=True)
class Forecast:
    """A pupil's year so far and where it is heading. Counts are sessions."""

    possible: int  # possible sessions so far this year
    attended: int
    absent: int
    remaining: int  # sessions still to come this year while on roll
    rate: Fraction | None  # the current rate applied to the remaining sessions
    projected: Fraction | None  # year-end attendance at that rate
    # Further absent sessions (the pupil attending every other one) that make the year's
    # absence reach 10%: 0 when it already cannot be avoided, None when even missing
    # every remaining session would not reach it.
    sessions_to_persistent: int | None
    # Where the rate comes from: the last RECENT_WEEKS school weeks, else the year so far.
    rate_is_recent: bool = False

    @property
    def attendance(self) -> Fraction | None:
        return Fraction(self.attended, self.possible) if self.possible else None

    @property
    def attendance_pct(self) -> Decimal | None:
        return percent(self.attendance)

    @property
    def projected_pct(self) -> Decimal | None:
        return percent(self.projected)

    @property
    def days_to_persistent(self) -> int | None:
        """The same as whole school days off (two sessions each), rounded up."""
        if self.sessions_to_persistent is None:
            return None
        return math.ceil(self.sessions_to_persistent / 2)

    def sentence(self, name: str) -> str:
        """The plain-English line for staff and parents."""
        if self.possible == 0:
            return f"There are no sessions yet this year to forecast {name}'s attendance from."
        days = self.days_to_persistent
        # Persistent absence is absence of 10% or more: attendance at or below 90%.
        if days is None:
            reach = f"{name} cannot fall to 90% or below this year, even missing every day left."
        elif days == 0:
            reach = f"{name}'s attendance this year will be at or below 90% whatever happens now."
        else:
            reach = (
                f"{days} more day{'s' if days != 1 else ''} off and {name} is at or below 90% "
                "for the year."
            )
        if self.projected is None or self.remaining == 0:
            return reach
        which = (
            f"the rate of the last {RECENT_WEEKS} school weeks ({percent(self.rate)}%)"
            if self.rate_is_recent
            else f"this year's rate so far ({percent(self.rate)}%)"
        )
        return f"At {which}, {name} ends the year at {self.projected_pct}%. " + reach


def forecast(*, year: Summary, remaining: int, recent: Summary | None = None) -> Forecast:
    """The forecast from the year so far (`year`), the sessions still to come this year
    while on roll (`remaining`) and the recent figures whose rate is "current" (`recent`;
    the year's rate if it has no possible session). Pure: no queries."""
    rate_is_recent = recent is not None and bool(recent.possible)
    rate = recent.attendance if rate_is_recent else year.attendance
    total = year.possible + remaining
    projected = None
    if rate is not None and total:
        projected = (year.attended + rate * remaining) / Fraction(total)
    # Absence over the year >= 10%: (absent + k) / total >= 1/10, k sessions of the
    # remaining ones (every other one attended).
    needed = PERSISTENT_ABSENCE * total - year.absent
    k = max(0, math.ceil(needed))
    sessions_to_persistent = k if total and k <= remaining else None
    if total and needed <= 0:
        sessions_to_persistent = 0
    return Forecast(
        possible=year.possible,
        attended=year.attended,
        absent=year.absent,
        remaining=remaining,
        rate=rate,
        projected=projected,
        sessions_to_persistent=sessions_to_persistent,
        rate_is_recent=rate_is_recent,
    )


def remaining_sessions(
    *, calendar: metrics.SchoolCalendar, as_of: date, on_roll_to: date | None
) -> int:
    """Sessions after as-of to the end of its academic year (or the pupil's last day on
    roll, if sooner). From the calendar the school has set up (sessions exist ahead)."""
    _, year_end = calendar.year(as_of)
    end = min(year_end, on_roll_to) if on_roll_to else year_end
    if end <= as_of:
        return 0
    return calendar.sessions(metrics.Bounds(as_of + timedelta(days=1), end))


def pupil_forecasts(
    *, school, as_of: date, pupils: Iterable, calendar: metrics.SchoolCalendar | None = None
) -> dict[int, Forecast]:
    """Forecasts keyed by pupil id, as of a date (sessions up to and including it).
    Queries: calendar 2-3, roll 1, marks 1 or 2, whatever the number of pupils."""
    calendar = calendar or metrics.SchoolCalendar(school)
    windows = {"year": metrics.YearToDate(), "recent": metrics.LastSchoolWeeks(RECENT_WEEKS)}
    ids = metrics.pupil_ids(pupils)
    tally = metrics.counts(
        school=school, as_of=as_of, windows=windows, pupils=ids, calendar=calendar
    )
    year_bounds = tally.bounds.get("year")
    roll = (
        {}
        if year_bounds is None
        else {
            p.pupil_id: p
            for p in metrics.roll(
                school=school, bounds=metrics.Bounds(*calendar.year(as_of)), pupils=ids
            )
        }
    )
    result = {}
    for pid in ids:
        on_roll = roll.get(pid)
        remaining = (
            remaining_sessions(calendar=calendar, as_of=as_of, on_roll_to=on_roll.on_roll_to)
            if on_roll
            else 0
        )
        result[pid] = forecast(
            year=tally.summary(pid, "year"),
            remaining=remaining,
            recent=tally.summary(pid, "recent"),
        )
    return result
