"""Windows and batched counts (registers/metrics.py; DESIGN.md §6, RULES.md §0), on the
example calendar: autumn term 3 Sep - 20 Dec 2024, half term 28 Oct - 1 Nov."""

import datetime as dt
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registers import metrics, stats
from registers.calendar_changes import sessions_generate
from registers.metrics import (
    Bounds,
    CalendarMonths,
    DateRange,
    FixedBlocks,
    HalfTerm,
    LastSchoolDays,
    LastSchoolWeeks,
    PreviousTerm,
    PreviousYear,
    SchoolCalendar,
    SinceDate,
    Term,
    YearToDate,
)
from registers.models import Closure, Session
from registers.tenancy import school_scope, scopes_disabled
from tests.factories import PupilFactory, mark_days, school_calendar

D = dt.date


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


def bounds(school, window, as_of):
    with school_scope(school):
        return window.bounds(SchoolCalendar(school), as_of)


def school_days(school, start, end):
    with scopes_disabled():
        return list(
            Session.objects.filter(school=school, date__range=(start, end))
            .values_list("date", flat=True)
            .distinct()
            .order_by("date")
        )


@pytest.mark.parametrize(
    ("window", "as_of", "expected"),
    [
        (YearToDate(), D(2024, 11, 6), (D(2024, 9, 1), D(2024, 11, 6))),
        (Term(), D(2024, 11, 6), (D(2024, 9, 3), D(2024, 11, 6))),
        # In the half-term break: the term so far, and the half term just ended.
        (Term(), D(2024, 10, 30), (D(2024, 9, 3), D(2024, 10, 30))),
        (HalfTerm(), D(2024, 10, 30), (D(2024, 9, 3), D(2024, 10, 27))),
        # After the break: from the day after it (the first school day is Monday 4 Nov).
        (HalfTerm(), D(2024, 11, 6), (D(2024, 11, 2), D(2024, 11, 6))),
        # In the Christmas holiday the autumn term is still "this term", whole.
        (Term(), D(2024, 12, 30), (D(2024, 9, 3), D(2024, 12, 20))),
        (PreviousTerm(), D(2025, 1, 8), (D(2024, 9, 3), D(2024, 12, 20))),
        (PreviousYear(), D(2024, 11, 6), (D(2023, 9, 1), D(2024, 8, 31))),
        # The half-term week has no sessions, so it is not one of the two school weeks.
        (LastSchoolWeeks(2), D(2024, 11, 6), (D(2024, 10, 21), D(2024, 11, 6))),
        (LastSchoolDays(3), D(2024, 11, 4), (D(2024, 10, 24), D(2024, 11, 4))),
        (LastSchoolDays(3), D(2024, 11, 3), (D(2024, 10, 23), D(2024, 11, 3))),
        (CalendarMonths(3), D(2025, 5, 31), (D(2025, 2, 28), D(2025, 5, 31))),
        (CalendarMonths(3), D(2024, 11, 6), (D(2024, 8, 6), D(2024, 11, 6))),
        # Blocks of six school weeks from the first (RULES.md CAL-24: 11 Oct, 29 Nov).
        (FixedBlocks(6), D(2024, 10, 11), (D(2024, 9, 2), D(2024, 10, 11))),
        (FixedBlocks(6), D(2024, 10, 14), (D(2024, 10, 14), D(2024, 10, 14))),
        (FixedBlocks(6), D(2024, 11, 29), (D(2024, 10, 14), D(2024, 11, 29))),
        (SinceDate(D(2024, 10, 1)), D(2024, 10, 3), (D(2024, 10, 1), D(2024, 10, 3))),
        (
            DateRange(D(2024, 9, 1), D(2024, 12, 31)),
            D(2024, 10, 3),
            (D(2024, 9, 1), D(2024, 10, 3)),
        ),
    ],
)
def test_each_window_resolves_to_its_dates_on_the_schools_calendar(
    calendar_school, window, as_of, expected
):
    assert bounds(calendar_school, window, as_of) == Bounds(*expected)


def test_a_window_the_calendar_does_not_have_is_none(calendar_school):
    assert bounds(calendar_school, PreviousTerm(), D(2024, 11, 6)) is None
    assert bounds(calendar_school, Term(), D(2024, 9, 2)) is None


