"""Scenario tests of the `blue-sky` preset (policies/blue-sky-federation.txt, RULES.md
§1.1): pupils whose marks should and should not trigger each main rule on given dates,
both sides of every threshold, through the nightly run (`run_escalation`).

Calendar (tests/escalation/preset_school.py): reviews (`review2`) on 11 Nov 2024 (90
possible sessions since 3 Sep) and 13 Jan 2025; half term 28 Oct - 1 Nov.
"""

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from escalation.models import NoticeStatus, PenaltyNotice
from tests.escalation.preset_school import (
    FIRST_DAY,
    UNDER_AGE,
    days_coded,
    decision,
    kinds,
    marks,
    preset_school,
    pupil,
    run,
    school_days,
)

pytestmark = pytest.mark.django_db
D = dt.date
REVIEW_1, REVIEW_2 = D(2024, 11, 11), D(2025, 1, 13)


@pytest.fixture
def school():
    return preset_school("blue-sky")


def absent_sessions(school, n: int, *, code="C"):
    """`n` absent sessions, one a school day (AM) from Monday 9 Sep, coded `code`: never
    a run of whole days (no illness or missing-from-school rule is touched)."""
    days = school_days(school, D(2024, 9, 9), D(2024, 10, 25))
    assert len(days) >= n
    return {day: (code, None) for day in days[:n]}


def lates_on(days):
    return {day: ("L", None) for day in days}


# ---- Lateness (4.4) --------------------------------------------------------------


def test_BS_25_lateness_letter_on_the_4th_late_of_the_year_not_the_3rd(school):
    four = pupil(school, forename="Four")
    three = pupil(school, forename="Three")
    three_and_u = pupil(school, forename="ThreeAndU")
    week = school_days(school, D(2024, 9, 9), D(2024, 9, 13))
    marks(four, D(2024, 9, 20), lates_on(week[:4]))
    marks(three, D(2024, 9, 20), lates_on(week[:3]))
    # U (after the register closed) is an absence, never a late (RULES.md §0).
    marks(three_and_u, D(2024, 9, 20), {**lates_on(week[:3]), week[3]: ("U", None)})

    night = run(school, D(2024, 9, 20))

    letter = decision(night, four, "punctuality")
    assert letter["rule"] == "blue-sky/BS-25"
    assert (letter["from_stage"], letter["to_stage"]) == ("none", "stage_1")
    assert kinds(letter, "letter") == ["lateness_1"]
    assert letter["evidence"]["lates[ytd]"] == 4
    assert decision(night, three, "punctuality") is None
    assert decision(night, three_and_u, "punctuality") is None


def test_BS_26_meeting_when_late_again_after_a_week_at_stage_1_not_sooner(school):
    again = pupil(school, forename="Again")
    stopped = pupil(school, forename="Stopped")
    first_four = school_days(school, D(2024, 9, 9), D(2024, 9, 12))
    marks(again, D(2024, 9, 19), {**lates_on(first_four), D(2024, 9, 16): ("L", None)})
    marks(stopped, D(2024, 9, 19), lates_on(first_four))
    assert decision(run(school, D(2024, 9, 12)), again, "punctuality")["to_stage"] == "stage_1"

    # Monday 16th: late again, but only 2 school days after the letter.
    assert decision(run(school, D(2024, 9, 16)), again, "punctuality") is None

    night = run(school, D(2024, 9, 19))  # 5 school days after stage 1
    meeting = decision(night, again, "punctuality")
    assert meeting["rule"] == "blue-sky/BS-26"
    assert (meeting["from_stage"], meeting["to_stage"]) == ("stage_1", "stage_2")
    assert kinds(meeting, "letter") == ["meeting_invitation"]
    assert kinds(meeting, "task") == ["meeting"]
    assert decision(night, stopped, "punctuality") is None


