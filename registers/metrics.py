"""The windows rules count over, and batched counts over them (DESIGN.md §2, §6, §7).

A window is a typed value (`YearToDate()`, `LastSchoolWeeks(10)`, ...) that a school's
calendar and an as-of date turn into concrete `Bounds` (first and last date, both
inclusive). Counting takes any number of named windows and any set of pupils and
answers in a constant number of queries: one `GROUP BY pupil, code` over the marks of
the union of the windows, with one conditional count per window (`COUNT(*) FILTER
(WHERE date BETWEEN ...)`), so ten windows cost about what one does.

Units: counts are sessions (a school day has two, AM and PM); dates are the school's
local dates; percentages are exact `Fraction`s (rounded only for display, by
`registers.stats.percent`). Only sessions while a pupil was on roll count (§4, §6):
marks outside a pupil's on-roll dates count nowhere.

Window vocabulary (policies/RULES.md §0): `ytd` = `YearToDate()`, `term` = `Term()`,
`half_term` = `HalfTerm()`, `prev_term` = `PreviousTerm()`, `prev_year` =
`PreviousYear()`, `roll Nw` = `LastSchoolWeeks(N)`, `roll 3m` = `CalendarMonths(3)`,
`block 6w` = `FixedBlocks(6)`, `since_stage` = `since_counts` (each pupil's own date;
`SinceDate` when all share one).
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.db import connections
from django.db.models import Count, F, Q

from .codes import Summary, code_rules
from .models import AcademicYear, Mark, Pupil, Session
from .models import Term as TermModel
from .schooldays import academic_year_bounds, week_start

# ---- Bounds and the school's calendar ------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """A concrete window: `start` to `end`, both inclusive (local dates)."""

    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class SchoolCalendar:
    """A school's academic years, terms and session days, each read once (lazily):
    resolving any number of windows costs at most three queries."""

    def __init__(self, school):
        self.school = school

    @cached_property
    def years(self) -> list[tuple[date, date]]:
        return list(
            AcademicYear.objects.filter(school=self.school)
            .order_by("starts")
            .values_list("starts", "ends")
        )

    @cached_property
    def terms(self) -> list[TermModel]:
        return list(TermModel.objects.filter(school=self.school).order_by("starts"))

    @cached_property
    def _sessions(self) -> tuple[list[date], list[int]]:
        rows = (
            Session.objects.filter(school=self.school)
            .order_by("date")
            .values_list("date")
            .annotate(n=Count("id"))
        )
        days = [day for day, _ in rows]
        return days, [n for _, n in rows]

    @property
    def days(self) -> list[date]:
        """Every school day (a date with at least one session), in order."""
        return self._sessions[0]

    def school_days(self, bounds: Bounds | None) -> list[date]:
        if bounds is None:
            return []
        days = self.days
        return days[bisect_left(days, bounds.start) : bisect_right(days, bounds.end)]

    def sessions(self, bounds: Bounds | None) -> int:
        """How many sessions the school had in the bounds."""
        if bounds is None:
            return 0
        days, counts = self._sessions
        return sum(counts[bisect_left(days, bounds.start) : bisect_right(days, bounds.end)])

    def sessions_on(self, day: date) -> int:
        days, counts = self._sessions
        i = bisect_left(days, day)
        return counts[i] if i < len(days) and days[i] == day else 0

    def year(self, day: date) -> tuple[date, date]:
        """The academic year holding `day` (1 Sep to 31 Aug if none is set up)."""
        for starts, ends in self.years:
            if starts <= day <= ends:
                return starts, ends
        return academic_year_bounds(day)

    def school_weeks(self, *, until: date) -> list[date]:
        """Mondays of the school weeks (§4) up to the week holding `until`, in order."""
        last_sunday = week_start(until) + timedelta(days=6)
        days = self.days[: bisect_right(self.days, last_sunday)]
        return sorted({week_start(day) for day in days})


# ---- Windows ----------------------------------------------------------------------
#
# Each window's `bounds(calendar, as_of)` gives its Bounds, never past as-of, or None
# when the calendar has no such period (no term set up, no school week yet).


def _clip(start: date, end: date, as_of: date) -> Bounds | None:
    end = min(end, as_of)
    return Bounds(start, end) if start <= end else None


@dataclass(frozen=True)
class YearToDate:
    """From the start of the academic year holding as-of to as-of (`ytd`)."""

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        return _clip(cal.year(as_of)[0], as_of, as_of)


@dataclass(frozen=True)
class PreviousYear:
    """The whole academic year before the one holding as-of (`prev_year`)."""

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        starts, _ = cal.year(as_of)
        return _clip(*cal.year(starts - timedelta(days=1)), as_of)


def _periods(term: TermModel) -> list[tuple[date, date]]:
    """A term's half terms: before and after its half-term break (or the whole term)."""
    if term.half_term_starts is None:
        return [(term.starts, term.ends)]
    break_ends = term.half_term_ends or term.half_term_starts
    return [
        (term.starts, term.half_term_starts - timedelta(days=1)),
        (break_ends + timedelta(days=1), term.ends),
    ]


