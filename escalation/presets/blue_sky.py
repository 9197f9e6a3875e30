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
    indicator,
    lates,
    legal,
    letter,
    n_overdue,
    pa,
    report,
    sessions,
    severe,
    task,
    unauth,
)

SETTINGS = {
    # BS-36: "If the school issues a penalty notice, it will check with the local
    # authority before doing so": the school issues, after the LA's check.
    "issuer": "school",
    # BS-41: "between 3 and 6 weeks"; RULES.md P: chosen per notice, default 4.
    "nti_weeks": 4,
}

PA_LETTER = "pa_letter"
OPEN_STAGES = ["stage_1", "stage_2", "stage_3"]

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
    {
        "id": "BS-14",
        "title": "An N still unresolved after 5 school days",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [n_overdue()],
        "once": "open_task",
        "actions": [task("review", "office", due=1, note="find the reason or code the N as O")],
        "approval": False,
    },
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
    {
        "id": "BS-28",
        "title": "Stage one letter: persistently absent at a review",
        "track": "attendance",
        "type": "open",
        "to_stage": "stage_1",
        "when": REVIEW2,
        "tests": [pa("ytd")],
        "min_possible": 20,
        "actions": [letter("stage_1")],
        "approver": "attendance_lead",
    },
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
    {
        "id": "BS-33",
        "title": "Attendance improves: letter of congratulation",
        "track": "attendance",
        "type": "improve",
        "from_stages": OPEN_STAGES,
        "when": REVIEW2,
        "tests": [att("since_stage", ">", 90)],
        "min_possible": 20,
        "actions": [letter("improvement")],
        "approver": "attendance_lead",
    },
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
    {
        "id": "BS-35",
        "title": "National threshold: 10 unauthorised sessions in 10 school weeks",
        "track": "legal",
        "type": "open",
        "to_stage": "penalty_notice",
        "when": NIGHTLY,
        "tests": [unauth(("weeks", 10), ">=", 10, rearm=True)],
        "pupil": {"compulsory_age": True},
        "actions": [legal("penalty_notice")],
        "approver": "headteacher",
    },
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
    {
        "id": "BS-0a",
        "title": "Missing from school: 10 school days unexplained",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [indicator("missing_from_school")],
        "once": "episode",
        "actions": [report("missing_from_school")],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-0b",
        "title": "Long illness: 30 sessions of illness this year",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [indicator("long_illness")],
        "once": "year",
        "actions": [report("long_illness")],
        "approver": "attendance_lead",
    },
    {
        "id": "BS-0c",
        "title": "20 school days unexplained: review for deletion from roll",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [indicator("deletion_review")],
        "once": "episode",
        "actions": [
            task("review", "attendance_lead", due=5, note="deletion from roll, after enquiries")
        ],
        "approval": False,
    },
    {
        "id": "BS-0d",
        "title": "Part-time timetable: report it to the local authority",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [sessions(["C2"], ("days", 1), ">=", 1)],
        "once": "year",
        "actions": [report("part_time_timetable")],
        "approver": "attendance_lead",
    },
]
