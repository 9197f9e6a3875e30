"""The school dashboard: every figure of a period, read in a fixed number of queries
whatever the size of the school (about a dozen; pinned by tests/reporting).

Pupils' counts come from `registers.stats.summarise` (DESIGN.md §6), the patterns from
one GROUP BY session and code over the same marks on roll (`stats.marks_on_roll`), the
improving/declining lists from `registers.metrics.tally` over two windows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate

from django.db.models import Count, Q

from registers import metrics, stats
from registers.codes import code_rules
from registers.models import Mark, Pupil, School, Session
from registers.models import Period as SessionPeriod

from ..models import ComparisonFigure
from .figures import FIELDS, PUPIL_COLUMN, Totals, breakdown, pct, totals
from .figures import pupil_flags as flags

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AT_RISK_FROM = Fraction(90, 100)  # at risk of persistent absence: 90% up to 95%
AT_RISK_TO = Fraction(95, 100)
# Improving / declining: the last 4 school weeks against the period before them, by at
# least this many percentage points.
TREND_WEEKS = 4
TREND_POINTS = Fraction(5, 100)
WORST_DAYS = 5


@dataclass
class PupilLine:
    """A pupil on a list, with the figures the list is about."""

    pupil_id: int
    name: str
    upn: str
    year_group: str
    attendance_pct: Decimal | None
    absent: int
    detail: str = ""


@dataclass
class Cell:
    label: str
    totals: Totals = field(default_factory=Totals)
    day: date | None = None  # a week's Monday, a day's date (None: a weekday's session)

    @property
    def attendance_pct(self):
        return self.totals.attendance_pct


@dataclass
class Dashboard:
    school: School
    start: date
    end: date
    whole: Totals
    breakdowns: dict[str, list]
    comparisons: list[ComparisonFigure]
    weekday_session: list[list[Cell]]  # rows Monday..Friday, columns AM, PM
    weeks: list[Cell]  # the weekly trend, oldest first
    codes_by_month: list[tuple[str, dict[str, int]]]
    absence_codes: list[str]
    worst_days: list[Cell]
    lists: dict[str, list[PupilLine]]

    @property
    def target(self) -> Decimal:
        return self.school.attendance_target

    @property
    def against_target(self) -> Decimal | None:
        if self.whole.attendance_pct is None:
            return None
        return self.whole.attendance_pct - self.target

    @property
    def below_target_by(self) -> Decimal | None:
        """Percentage points below the target (None when at or above it)."""
        gap = self.against_target
        return -gap if gap is not None and gap < 0 else None


LIST_TITLES = {
    "persistent": "Persistent absentees (absence 10% or more)",
    "severe": "Severely absent (absence 50% or more)",
    "at_risk": "At risk (attendance 90% to under 95%)",
    "declining": "Declining (last 4 school weeks against before, 5 points or more)",
    "improving": "Improving (last 4 school weeks against before, 5 points or more)",
    "unresolved_n": "Unresolved N (no reason yet)",
    "missing_marks": "Missing marks (past sessions with no mark)",
}


def comparisons_for(*, school: School, day: date) -> list[ComparisonFigure]:
    """England's and the school's local authority's figures for its phase and the
    academic year holding `day` (the latest year entered if none for that year)."""
    rows = list(
        ComparisonFigure.objects.filter(
            Q(area=ComparisonFigure.Area.NATIONAL)
            | Q(area=ComparisonFigure.Area.LOCAL_AUTHORITY, la_code=school.la_code),
            phase=school.phase,
        ).order_by("academic_year")
    )
    year = (
        f"{day.year}/{(day.year + 1) % 100:02d}"
        if day.month >= 9
        else (f"{day.year - 1}/{day.year % 100:02d}")
    )
    chosen = {}
    for row in rows:
        if row.area not in chosen or row.academic_year == year:
            chosen[row.area] = row
    return [
        chosen[a]
        for a in (ComparisonFigure.Area.NATIONAL, ComparisonFigure.Area.LOCAL_AUTHORITY)
        if a in chosen
    ]


def session_codes(*, school: School, start: date, end: date, roll=None):
    """[(date, period, code, sessions)] over the school's marks on roll (as
    `stats.marks_on_roll`). Pupils on roll throughout the range need no look at their
    roll dates (the join is most of the cost): only those who joined or left in it are
    checked, as `registers.metrics.tally` does. Three or four queries."""
    span = metrics.Bounds(start, end)
    sessions = {
        pk: (day, period)
        for pk, day, period in Session.objects.filter(
            school=school, date__range=(start, end)
        ).values_list("pk", "date", "period")
    }
    roll = roll if roll is not None else metrics.roll(school=school, bounds=span)
    partly = [p.pupil_id for p in roll if not p.covers(span)]
    outside = list(
        Pupil.objects.filter(school=school)
        .exclude(Q(on_roll_from__lte=start) & (Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=end)))
        .values_list("pk", flat=True)
    )
    marks = Mark.objects.filter(school=school, date__range=(start, end))
    queries = [marks.exclude(pupil_id__in=outside) if outside else marks]
    if partly:
        queries.append(stats.marks_on_roll(school=school, start=start, end=end, pupils=partly))
    found: dict[tuple, int] = {}
    for query in queries:
        grouped = query.order_by().values_list("session_id", "code_id").annotate(n=Count("*"))
        for sid, code, n in metrics._fetch(grouped):
            key = (*sessions[sid], code)
            found[key] = found.get(key, 0) + n
    return [(*key, n) for key, n in found.items()]


def patterns(rows) -> tuple[list[list[Cell]], list[Cell], list[tuple[str, dict]], list[Cell]]:
    """Weekday x session, weekly trend, absence codes by month and days by attendance,
    from (date, period, code, sessions) rows."""
    by_slot: dict[tuple, dict[str, int]] = {}
    by_week: dict[date, dict[str, int]] = {}
    by_day: dict[date, dict[str, int]] = {}
    months: dict[str, dict[str, int]] = {}
    rules = code_rules()
    for day, period, code, n in rows:
        monday = day - timedelta(days=day.weekday())
        for found, key in ((by_slot, (day.weekday(), period)), (by_week, monday), (by_day, day)):
            counts = found.setdefault(key, {})
            counts[code] = counts.get(code, 0) + n
        rule = rules[code]
        if rule.authorised or rule.unauthorised:
            month = months.setdefault(f"{day:%Y-%m}", {})
            month[code] = month.get(code, 0) + n

    def cell(label, counts, day=None) -> Cell:
        c = Cell(label, day=day)
        for code, n in (counts or {}).items():
            c.totals.summary.add(code, n)
        return c

    table = [
        [cell(f"{WEEKDAYS[d]} {p}", by_slot.get((d, p))) for p in SessionPeriod.values]
        for d in range(5)
    ]
    trend = [cell(f"w/c {w:%-d %b}", by_week[w], w) for w in sorted(by_week)]
    days = [cell(f"{d:%a %-d %b}", by_day[d], d) for d in sorted(by_day)]
    scored = [c for c in days if c.totals.summary.possible]
    worst = sorted(scored, key=lambda c: c.totals.attendance)[:WORST_DAYS]
    by_month = [(f"{date.fromisoformat(m + '-01'):%b %Y}", months[m]) for m in sorted(months)]
    return table, trend, by_month, worst


def _line(pid, info, s: stats.Summary | None, detail="") -> PupilLine:
    name = f"{info['preferred_forename'] or info['legal_forename']} " + (
        info["preferred_surname"] or info["legal_surname"]
    )
    return PupilLine(
        pupil_id=pid,
        name=name,
        upn=info["upn"],
        year_group=info["year_group"],
        attendance_pct=s.attendance_pct if s else None,
        absent=s.absent if s else 0,
        detail=detail,
    )


def _trend_lists(*, counted: metrics.Tally, info):
    """(improving, declining) lines: the last TREND_WEEKS school weeks ("recent") against
    the period's weeks before them ("before"), each side with possible sessions."""
    improving, declining = [], []
    if "recent" not in counted.index:
        return [], []
    for pid in counted.pupil_ids:
        now, then = counted.summary(pid, "recent"), counted.summary(pid, "before")
        if not (now.possible and then.possible) or pid not in info:
            continue
        change = now.attendance - then.attendance
        detail = (
            f"{then.attendance_pct}% before, {now.attendance_pct}% in the last {TREND_WEEKS} weeks"
        )
        if change >= TREND_POINTS:
            improving.append((change, _line(pid, info[pid], now, detail)))
        elif change <= -TREND_POINTS:
            declining.append((change, _line(pid, info[pid], now, detail)))
    improving.sort(key=lambda x: -x[0])
    declining.sort(key=lambda x: x[0])
    return [line for _, line in improving], [line for _, line in declining]