def _latest_started(periods: Iterable[tuple[date, date]], as_of: date):
    """The period holding as-of or, in a holiday, the one that ended last."""
    started = [p for p in periods if p[0] <= as_of]
    return max(started) if started else None


@dataclass(frozen=True)
class Term:
    """The term holding as-of (in a holiday: the term just ended), to as-of (`term`)."""

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        period = _latest_started(((t.starts, t.ends) for t in cal.terms), as_of)
        return _clip(*period, as_of) if period else None


@dataclass(frozen=True)
class HalfTerm:
    """The half term holding as-of (in a break: the one just ended), to as-of
    (`half_term`). A term's halves are either side of its half-term break."""

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        halves = [half for t in cal.terms for half in _periods(t)]
        period = _latest_started(halves, as_of)
        return _clip(*period, as_of) if period else None


@dataclass(frozen=True)
class PreviousTerm:
    """The last term that ended before as-of, whole (`prev_term`)."""

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        ended = [(t.starts, t.ends) for t in cal.terms if t.ends < as_of]
        return Bounds(*max(ended)) if ended else None


@dataclass(frozen=True)
class LastSchoolWeeks:
    """The `n` most recent school weeks up to and including as-of's week, sessions on
    or before as-of (`roll Nw`, DESIGN.md §6). Holidays do not use up the window."""

    n: int

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        weeks = cal.school_weeks(until=as_of)[-self.n :]
        return _clip(weeks[0], as_of, as_of) if weeks else None


@dataclass(frozen=True)
class LastSchoolDays:
    """The `n` most recent school days up to and including as-of (fewer early in a
    school's history: compare `len(calendar.school_days(bounds))` where it matters)."""

    n: int

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        days = cal.days[: bisect_right(cal.days, as_of)][-self.n :]
        return Bounds(days[0], as_of) if days else None


@dataclass(frozen=True)
class CalendarMonths:
    """As-of minus `n` calendar months to as-of, both inclusive (`roll 3m`); 31 May
    minus 3 months is 28 (or 29) February."""

    n: int

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        month = as_of.year * 12 + as_of.month - 1 - self.n
        year, month = divmod(month, 12)
        day = min(as_of.day, _calendar.monthrange(year, month + 1)[1])
        return Bounds(date(year, month + 1, day), as_of)


@dataclass(frozen=True)
class FixedBlocks:
    """The block of `n` school weeks holding as-of's week, blocks counted from the first
    school week of the academic year (`block 6w`), to as-of. In a holiday: the block
    that started last. The year's last block may be shorter."""

    n: int

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        year_start, year_end = cal.year(as_of)
        weeks = [w for w in cal.school_weeks(until=year_end) if w + timedelta(days=6) >= year_start]
        blocks = [weeks[i : i + self.n] for i in range(0, len(weeks), self.n)]
        started = [b for b in blocks if b[0] <= as_of]
        if not started:
            return None
        block = started[-1]
        return _clip(max(block[0], year_start), block[-1] + timedelta(days=6), as_of)


