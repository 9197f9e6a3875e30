"""Every figure of the dashboard for a small school counted by hand
(tests/reporting/small_school.py has the marks and the counts). DESIGN.md §6, §9."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from registers.tenancy import school_scope
from reporting.selectors.dashboard import dashboard
from reporting.selectors.figures import breakdown
from tests.factories import PupilFactory, mark_days, school_calendar
from tests.reporting.small_school import END, START, D, small_school

TODAY = D(2024, 9, 23)


@pytest.fixture
def small(school):
    return small_school(school)


def figures(small):
    with school_scope(small.school):
        return dashboard(school=small.school, start=START, end=END, today=TODAY)


def rows(small, by):
    with school_scope(small.school):
        found = breakdown(school=small.school, start=START, end=END, by=by)
    return {r.value: r for r in found}


def test_headline_counts_every_possible_session_of_the_pupils_with_one(small):
    whole = figures(small).whole
    # possible 20+20+20+20+16; attended 18+20+10+18+15; Fay has no mark and counts nowhere
    assert (whole.pupils, whole.summary.possible, whole.summary.attended) == (5, 96, 81)
    assert (whole.summary.authorised, whole.summary.unauthorised) == (3, 12)
    assert whole.attendance_pct == Decimal("84.38")  # 81/96 = 84.375, half up
    assert whole.authorised_pct == Decimal("3.13")  # 3/96 = 3.125
    assert whole.unauthorised_pct == Decimal("12.50")
    # Ava 2/20 and Dan 2/20 are exactly 10%: persistent; Cara 10/20 also severe
    assert (whole.persistent, whole.persistent_rate_pct) == (3, Decimal("60.00"))
    assert (whole.severe, whole.severe_rate_pct) == (1, Decimal("20.00"))
    assert whole.lates == 1


def test_the_school_target_is_compared_exactly(small):
    d = figures(small)
    assert d.target == Decimal("96.00")
    assert d.below_target_by == Decimal("11.62")  # 96 - 84.38


def test_breakdown_by_sex_with_the_gap_to_the_rest_of_the_school(small):
    by_sex = rows(small, "sex")
    girls, boys = by_sex["F"], by_sex["M"]
    assert girls.as_row() == {
        "group": "F", "pupils": 3, "possible": 56, "attended": 43, "authorised": 3,
        "unauthorised": 10, "attendance_pct": Decimal("76.79"), "persistent_absentees": 2,
        "persistent_absence_rate": Decimal("66.67"), "severe_absentees": 1,
    }  # fmt: skip
    assert boys.as_row()["attendance_pct"] == Decimal("95.00")  # Ben 20 + Dan 18 of 40
    assert (boys.totals.persistent, boys.totals.persistent_rate_pct) == (1, Decimal("50.00"))
    # 43/56 - 38/40 = -0.18214...: girls attend 18.21 points less than everyone else
    assert girls.gap == Decimal("-18.21")
    assert boys.gap == Decimal("18.21")


def test_breakdown_by_year_group(small):
    by_year = rows(small, "year_group")
    assert list(by_year) == ["3", "4"]
    y3, y4 = by_year["3"].as_row(), by_year["4"].as_row()
    assert (y3["pupils"], y3["possible"], y3["attended"]) == (3, 56, 53)
    assert y3["attendance_pct"] == Decimal("94.64")  # 53/56
    assert (y3["persistent_absentees"], y3["persistent_absence_rate"]) == (1, Decimal("33.33"))
    assert (y4["pupils"], y4["possible"], y4["attended"]) == (2, 40, 28)
    assert (y4["persistent_absentees"], y4["severe_absentees"]) == (2, 1)
    assert y4["persistent_absence_rate"] == Decimal("100.00")


def test_registration_groups_count_each_session_in_the_group_of_that_day(small):
    by_group = rows(small, "registration_group")
    ash, birch = by_group["Ash"].as_row(), by_group["Birch"].as_row()
    # Ash: Ava 20, Ben 20, Eve 16 and Dan's second week (8 of 10, two N)
    assert (ash["pupils"], ash["possible"], ash["attended"]) == (4, 66, 61)
    assert (ash["authorised"], ash["unauthorised"]) == (3, 2)
    assert ash["attendance_pct"] == Decimal("92.42")
    # Dan missed 2 of his 10 sessions in Ash (20%): a persistent absentee of Ash
    assert (ash["persistent_absentees"], ash["persistent_absence_rate"]) == (2, Decimal("50.00"))
    # Birch: Cara 20 and Dan's first week, all present
    assert (birch["pupils"], birch["possible"], birch["attended"]) == (2, 30, 20)
    assert birch["attendance_pct"] == Decimal("66.67")
    assert (birch["persistent_absentees"], birch["severe_absentees"]) == (1, 1)
    # The rest beside Birch is Ash: 61/66 - 20/30
    assert by_group["Birch"].gap == Decimal("-25.76")


@pytest.mark.parametrize(
    ("by", "value", "pupils", "possible", "attended"),
    [
        ("sen", "N", 3, 56, 53),  # Ben, Dan, Eve
        ("sen", "K", 1, 20, 18),  # Ava
        ("sen", "E", 1, 20, 10),  # Cara
        ("fsm", "Y", 1, 20, 18),
        ("fsm", "N", 4, 76, 63),
        ("eal", "Y", 1, 20, 10),
        ("looked_after", "Y", 1, 16, 15),
        ("child_in_need", "N", 5, 96, 81),
        ("young_carer", "N", 5, 96, 81),  # Fay, the young carer, has no possible session
    ],
)
def test_breakdowns_by_characteristic(small, by, value, pupils, possible, attended):
    row = rows(small, by)[value].as_row()
    assert (row["pupils"], row["possible"], row["attended"]) == (pupils, possible, attended)


def test_a_value_with_no_possible_session_has_no_row(small):
    assert "Y" not in rows(small, "young_carer")
    assert "Y" not in rows(small, "child_in_need")


def test_lists_name_the_pupils_each_rule_picks(small):
    lists = figures(small).lists

    def names(key):
        return sorted(line.name for line in lists[key])

    assert names("persistent") == ["Ava Test", "Cara Test", "Dan Test"]
    assert names("severe") == ["Cara Test"]
    assert names("at_risk") == ["Eve Test"]  # 15/16 = 93.75%; Ava at 90% is persistent
    assert names("unresolved_n") == ["Dan Test"]
    assert [line.detail for line in lists["unresolved_n"]] == ["2 sessions"]
    # Fay has no mark on any of the 20 sessions: counted nowhere, listed as missing
    assert [(line.name, line.detail) for line in lists["missing_marks"]] == [
        ("Fay Test", "20 sessions")
    ]


def test_patterns_weekday_session_weeks_and_worst_days(small):
    d = figures(small)
    monday_am = d.weekday_session[0][0]
    # Mon 9 AM: 4 of 4 (Eve not on roll yet); Mon 16 AM: 3 of 5 (Cara O, Dan N)
    assert (monday_am.totals.summary.possible, monday_am.totals.summary.attended) == (9, 7)
    assert monday_am.attendance_pct == Decimal("77.78")
    weeks = [(w.label, w.attendance_pct) for w in d.weeks]
    # w/c 9: 46 possible (Eve from Wed), 2 absent; w/c 16: 50 possible, 13 absent
    assert weeks == [("w/c 9 Sep", Decimal("95.65")), ("w/c 16 Sep", Decimal("74.00"))]
    worst = [(c.label, c.attendance_pct) for c in d.worst_days[:3]]
    assert worst == [
        ("Mon 16 Sep", Decimal("60.00")),
        ("Wed 18 Sep", Decimal("70.00")),
        ("Tue 10 Sep", Decimal("75.00")),
    ]
    assert d.codes_by_month == [("Sep 2024", {"I": 3, "O": 10, "N": 2})]


def test_improving_and_declining_compare_the_last_four_school_weeks_with_before(school):
    with scopes_disabled():
        school_calendar(school)
        better = PupilFactory(school=school, legal_forename="Better", legal_surname="Test")
        worse = PupilFactory(school=school, legal_forename="Worse", legal_surname="Test")
        steady = PupilFactory(school=school, legal_forename="Steady", legal_surname="Test")
        # 2 Sep - 27 Sep: the four school weeks before; 30 Sep - 25 Oct: the last four
        before = [D(2024, 9, 3) + timedelta(days=i) for i in range(25)]
        before = [d for d in before if d.weekday() < 5]
        after = [D(2024, 9, 30) + timedelta(days=i) for i in range(26)]
        after = [d for d in after if d.weekday() < 5]
        mark_days(
            better, {**{d: "O" for d in before[:10]}, **{d: "/" for d in before[10:] + after}}
        )
        mark_days(worse, {**{d: "/" for d in before + after[:10]}, **{d: "I" for d in after[10:]}})
        mark_days(steady, {d: "/" for d in before + after})
    with school_scope(school):
        d = dashboard(school=school, start=D(2024, 9, 3), end=D(2024, 10, 25), today=TODAY)
    assert [line.name for line in d.lists["improving"]] == ["Better Test"]
    assert [line.name for line in d.lists["declining"]] == ["Worse Test"]
