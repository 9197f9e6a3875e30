"""Scenario tests of the `banks-lane` preset (policies/banks-lane-infant.txt, RULES.md
§1.4) through the nightly run: the warning after 10 unauthorised sessions in three
calendar months, the Education Penalty Notice when unauthorised absence follows within
15 school days (or the warning spent after 15 clean ones), five days of unauthorised
holiday without a warning, and no legal step for an infant below compulsory school age.
"""

import datetime as dt

import pytest

from tests.escalation.preset_school import (
    UNDER_AGE,
    decision,
    decisions,
    kinds,
    marks,
    preset_school,
    pupil,
    run,
    school_days,
)

pytestmark = pytest.mark.django_db
D = dt.date
# Three calendar months back from 2 Dec: 2 Sep - 2 Dec. Ten school weeks back would only
# reach 23 Sep, so an absence on 10 Sep counts here and not nationally.
DEC_2 = D(2024, 12, 2)


@pytest.fixture
def school():
    return preset_school("banks-lane")


def nine_since_october(school):
    days = school_days(school, D(2024, 10, 7), D(2024, 11, 29))
    return {day: ("O", None) for day in days[:9]}


def test_BL_26_warning_at_10_unauthorised_sessions_in_three_calendar_months_not_9(school):
    ten = pupil(school, forename="Ten")
    nine = pupil(school, forename="Nine")
    infant = pupil(school, forename="Infant", born=UNDER_AGE)
    marks(ten, DEC_2, {**nine_since_october(school), D(2024, 9, 10): ("O", None)})
    marks(nine, DEC_2, nine_since_october(school))
    marks(infant, DEC_2, {**nine_since_october(school), D(2024, 9, 10): ("O", None)})

    night = run(school, DEC_2)

    warning = decision(night, ten, "legal")
    assert warning["rule"] == "banks-lane/BL-26"
    assert (warning["from_stage"], warning["to_stage"]) == ("none", "warning")
    assert kinds(warning, "letter") == ["penalty_warning"]
    assert decision(night, nine, "legal") is None
    # An infant below compulsory school age: no legal step (RULES.md §0.5).
    assert decision(night, infant, "legal") is None


def test_BL_27_unauthorised_absence_after_the_warning_brings_a_notice_BL_27a_clean_days_spend_it(
    school,
):
    again = pupil(school, forename="Again")
    clean = pupil(school, forename="Clean")
    warned = {**nine_since_october(school), D(2024, 9, 10): ("O", None)}
    marks(again, D(2024, 12, 9), {**warned, D(2024, 12, 9): ("O", None)})
    marks(clean, D(2025, 1, 6), warned)
    first = run(school, DEC_2)
    assert decision(first, again, "legal")["to_stage"] == "warning"
    assert decision(first, clean, "legal")["to_stage"] == "warning"

    night = run(school, D(2024, 12, 9))

    notice = decision(night, again, "legal")
    assert notice["rule"] == "banks-lane/BL-27"
    assert (notice["from_stage"], notice["to_stage"]) == ("warning", "penalty_notice")
    (action,) = [a for a in notice["actions"] if a["type"] == "legal"]
    assert (action["issuer"], action["notice_number"], action["amount_gbp"]) == ("la", 1, 80)
    assert decision(night, clean, "legal") is None

    # 14 clean school days (3-20 Dec): still warned; the 15th (6 Jan) spends the warning.
    assert decision(run(school, D(2024, 12, 20)), clean, "legal") is None
    spent = decision(run(school, D(2025, 1, 6)), clean, "legal")
    assert spent["rule"] == "banks-lane/BL-27a"
    assert (spent["from_stage"], spent["to_stage"]) == ("warning", "none")
    assert spent["actions"] == []


def test_BL_28_five_days_of_unauthorised_holiday_bring_a_notice_without_warning_four_do_not(
    school,
):
    five = pupil(school, forename="FiveDays")
    four = pupil(school, forename="FourDays")
    week = school_days(school, D(2024, 10, 7), D(2024, 10, 11))
    marks(five, week[-1], {day: "G" for day in week})
    marks(four, week[-1], {day: "G" for day in week[1:]})

    night = run(school, week[-1])

    notice = decision(night, five, "legal")
    assert notice["rule"] == "banks-lane/BL-28"
    assert (notice["from_stage"], notice["to_stage"]) == ("none", "penalty_notice")
    assert decision(night, four, "legal") is None
    # Any unauthorised holiday: the headteacher considers a notice (BL-29).
    review = [d for d in decisions(night, four, "welfare") if d["rule"] == "banks-lane/BL-29"]
    assert kinds(review[0], "task") == ["review"]
