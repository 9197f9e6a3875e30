"""Preset `blue-sky`: the Blue Sky Federation's attendance policy (Heelands, Summerfield)
as a ladder (policies/RULES.md §1.1; the clause-by-clause map is blue-sky.md).

Ids are RULES.md ids; `BS-0a` … `BS-0d` are the rules RULES.md states without an id (the
baseline of §0.7 and the part-time-timetable report of §1.1 "Also"); a letter suffix
(`BS-43a`) is a second rule for one clause.
"""

from ._words import (
    NIGHTLY,
    REVIEW2,
    att,
    consec,
    deletion_review,
    improvement_letter,
    lates,
    legal,
    letter,
    long_illness,
    missing_from_school,
    national_penalty_threshold,
    pa,
    part_time_timetable,
    severe,
    stage_1_letter,
    task,
    unresolved_n,
)

SETTINGS = {
    # BS-36: "If the school issues a penalty notice, it will check with the local
    # authority before doing so": the school issues, after the LA's check.
    "issuer": "school",
    # BS-41: "between 3 and 6 weeks"; RULES.md P: chosen per notice, default 4.
    "nti_weeks": 4,
}

PA_LETTER = "pa_letter"

RULES = [
    # ---- Lateness (4.4) ----------------------------------------------------------------
    {
        "id": "BS-25",
        "title": "Letter on the 4th late arrival of the year",
        "track": "punctuality",
        "type": "open",
        "to_stage": "stage_1",
        "when": NIGHTLY,
        "tests": [lates("ytd", ">=", 4)],
        "once": "year",
        "actions": [letter("lateness_1")],
        "approver": "attendance_officer",
    },
    {
        "id": "BS-26",
        "title": "Lateness does not improve: meeting with the attendance lead",
        "track": "punctuality",
        "type": "advance",
        "from_stages": ["stage_1"],
        "to_stage": "stage_2",
        "when": NIGHTLY,
        "min_gap_school_days": 5,
        "tests": [lates("since_stage", ">=", 1)],
        "actions": [
            letter("meeting_invitation"),
            task("meeting", "attendance_lead", due=10, note="lateness meeting with parents"),
        ],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-27",
        "title": "6 lates in 12 school weeks: consider a penalty notice",
        "track": "punctuality",
        "type": "jump",
        "to_stage": "stage_3",
        "when": NIGHTLY,
        "tests": [lates(("weeks", 12), ">=", 6)],
        "actions": [
            task(
                "review",
                "headteacher",
                due=5,
                note="consider a penalty notice (only if 10 unauthorised in 10 weeks also holds)",
            )
        ],
        "approver": "headteacher",
    },
    # ---- Coding and illness (4.2, 4.5) --------------------------------------------------
    unresolved_n("BS-14"),
    {
        "id": "BS-16",
        "title": "Illness longer than 5 school days: School Nursing Team",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["I"], ">=", 6)],
        "once": "episode",
        "actions": [
            task(
                "evidence_request",
                "attendance_officer",
                to="school_nurse",
                due=5,
                note="medical evidence, or refer to the School Nursing Team",
            )
        ],
        "approval": False,
    },
    # ---- The attendance ladder at each review (section 9) -------------------------------
    stage_1_letter(
        "BS-28",
        "Stage one letter: persistently absent at a review",
        REVIEW2,
        pa("ytd"),
        approver="attendance_lead",
    ),
    {
        "id": "BS-29",
        "title": "Stage two: phone call and follow-up letter",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_1"],
        "to_stage": "stage_2",
        "when": REVIEW2,
        "tests": [att("since_stage", "<=", 90)],
        "min_possible": 20,
        "actions": [
            task("call", "attendance_lead", due=5, note="set an attendance target; medical card"),
            letter("stage_2"),
        ],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-30",
        "title": "Stage three: attendance interview and warning letter",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_2"],
        "to_stage": "stage_3",
        "when": REVIEW2,
        "tests": [att("since_stage", "<=", 90)],
        "min_possible": 20,
        "actions": [
            task("meeting", "attendance_lead", due=10, note="attendance interview"),
            letter("stage_3"),
        ],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-31",
        "title": "No improvement after stage three: consider legal steps",
        "track": "attendance",
        "type": "event",
        "from_stages": ["stage_3"],
        "when": REVIEW2,
        "tests": [att("since_stage", "<=", 90)],
        "min_possible": 20,
        "actions": [
            task(
                "review",
                "headteacher",
                due=5,
                note="notice to improve or penalty notice (the national threshold is needed)",
            )
        ],
        "approver": "headteacher",
    },
    {
        "id": "BS-32",
        "title": "No improvement after a penalty notice: PACE interview with the LA",
        "track": "legal",
        "type": "jump",
        "to_stage": "alternative_action",
        "when": REVIEW2,
        "tests": [att("since_notice", "<=", 90)],
        "min_possible": 20,
        "once": "year",
        "actions": [
            legal("alternative_action"),
            task("referral", "headteacher", to="la", due=10, note="PACE interview"),
        ],
        "approver": "headteacher",
    },
    improvement_letter(
        "BS-33",
        "Attendance improves: letter of congratulation",
        REVIEW2,
        att("since_stage", ">", 90),
        approver="attendance_lead",
    ),
    {
        "id": "BS-34",
        "title": "Severe absence: straight to stage three",
        "track": "attendance",
        "type": "jump",
        "to_stage": "stage_3",
        "when": REVIEW2,
        "tests": [severe("ytd")],
        "min_possible": 20,
        "actions": [
            task("meeting", "attendance_lead", due=10, note="attendance interview"),
            letter("stage_3"),
        ],
        "approver": "attendance_lead",
    },
    # ---- Penalty notices (5.2) ----------------------------------------------------------
    national_penalty_threshold(
        "BS-35", "National threshold: 10 unauthorised sessions in 10 school weeks"
    ),
    # ---- Persistent-absence letters (section 9 calendar) --------------------------------
    {
        "id": "BS-42",
        "title": "September letter to last year's persistent absentees",
        "track": "attendance",
        "type": "event",
        "when": {"point": "year_start", "label": PA_LETTER},
        "tests": [pa("prev_year")],
        "min_possible": 20,
        "actions": [letter("persistent_absence")],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-43",
        "title": "January PA letter (autumn term data)",
        "track": "attendance",
        "type": "event",
        "when": {"point": "term_start", "terms": [2], "label": PA_LETTER},
        "tests": [pa("year_to_prev_term")],
        "min_possible": 20,
        "actions": [letter("persistent_absence")],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-43a",
        "title": "End of April PA letter (spring term data)",
        "track": "attendance",
        "type": "event",
        "when": {"point": "month_end", "months": [4], "label": PA_LETTER},
        "tests": [pa("year_to_prev_term")],
        "min_possible": 20,
        "actions": [letter("persistent_absence")],
        "approver": "attendance_lead",
    },
    # ---- Baseline (RULES.md §0.7) and part-time timetables -------------------------------
    missing_from_school("BS-0a"),
    long_illness("BS-0b"),
    deletion_review("BS-0c"),
    part_time_timetable("BS-0d", "Part-time timetable: report it to the local authority"),
]
