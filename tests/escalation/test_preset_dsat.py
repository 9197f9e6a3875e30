"""Scenario tests of the `dsat` preset (policies/dsat-trust.txt, RULES.md §1.3): the
traffic light at the end of each fixed block of 6 school weeks, both sides of each band.

Blocks (tests/escalation/preset_school.py): 3 Sep - 11 Oct (58 possible sessions) and
14 Oct - 29 Nov (60, across the half term).
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
BLOCK_1, BLOCK_2 = D(2024, 10, 11), D(2024, 11, 29)


@pytest.fixture
def school():
    return preset_school("dsat")


def pm_absent(school, n, start, end):
    """`n` afternoons absent (C, authorised) in the block from `start`."""
    days = school_days(school, start, end)
    return {day: ("/", "C") for day in days[:n]}


def block_1(school, n):
    return pm_absent(school, n, D(2024, 9, 3), BLOCK_1)


def block_2(school, n):
    return pm_absent(school, n, D(2024, 10, 14), BLOCK_2)


def test_DS_23_amber_letter_when_block_attendance_above_90_and_below_94(school):
    amber = pupil(school, forename="Amber")
    yellow = pupil(school, forename="Yellow")
    red = pupil(school, forename="Red")
    marks(amber, BLOCK_1, block_1(school, 4))  # 54 / 58 = 93.1%
    marks(yellow, BLOCK_1, block_1(school, 3))  # 94.8%: yellow, the optional letter is off
    marks(red, BLOCK_1, block_1(school, 6))  # 89.7%

    # The day before the block ends: no traffic light.
    assert decision(run(school, D(2024, 10, 10)), amber, "attendance") is None
    night = run(school, BLOCK_1)

    assert "block_end" in night["calendar_points"]
    letter = decision(night, amber, "attendance")
    assert letter["rule"] == "dsat/DS-23"
    assert (letter["from_stage"], letter["to_stage"]) == ("none", "stage_1")
    assert kinds(letter, "letter") == ["traffic_amber"]
    assert letter["evidence"]["attendance_pct[block 6]"]["possible"] == 58
    assert decision(night, yellow, "attendance") is None
    red_letter = decision(night, red, "attendance")
    # No earlier block, term or year to continue a pattern: the red letter alone.
    assert red_letter["rule"] == "dsat/DS-24"
    assert red_letter["to_stage"] == "stage_2"
    assert kinds(red_letter, "letter") == ["traffic_red"]
    assert kinds(red_letter, "task") == []


def test_DS_24_exactly_90_is_red_DS_25_a_second_red_block_brings_the_meeting(school):
    twice_red = pupil(school, forename="TwiceRed")
    amber_again = pupil(school, forename="AmberAgain")
    green = pupil(school, forename="Green")
    marks(twice_red, BLOCK_1, block_1(school, 6))
    marks(amber_again, BLOCK_1, block_1(school, 4))
    marks(green, BLOCK_1, block_1(school, 4))
    run(school, BLOCK_1)
    marks(twice_red, BLOCK_2, block_2(school, 6), start=D(2024, 10, 14))  # 54 / 60 = 90%
    marks(amber_again, BLOCK_2, block_2(school, 5), start=D(2024, 10, 14))  # 91.7%
    marks(green, BLOCK_2, {}, start=D(2024, 10, 14))  # 100%

    night = run(school, BLOCK_2)

    meeting = decision(night, twice_red, "attendance")
    assert meeting["rule"] == "dsat/DS-25"
    assert (meeting["from_stage"], meeting["to_stage"]) == ("stage_2", "stage_2")
    assert kinds(meeting, "letter") == ["traffic_red", "meeting_invitation"]
    assert kinds(meeting, "task") == ["meeting"]
    # Amber again: the amber letter every block in the band, the stage unchanged.
    amber = decision(night, amber_again, "attendance")
    assert (amber["rule"], amber["to_stage"]) == ("dsat/DS-23", "stage_1")
    assert kinds(amber, "letter") == ["traffic_amber"]
    closed = decision(night, green, "attendance")
    assert (closed["rule"], closed["to_stage"]) == ("dsat/DS-21", "none")
    assert kinds(closed, "letter") == ["improvement"]


def test_DS_35_six_lates_in_a_block_bring_a_call_five_do_not(school):
    six = pupil(school, forename="SixLates")
    five = pupil(school, forename="FiveLates")
    days = school_days(school, D(2024, 9, 16), BLOCK_1)
    marks(six, BLOCK_1, {day: ("L", None) for day in days[:6]})
    marks(five, BLOCK_1, {day: ("L", None) for day in days[:5]})

    night = run(school, BLOCK_1)

    call = decision(night, six, "punctuality")
    assert (call["rule"], call["to_stage"]) == ("dsat/DS-35", "stage_1")
    assert kinds(call, "task") == ["call"]
    assert decision(night, five, "punctuality") is None


def test_DS_30_fine_considered_at_10_unauthorised_sessions_through_the_la(school):
    ten = pupil(school, forename="Ten")
    nine = pupil(school, forename="Nine")
    days = school_days(school, D(2024, 9, 16), D(2024, 9, 27))
    marks(ten, days[-1], {day: ("O", None) for day in days[:10]})
    marks(nine, days[-1], {day: ("O", None) for day in days[:9]})

    night = run(school, days[-1])  # a Friday: no block end, the rule is nightly

    notice = decision(night, ten, "legal")
    assert (notice["rule"], notice["to_stage"]) == ("dsat/DS-30", "penalty_notice")
    (action,) = [a for a in notice["actions"] if a["type"] == "legal"]
    assert (action["notice_number"], action["amount_gbp"], action["issuer"]) == (1, 80, "la")
    assert decision(night, nine, "legal") is None


BLOCK_3 = D(2025, 1, 24)  # 2 Dec - 24 Jan: 60 sessions across Christmas


def test_DS_26_further_meeting_after_a_meeting_was_held_and_the_next_block_is_red(school):
    from escalation.services.cases import meeting_record
    from registers.models import Role
    from registers.tenancy import school_scope
    from tests.factories import staff

    met = pupil(school, forename="Met")
    not_met = pupil(school, forename="NotMet")
    for child in (met, not_met):
        marks(child, BLOCK_1, block_1(school, 6))
        marks(child, BLOCK_2, block_2(school, 6), start=D(2024, 10, 14))
        marks(child, BLOCK_3, pm_absent(school, 8, D(2024, 12, 2), BLOCK_3), start=D(2024, 12, 2))
    run(school, BLOCK_1)
    assert decision(run(school, BLOCK_2), met, "attendance")["rule"] == "dsat/DS-25"
    with school_scope(school):
        meeting_record(
            school=school,
            pupil=met,
            case=None,
            held_on=D(2024, 12, 10),
            attendees="Mother\nHeadteacher",
            user=staff(school, Role.HEADTEACHER),
            role=Role.HEADTEACHER,
        )

    night = run(school, BLOCK_3)

    further = decision(night, met, "attendance")
    assert further["rule"] == "dsat/DS-26"
    assert (further["from_stage"], further["to_stage"]) == ("stage_2", "stage_3")
    assert "meeting" in kinds(further, "task")
    # No meeting held yet: the School Attendance Meeting is asked for again.
    assert decision(night, not_met, "attendance")["rule"] == "dsat/DS-25"


def test_DS_34_severely_absent_at_50_percent_gets_a_multi_agency_referral(school):
    half = pupil(school, forename="Half")
    over = pupil(school, forename="Over")
    days = school_days(school, D(2024, 9, 3), D(2024, 10, 4))  # 24 days, 48 sessions
    marks(half, days[-1], {day: ("/", "C") for day in days})
    marks(over, days[-1], {day: ("/", "C") for day in days[1:]})

    night = run(school, days[-1])

    (referral,) = [d for d in night["decisions"] if d["rule"] == "dsat/DS-34"]
    assert referral["upn"] == half.upn
    assert kinds(referral, "task") == ["referral"]


def test_DS_09_evidence_after_5_days_ill_DS_40_missing_DS_0b_social_worker_told(school):
    ill = pupil(school, forename="Ill")
    missing = pupil(school, forename="Missing")
    in_care = pupil(school, forename="InCare", looked_after=True)
    not_in_care = pupil(school, forename="NotInCare")
    days = school_days(school, D(2024, 9, 30), D(2024, 10, 11))
    marks(ill, days[-1], {d: "I" for d in days[-6:]})
    marks(missing, days[-1], {d: "O" for d in days})
    for child in (in_care, not_in_care):
        marks(child, days[-1], {days[-1]: ("N", None)})

    night = run(school, days[-1])

    def rules_of(child):
        return {d["rule"] for d in decisions(night, child, "welfare")}

    assert "dsat/DS-09" in rules_of(ill)
    assert "dsat/DS-40" in rules_of(missing)
    assert "dsat/DS-0b" in rules_of(in_care)
    assert "dsat/DS-0b" not in rules_of(not_in_care)


def test_DS_22_the_optional_yellow_letter_goes_once_the_school_switches_it_on(school):
    from escalation.services.policy_edit import rule_switch
    from escalation.services.run import policy_for
    from registers.models import Role
    from registers.tenancy import school_scope
    from tests.factories import staff

    yellow = pupil(school, forename="Yellow")
    marks(yellow, BLOCK_1, block_1(school, 3))  # 55 / 58 = 94.8%
    with school_scope(school):
        policy = policy_for(school=school)
        assert rule_switch(
            policy=policy,
            rule_id="DS-22",
            enabled=True,
            version=policy.version,
            user=staff(school, Role.ATTENDANCE_LEAD),
            role=Role.ATTENDANCE_LEAD,
        )

    letter = decision(run(school, BLOCK_1), yellow, "attendance")

    assert letter["rule"] == "dsat/DS-22"
    assert letter["from_stage"] == letter["to_stage"] == "none"
    assert kinds(letter, "letter") == ["traffic_yellow"]
