"""The figures a night's rules need, for every pupil at once (DESIGN.md §6, §7).

Every count comes from `registers.metrics` (windows, `tally`, `since_counts`,
`consecutive_days`) and `registers.stats` (`indicators`), batched for the whole school:
one `GROUP BY pupil, code` for every shared window together, one per track for the
windows counted from each pupil's own stage date, one per set of codes for runs of
days. Nothing is counted per pupil. Percentages are exact `Fraction`s (0-100).

`Figures.value(pupil_id, metric)` answers `(figure, possible)`: the figure compared by
a rule's test (None when there is none: no possible session, no stage date) and the
possible sessions of the window (for `Rule.possible_needed`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from registers import metrics, stats
from registers.metrics import Bounds, SchoolCalendar

from ..ladder import UNAUTHORISED_CODES, Metric, Rule, Test, Window

# The latest school day up to as-of, counted with the shared windows (see `_runs`).
LAST_DAY = "last_school_day"
# Windows counted from each pupil's own date, not shared by the school.
OWN_DATE_WINDOWS = ("since_stage", "since_notice")


def metric_key(metric: Metric) -> str:
    """A short stable name of a metric, used as the evidence's key:
    `attendance_pct[block 6]`, `unauthorised[weeks 10 rearmed]`, `consecutive_days[G,N,O]`."""
    if metric.kind == "indicator":
        return f"indicator[{metric.key}]"
    if metric.kind == "consecutive_days":
        return f"consecutive_days[{','.join(metric.codes)}]"
    w = metric.window
    inside = w.kind if w.n is None else f"{w.kind} {w.n}"
    if w.track:
        inside += f" {w.track}"
    if metric.codes:
        inside += f" {','.join(metric.codes)}"
    if metric.rearm:
        inside += " rearmed"
    return f"{metric.kind}[{inside}]"


def _window_key(window: Window) -> str:
    return window.kind if window.n is None else f"{window.kind}{window.n}"


def window_bounds(window: Window, cal: SchoolCalendar, as_of: date) -> Bounds | None:
    """A shared window's concrete dates as of a day (RULES.md §0 "Windows")."""
    match window.kind:
        case "ytd":
            return metrics.YearToDate().bounds(cal, as_of)
        case "term":
            return metrics.Term().bounds(cal, as_of)
        case "half_term":
            return metrics.HalfTerm().bounds(cal, as_of)
        case "prev_term":
            return metrics.PreviousTerm().bounds(cal, as_of)
        case "prev_year":
            return metrics.PreviousYear().bounds(cal, as_of)
        case "weeks":
            return metrics.LastSchoolWeeks(window.n).bounds(cal, as_of)
        case "months":
            return metrics.CalendarMonths(window.n).bounds(cal, as_of)
        case "days":
            return metrics.LastSchoolDays(window.n).bounds(cal, as_of)
        case "block":
            return metrics.FixedBlocks(window.n).bounds(cal, as_of)
        case "prev_block":
            current = metrics.FixedBlocks(window.n).bounds(cal, as_of)
            if current is None:
                return None
            before = current.start - timedelta(days=1)
            previous = metrics.FixedBlocks(window.n).bounds(cal, before)
            if previous is None or cal.year(previous.start) != cal.year(as_of):
                return None
            return previous
        case "year_to_prev_term":
            start = cal.year(as_of)[0]
            prev = metrics.PreviousTerm().bounds(cal, as_of)
            if prev is None or prev.end < start:
                return None
            return Bounds(start, prev.end)
        case "older_than_days":
            # Sessions whose deadline of n school days has passed: before the (n+1)-th
            # most recent school day (an N of day D may be put right until D + n).
            days = cal.days[: _index_after(cal.days, as_of)]
            if len(days) <= window.n:
                return None
            end = days[-(window.n + 1)] - timedelta(days=1)
            start = cal.year(as_of)[0]
            return Bounds(start, end) if start <= end else None
    raise ValueError(f"{window.kind} is not a shared window")


def _index_after(days: list[date], day: date) -> int:
    return bisect_right(days, day)


def _codes_of(metric: Metric) -> tuple[str, ...]:
    """The codes a count metric counts (lates: L; unauthorised: G N O U)."""
    if metric.kind == "lates":
        return ("L",)
    if metric.kind == "unauthorised":
        return UNAUTHORISED_CODES
    return metric.codes