def test_a_week_closed_throughout_is_not_a_school_week(calendar_school):
    with school_scope(calendar_school):
        for day in range(14, 19):
            Closure.objects.create(school=calendar_school, date=D(2024, 10, day), reason="Flood")
        sessions_generate(school=calendar_school, start=D(2024, 9, 2), end=D(2025, 7, 22))
    assert not school_days(calendar_school, D(2024, 10, 14), D(2024, 10, 18))

    assert bounds(calendar_school, LastSchoolWeeks(2), D(2024, 10, 23)) == Bounds(
        D(2024, 10, 7), D(2024, 10, 23)
    )
    # 21-23 Oct, then 9-11 Oct.
    assert bounds(calendar_school, LastSchoolDays(6), D(2024, 10, 23)) == Bounds(
        D(2024, 10, 9), D(2024, 10, 23)
    )


def hand_countable_pupils(school):
    with scopes_disabled():
        steady = PupilFactory(school=school)
        mark_days(
            steady,
            {D(2024, 9, 9): "O", D(2024, 10, 21): ("L", "/"), D(2024, 11, 4): "I"}
            | {D(2024, 11, day): "/" for day in range(5, 9)},
        )
        joiner = PupilFactory(school=school, on_roll_from=D(2024, 10, 22))
        mark_days(joiner, {D(2024, 10, 21): "G", D(2024, 10, 22): "G"})
        unmarked = PupilFactory(school=school)
        leaver = PupilFactory(school=school, on_roll_to=D(2024, 9, 30))
        mark_days(leaver, {D(2024, 9, 9): "/", D(2024, 10, 1): "O"})
        return steady, joiner, unmarked, leaver


WINDOWS = {"ytd": YearToDate(), "last2w": LastSchoolWeeks(2), "half": HalfTerm()}


def test_counts_over_several_windows_match_a_hand_count(calendar_school):
    steady, joiner, unmarked, leaver = hand_countable_pupils(calendar_school)

    with school_scope(calendar_school):
        tally = metrics.counts(
            school=calendar_school,
            as_of=D(2024, 11, 8),
            windows=WINDOWS,
            pupils=[steady, joiner, unmarked, leaver],
        )

    assert tally.bounds["last2w"] == Bounds(D(2024, 10, 21), D(2024, 11, 8))
    # 9 Sep O O; 21 Oct L \; 4 Nov I I; 5-8 Nov present.
    ytd = tally.summary(steady.pk, "ytd")
    assert (ytd.possible, ytd.attended, ytd.unauthorised, ytd.authorised) == (14, 10, 2, 2)
    assert ytd.attendance == Fraction(5, 7)
    assert tally.summary(steady.pk, "last2w").attendance == Fraction(10, 12)
    assert tally.summary(steady.pk, "half").attendance == Fraction(8, 10)
    assert (tally.lates(steady.pk, "last2w"), tally.lates(steady.pk, "half")) == (1, 0)
    # The joiner's G on the day before joining counts nowhere.
    assert tally.sessions(joiner.pk, "ytd", ("G", "N", "O", "U")) == 2
    assert tally.summary(unmarked.pk, "ytd").attendance is None
    # The leaver's O after leaving counts nowhere either.
    assert tally.summary(leaver.pk, "ytd").attendance == Fraction(1)
    assert tally.codes(leaver.pk, "half") == {}


def test_counts_take_the_same_queries_for_five_pupils_or_fifty(calendar_school):
    days = school_days(calendar_school, D(2024, 10, 14), D(2024, 11, 8))
    with scopes_disabled():
        pupils = [PupilFactory(school=calendar_school) for _ in range(48)]
        pupils += [
            PupilFactory(school=calendar_school, on_roll_from=D(2024, 10, 21)) for _ in range(2)
        ]
        for p in pupils:
            mark_days(p, {d: "/" for d in days if d >= p.on_roll_from})
    few = pupils[:3] + pupils[-2:]
    stats.code_rules()  # reference data, read once per process

    def queries(work):
        with school_scope(calendar_school), CaptureQueriesContext(connection) as captured:
            work()
        return len(captured)

    def counts(ps):
        return lambda: metrics.counts(
            school=calendar_school, as_of=D(2024, 11, 8), windows=WINDOWS, pupils=ps
        )

    def indicators(ps):
        return lambda: stats.indicators(school=calendar_school, as_of=D(2024, 11, 8), pupils=ps)

    assert queries(counts(few)) == queries(counts(pupils)) <= 6
    assert queries(indicators(few)) == queries(indicators(pupils)) <= 5


