"""Scenario tests of the `burton-hathow` preset (policies/burton-hathow-prep.txt,
RULES.md §1.2) through the nightly run: persistent absence (DESIGN §6, abs% >= 10) with
at least 20 possible sessions, the strict 85% line, a whole term without effect, the
penalty notice referred to the local authority.

By Monday 30 Sep 2024 a pupil has 40 possible sessions (3-30 Sep).
"""

import datetime as dt

import pytest

from tests.escalation.preset_school import (
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
SEP_30 = D(2024, 9, 30)


@pytest.fixture
def school():
    return preset_school("burton-hathow")


def pm_absent(school, n, until=SEP_30):
    days = school_days(school, D(2024, 9, 3), until)
    return {day: ("/", "C") for day in days[:n]}


def test_BH_14_persistent_absence_brings_a_call_with_20_possible_sessions_not_before(school):
    early = pupil(school, forename="Early")
    at_90 = pupil(school, forename="AtNinety")
    above = pupil(school, forename="Above")
    marks(early, SEP_30, {D(2024, 9, 3): "C"})  # 50% after two days
    marks(at_90, SEP_30, pm_absent(school, 4))  # 36 / 40 = 90%: absence 10%
    marks(above, SEP_30, pm_absent(school, 3))

    assert decision(run(school, D(2024, 9, 4)), early, "attendance") is None  # 4 possible

    night = run(school, SEP_30)

    call = decision(night, at_90, "attendance")
    assert call["rule"] == "burton-hathow/BH-14"
    assert (call["from_stage"], call["to_stage"]) == ("none", "stage_1")
    assert kinds(call, "task") == ["call"]
    assert decision(night, above, "attendance") is None
    assert decision(night, early, "attendance") is None  # 38 / 40 by now


def test_BH_15_formal_meeting_below_85_percent_not_at_85(school):
    at_85 = pupil(school, forename="AtEightyFive")
    below = pupil(school, forename="Below")
    marks(at_85, SEP_30, pm_absent(school, 6))  # 34 / 40 = 85%
    marks(below, SEP_30, pm_absent(school, 7))  # 82.5%

    night = run(school, SEP_30)

    meeting = decision(night, below, "attendance")
    assert meeting["rule"] == "burton-hathow/BH-15"
    assert (meeting["from_stage"], meeting["to_stage"]) == ("none", "stage_2")
    assert kinds(meeting, "letter") == ["meeting_invitation"]
    assert "meeting" in kinds(meeting, "task")
    assert decision(night, at_85, "attendance")["rule"] == "burton-hathow/BH-14"


def test_BH_16_a_whole_term_without_effect_brings_the_la_support_team(school):
    mondays_off = pupil(school, forename="Mondays")
    year = school_days(school, D(2024, 9, 3), D(2025, 4, 4))
    marks(mondays_off, D(2025, 4, 4), {day: "C" for day in year if day.weekday() == 0})
    assert decision(run(school, SEP_30), mondays_off, "attendance")["to_stage"] == "stage_2"

    # End of the autumn term: the case opened after the term began (no whole term yet),
    # but the pupil is on the termly list to the LA (BH-23).
    autumn_end = run(school, D(2024, 12, 20))
    assert decision(autumn_end, mondays_off, "attendance") is None
    reports = [
        a["kind"]
        for d in decisions(autumn_end, mondays_off, "welfare")
        for a in d["actions"]
        if a["type"] == "report"
    ]
    assert reports == ["termly_list"]

    night = run(school, D(2025, 4, 4))  # end of the spring term, the case open all term

    support = decision(night, mondays_off, "attendance")
    assert support["rule"] == "burton-hathow/BH-16"
    assert (support["from_stage"], support["to_stage"]) == ("stage_2", "stage_3")
    assert kinds(support, "task") == ["meeting", "referral"]
    assert [a["to"] for a in support["actions"] if a["kind"] == "referral"] == ["la"]


def test_BH_0a_a_case_closes_at_term_end_without_a_letter_once_no_longer_persistent(school):
    recovered = pupil(school, forename="Recovered")
    marks(recovered, D(2024, 12, 20), pm_absent(school, 4))
    assert decision(run(school, SEP_30), recovered, "attendance")["to_stage"] == "stage_1"

    night = run(school, D(2024, 12, 20))  # 4 absent of 148

    closed = decision(night, recovered, "attendance")
    assert closed["rule"] == "burton-hathow/BH-0a"
    assert (closed["from_stage"], closed["to_stage"]) == ("stage_1", "none")
    assert closed["actions"] == []


def test_BH_21_threshold_refers_to_the_la_for_a_penalty_notice_at_10_not_9(school):
    ten = pupil(school, forename="Ten")
    nine = pupil(school, forename="Nine")
    days = school_days(school, D(2024, 9, 16), D(2024, 9, 27))
    marks(ten, days[-1], {day: ("O", None) for day in days[:10]})
    marks(nine, days[-1], {day: ("O", None) for day in days[:9]})

    night = run(school, days[-1])

    referral = decision(night, ten, "legal")
    assert (referral["rule"], referral["to_stage"]) == ("burton-hathow/BH-21", "penalty_notice")
    (action,) = [a for a in referral["actions"] if a["type"] == "legal"]
    assert (action["issuer"], action["notice_number"], action["amount_gbp"]) == ("la", 1, 80)
    assert decision(night, nine, "legal") is None


def test_BH_10_information_asked_after_more_than_three_school_days_in_a_row(school):
    four = pupil(school, forename="FourDays")
    three = pupil(school, forename="ThreeDays")
    days = school_days(school, D(2024, 10, 7), D(2024, 10, 10))
    marks(four, days[-1], {day: "I" for day in days})
    marks(three, days[-1], {day: "I" for day in days[1:]})

    night = run(school, days[-1])

    asked = [d for d in decisions(night, four, "welfare") if d["rule"] == "burton-hathow/BH-10"]
    assert kinds(asked[0], "task") == ["evidence_request"]
    assert decisions(night, three, "welfare") == []


def test_BH_27_the_la_is_told_on_the_15th_school_day_of_illness(school):
    fifteen = pupil(school, forename="Fifteen")
    fourteen = pupil(school, forename="Fourteen")
    days = school_days(school, D(2024, 9, 9), D(2024, 9, 27))
    assert len(days) == 15
    marks(fifteen, days[-1], {day: "I" for day in days})
    marks(fourteen, days[-1], {day: "I" for day in days[1:]})

    night = run(school, days[-1])

    def rules_fired(child):
        return {d["rule"] for d in decisions(night, child, "welfare")}

    assert "burton-hathow/BH-27" in rules_fired(fifteen)
    assert "burton-hathow/BH-27" not in rules_fired(fourteen)


def test_BH_23_BH_24_one_termly_report_per_pupil_and_BH_20_severe_absence_referral(school):
    both = pupil(school, forename="Both")
    severe = pupil(school, forename="Severe")
    term_end = D(2024, 12, 20)
    days = school_days(school, D(2024, 9, 3), term_end)
    # 20 unauthorised sessions (10 days, one a week): PA and 10 school days unauthorised.
    fridays = [d for d in days if d.weekday() == 4][:10]
    marks(both, term_end, {d: "O" for d in fridays})
    marks(severe, term_end, {d: ("/", "C") for d in days})  # absence 50%

    night = run(school, term_end)

    termly = [
        (d["rule"], a["kind"])
        for d in decisions(night, both, "welfare")
        for a in d["actions"]
        if a["type"] == "report"
    ]
    # BH-23 (PA) and BH-24 (20 unauthorised sessions) both hold: one report, not two.
    assert [kind for _, kind in termly] == ["termly_list"]
    referral = [d for d in decisions(night, severe, "welfare") if d["rule"].endswith("BH-20")]
    assert kinds(referral[0], "task") == ["referral"]
    assert referral[0]["actions"][0]["to"] == "la"