def test_BS_27_six_lates_in_12_school_weeks_jump_to_stage_3_and_propose_no_notice(school):
    six = pupil(school, forename="Six")
    five = pupil(school, forename="Five")
    days = school_days(school, D(2024, 9, 9), D(2024, 9, 20))
    marks(six, D(2024, 9, 20), lates_on(days[:6]))
    marks(five, D(2024, 9, 20), lates_on(days[:5]))

    night = run(school, D(2024, 9, 20))

    jump = decision(night, six, "punctuality")
    assert jump["rule"] == "blue-sky/BS-27"
    assert (jump["from_stage"], jump["to_stage"]) == ("none", "stage_3")
    assert kinds(jump, "task") == ["review"]
    # Lates are not unauthorised absence: no penalty notice (RULES.md §2.1).
    assert decision(night, six, "legal") is None
    assert decision(night, five, "punctuality")["rule"] == "blue-sky/BS-25"


# ---- The attendance ladder at each review (section 9) ---------------------------------


def test_BS_28_stage_1_letter_at_the_review_at_90_percent_not_above(school):
    at_90 = pupil(school, forename="AtNinety")
    above = pupil(school, forename="Above")
    marks(at_90, REVIEW_1, absent_sessions(school, 9))  # 81 / 90 = 90%: PA
    marks(above, REVIEW_1, absent_sessions(school, 8))  # 82 / 90
    # Joined a week ago: 12 possible sessions, 2 absent (83%). Too few to judge (§0.6).
    joiner = pupil(school, forename="Joiner", on_roll_from=D(2024, 11, 4))
    marks(joiner, REVIEW_1, {D(2024, 11, 5): ("C", None), D(2024, 11, 6): ("C", None)})

    # Not a review day: nothing on the attendance track.
    assert decision(run(school, D(2024, 11, 8)), at_90, "attendance") is None

    night = run(school, REVIEW_1)

    assert "review2" in night["calendar_points"]
    letter = decision(night, at_90, "attendance")
    assert letter["rule"] == "blue-sky/BS-28"
    assert (letter["from_stage"], letter["to_stage"]) == ("none", "stage_1")
    assert kinds(letter, "letter") == ["stage_1"]
    assert letter["evidence"]["absence_pct[ytd]"]["possible"] == 90
    assert decision(night, above, "attendance") is None
    assert decision(night, joiner, "attendance") is None


def test_BS_29_stage_2_without_improvement_and_BS_33_congratulation_with_it(school):
    stuck = pupil(school, forename="Stuck")
    better = pupil(school, forename="Better")
    # 70 possible sessions from 12 Nov to 13 Jan: 7 absent = 90% (no improvement).
    after = school_days(school, D(2024, 11, 12), REVIEW_2)
    assert len(after) == 35
    for child in (stuck, better):
        marks(child, REVIEW_1, absent_sessions(school, 9))
    assert decision(run(school, REVIEW_1), stuck, "attendance")["to_stage"] == "stage_1"
    for child, n in ((stuck, 7), (better, 6)):
        marks(child, REVIEW_2, {day: ("C", None) for day in after[:n]}, start=after[0])

    night = run(school, REVIEW_2)

    stage_2 = decision(night, stuck, "attendance")
    assert stage_2["rule"] == "blue-sky/BS-29"
    assert (stage_2["from_stage"], stage_2["to_stage"]) == ("stage_1", "stage_2")
    assert kinds(stage_2, "task") == ["call"]
    assert kinds(stage_2, "letter") == ["stage_2"]
    congratulation = decision(night, better, "attendance")
    assert congratulation["rule"] == "blue-sky/BS-33"
    assert (congratulation["from_stage"], congratulation["to_stage"]) == ("stage_1", "none")
    assert kinds(congratulation, "letter") == ["improvement"]


def test_BS_34_severe_absence_goes_straight_to_stage_3_at_50_percent_not_above(school):
    half = pupil(school, forename="Half")
    just_over = pupil(school, forename="JustOver")
    days = school_days(school, D(2024, 9, 3), REVIEW_1)
    # 45 of 90 sessions absent (every PM of the first 45 days): attendance 50%.
    marks(half, REVIEW_1, {day: ("/", "C") for day in days[:45]})
    marks(just_over, REVIEW_1, {day: ("/", "C") for day in days[:44]})

    night = run(school, REVIEW_1)

    jump = decision(night, half, "attendance")
    assert jump["rule"] == "blue-sky/BS-34"
    assert (jump["from_stage"], jump["to_stage"]) == ("none", "stage_3")
    assert kinds(jump, "letter") == ["stage_3"]
    assert decision(night, just_over, "attendance")["rule"] == "blue-sky/BS-28"


