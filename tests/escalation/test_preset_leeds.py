"""Scenario tests of the `leeds` preset (policies/micklefield-leeds.txt, RULES.md §1.5)
through the nightly run: half-termly letters (HT_end 25 Oct and 20 Dec 2024), "below
90%" strict for letter one, improvement at 90% or more since the last letter, 5 lates in
the half term, 100% certificates.

Pupils who join on Mon 30 Sep have 40 possible sessions by 25 Oct; from 28 Oct to 20 Dec
everyone has 70.
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
HT_1, HT_2 = D(2024, 10, 25), D(2024, 12, 20)
JOINED = D(2024, 9, 30)


@pytest.fixture
def school():
    return preset_school("leeds")


def pm_absent(school, n, start, end):
    days = school_days(school, start, end)
    return {day: ("/", "C") for day in days[:n]}


def test_LE_17_letter_one_when_attendance_is_below_90_not_at_90(school):
    at_90 = pupil(school, forename="AtNinety", on_roll_from=JOINED)
    below = pupil(school, forename="Below", on_roll_from=JOINED)
    marks(at_90, HT_1, pm_absent(school, 4, JOINED, HT_1))  # 36 / 40 = 90%: PA, no letter
    marks(below, HT_1, pm_absent(school, 5, JOINED, HT_1))  # 87.5%

    assert decision(run(school, D(2024, 10, 24)), below, "attendance") is None

    night = run(school, HT_1)

    letter = decision(night, below, "attendance")
    assert letter["rule"] == "leeds/LE-17"
    assert (letter["from_stage"], letter["to_stage"]) == ("none", "stage_1")
    assert kinds(letter, "letter") == ["stage_1"]
    assert decision(night, at_90, "attendance") is None


def test_LE_22_fast_track_without_improvement_LE_23_congratulation_at_90_since(school):
    stuck = pupil(school, forename="Stuck", on_roll_from=JOINED)
    better = pupil(school, forename="Better", on_roll_from=JOINED)
    after = school_days(school, D(2024, 10, 28), HT_2)
    assert len(after) == 35
    for child, n in ((stuck, 8), (better, 7)):
        marks(child, HT_1, pm_absent(school, 5, JOINED, HT_1))
        marks(child, HT_2, {day: ("/", "C") for day in after[:n]}, start=after[0])
    assert decision(run(school, HT_1), stuck, "attendance")["to_stage"] == "stage_1"

    night = run(school, HT_2)

    fast_track = decision(night, stuck, "attendance")  # 62 / 70 = 88.6%
    assert fast_track["rule"] == "leeds/LE-22"
    assert (fast_track["from_stage"], fast_track["to_stage"]) == ("stage_1", "stage_2")
    assert kinds(fast_track, "letter") == ["stage_2"]
    congratulation = decision(night, better, "attendance")  # 63 / 70 = 90%
    assert congratulation["rule"] == "leeds/LE-23"
    assert congratulation["to_stage"] == "none"
    assert kinds(congratulation, "letter") == ["improvement"]


def test_LE_20_lates_letter_at_5_lates_in_the_half_term_not_4(school):
    five = pupil(school, forename="FiveLates")
    four = pupil(school, forename="FourLates")
    days = school_days(school, D(2024, 10, 7), HT_1)
    marks(five, HT_1, {day: ("L", None) for day in days[:5]})
    marks(four, HT_1, {day: ("L", None) for day in days[:4]})

    night = run(school, HT_1)

    letter = decision(night, five, "punctuality")
    assert (letter["rule"], letter["to_stage"]) == ("leeds/LE-20", "stage_1")
    assert kinds(letter, "letter") == ["lateness_1"]
    assert decision(night, four, "punctuality") is None


def test_LE_29_certificate_for_100_percent_a_late_still_counts_an_illness_does_not(school):
    perfect = pupil(school, forename="Perfect")
    late_once = pupil(school, forename="LateOnce")
    ill_once = pupil(school, forename="IllOnce")
    marks(perfect, HT_1)
    marks(late_once, HT_1, {D(2024, 10, 1): ("L", None)})
    marks(ill_once, HT_1, {D(2024, 10, 1): ("I", None)})

    night = run(school, HT_1)

    def certificates(child):
        return [
            a["kind"]
            for d in decisions(night, child, "welfare")
            if d["rule"] == "leeds/LE-29"
            for a in d["actions"]
        ]

    assert certificates(perfect) == ["certificate_100"]
    assert certificates(late_once) == ["certificate_100"]
    assert certificates(ill_once) == []


def test_LE_15_vulnerable_pupil_unexplained_home_visit_today_LE_13_others_next_day(school):
    looked_after = pupil(school, forename="LookedAfter", looked_after=True)
    other = pupil(school, forename="Other")
    day = D(2024, 10, 8)
    for child in (looked_after, other):
        marks(child, day, {day: "N"})

    night = run(school, day)

    def visits(child):
        return [
            (d["rule"], a["due"])
            for d in decisions(night, child, "welfare")
            for a in d["actions"]
            if a["kind"] == "home_visit"
        ]

    assert visits(looked_after) == [("leeds/LE-15", "2024-10-08")]
    assert visits(other) == [("leeds/LE-13", "2024-10-09")]


def test_LE_16_home_visit_on_the_3rd_consecutive_day_of_absence_not_the_2nd(school):
    three = pupil(school, forename="ThreeDays")
    two = pupil(school, forename="TwoDays")
    days = school_days(school, D(2024, 10, 7), D(2024, 10, 9))
    marks(three, days[-1], {day: "I" for day in days})
    marks(two, days[-1], {day: "I" for day in days[1:]})

    night = run(school, days[-1])

    assert [d["rule"] for d in decisions(night, three, "welfare")] == ["leeds/LE-16"]
    assert decisions(night, two, "welfare") == []


def test_LE_26_warning_only_after_letter_three_below_80_with_the_threshold_LE_27_notice(school):
    unauthorised = pupil(school, forename="Unauthorised")
    authorised = pupil(school, forename="Authorised")
    ht_3, ht_4, ht_5 = D(2025, 2, 14), D(2025, 4, 4), D(2025, 5, 23)
    days = school_days(school, D(2024, 9, 3), ht_5)
    # Away every Monday and Tuesday: attendance 60%, 4 sessions a school week.
    marks(unauthorised, ht_5, {day: "O" for day in days if day.weekday() < 2})
    marks(authorised, ht_5, {day: "C" for day in days if day.weekday() < 2})

    letters = []
    for day in (HT_1, HT_2, ht_3):
        night = run(school, day)
        letters.append(decision(night, unauthorised, "attendance")["rule"])
        # Letters one, two and three come first: no legal step yet.
        assert decision(night, unauthorised, "legal") is None
    assert letters == ["leeds/LE-17", "leeds/LE-22", "leeds/LE-24"]

    fourth = run(school, ht_4)  # no improvement after letter three
    warning = decision(fourth, unauthorised, "legal")
    assert (warning["rule"], warning["to_stage"]) == ("leeds/LE-26", "warning")
    assert kinds(warning, "letter") == ["penalty_warning"]
    # Below 80% and at stage 3 too, but no unauthorised absence: no legal step.
    assert decision(fourth, authorised, "attendance") is None
    assert decision(fourth, authorised, "legal") is None

    fifth = run(school, ht_5)
    notice = decision(fifth, unauthorised, "legal")
    assert (notice["rule"], notice["from_stage"], notice["to_stage"]) == (
        "leeds/LE-27",
        "warning",
        "penalty_notice",
    )
    (action,) = [a for a in notice["actions"] if a["type"] == "legal"]
    assert (action["issuer"], action["notice_number"], action["amount_gbp"]) == ("la", 1, 80)
    assert decision(fifth, authorised, "legal") is None


def test_LE_14_home_visit_and_evidence_on_the_5th_day_ill_after_LE_16_on_the_3rd(school):
    ill = pupil(school, forename="Ill")
    days = school_days(school, D(2024, 10, 7), D(2024, 10, 11))
    marks(ill, days[-1], {d: "I" for d in days})

    third = run(school, days[2])
    assert [d["rule"] for d in decisions(third, ill, "welfare")] == ["leeds/LE-16"]
    assert decisions(run(school, days[3]), ill, "welfare") == []

    fifth = run(school, days[4])

    (visit,) = decisions(fifth, ill, "welfare")
    assert visit["rule"] == "leeds/LE-14"
    assert kinds(visit, "task") == ["home_visit", "evidence_request"]


def test_LE_21_punctuality_meeting_when_lates_continue_into_the_next_half_term(school):
    still_late = pupil(school, forename="StillLate")
    now_on_time = pupil(school, forename="NowOnTime")
    autumn_1 = school_days(school, D(2024, 10, 7), HT_1)
    autumn_2 = school_days(school, D(2024, 11, 4), HT_2)
    for child, later in ((still_late, 5), (now_on_time, 4)):
        codes = {d: ("L", None) for d in autumn_1[:5]} | {d: ("L", None) for d in autumn_2[:later]}
        marks(child, HT_2, codes)
    assert decision(run(school, HT_1), still_late, "punctuality")["to_stage"] == "stage_1"

    night = run(school, HT_2)

    meeting = decision(night, still_late, "punctuality")
    assert (meeting["rule"], meeting["to_stage"]) == ("leeds/LE-21", "stage_2")
    assert kinds(meeting, "letter") == ["lateness_2"]
    assert decision(night, now_on_time, "punctuality") is None
