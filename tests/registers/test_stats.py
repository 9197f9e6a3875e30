"""The one definition of the attendance figures (DESIGN.md §6)."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from registers import stats
from registers.models import Session
from registers.tenancy import school_scope
from tests.factories import PupilFactory, SchoolFactory, mark_days, school_calendar

D = dt.date


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


def school_days_from(school, start, count):
    with scopes_disabled():
        return list(
            Session.objects.filter(school=school, date__gte=start)
            .values_list("date", flat=True)
            .distinct()
            .order_by("date")[:count]
        )


def test_exactly_ten_percent_absence_is_persistent(calendar_school):
    days = school_days_from(calendar_school, D(2024, 9, 3), 10)  # 20 sessions
    pupil = PupilFactory(school=calendar_school)
    mark_days(pupil, {d: "/" for d in days[:9]} | {days[9]: ("I", "O")})

    with school_scope(calendar_school):
        summary = stats.summarise(
            school=calendar_school, start=days[0], end=days[-1], pupils=[pupil]
        )

    s = summary[pupil.pk]
    assert (s.possible, s.attended, s.authorised, s.unauthorised) == (20, 18, 1, 1)
    assert s.attendance_pct == Decimal("90.00")
    assert s.persistent_absence and not s.severe_absence


def test_just_under_ten_percent_is_not_persistent_even_if_it_rounds_to_ten(calendar_school):
    # 99 absent of 991 possible is 9.9899...%, which would show as 9.99; 1 of 10.01 rounds
    # up to 10.0 at one decimal place. Compared exactly, it is not persistent absence.
    s = stats.Summary(pupil_id=1)
    s.add("/", 892)
    s.add("O", 99)
    assert s.absence_pct == Decimal("9.99")
    assert not s.persistent_absence
    s.add("O", 1)
    assert s.persistent_absence


def test_no_possible_sessions_has_no_percentage(calendar_school):
    day = D(2024, 9, 9)
    pupil = PupilFactory(school=calendar_school)
    mark_days(pupil, {day: "X"})
    with school_scope(calendar_school):
        s = stats.summarise(school=calendar_school, start=day, end=day, pupils=[pupil])[pupil.pk]
    assert s.possible == 0
    assert s.attendance_pct is None
    assert not s.persistent_absence
    with school_scope(calendar_school):
        assert stats.indicators(school=calendar_school, as_of=day, pupils=[pupil])[pupil.pk] == []


def test_marks_outside_the_pupils_time_on_roll_count_nowhere(calendar_school):
    pupil = PupilFactory(school=calendar_school, on_roll_from=D(2024, 9, 10))
    mark_days(pupil, {D(2024, 9, 9): "O", D(2024, 9, 10): "/"})
    with school_scope(calendar_school):
        s = stats.summarise(
            school=calendar_school, start=D(2024, 9, 1), end=D(2024, 9, 30), pupils=[pupil]
        )[pupil.pk]
    assert (s.possible, s.unauthorised) == (2, 0)


def test_a_group_total_is_sessions_not_a_mean_of_percentages(calendar_school):
    day = D(2024, 9, 9)
    full, half = PupilFactory(school=calendar_school), PupilFactory(school=calendar_school)
    mark_days(full, {day: "/", D(2024, 9, 10): "/"})
    mark_days(half, {day: ("/", "I")})
    with school_scope(calendar_school):
        total = stats.combine(
            stats.summarise(
                school=calendar_school, start=day, end=D(2024, 9, 10), pupils=[full, half]
            ).values()
        )
    assert (total.possible, total.attended) == (6, 5)
    assert total.attendance_pct == Decimal("83.33")


def test_penalty_threshold_counts_ten_gnou_sessions_across_a_half_term(calendar_school):
    pupil, fewer = PupilFactory(school=calendar_school), PupilFactory(school=calendar_school)
    # Five sessions before half term and five after: the rolling 10 school weeks skip
    # the half term, so all ten are in the window on 8 November.
    before = {D(2024, 10, 23): ("G", "N"), D(2024, 10, 24): ("O", "U"), D(2024, 10, 25): ("G", "/")}
    after = {D(2024, 11, 4): ("G", "N"), D(2024, 11, 5): ("O", "U"), D(2024, 11, 6): ("G", "L")}
    mark_days(pupil, before | after)
    mark_days(fewer, before | after | {D(2024, 11, 5): ("O", "/")})

    with school_scope(calendar_school):
        held = stats.indicators(school=calendar_school, as_of=D(2024, 11, 8), pupils=[pupil, fewer])

    assert "penalty_threshold" in held[pupil.pk]
    assert "penalty_threshold" not in held[fewer.pk]  # L is not counted; 9 sessions


def test_missing_from_school_needs_every_session_of_ten_school_days(calendar_school):
    days = school_days_from(calendar_school, D(2024, 10, 14), 10)  # spans the half term
    missing, back = PupilFactory(school=calendar_school), PupilFactory(school=calendar_school)
    mark_days(missing, {d: "N" for d in days[:5]} | {d: ("G", "O") for d in days[5:]})
    mark_days(back, {d: "N" for d in days[:9]} | {days[9]: ("N", "\\")})

    with school_scope(calendar_school):
        held = stats.indicators(school=calendar_school, as_of=days[-1], pupils=[missing, back])

    assert "missing_from_school" in held[missing.pk]
    assert "missing_from_school" not in held[back.pk]
    assert "deletion_review" not in held[missing.pk]  # that needs 20 days


def test_long_illness_is_thirty_sessions_of_i_in_the_year(calendar_school):
    days = school_days_from(calendar_school, D(2024, 9, 3), 15)
    ill, less_ill = PupilFactory(school=calendar_school), PupilFactory(school=calendar_school)
    mark_days(ill, {d: "I" for d in days})
    mark_days(less_ill, {d: "I" for d in days[:14]} | {days[14]: ("I", "\\")})

    with school_scope(calendar_school):
        held = stats.indicators(school=calendar_school, as_of=days[-1], pupils=[ill, less_ill])

    assert "long_illness" in held[ill.pk]
    assert "long_illness" not in held[less_ill.pk]


def test_indicators_take_the_same_queries_for_one_pupil_or_forty(
    calendar_school, django_assert_max_num_queries
):
    days = school_days_from(calendar_school, D(2024, 9, 3), 20)
    pupils = [PupilFactory(school=calendar_school) for _ in range(40)]
    for p in pupils:
        mark_days(p, {d: "/" for d in days})
    stats.code_rules()  # reference data, read once per process
    with django_assert_max_num_queries(8) as one, school_scope(calendar_school):
        stats.indicators(school=calendar_school, as_of=days[-1], pupils=pupils[:1])
    with django_assert_max_num_queries(len(one.captured_queries)), school_scope(calendar_school):
        stats.indicators(school=calendar_school, as_of=days[-1], pupils=pupils)


def test_statistics_of_one_school_never_include_another(calendar_school):
    other = SchoolFactory()
    school_calendar(other)
    mine, theirs = PupilFactory(school=calendar_school), PupilFactory(school=other)
    mark_days(mine, {D(2024, 9, 9): "/"})
    mark_days(theirs, {D(2024, 9, 9): "O"})
    with school_scope(calendar_school):
        found = stats.summarise(school=calendar_school, start=D(2024, 9, 1), end=D(2024, 9, 30))
    assert set(found) == {mine.pk}


def test_missing_marks_lists_unmarked_past_sessions_on_roll(calendar_school):
    pupil = PupilFactory(school=calendar_school)
    mark_days(pupil, {D(2024, 9, 9): ("/", None)})
    with school_scope(calendar_school):
        missing = stats.missing_marks(
            school=calendar_school, start=D(2024, 9, 9), end=D(2024, 9, 9), pupils=[pupil]
        )
    with scopes_disabled():
        pm = Session.objects.get(school=calendar_school, date=D(2024, 9, 9), period="PM")
        assert missing == [(pupil.pk, pm.pk)]


def test_a_partial_closure_neither_breaks_nor_makes_a_missing_from_school_run(calendar_school):
    days = school_days_from(calendar_school, D(2024, 9, 16), 10)
    missing, closed_only = (
        PupilFactory(school=calendar_school),
        PupilFactory(school=calendar_school),
    )
    mark_days(missing, {d: "N" for d in days[:9]} | {days[9]: ("#", "O")})
    mark_days(closed_only, {d: "#" for d in days})

    with school_scope(calendar_school):
        held = stats.indicators(
            school=calendar_school, as_of=days[-1], pupils=[missing, closed_only]
        )

    assert "missing_from_school" in held[missing.pk]
    assert "missing_from_school" not in held[closed_only.pk]