def _value_of(metric: Metric, summary, codes: dict[str, int]):
    """The figure of a counted metric from a window's summary (and its codes)."""
    match metric.kind:
        case "attendance_pct":
            return (summary.attendance * 100 if summary.possible else None), summary.possible
        case "absence_pct":
            return (summary.absence * 100 if summary.possible else None), summary.possible
        case "possible":
            return summary.possible, summary.possible
        case "lates":
            return codes.get("L", 0), summary.possible
        case "unauthorised":
            return sum(codes.get(c, 0) for c in UNAUTHORISED_CODES), summary.possible
        case "sessions":
            return sum(codes.get(c, 0) for c in metric.codes), summary.possible
    raise ValueError(metric.kind)


@dataclass
class PupilDates:
    """Each pupil's own dates the windows need: when each track's stage began, the last
    penalty notice, the date after which unauthorised sessions count again."""

    stage_since: dict[str, dict[int, date]] = field(default_factory=dict)  # track -> pid -> day
    last_notice: dict[int, date] = field(default_factory=dict)
    rearm_after: dict[int, date] = field(default_factory=dict)


class Figures:
    def __init__(self):
        self.values: dict[str, dict[int, tuple]] = {}
        self.bounds: dict[str, Bounds | None] = {}

    def value(self, pupil_id: int, metric: Metric, track: str = "") -> tuple:
        return self.column(metric, track).get(pupil_id, (None, 0))

    def column(self, metric: Metric, track: str = "") -> dict[int, tuple]:
        """Every pupil's (figure, possible) of a metric (a `since_stage` one per track)."""
        key = metric_key(metric)
        if metric.window and metric.window.kind == "since_stage":
            key = f"{metric.window.track or track}:{key}"
        return self.values.get(key, {})

    def put(self, key: str, pupil_id: int, value: tuple) -> None:
        self.values.setdefault(key, {})[pupil_id] = value


def _tests(rules: Iterable[Rule]) -> list[tuple[Rule, Test]]:
    return [(rule, test) for rule in rules for test in rule.all_tests()]


def _needed_run(tests: list[Test]) -> int:
    """The longest run any of these tests needs to see (a run is counted up to it)."""
    most = 1
    for test in tests:
        n = int(test.number)
        most = max(most, n + 1 if test.op in (">", "==", "<=") else n)
    return most


def compute(
    *,
    school,
    as_of: date,
    rules: list[Rule],
    pupils: list[metrics.OnRoll],
    dates: PupilDates,
    calendar: SchoolCalendar,
) -> Figures:
    """Every figure the rules' tests need, for the pupils given (those on roll on
    as-of, with their roll dates). A constant number of queries for any number of
    pupils: one for the shared windows, one per track with `since_stage` tests, one per
    set of codes of `consecutive_days`, one for the indicators, two for refused leave."""
    figures = Figures()
    ids = [p.pupil_id for p in pupils]
    tests = _tests(rules)
    counted = [(r, t) for r, t in tests if t.metric.window is not None]
    shared = {
        _window_key(t.metric.window): t.metric.window
        for _, t in counted
        if t.metric.window.kind not in OWN_DATE_WINDOWS
    }
    bounds = {key: window_bounds(w, calendar, as_of) for key, w in shared.items()}
    indicator_keys = {t.metric.key for _, t in tests if t.metric.kind == "indicator"}
    if indicator_keys:
        # The §6 indicators' own windows, counted in the same query (see `_indicators`).
        bounds |= {
            f"indicator:{name}": b
            for name, b in metrics.resolve(
                stats.INDICATOR_WINDOWS, calendar=calendar, as_of=as_of
            ).items()
        }
    if any(t.metric.kind == "consecutive_days" for _, t in tests):
        bounds[LAST_DAY] = metrics.LastSchoolDays(1).bounds(calendar, as_of)
    figures.bounds = bounds
    tally = None
    live = [b for b in bounds.values() if b]
    if live and pupils:
        span = Bounds(min(b.start for b in live), max(b.end for b in live))
        # Everyone on roll over the span: marks of leavers are left out by the database
        # cheaply (`every_pupil`); only the pupils given are read back.
        on_roll = metrics.roll(school=school, bounds=span)
        tally = metrics.tally(school=school, bounds=bounds, on_roll=on_roll, every_pupil=True)

    # Shared windows: each pupil's summary of a window is made once for all its metrics.
    by_window: dict[str, list[Metric]] = {}
    for _, test in counted:
        m = test.metric
        if m.window.kind in OWN_DATE_WINDOWS or m.kind == "refused_leave_taken":
            continue
        key = metric_key(m)
        if key not in figures.values:
            figures.values[key] = {}
            by_window.setdefault(_window_key(m.window), []).append(m)
    counts_only = {
        wkey: all(m.kind in ("lates", "unauthorised", "sessions") for m in wanted)
        for wkey, wanted in by_window.items()
    }
    for wkey, wanted in by_window.items():
        keys = [metric_key(m) for m in wanted]
        for pid in ids:
            if tally is None or bounds.get(wkey) is None:
                for m, key in zip(wanted, keys, strict=True):
                    figures.put(key, pid, (None, 0) if m.is_percentage else (0, 0))
                continue
            if counts_only[wkey]:
                # Sessions of some codes need no Summary (most of the time of a column).
                for m, key in zip(wanted, keys, strict=True):
                    figures.put(key, pid, (tally.sessions(pid, wkey, _codes_of(m)), 0))
                continue
            summary = tally.summary(pid, wkey)
            for m, key in zip(wanted, keys, strict=True):
                figures.put(key, pid, _value_of(m, summary, summary.codes))
    _rearmed(figures, school, as_of, counted, dates, bounds, set(ids))
    _own_dates(figures, school, as_of, counted, dates, calendar, set(ids))
    _runs(figures, school, as_of, tests, calendar, ids, tally)
    if indicator_keys and tally is not None:
        _indicators(figures, tally, indicator_keys, bounds, calendar, ids)
    _refused_leave(figures, school, as_of, counted, calendar, ids)
    return figures