# ---- Penalty notices (5.2) -------------------------------------------------------------

AS_OF_PN = D(2024, 11, 22)  # 10 school weeks back: 9 Sep - 22 Nov (half term skipped)


def nine_in_the_window():
    """9 unauthorised sessions in the rolling 10 school weeks to 22 Nov, either side of
    the half term."""
    return {
        D(2024, 10, 14): "O",
        D(2024, 10, 15): "O",
        D(2024, 11, 4): "O",
        D(2024, 11, 5): "O",
        D(2024, 11, 18): ("O", None),
    }


def test_BS_35_penalty_notice_at_10_unauthorised_sessions_in_10_school_weeks_not_9(school):
    ten = pupil(school, forename="Ten")
    nine = pupil(school, forename="Nine")
    young = pupil(school, forename="Young", born=UNDER_AGE)
    # Monday 9 Sep is the window's first day (the half-term week is no school week);
    # Friday 6 Sep is outside it.
    marks(ten, AS_OF_PN, {**nine_in_the_window(), D(2024, 9, 9): ("G", None)})
    marks(nine, AS_OF_PN, {**nine_in_the_window(), D(2024, 9, 6): ("G", None)})
    marks(young, AS_OF_PN, {**nine_in_the_window(), D(2024, 9, 9): ("G", None)})

    night = run(school, AS_OF_PN)

    notice = decision(night, ten, "legal")
    assert notice["rule"] == "blue-sky/BS-35"
    assert (notice["from_stage"], notice["to_stage"]) == ("none", "penalty_notice")
    (action,) = [a for a in notice["actions"] if a["type"] == "legal"]
    assert (action["kind"], action["notice_number"], action["amount_gbp"]) == (
        "penalty_notice",
        1,
        80,
    )
    assert (action["issuer"], action["parent"]) == ("school", 1)
    assert decision(night, nine, "legal") is None
    # Below compulsory school age (5 in March 2025): no legal step (RULES.md §0.5).
    assert decision(night, young, "legal") is None


@scopes_disabled()
def issued(child, *days):
    for number, day in enumerate(days, start=1):
        PenaltyNotice.objects.create(
            school=child.school,
            pupil=child,
            parent_priority=1,
            notice_number=min(number, 2),
            amount_gbp=80 if number == 1 else 160,
            issuer="school",
            status=NoticeStatus.PAID,
            proposed_on=day,
            issued_on=day,
        )


def test_BS_37_a_second_notice_within_3_years_is_160_and_BS_38_a_third_is_refused(school):
    second = pupil(school, forename="Second")
    third = pupil(school, forename="Third")
    expired = pupil(school, forename="Expired")
    issued(second, D(2023, 1, 10))
    issued(third, D(2022, 12, 1), D(2023, 6, 1))
    issued(expired, D(2021, 11, 21))  # counts up to 20 Nov 2024
    ten = {**nine_in_the_window(), D(2024, 9, 9): ("G", None)}
    for child in (second, third, expired):
        marks(child, AS_OF_PN, ten)

    night = run(school, AS_OF_PN)

    def legal_action(child):
        found = decision(night, child, "legal")
        return found["to_stage"], [a for a in found["actions"] if a["type"] == "legal"][0]

    stage, action = legal_action(second)
    assert (stage, action["notice_number"], action["amount_gbp"]) == ("penalty_notice", 2, 160)
    stage, action = legal_action(third)
    assert (stage, action["kind"]) == ("alternative_action", "alternative_action")
    stage, action = legal_action(expired)
    assert (stage, action["notice_number"], action["amount_gbp"]) == ("penalty_notice", 1, 80)


# ---- Illness, missing from school, PA letters ----------------------------------------


def test_BS_16_illness_of_more_than_5_school_days_asks_for_evidence_once(school):
    six = pupil(school, forename="SixDays")
    five = pupil(school, forename="FiveDays")
    ill = school_days(school, D(2024, 10, 7), D(2024, 10, 15))  # 7 Oct ... 15 Oct
    marks(six, ill[-1], days_coded(ill, "I"))
    marks(five, ill[-1], days_coded(ill[:5], "I"))

    night = run(school, ill[5])  # Monday 14th: the 6th school day of illness
    request = decision(night, six, "welfare")
    assert request["rule"] == "blue-sky/BS-16"
    assert kinds(request, "task") == ["evidence_request"]
    assert request["actions"][0]["to"] == "school_nurse"
    assert decision(night, five, "welfare") is None
    # The 7th day of the same episode asks nothing new.
    assert decision(run(school, ill[6]), six, "welfare") is None


