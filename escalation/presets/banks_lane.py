"""Preset `banks-lane`: Banks Lane Infant and Nursery School's attendance policy as a
ladder (policies/RULES.md §1.4; the clause-by-clause map is banks-lane.md).

The text (2022) predates the national penalty-notice framework: notices follow DESIGN §7
(£80 / £160, two in 3 years), requested from the Council (issuer `la`). Ids are RULES.md
ids; a letter suffix (`BL-21a`) is a second rule for one clause; `BL-0a`, `BL-0b` are the
baseline of RULES.md §0.7.
"""

from ._words import (
    HT_END,
    NIGHTLY,
    att,
    consec,
    deletion_review,
    improvement_letter,
    legal,
    letter,
    long_illness,
    missing_from_school,
    part_time_timetable,
    possible,
    report,
    stage_1_letter,
    task,
    unauth,
    unresolved_n,
)

SETTINGS = {
    # BL-11, BL-27: "the school may request that the Local Authority issues an EPN".
    "issuer": "la",
    "nti_weeks": 4,
}

# BL-27: the 15 school days after the warning.
AFTER_WARNING = {"kind": "since_stage", "n": 15}

RULES = [
    unresolved_n("BL-05"),
    {
        "id": "BL-08",
        "title": "Ill for 15 school days: Education of Sick Children Service",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["I"], ">=", 15)],
        "once": "episode",
        "actions": [task("referral", "attendance_officer", to="sick_children_service", due=5)],
        "approval": False,
    },
    # ---- Half-termly review with the EWO and the stepped letters --------------------------
    {
        "id": "BL-20",
        "title": "Half-termly EWO review: attendance of 90% or less",
        "track": "welfare",
        "type": "event",
        "when": HT_END,
        "tests": [att("ytd", "<=", 90)],
        "min_possible": 20,
        "actions": [task("review", "attendance_officer", to="la", due=10, note="EWO review")],
        "approval": False,
    },
    {
        "id": "BL-20a",
        "title": "Half-termly EWO review: every looked-after pupil",
        "track": "welfare",
        "type": "event",
        "when": HT_END,
        "tests": [possible("ytd", ">=", 1)],
        "pupil": {"looked_after": True},
        "actions": [task("review", "attendance_officer", to="la", due=10, note="EWO review")],
        "approval": False,
    },
    stage_1_letter(
        "BL-21",
        "Step 1 letter: attendance of 90% or less",
        HT_END,
        att("ytd", "<=", 90),
        approver="attendance_lead",
    ),
    {
        "id": "BL-21a",
        "title": "No improvement after Step 1: meeting in school",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_1"],
        "to_stage": "stage_2",
        "when": HT_END,
        "tests": [att("since_stage", "<=", 90)],
        "min_possible": 20,
        "actions": [
            letter("meeting_invitation"),
            task("meeting", "attendance_officer", due=10, note="attendance meeting in school"),
        ],
        "approver": "attendance_lead",
    },
    {
        "id": "BL-22",
        "title": "Further support needed: Team Around the School",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_2"],
        "to_stage": "stage_3",
        "when": HT_END,
        "tests": [att("since_stage", "<=", 90)],
        "min_possible": 20,
        "actions": [
            task(
                "referral",
                "attendance_officer",
                to="tas",
                due=10,
                note="Early Help Assessment / Team Around the Family",
            )
        ],
        "approver": "attendance_lead",
    },
    improvement_letter(
        "BL-37",
        "Attendance improves: progress acknowledged",
        HT_END,
        att("since_stage", ">", 90),
        approver="attendance_lead",
    ),
    # ---- Warnings and Education Penalty Notices ------------------------------------------
    {
        "id": "BL-26",
        "title": "Warning: 10 unauthorised sessions in three months",
        "track": "legal",
        "type": "open",
        "to_stage": "warning",
        "when": NIGHTLY,
        "tests": [unauth(("months", 3), ">=", 10, rearm=True)],
        "pupil": {"compulsory_age": True},
        "actions": [letter("penalty_warning")],
        "approver": "headteacher",
    },
    {
        "id": "BL-27",
        "title": "Unauthorised absence within 15 school days of the warning: request an EPN",
        "track": "legal",
        "type": "advance",
        "from_stages": ["warning"],
        "to_stage": "penalty_notice",
        "when": NIGHTLY,
        "tests": [unauth(AFTER_WARNING, ">=", 1)],
        "pupil": {"compulsory_age": True},
        "actions": [legal("penalty_notice")],
        "approver": "headteacher",
    },
    {
        "id": "BL-27a",
        "title": "15 clean school days after the warning: warning spent",
        "track": "legal",
        "type": "improve",
        "from_stages": ["warning"],
        "when": NIGHTLY,
        "min_gap_school_days": 15,
        "tests": [unauth(AFTER_WARNING, "==", 0)],
        "approval": False,
    },
    {
        "id": "BL-28",
        "title": "Five days or more of unauthorised holiday: EPN without a warning",
        "track": "legal",
        "type": "jump",
        "to_stage": "penalty_notice",
        "when": NIGHTLY,
        "tests": [consec(["G"], ">=", 5)],
        "pupil": {"compulsory_age": True},
        "actions": [legal("penalty_notice")],
        "approver": "headteacher",
    },
    {
        "id": "BL-29",
        "title": "Unauthorised holiday: consider an Education Penalty Notice",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["G"], ">=", 1)],
        "once": "episode",
        "actions": [task("review", "headteacher", due=5, note="consider an EPN")],
        "approval": False,
    },
    # ---- Reports to the LA ----------------------------------------------------------------
    missing_from_school("BL-32", "10 consecutive days unauthorised: report missing from school"),
    {
        "id": "BL-36",
        "title": "Half-termly report to the LA: pupils who fail to attend regularly",
        "track": "welfare",
        "type": "event",
        "when": HT_END,
        "tests": [att("ytd", "<=", 90)],
        "min_possible": 20,
        "actions": [report("termly_list")],
        "approver": "attendance_lead",
    },
    part_time_timetable("BL-36a", "Part-time timetable: notification form to the LA"),
    long_illness("BL-0a"),
    deletion_review("BL-0b"),
]