@dataclass(frozen=True)
class SinceDate:
    """From `start` (inclusive) to as-of; for "since the stage was entered" pass the day
    after the stage's date."""

    start: date

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        return _clip(self.start, as_of, as_of)


@dataclass(frozen=True)
class DateRange:
    """A fixed range of dates, both inclusive (clipped at as-of)."""

    start: date
    end: date

    def bounds(self, cal: SchoolCalendar, as_of: date) -> Bounds | None:
        return _clip(self.start, self.end, as_of)


Window = (
    YearToDate
    | PreviousYear
    | Term
    | HalfTerm
    | PreviousTerm
    | LastSchoolWeeks
    | LastSchoolDays
    | CalendarMonths
    | FixedBlocks
    | SinceDate
    | DateRange
)


def resolve(
    windows: Mapping[str, Window], *, calendar: SchoolCalendar, as_of: date
) -> dict[str, Bounds | None]:
    """Each named window's Bounds as of a date (at most three queries, for any number)."""
    return {name: window.bounds(calendar, as_of) for name, window in windows.items()}


# ---- Who is counted ----------------------------------------------------------------


@dataclass(frozen=True)
class OnRoll:
    """A pupil's time on roll (`to` None: still on roll)."""

    pupil_id: int
    on_roll_from: date
    on_roll_to: date | None

    def covers(self, bounds: Bounds) -> bool:
        return self.on_roll_from <= bounds.start and (
            self.on_roll_to is None or self.on_roll_to >= bounds.end
        )


def pupil_ids(pupils) -> list[int] | None:
    """Ids from pupils or ids (None stays None: "every pupil")."""
    if pupils is None:
        return None
    return [p.pk if isinstance(p, Pupil) else p for p in pupils]


def roll(*, school, bounds: Bounds, pupils=None) -> list[OnRoll]:
    """Pupils on roll at any time in the bounds (of those given, if given). One query."""
    rows = Pupil.objects.filter(school=school, on_roll_from__lte=bounds.end).filter(
        Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=bounds.start)
    )
    ids = pupil_ids(pupils)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return [OnRoll(*row) for row in rows.values_list("pk", "on_roll_from", "on_roll_to")]


# ---- Counting ----------------------------------------------------------------------


class Tally:
    """Sessions by pupil, window and code, as counted by `tally`.

    `codes(pid, window)` is `{code: sessions}`; pupils and windows with no marks read
    as empty. `summary()` gives the §6 figures (possible, attended, ... and the exact
    fractions), `sessions()` the sessions with some codes.
    """

    def __init__(self, rows: dict[int, dict[str, list[int]]], windows: list[str], bounds):
        # rows[pupil_id][code][i]: sessions of that code in the i-th counted window.
        self.rows = rows
        self.index = {name: i for i, name in enumerate(windows)}
        self.bounds: dict[str, Bounds | None] = bounds

    def codes(self, pupil_id: int, window: str) -> dict[str, int]:
        i = self.index.get(window)
        if i is None:
            return {}
        return {code: ns[i] for code, ns in self.rows.get(pupil_id, {}).items() if ns[i]}

    def sessions(self, pupil_id: int, window: str, codes: Iterable[str]) -> int:
        """Sessions of the window coded with any of `codes`."""
        i = self.index.get(window)
        found = self.rows.get(pupil_id)
        if i is None or not found:
            return 0
        return sum(found[code][i] for code in codes if code in found)

    def not_possible(self, pupil_id: int, window: str) -> int:
        rules = code_rules()
        return sum(
            n for code, n in self.codes(pupil_id, window).items() if not rules[code].possible
        )

    def lates(self, pupil_id: int, window: str) -> int:
        return self.sessions(pupil_id, window, ("L",))

    def summary(self, pupil_id: int, window: str) -> Summary:
        """Possible, attended, absent ... and the exact fractions (`registers.codes`)."""
        summary = Summary(pupil_id=pupil_id)
        i = self.index.get(window)
        if i is not None:
            for code, ns in self.rows.get(pupil_id, {}).items():
                if ns[i]:
                    summary.add(code, ns[i])
        return summary

    @property
    def pupil_ids(self) -> list[int]:
        """Pupils with at least one counted mark."""
        return list(self.rows)