def test_BS_0a_missing_from_school_reported_after_10_school_days_unexplained_not_9(school):
    ten = pupil(school, forename="TenDays")
    nine = pupil(school, forename="NineDays")
    days = school_days(school, D(2024, 9, 30), D(2024, 10, 11))
    assert len(days) == 10
    marks(ten, days[-1], days_coded(days, "O"))
    marks(nine, days[-1], days_coded(days[1:], "O"))

    night = run(school, days[-1])

    reports = [
        d for d in night["decisions"] if d["upn"] == ten.upn and d["rule"] == "blue-sky/BS-0a"
    ]
    assert [a["kind"] for a in reports[0]["actions"]] == ["missing_from_school"]
    assert not [
        d for d in night["decisions"] if d["upn"] == nine.upn and d["rule"] == "blue-sky/BS-0a"
    ]


def test_BS_43_january_letter_to_the_autumn_terms_persistent_absentees(school):
    autumn_pa = pupil(school, forename="AutumnPA")
    autumn_ok = pupil(school, forename="AutumnOK")
    spring_start = D(2025, 1, 6)
    autumn = school_days(school, D(2024, 9, 3), D(2024, 12, 20))
    assert len(autumn) == 74  # 148 sessions
    # 15 of 148 absent: 89.9% (PA); 14: 90.5%.
    marks(autumn_pa, spring_start, {day: ("/", "C") for day in autumn[:15]})
    marks(autumn_ok, spring_start, {day: ("/", "C") for day in autumn[:14]})

    night = run(school, spring_start)

    assert "pa_letter" in night["calendar_points"]
    letter = decision(night, autumn_pa, "attendance")
    assert letter["rule"] == "blue-sky/BS-43"
    assert letter["from_stage"] == letter["to_stage"] == "none"
    assert kinds(letter, "letter") == ["persistent_absence"]
    assert decision(night, autumn_ok, "attendance") is None


def test_BS_30_stage_3_and_BS_31_legal_review_when_attendance_never_improves(school):
    every_monday_pm = pupil(school, forename="Mondays")
    year = school_days(school, D(2024, 9, 3), D(2025, 4, 28))
    marks(every_monday_pm, year[-1], {day: ("/", "C") for day in year if day.weekday() < 2})
    stages = [
        decision(run(school, day), every_monday_pm, "attendance")
        for day in (REVIEW_1, REVIEW_2, D(2025, 3, 3), D(2025, 4, 28))
    ]

    assert [(s["rule"], s["to_stage"]) for s in stages] == [
        ("blue-sky/BS-28", "stage_1"),
        ("blue-sky/BS-29", "stage_2"),
        ("blue-sky/BS-30", "stage_3"),
        ("blue-sky/BS-31", "stage_3"),
    ]
    assert kinds(stages[2], "task") == ["meeting"]
    assert kinds(stages[2], "letter") == ["stage_3"]
    # Stage 3 and still no improvement: the headteacher considers a legal step; no notice
    # is proposed without the national threshold (these absences are authorised).
    assert kinds(stages[3], "task") == ["review"]
    assert stages[3]["actions"][0]["role"] == "headteacher"


def test_BS_14_an_N_unresolved_after_5_school_days_asks_the_office_once(school):
    unresolved = pupil(school, forename="Unresolved")
    marks(unresolved, D(2024, 10, 16), {D(2024, 10, 7): ("N", None)})

    # Monday 14th is the 5th school day after the N: it may still be put right.
    assert decision(run(school, D(2024, 10, 14)), unresolved, "welfare") is None
    overdue = decision(run(school, D(2024, 10, 15)), unresolved, "welfare")
    assert overdue["rule"] == "blue-sky/BS-14"
    assert kinds(overdue, "task") == ["review"]
    assert overdue["actions"][0]["role"] == "office"
    # Not again while the office's task is open.
    assert decision(run(school, D(2024, 10, 16)), unresolved, "welfare") is None


