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


HT_1, HT_2 = D(2024, 10, 25), D(2024, 12, 20)
JOINED = D(2024, 9, 30)  # 40 possible sessions by 25 Oct; 70 from 28 Oct to 20 Dec


def test_BL_21_step_1_at_90_percent_or_less_BL_21a_meeting_BL_37_progress_acknowledged(school):
    stuck = pupil(school, forename="Stuck", on_roll_from=JOINED)
    better = pupil(school, forename="Better", on_roll_from=JOINED)
    above = pupil(school, forename="Above", on_roll_from=JOINED)
    first = school_days(school, JOINED, HT_1)
    after = school_days(school, D(2024, 10, 28), HT_2)
    for child, before, since in ((stuck, 4, 7), (better, 4, 6), (above, 3, 0)):
        marks(child, HT_1, {day: ("/", "C") for day in first[:before]})
        marks(child, HT_2, {day: ("/", "C") for day in after[:since]}, start=after[0])

    night = run(school, HT_1)

    step_1 = decision(night, stuck, "attendance")  # 36 / 40 = 90%: "90% or less"
    assert (step_1["rule"], step_1["to_stage"]) == ("banks-lane/BL-21", "stage_1")
    assert kinds(step_1, "letter") == ["stage_1"]
    assert decision(night, above, "attendance") is None  # 92.5%
    welfare = {d["rule"] for d in decisions(night, stuck, "welfare")}
    assert {"banks-lane/BL-20", "banks-lane/BL-36"} <= welfare

    later = run(school, HT_2)

    meeting = decision(later, stuck, "attendance")  # 63 / 70 = 90% since the letter
    assert (meeting["rule"], meeting["to_stage"]) == ("banks-lane/BL-21a", "stage_2")
    assert kinds(meeting, "letter") == ["meeting_invitation"]
    progress = decision(later, better, "attendance")  # 64 / 70
    assert (progress["rule"], progress["to_stage"]) == ("banks-lane/BL-37", "none")
    assert kinds(progress, "letter") == ["improvement"]


def test_BL_32_missing_from_school_after_10_days_unexplained_not_10_days_of_late_U(school):
    unexplained = pupil(school, forename="Unexplained")
    late_every_day = pupil(school, forename="LateU")
    days = school_days(school, D(2024, 9, 30), D(2024, 10, 11))
    marks(unexplained, days[-1], {day: "N" for day in days})
    marks(late_every_day, days[-1], {day: "U" for day in days})

    night = run(school, days[-1])

    def reported(child):
        return [
            a["kind"]
            for d in decisions(night, child, "welfare")
            for a in d["actions"]
            if a["type"] == "report"
        ]

    assert reported(unexplained) == ["missing_from_school"]
    # U (arrived after the register closed) is no unexplained absence (RULES.md §2).
    assert reported(late_every_day) == []


def test_BL_08_sick_children_service_on_the_15th_day_BL_36a_part_time_timetable(school):
    ill = pupil(school, forename="Ill")
    part_time = pupil(school, forename="PartTime")
    days = school_days(school, D(2024, 9, 9), D(2024, 9, 27))
    marks(ill, days[-1], {d: "I" for d in days})
    marks(part_time, days[-1], {days[-1]: ("/", "C2")})

    night = run(school, days[-1])

    referral = [d for d in decisions(night, ill, "welfare") if d["rule"] == "banks-lane/BL-08"]
    assert [(a["kind"], a["to"]) for a in referral[0]["actions"]] == [
        ("referral", "sick_children_service")
    ]
    notice = [d for d in decisions(night, part_time, "welfare")]
    assert [(d["rule"], d["actions"][0]["kind"]) for d in notice] == [
        ("banks-lane/BL-36a", "part_time_timetable")
    ]