def tally(
    *,
    school,
    bounds: Mapping[str, Bounds | None],
    on_roll: Iterable[OnRoll | int],
    every_pupil: bool = False,
) -> Tally:
    """Count marks by pupil, window and code for the pupils given, each only while on
    roll. One query (two when some pupil joined or left inside the windows' span),
    whatever the number of pupils and windows.

    `on_roll` holds each pupil's `OnRoll` (from `roll`), or a bare pupil id whose roll
    dates the caller did not load: the database checks those (a join, slower).
    `every_pupil`: `on_roll` is the school's whole roll over the span (`roll` with no
    pupils given), so the marks query leaves out the few who were not on roll throughout
    (one more small query) instead of listing the many who were.
    """
    on_roll = list(on_roll)
    live = {name: b for name, b in bounds.items() if b is not None}
    names = list(live)
    rows: dict[int, dict[str, list[int]]] = {}
    if not live or not on_roll:
        return Tally(rows, names, dict(bounds))
    span = Bounds(min(b.start for b in live.values()), max(b.end for b in live.values()))
    aggregates = {
        f"w{i}": Count("*") if live[name] == span else Count("id", filter=_within(live[name]))
        for i, name in enumerate(names)
    }
    # Pupils on roll throughout the span need no look at their roll dates: that join is
    # most of the cost of the query, so only joiners and leavers pay for it.
    throughout = [p.pupil_id for p in on_roll if isinstance(p, OnRoll) and p.covers(span)]
    partly = [p if isinstance(p, int) else p.pupil_id for p in on_roll]
    partly = list(set(partly) - set(throughout))
    marks = Mark.objects.filter(school=school, date__range=(span.start, span.end))
    queries = []
    if throughout and every_pupil:
        # The school's pupils not on roll throughout (joiners, leavers, former pupils)
        # are usually far fewer than those who are: leave them out rather than list
        # the others (a list, or a join, of a thousand pupils costs a third more).
        others = Pupil.objects.filter(school=school).exclude(
            Q(on_roll_from__lte=span.start)
            & (Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=span.end))
        )
        outside = list(others.values_list("pk", flat=True))
        queries.append(marks.exclude(pupil_id__in=outside) if outside else marks)
    elif throughout:
        queries.append(marks.filter(pupil_id__in=throughout))
    if partly:
        queries.append(
            marks.filter(pupil_id__in=partly, date__gte=F("pupil__on_roll_from")).filter(
                Q(pupil__on_roll_to__isnull=True) | Q(date__lte=F("pupil__on_roll_to"))
            )
        )
    for query in queries:
        grouped = query.order_by().values_list("pupil_id", "code_id").annotate(**aggregates)
        for pupil_id, code, *ns in _fetch(grouped):
            rows.setdefault(pupil_id, {})[code] = ns
    return Tally(rows, names, dict(bounds))


def since_counts(*, school, as_of: date, starts: Mapping[int, date]) -> Tally:
    """Sessions by code for each pupil from their own start date (inclusive) to as-of,
    as window "since": e.g. since the day after a stage was entered (`since_stage`,
    RULES.md §0). `starts` maps pupil id to date; a start after as-of counts nothing.
    One query for any number of pupils (pupils sharing a start share a condition);
    only sessions while on roll count.
    """
    by_start: dict[date, list[int]] = {}
    for pupil_id, start in starts.items():
        if start <= as_of:
            by_start.setdefault(start, []).append(pupil_id)
    rows: dict[int, dict[str, list[int]]] = {}
    if not by_start:
        return Tally(rows, ["since"], {})
    each_from = Q()
    for start, ids in by_start.items():
        each_from |= Q(pupil_id__in=ids, date__gte=start)
    marks = (
        Mark.objects.filter(school=school, date__range=(min(by_start), as_of))
        .filter(each_from, date__gte=F("pupil__on_roll_from"))
        .filter(Q(pupil__on_roll_to__isnull=True) | Q(date__lte=F("pupil__on_roll_to")))
    )
    grouped = marks.order_by().values_list("pupil_id", "code_id").annotate(n=Count("*"))
    for pupil_id, code, n in _fetch(grouped):
        rows.setdefault(pupil_id, {})[code] = [n]
    return Tally(rows, ["since"], {})


