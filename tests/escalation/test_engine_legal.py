"""Penalty notices under the national framework 2024 (DESIGN.md §7, RULES.md §0.4-§0.5;
BS-35, BS-37, BS-38, DS-30..33): the threshold of 10 unauthorised sessions in a
rolling 10 school weeks, counted only after an earlier notice, for pupils of compulsory
school age; £80 for a first notice, £160 for a second within 3 years; no third."""

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from escalation.engine.points import compulsory_school_age
from escalation.models import Case, PenaltyNotice, Proposal
from tests.escalation.factories import (
    PENALTY,
    UNDER_AGE,
    child,
    issued_notice,
    ladder_school,
    marks,
    of,
    run,
)

pytestmark = pytest.mark.django_db
D = dt.date
# Mon 18 Nov 2024: its 10 most recent school weeks start Mon 9 Sep (the half-term week
# 28 Oct - 1 Nov has no sessions and is not one of them).
NOV_18 = D(2024, 11, 18)
# Ten sessions of unauthorised absence either side of the half term, the first on the
# first day of the window.
TEN = {
    D(2024, 9, 9): ("O", "/"),
    D(2024, 10, 24): "O",
    D(2024, 10, 25): "G",
    D(2024, 11, 4): "U",
    D(2024, 11, 5): "O",
    D(2024, 11, 18): ("N", "/"),
}


@pytest.fixture
def school():
    return ladder_school([PENALTY])


def test_10_unauthorised_sessions_in_the_window_across_a_half_term_propose_a_notice(school):
    pupil = child(school)
    marks(pupil, NOV_18, TEN)

    night = run(school, NOV_18)

    (decision,) = of(night, pupil, "legal")
    assert (decision["from_stage"], decision["to_stage"]) == ("none", "penalty_notice")
    assert decision["evidence"]["unauthorised[weeks 10 rearmed]"] == 10
    assert decision["actions"] == [
        {
            "type": "legal",
            "kind": "penalty_notice",
            "notice_number": 1,
            "amount_gbp": 80,
            "issuer": "school",
            "parent": 1,
            "approver": "headteacher",
        }
    ]
    with scopes_disabled():
        notice = PenaltyNotice.objects.get(pupil=pupil)
        assert (notice.status, notice.amount_gbp, notice.sessions_counted) == ("proposed", 80, 10)
        assert Proposal.objects.get(pupil=pupil).approver == "headteacher"


def test_9_in_the_window_propose_nothing_when_the_10th_is_before_it(school):
    pupil = child(school)
    # The same ten, but the first on Fri 6 Sep: the week before the window.
    codes = {**TEN, D(2024, 9, 9): "/", D(2024, 9, 6): ("O", "/")}
    marks(pupil, NOV_18, codes)

    assert of(run(school, NOV_18), pupil) == []


def test_only_sessions_after_an_earlier_notice_count_again(school):
    pupil = child(school)
    marks(pupil, NOV_18, TEN)
    # A notice issued on 24 Oct: only the 7 sessions after it count.
    issued_notice(pupil, D(2024, 10, 24))

    assert of(run(school, NOV_18), pupil) == []


def test_a_second_notice_within_3_years_is_160_pounds(school):
    pupil = child(school)
    marks(pupil, NOV_18, TEN)
    issued_notice(pupil, D(2022, 11, 19))  # counts until 18 Nov 2025

    (decision,) = of(run(school, NOV_18), pupil, "legal")

    action = decision["actions"][0]
    assert (action["notice_number"], action["amount_gbp"]) == (2, 160)


def test_a_notice_stops_counting_3_years_after_its_date(school):
    pupil = child(school)
    marks(pupil, NOV_18, TEN)
    issued_notice(pupil, D(2021, 11, 18))  # counted up to 17 Nov 2024

    (decision,) = of(run(school, NOV_18), pupil, "legal")

    action = decision["actions"][0]
    assert (action["notice_number"], action["amount_gbp"]) == (1, 80)


def test_a_third_notice_is_refused_and_alternative_action_proposed(school):
    pupil = child(school)
    marks(pupil, NOV_18, TEN)
    issued_notice(pupil, D(2023, 1, 10))
    issued_notice(pupil, D(2024, 2, 12), number=2)

    (decision,) = of(run(school, NOV_18), pupil, "legal")

    assert decision["to_stage"] == "alternative_action"
    assert [(a["kind"], a["parent"]) for a in decision["actions"]] == [("alternative_action", 1)]
    with scopes_disabled():
        assert not PenaltyNotice.objects.filter(pupil=pupil, status="proposed").exists()
        assert Proposal.objects.get(pupil=pupil).kind == "alternative_action"
        assert Case.objects.get(pupil=pupil, track="legal").stage == "alternative_action"


def test_each_parent_is_counted_separately(school):
    pupil = child(school, parents=2)
    marks(pupil, NOV_18, TEN)
    issued_notice(pupil, D(2023, 1, 10), priority=1)
    issued_notice(pupil, D(2024, 2, 12), priority=1, number=2)

    (decision,) = of(run(school, NOV_18), pupil, "legal")

    assert decision["to_stage"] == "penalty_notice"
    assert [(a["kind"], a["parent"], a.get("amount_gbp")) for a in decision["actions"]] == [
        ("alternative_action", 1, None),
        ("penalty_notice", 2, 80),
    ]


def test_no_legal_step_for_a_pupil_below_compulsory_school_age(school):
    young = child(school, name="Young", born=UNDER_AGE)
    marks(young, NOV_18, TEN)

    assert of(run(school, NOV_18), young) == []


@pytest.mark.parametrize(
    ("born", "on", "of_age"),
    [
        (D(2020, 3, 1), D(2025, 3, 30), False),  # 5 on 1 Mar: from the 31 Mar after
        (D(2020, 3, 1), D(2025, 3, 31), True),
        (D(2019, 12, 31), D(2024, 12, 31), True),  # 5 on a prescribed day: that day
        (D(2019, 9, 1), D(2024, 12, 30), False),
        (D(2008, 9, 1), D(2025, 6, 27), True),  # 16 in Sep 2024: to the last Friday of June 2025
        (D(2008, 9, 1), D(2025, 6, 28), False),
    ],
)
def test_compulsory_school_age(born, on, of_age):
    assert compulsory_school_age(born, on) is of_age


def test_the_legal_track_returns_to_none_28_days_after_a_notice(school):
    pupil = child(school)
    marks(pupil, D(2024, 12, 16), TEN)
    run(school, NOV_18)
    with scopes_disabled():
        PenaltyNotice.objects.filter(pupil=pupil).update(status="issued", issued_on=NOV_18)

    run(school, D(2024, 12, 13))  # 25 days: still in the payment period
    with scopes_disabled():
        assert Case.objects.get(pupil=pupil, track="legal").stage == "penalty_notice"
    run(school, D(2024, 12, 16))  # 28 days
    with scopes_disabled():
        case = Case.objects.get(pupil=pupil, track="legal")
        assert (case.stage, case.closed_on) == ("none", D(2024, 12, 16))


def test_a_pupil_with_no_parent_on_record_gets_a_review_task_not_a_notice(school):
    pupil = child(school, parents=0)
    marks(pupil, NOV_18, TEN)

    (decision,) = of(run(school, NOV_18), pupil, "legal")

    assert decision["to_stage"] == "none"
    assert [a["kind"] for a in decision["actions"]] == ["review"]