@scopes_disabled()
def last_year(school):
    """2023/24 as one term (4 Sep 2023 - 19 Jul 2024), with its sessions."""
    from registers.calendar_changes import sessions_generate
    from tests.factories import AcademicYearFactory, TermFactory

    year = AcademicYearFactory(
        school=school, name="2023/24", starts=D(2023, 9, 1), ends=D(2024, 8, 31)
    )
    TermFactory(
        school=school,
        academic_year=year,
        name="Whole year",
        starts=D(2023, 9, 4),
        ends=D(2024, 7, 19),
        half_term_starts=None,
        half_term_ends=None,
    )
    sessions_generate(school=school, start=D(2023, 9, 4), end=D(2024, 7, 19))
    return school_days(school, D(2023, 9, 4), D(2024, 7, 19))


def test_BS_42_september_letter_to_last_years_persistent_absentees(school):
    days = last_year(school)
    was_pa = pupil(school, forename="WasPA")
    was_fine = pupil(school, forename="WasFine")
    tenth = -(-len(days) // 5)  # a fifth of the days (rounded up), half of each: 10%
    marks(was_pa, FIRST_DAY, {day: ("/", "C") for day in days[:tenth]}, start=days[0])
    marks(was_fine, FIRST_DAY, {day: ("/", "C") for day in days[: tenth - 1]}, start=days[0])

    night = run(school, FIRST_DAY)

    assert "pa_letter" in night["calendar_points"]
    letter = decision(night, was_pa, "attendance")
    assert letter["rule"] == "blue-sky/BS-42"
    assert letter["from_stage"] == letter["to_stage"] == "none"
    assert kinds(letter, "letter") == ["persistent_absence"]
    assert decision(night, was_fine, "attendance") is None


def test_BS_0b_long_illness_BS_0c_deletion_review_BS_0d_part_time_timetable_reports(school):
    often_ill = pupil(school, forename="OftenIll")
    gone = pupil(school, forename="Gone")
    part_time = pupil(school, forename="PartTime")
    day = D(2024, 12, 13)
    mon_thu = [d for d in school_days(school, D(2024, 9, 9), day) if d.weekday() in (0, 3)]
    marks(often_ill, day, {d: "I" for d in mon_thu[:15]})  # 30 sessions, never 6 in a row
    last_20 = school_days(school, D(2024, 11, 18), day)
    assert len(last_20) == 20
    marks(gone, day, {d: "O" for d in last_20})
    marks(part_time, day + dt.timedelta(days=3), {day: ("/", "C2"), D(2024, 12, 16): ("/", "C2")})

    night = run(school, day)

    def welfare(child):
        return {
            (d["rule"], a["type"], a["kind"])
            for d in [x for x in night["decisions"] if x["upn"] == child.upn]
            for a in d["actions"]
        }

    assert ("blue-sky/BS-0b", "report", "long_illness") in welfare(often_ill)
    assert ("blue-sky/BS-16", "task", "evidence_request") not in welfare(often_ill)
    assert {
        ("blue-sky/BS-0a", "report", "missing_from_school"),
        ("blue-sky/BS-0c", "task", "review"),
    } <= welfare(gone)
    assert ("blue-sky/BS-0d", "report", "part_time_timetable") in welfare(part_time)
    # The next C2 the following school day is the same timetable: not reported again.
    assert decision(run(school, D(2024, 12, 16)), part_time, "welfare") is None


def test_BS_32_no_improvement_after_a_penalty_notice_brings_the_la_pace_interview(school):
    no_better = pupil(school, forename="NoBetter")
    better = pupil(school, forename="Better")
    for child in (no_better, better):
        issued(child, D(2024, 10, 1))
    since = school_days(school, D(2024, 10, 2), REVIEW_1)
    marks(no_better, REVIEW_1, {day: ("/", "C") for day in since})  # 50% since the notice
    marks(better, REVIEW_1)

    night = run(school, REVIEW_1)

    pace = decision(night, no_better, "legal")
    assert pace["rule"] == "blue-sky/BS-32"
    assert (pace["from_stage"], pace["to_stage"]) == ("none", "alternative_action")
    assert [(a["type"], a["kind"]) for a in pace["actions"]] == [
        ("legal", "alternative_action"),
        ("task", "referral"),
    ]
    assert decision(night, better, "legal") is None