def _fetch(queryset) -> list[tuple]:
    """The rows as the driver returns them: ints and strings need none of Django's
    per-value converters, which cost a quarter of the time on a year of marks."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _within(bounds: Bounds) -> Q:
    return Q(date__range=(bounds.start, bounds.end))


def counts(
    *,
    school,
    as_of: date,
    windows: Mapping[str, Window],
    pupils=None,
    calendar: SchoolCalendar | None = None,
) -> Tally:
    """Sessions by code in each named window as of a date, for the pupils given (or
    every pupil on roll at any time in the windows).

    `tally.summary(pid, "ytd").attendance` is an exact Fraction (None with no possible
    session); `tally.sessions(pid, "roll10", ("G", "N", "O", "U"))` an int.
    Queries: at most 3 for the calendar, 1 for the roll, 1 or 2 for the marks.
    """
    calendar = calendar or SchoolCalendar(school)
    bounds = resolve(windows, calendar=calendar, as_of=as_of)
    live = [b for b in bounds.values() if b is not None]
    if not live:
        return Tally({}, [], bounds)
    span = Bounds(min(b.start for b in live), max(b.end for b in live))
    return tally(
        school=school,
        bounds=bounds,
        on_roll=roll(school=school, bounds=span, pupils=pupils),
        every_pupil=pupils is None,
    )


def consecutive_days(
    *,
    school,
    as_of: date,
    codes: Iterable[str],
    at_most: int,
    pupils=None,
    calendar: SchoolCalendar | None = None,
) -> dict[int, int]:
    """Per pupil: the run of consecutive school days, ending on the latest school day
    on or before as-of, on which every session has one of `codes` (`consec_days` of
    RULES.md §0), counted up to `at_most` days.

    Weekends and holidays do not break a run (they are not school days); a day whose
    sessions were all not possible (`#`, say) neither breaks nor extends it; a session
    with another code, with no mark, or off roll ends it. It looks back 2 × `at_most`
    school days (room for closed days inside a run). Three queries (calendar, roll,
    marks) for any number of pupils; pupils with no run are left out.
    """
    calendar = calendar or SchoolCalendar(school)
    wanted = frozenset(codes)
    # Days with only not-possible sessions do not count, so look back a little further.
    days = calendar.days[: bisect_right(calendar.days, as_of)][-(2 * at_most) :]
    if not days:
        return {}
    window = Bounds(days[0], as_of)
    on_roll = roll(school=school, bounds=window, pupils=pupils)
    rules = code_rules()
    not_possible = [code for code, rule in rules.items() if not rule.possible]
    rows = (
        Mark.objects.filter(
            school=school,
            date__range=(window.start, window.end),
            pupil_id__in=[p.pupil_id for p in on_roll],
        )
        .order_by()
        .values_list("pupil_id", "date")
        .annotate(
            marked=Count("*"),
            wanted=Count("id", filter=Q(code_id__in=wanted)),
            not_possible=Count("id", filter=Q(code_id__in=not_possible) & ~Q(code_id__in=wanted)),
        )
    )
    by_pupil: dict[int, dict[date, tuple[int, int, int]]] = {}
    for pupil_id, day, marked, n_wanted, n_not_possible in rows:
        by_pupil.setdefault(pupil_id, {})[day] = (marked, n_wanted, n_not_possible)
    runs = {}
    for pupil in on_roll:
        marks = by_pupil.get(pupil.pupil_id, {})
        run = 0
        for day in reversed(days):
            if run == at_most or not pupil.covers(Bounds(day, day)):
                break
            marked, n_wanted, n_not_possible = marks.get(day, (0, 0, 0))
            if marked < calendar.sessions_on(day) or n_wanted + n_not_possible < marked:
                break
            if n_wanted:
                run += 1
        if run:
            runs[pupil.pupil_id] = run
    return runs