def test_consecutive_days_absent_skip_holidays_and_closed_sessions(calendar_school):
    with scopes_disabled():
        runs_through_half_term = PupilFactory(school=calendar_school)
        mark_days(
            runs_through_half_term,
            {
                D(2024, 10, 23): "/",
                D(2024, 10, 24): "N",
                D(2024, 10, 25): "G",
                D(2024, 11, 4): "O",
                D(2024, 11, 5): ("#", "N"),
                D(2024, 11, 6): "#",  # closed for this pupil: neither breaks nor counts
                D(2024, 11, 7): "N",
                D(2024, 11, 8): "N",
            },
        )
        unmarked_afternoon = PupilFactory(school=calendar_school)
        mark_days(
            unmarked_afternoon,
            {D(2024, 11, day): "N" for day in (4, 5, 7, 8)} | {D(2024, 11, 6): ("N", None)},
        )
        always_away = PupilFactory(school=calendar_school)
        mark_days(
            always_away,
            {d: "N" for d in school_days(calendar_school, D(2024, 9, 3), D(2024, 11, 8))},
        )
        present = PupilFactory(school=calendar_school)
        mark_days(present, {D(2024, 11, 8): "/"})
        new = PupilFactory(school=calendar_school, on_roll_from=D(2024, 11, 6))
        mark_days(new, {D(2024, 11, day): "N" for day in (6, 7, 8)})

    with school_scope(calendar_school):
        runs = metrics.consecutive_days(
            school=calendar_school,
            as_of=D(2024, 11, 8),
            codes=("G", "N", "O"),
            at_most=10,
            pupils=[runs_through_half_term, unmarked_afternoon, always_away, present, new],
        )

    assert runs == {
        runs_through_half_term.pk: 6,
        unmarked_afternoon.pk: 2,
        always_away.pk: 10,
        new.pk: 3,
    }


def test_a_pupil_who_left_in_march_is_still_a_persistent_absentee_of_the_year(calendar_school):
    days = school_days(calendar_school, D(2024, 9, 3), D(2025, 3, 14))
    with scopes_disabled():
        leaver = PupilFactory(school=calendar_school, on_roll_to=D(2025, 3, 14))
        mark_days(leaver, {d: ("O" if i % 10 == 0 else "/") for i, d in enumerate(days)})
        staying = PupilFactory(school=calendar_school)
        mark_days(staying, {d: "/" for d in days})
        left_last_year = PupilFactory(school=calendar_school, on_roll_to=D(2024, 7, 19))
        joins_next_year = PupilFactory(school=calendar_school, on_roll_from=D(2025, 9, 3))

    with school_scope(calendar_school):
        held = stats.indicators(school=calendar_school, as_of=D(2025, 7, 1))
        listed = set(
            stats.indicator_roll(school=calendar_school, as_of=D(2025, 7, 1)).values_list(
                "pk", flat=True
            )
        )

    assert held == {leaver.pk: ["persistent_absence"], staying.pk: []}
    assert listed == {leaver.pk, staying.pk}
    assert left_last_year.pk not in held and joins_next_year.pk not in held


def test_every_pupils_counts_are_the_same_as_each_pupils_own(calendar_school):
    steady, joiner, unmarked, leaver = hand_countable_pupils(calendar_school)
    # A former pupil with a stray mark after leaving: it counts nowhere.
    with scopes_disabled():
        former = PupilFactory(school=calendar_school, on_roll_to=D(2024, 7, 19))
        mark_days(former, {D(2024, 9, 10): "O"})
    start, end = D(2024, 9, 1), D(2024, 11, 8)

    with school_scope(calendar_school):
        everyone = stats.summarise(school=calendar_school, start=start, end=end)
        listed = stats.summarise(
            school=calendar_school, start=start, end=end, pupils=[steady, joiner, leaver]
        )
        tally = metrics.counts(school=calendar_school, as_of=end, windows=WINDOWS)

    assert set(everyone) == {steady.pk, joiner.pk, leaver.pk}
    assert {pid: s.codes for pid, s in everyone.items()} == {
        pid: s.codes for pid, s in listed.items()
    }
    assert everyone[joiner.pk].codes == {"G": 2}
    assert tally.summary(leaver.pk, "ytd").codes == {"/": 1, "\\": 1}
    assert tally.codes(former.pk, "ytd") == {}


def test_counts_since_each_pupils_own_date(calendar_school):
    with scopes_disabled():
        first, second = PupilFactory(school=calendar_school), PupilFactory(school=calendar_school)
        for pupil in (first, second):
            mark_days(
                pupil, {D(2024, 10, 7): "O", D(2024, 10, 14): "O", D(2024, 10, 21): ("L", "/")}
            )

    with school_scope(calendar_school):
        tally = metrics.since_counts(
            school=calendar_school,
            as_of=D(2024, 10, 21),
            # The day after each pupil's stage was entered.
            starts={first.pk: D(2024, 10, 8), second.pk: D(2024, 10, 15)},
        )

    assert tally.codes(first.pk, "since") == {"O": 2, "L": 1, "\\": 1}
    assert tally.codes(second.pk, "since") == {"L": 1, "\\": 1}
    assert tally.summary(second.pk, "since").attendance == Fraction(1)
