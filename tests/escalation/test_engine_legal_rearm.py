"""The penalty threshold's count and the notices' numbering, at their edges (RULES.md
§0.4 re-arm, §0.5 numbering and compulsory school age; BS-35, DS-30): a notice issued on
the night's own day re-arms that night's count, and only sessions from the day the
pupil reached compulsory school age count towards a legal step."""

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from escalation.models import Case, PenaltyNotice
from tests.escalation.factories import PENALTY, child, issued_notice, ladder_school, marks, of, run

pytestmark = pytest.mark.django_db
D = dt.date
NOV_18 = D(2024, 11, 18)
# Ten unauthorised sessions in the 10 school weeks up to Mon 18 Nov 2024, two of them
# on the 18th itself.
TEN = {
    D(2024, 9, 9): ("O", "/"),
    D(2024, 10, 24): "O",
    D(2024, 10, 25): "G",
    D(2024, 11, 4): "U",
    D(2024, 11, 5): "O",
    D(2024, 11, 18): ("N", "/"),
}
# Five more days (10 sessions) unauthorised after the 18th.
AFTER = {D(2024, 11, d): "O" for d in (19, 20, 21, 22, 25)}


@pytest.fixture
def school():
    return ladder_school([PENALTY])


def test_a_notice_issued_on_the_nights_own_day_rearms_that_nights_count(school):
    """BS-35 / §0.4: the head issues notice 1 in the morning; that night proposes no
    second notice 1 from the same sessions."""
    pupil = child(school)
    marks(pupil, NOV_18, TEN)
    issued_notice(pupil, NOV_18)

    assert of(run(school, NOV_18), pupil) == []


def test_after_a_notice_issued_on_a_day_only_later_sessions_count_and_the_next_is_notice_2(
    school,
):
    """§0.4-§0.5: the sessions of the notice's own day do not count again; ten after it
    make notice 2, £160."""
    pupil = child(school)
    marks(pupil, D(2024, 11, 25), {**TEN, **AFTER})
    issued_notice(pupil, NOV_18)

    (decision,) = of(run(school, D(2024, 11, 25)), pupil, "legal")

    assert decision["evidence"]["unauthorised[weeks 10 rearmed]"] == 10
    action = decision["actions"][0]
    assert (action["kind"], action["notice_number"], action["amount_gbp"]) == (
        "penalty_notice",
        2,
        160,
    )


def test_a_notice_issued_after_the_nights_day_is_not_seen_by_that_night(school):
    """A run for an earlier day (a re-run, `--as-of`) decides as that day knew."""
    pupil = child(school)
    marks(pupil, NOV_18, TEN)
    issued_notice(pupil, D(2024, 11, 19))

    (decision,) = of(run(school, NOV_18), pupil, "legal")

    assert decision["actions"][0]["notice_number"] == 1


# Five on 15 Oct 2024: of compulsory school age from 31 Dec 2024 (RULES.md §0.5).
BORN = D(2019, 10, 15)
# Mon 20 Jan 2025: its 10 school weeks start Mon 4 Nov 2024.
JAN_20 = D(2025, 1, 20)
DECEMBER = {D(2024, 12, d): "O" for d in (9, 10, 11, 12, 13)}  # 10 sessions, aged 5 not yet CSA
JANUARY = {D(2025, 1, d): "O" for d in (13, 14, 15, 16, 17)}  # 10 sessions, of CSA


def test_sessions_before_compulsory_school_age_do_not_count_towards_a_penalty_notice(school):
    """§0.5 / DESIGN §7: ten unauthorised sessions in December, before the pupil reached
    compulsory school age on 31 Dec; in January the pupil is of age, but those
    sessions are no ground for a notice."""
    pupil = child(school, born=BORN)
    marks(pupil, JAN_20, DECEMBER)

    assert of(run(school, JAN_20), pupil, "legal") == []


def test_sessions_from_compulsory_school_age_on_count_towards_a_penalty_notice(school):
    """The other side: ten in January (of age) propose a notice counting those ten only,
    not December's four before it."""
    pupil = child(school, born=BORN)
    before = {D(2024, 12, 9): "O", D(2024, 12, 10): "O"}
    marks(pupil, JAN_20, {**before, **JANUARY})

    (decision,) = of(run(school, JAN_20), pupil, "legal")

    assert decision["to_stage"] == "penalty_notice"
    assert decision["evidence"]["unauthorised[weeks 10 rearmed]"] == 10


def test_the_payment_period_runs_28_days_from_issue_not_from_the_proposal(school):
    """§0.4: proposed on 18 Nov, issued on 2 Dec: on 16 Dec (28 days after the proposal,
    14 after issue) the legal track is still at penalty notice."""
    pupil = child(school)
    marks(pupil, D(2025, 1, 6), TEN)
    run(school, NOV_18)
    with scopes_disabled():
        PenaltyNotice.objects.filter(pupil=pupil).update(status="issued", issued_on=D(2024, 12, 2))

    run(school, D(2024, 12, 16))
    with scopes_disabled():
        assert Case.objects.get(pupil=pupil, track="legal").stage == "penalty_notice"
    run(school, D(2025, 1, 6))  # 35 days after issue
    with scopes_disabled():
        assert Case.objects.get(pupil=pupil, track="legal").stage == "none"