def _rearmed(figures, school, as_of, counted, dates: PupilDates, bounds, ids) -> None:
    """Unauthorised sessions counted only after the pupil's last warning or notice
    (RULES.md §0.4): those with such a date are counted again from the day after it."""
    for _, test in counted:
        m = test.metric
        if not m.rearm or m.window.kind in OWN_DATE_WINDOWS:
            continue
        b = bounds.get(_window_key(m.window))
        if b is None:
            continue
        starts = {
            pid: max(b.start, day + timedelta(days=1))
            for pid, day in dates.rearm_after.items()
            if pid in ids and day >= b.start
        }
        if not starts:
            continue
        # Rolling windows end at as-of, as `since_counts` does; a window ending earlier
        # (prev_term) is not re-armed by a notice dated after it anyway.
        if b.end != as_of:
            continue
        since = metrics.since_counts(school=school, as_of=as_of, starts=starts)
        key = metric_key(m)
        for pid in starts:
            summary = since.summary(pid, "since")
            figures.put(key, pid, _value_of(m, summary, summary.codes))


def _own_dates(figures, school, as_of, counted, dates: PupilDates, calendar, ids) -> None:
    """`since_stage` (per track) and `since_notice`: from the day after each pupil's own
    date to as-of (`since_stage` with n: its first n school days)."""
    groups: dict[tuple, list[Metric]] = {}
    for rule, test in counted:
        m = test.metric
        if m.window.kind == "since_stage":
            track = m.window.track or rule.track
            groups.setdefault(("since_stage", track, m.window.n), []).append(m)
        elif m.window.kind == "since_notice":
            groups.setdefault(("since_notice", "", None), []).append(m)
    for (kind, track, n), wanted in groups.items():
        own = dates.stage_since.get(track, {}) if kind == "since_stage" else dates.last_notice
        starts = {pid: day + timedelta(days=1) for pid, day in own.items() if pid in ids}
        prefix = f"{track}:" if kind == "since_stage" else ""
        if n is None:
            since = metrics.since_counts(school=school, as_of=as_of, starts=starts)
            for m in wanted:
                key = prefix + metric_key(m)
                for pid in starts:
                    summary = since.summary(pid, "since")
                    figures.put(key, pid, _value_of(m, summary, summary.codes))
            continue
        # The first n school days after the stage began: pupils sharing a start share
        # their bounds; one count per distinct start (few pupils are at such a stage).
        by_bounds: dict[Bounds, list[int]] = {}
        for pid, start in starts.items():
            days = calendar.school_days(Bounds(start, as_of))[:n]
            if days:
                by_bounds.setdefault(Bounds(start, days[-1]), []).append(pid)
        for b, pids in by_bounds.items():
            counted_b = metrics.tally(
                school=school,
                bounds={"own": b},
                on_roll=metrics.roll(school=school, bounds=b, pupils=pids),
            )
            for m in wanted:
                key = prefix + metric_key(m)
                for pid in pids:
                    summary = counted_b.summary(pid, "own")
                    figures.put(key, pid, _value_of(m, summary, summary.codes))


