"""Preset `burton-hathow`: Burton Hathow Preparatory School's attendance policy as a
ladder (policies/RULES.md §1.2; the clause-by-clause map is burton-hathow.md).

Ids are RULES.md ids; `BH-0a` … `BH-0c` are rules RULES.md states without an id (the
term-end completion of §1.2 and the baseline of §0.7); `BH-10a` is the second half of
BH-10.
"""

from ._words import (
    ABSENCE_CODES,
    NIGHTLY,
    OPEN_STAGES,
    TERM_END,
    UNEXPLAINED,
    att,
    certificate_100,
    consec,
    letter,
    long_illness,
    missing_from_school,
    national_penalty_threshold,
    not_pa,
    pa,
    report,
    sessions,
    severe,
    task,
    unauth,
    unresolved_n,
)

SETTINGS = {
    # BH-22: "Any penalty notices or legal proceedings are issued and managed by the Local
    # Authority": the school refers.
    "issuer": "la",
    "nti_weeks": 4,
}


RULES = [
    {
        "id": "BH-10",
        "title": "Absent more than three school days in a row: ask for information",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(ABSENCE_CODES, ">=", 4)],
        "once": "episode",
        "actions": [task("evidence_request", "attendance_officer", due=3)],
        "approval": False,
    },
    {
        "id": "BH-10a",
        "title": "Absent more than 10 school days this term: ask for information",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [sessions(ABSENCE_CODES, "term", ">=", 21)],
        "once": "term",
        "actions": [task("evidence_request", "attendance_officer", due=3)],
        "approval": False,
    },
    {
        "id": "BH-14",
        "title": "Persistent absence: parents speak to the attendance officer",
        "track": "attendance",
        "type": "open",
        "to_stage": "stage_1",
        "when": NIGHTLY,
        "tests": [pa("ytd")],
        "min_possible": 20,
        "actions": [task("call", "attendance_officer", due=5)],
        "approver": "attendance_officer",
    },
    {
        "id": "BH-15",
        "title": "Attendance below 85%: formal meeting",
        "track": "attendance",
        "type": "jump",
        "to_stage": "stage_2",
        "when": NIGHTLY,
        "tests": [att("ytd", "<", 85)],
        "min_possible": 20,
        "actions": [
            letter("meeting_invitation"),
            task("meeting", "attendance_officer", due=10, note="formal attendance meeting"),
        ],
        "approver": "attendance_officer",
    },
    {
        "id": "BH-16",
        "title": "No effect after one term: School Attendance Support Team",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_1", "stage_2"],
        "to_stage": "stage_3",
        "when": TERM_END,
        "opened_by": "term_start",
        "tests": [pa("ytd")],
        "min_possible": 20,
        "actions": [
            task(
                "meeting",
                "attendance_officer",
                due=15,
                note="formal meeting with the School Attendance Support Team contact",
            ),
            task(
                "referral",
                "attendance_officer",
                to="la",
                due=15,
                note="parenting contract or education supervision order",
            ),
        ],
        "approver": "attendance_officer",
    },
    {
        "id": "BH-20",
        "title": "Absence over 50%: focus with the LA and partners",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [severe("ytd")],
        "once": "year",
        "actions": [task("referral", "attendance_officer", to="la", due=10)],
        "approval": False,
    },
    national_penalty_threshold(
        "BH-21", "Statutory threshold: refer to the LA for a penalty notice"
    ),
    {
        "id": "BH-23",
        "title": "Termly list to the LA: pupils who fail to attend regularly",
        "track": "welfare",
        "type": "event",
        "when": TERM_END,
        "tests": [pa("ytd")],
        "min_possible": 20,
        "actions": [report("termly_list")],
        "approver": "attendance_officer",
    },
    {
        "id": "BH-24",
        "title": "Termly list to the LA: 10 school days or more unauthorised",
        "track": "welfare",
        "type": "event",
        "when": TERM_END,
        "tests": [unauth("ytd", ">=", 20)],
        "actions": [report("termly_list")],
        "approver": "attendance_officer",
    },
    {
        "id": "BH-26",
        "title": "20 consecutive school days unauthorised: deletion enquiries with the LA",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(UNEXPLAINED, ">=", 20)],
        "once": "episode",
        "actions": [
            task(
                "review",
                "attendance_officer",
                to="la",
                due=5,
                note="deletion from roll after joint enquiries",
            )
        ],
        "approval": False,
    },
    {
        "id": "BH-27",
        "title": "Away ill for 15 school days: tell the LA",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["I"], ">=", 15)],
        "once": "episode",
        "actions": [report("long_illness")],
        "approver": "attendance_officer",
    },
    certificate_100("BH-40", "100% attendance this term: certificate", TERM_END, "term"),
    {
        "id": "BH-0a",
        "title": "End of term: no longer persistently absent, case closed",
        "track": "attendance",
        "type": "improve",
        "from_stages": OPEN_STAGES,
        "when": TERM_END,
        "tests": [not_pa("ytd")],
        "min_possible": 20,
        "approval": False,
    },
    missing_from_school("BH-0b", approver="attendance_officer"),
    long_illness("BH-0c", approver="attendance_officer"),
    unresolved_n("BH-0d"),
]