def _missing_counts(*, roll, counted: metrics.Tally, window: str, calendar) -> dict[int, int]:
    """Past sessions while on roll with no mark, per pupil (DESIGN.md §6: counted nowhere,
    listed as missing): the calendar's sessions in the window while on roll less the
    pupil's marks on roll there (any code). No query (the tally has the marks)."""
    bounds = counted.bounds[window]
    # Sessions up to each school day of the window, so each pupil costs two bisections.
    days = calendar.school_days(bounds)
    upto = list(accumulate(calendar.sessions_on(day) for day in days))
    missing = {}
    for p in roll:
        first = max(bounds.start, p.on_roll_from)
        last = min(bounds.end, p.on_roll_to) if p.on_roll_to else bounds.end
        if first > last:
            continue
        i, j = bisect_left(days, first), bisect_right(days, last)
        sessions = (upto[j - 1] if j else 0) - (upto[i - 1] if i else 0)
        marked = sum(counted.codes(p.pupil_id, window).values())
        if sessions > marked:
            missing[p.pupil_id] = sessions - marked
    return missing


def dashboard(*, school: School, start: date, end: date, today: date) -> Dashboard:
    """Every figure of the school dashboard for the period (sessions up to `end`; marks
    missing only for days before `today`)."""
    calendar = metrics.SchoolCalendar(school)
    span = metrics.Bounds(start, end)
    roll = metrics.roll(school=school, bounds=span)
    # One count for the period, the trend's two sides and the days before today (for
    # missing marks): `stats.summarise` is this tally with the period alone.
    windows = {"range": span}
    recent = metrics.LastSchoolWeeks(TREND_WEEKS).bounds(calendar, end)
    if recent is not None and recent.start > start:
        windows["recent"] = recent
        windows["before"] = metrics.Bounds(start, recent.start - timedelta(days=1))
    before_today = min(end, today - timedelta(days=1))
    if start <= before_today < end:
        windows["past"] = metrics.Bounds(start, before_today)
    counted = metrics.tally(school=school, bounds=windows, on_roll=roll, every_pupil=True)
    summaries = {pid: counted.summary(pid, "range") for pid in counted.pupil_ids}
    whole = totals(summaries.values())
    ids = {p.pupil_id for p in roll} | set(summaries)
    info = {
        row["pk"]: row
        for row in Pupil.objects.filter(school=school, pk__in=list(ids)).values(
            "pk", "upn", "legal_forename", "legal_surname", "preferred_forename",
            "preferred_surname", *PUPIL_COLUMN.values(),
        )
    }  # fmt: skip
    breakdowns = {
        by: breakdown(
            school=school, start=start, end=end, by=by, summaries=summaries, fields=info,
            whole=whole,
        )
        for by in FIELDS
    }  # fmt: skip
    grid, weeks, by_month, worst = patterns(
        session_codes(school=school, start=start, end=end, roll=roll)
    )
    absence_codes = [
        c for c, r in code_rules().items() if (r.authorised or r.unauthorised)
        and any(c in m for _, m in by_month)
    ]  # fmt: skip

    lists: dict[str, list[PupilLine]] = {k: [] for k in LIST_TITLES}
    for pid, s in summaries.items():
        if pid not in info or not s.possible:
            continue
        persistent, severe = flags(s)
        if severe:
            lists["severe"].append(_line(pid, info[pid], s))
        if persistent:
            lists["persistent"].append(_line(pid, info[pid], s))
        elif AT_RISK_FROM <= s.attendance < AT_RISK_TO:
            lists["at_risk"].append(_line(pid, info[pid], s))
        if s.codes.get("N"):
            n = s.codes["N"]
            lists["unresolved_n"].append(_line(pid, info[pid], s, f"{n} session{'s' * (n != 1)}"))
    for key in ("persistent", "severe", "at_risk"):
        lists[key].sort(key=lambda line: (line.attendance_pct, line.name))
    lists["unresolved_n"].sort(key=lambda line: line.name)
    lists["improving"], lists["declining"] = _trend_lists(counted=counted, info=info)
    if before_today >= start:
        missing = _missing_counts(
            roll=roll, counted=counted, window="past" if before_today < end else "range",
            calendar=calendar,
        )  # fmt: skip
        lists["missing_marks"] = sorted(
            (
                _line(pid, info[pid], summaries.get(pid), f"{n} session{'s' * (n != 1)}")
                for pid, n in missing.items()
                if pid in info
            ),
            key=lambda line: line.name,
        )
    return Dashboard(
        school=school,
        start=start,
        end=end,
        whole=whole,
        breakdowns=breakdowns,
        comparisons=comparisons_for(school=school, day=end),
        weekday_session=grid,
        weeks=weeks,
        codes_by_month=by_month,
        absence_codes=absence_codes,
        worst_days=worst,
        lists=lists,
    )


__all__ = ["Dashboard", "dashboard", "LIST_TITLES", "pct"]