def _runs(figures, school, as_of, tests, calendar, ids, tally) -> None:
    """`consecutive_days` per set of codes, asked only for the pupils who could have a
    run: a run ends on the latest school day, so a pupil whose sessions that day include
    none of the codes (and none that was not possible) has none. The night's count of
    that day (window `LAST_DAY`) finds them; most pupils were in school."""
    by_codes: dict[tuple[str, ...], list[Test]] = {}
    for _, test in tests:
        if test.metric.kind == "consecutive_days":
            by_codes.setdefault(test.metric.codes, []).append(test)
    for codes, group in by_codes.items():
        candidates = ids
        if tally is not None and LAST_DAY in tally.index:
            candidates = [
                pid
                for pid in ids
                if tally.sessions(pid, LAST_DAY, codes) or tally.not_possible(pid, LAST_DAY)
            ]
        runs = (
            metrics.consecutive_days(
                school=school,
                as_of=as_of,
                codes=codes,
                at_most=_needed_run(group),
                pupils=candidates,
                calendar=calendar,
            )
            if candidates
            else {}
        )
        key = metric_key(group[0].metric)
        figures.values[key] = {pid: (runs.get(pid, 0), 0) for pid in ids}


def _indicators(figures, tally, keys, bounds, calendar, ids) -> None:
    """The DESIGN.md §6 indicators from the night's own count, exactly as
    `registers.stats.indicators` decides them (its windows, codes and thresholds, the
    `Summary` definitions of persistent and severe absence), without counting the year
    a second time. tests/escalation/test_engine_figures.py holds the two equal."""
    runs = {
        name: (len(calendar.school_days(bounds[f"indicator:{name}"])) == days,
               calendar.sessions(bounds[f"indicator:{name}"]))
        for name, days in (("missing", stats.MISSING_FROM_SCHOOL_DAYS),
                           ("deletion", stats.DELETION_REVIEW_DAYS))
    }  # fmt: skip

    def absent_throughout(pid, name) -> bool:
        complete, sessions = runs[name]
        window = f"indicator:{name}"
        missing = tally.sessions(pid, window, stats.MISSING_CODES)
        if not (complete and missing):
            return False
        return missing == sessions - tally.not_possible(pid, window)

    def holds(key: str, pid: int, year) -> bool:
        if key == "persistent_absence":
            return year.persistent_absence
        if key == "severe_absence":
            return year.severe_absence
        if key == "penalty_threshold":
            penalty = tally.sessions(pid, "indicator:penalty", stats.PENALTY_CODES)
            return penalty >= stats.PENALTY_THRESHOLD_SESSIONS
        if key == "missing_from_school":
            return absent_throughout(pid, "missing")
        if key == "deletion_review":
            return absent_throughout(pid, "deletion")
        return year.codes.get("I", 0) >= stats.LONG_ILLNESS_SESSIONS  # long_illness

    values = {key: {} for key in keys}
    for pid in ids:
        year = tally.summary(pid, "indicator:year")
        for key in keys:
            values[key][pid] = (1 if holds(key, pid, year) else 0, 0)
    for key in keys:
        figures.values[metric_key(Metric(kind="indicator", key=key))] = values[key]


def _refused_leave(figures, school, as_of, counted, calendar, ids) -> None:
    wanted = [t.metric for _, t in counted if t.metric.kind == "refused_leave_taken"]
    if not wanted:
        return
    # Layers: escalation may read absences (DESIGN.md §2).
    from absences.selectors.leave import refused_leave_taken

    for m in wanted:
        b = window_bounds(m.window, calendar, as_of)
        taken = (
            refused_leave_taken(school=school, pupil_ids=ids, start=b.start, end=b.end) if b else {}
        )
        figures.values[metric_key(m)] = {pid: (taken.get(pid, 0), 0) for pid in ids}


def exact_text(value) -> str | int | None:
    """A figure for the evidence: a percentage to 2 decimals (display only), counts as
    ints; the exact fraction is kept beside it by the caller."""
    if isinstance(value, Fraction):
        return str(stats.percent(value / 100))
    return value
