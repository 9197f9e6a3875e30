"""Preset `leeds`: Micklefield CE Primary's attendance policy (the Leeds City Council
model) as a ladder (policies/RULES.md §1.5; the clause-by-clause map is leeds.md).

Letters go half-termly (HT_end); "below 90%" is strict (`att% < 90`), not the PA
indicator (RULES.md §2.2). Ids are RULES.md ids; `LE-0a`, `LE-0b` are the baseline of
RULES.md §0.7.
"""

from ._words import (
    ABSENCE_CODES,
    HT_END,
    NIGHTLY,
    att,
    certificate_100,
    consec,
    deletion_review,
    improvement_letter,
    lates,
    legal,
    letter,
    long_illness,
    missing_from_school,
    stage_1_letter,
    task,
    unauth,
    unresolved_n,
)

SETTINGS = {
    # LE-27: "apply to LA for a Penalty Notice".
    "issuer": "la",
    "nti_weeks": 4,
}

HOME_VISIT_NOTE = "only if the absence prompts a safeguarding concern"
# LE-26 / LE-27: no improvement since letter three (the attendance case at stage 3,
# judged since that stage began), the "Below 80%" band and the national threshold
# (RULES.md P).
LEGAL_TESTS = [
    att({"kind": "since_stage", "track": "attendance"}, "<", 90),
    att("ytd", "<", 80),
    unauth(("weeks", 10), ">=", 10, rearm=True),
]
AFTER_LETTER_THREE = {"compulsory_age": True, "track_stages": {"attendance": ["stage_3"]}}

RULES = [
    unresolved_n("LE-11"),
    # ---- Home visits (suggested tasks; a person decides, LE-12) ------------------------------
    {
        "id": "LE-15",
        "title": "Unexplained absence of a vulnerable pupil: home visit today",
        # Before LE-13: welfare actions of one kind are merged, the first rule's kept.
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["N"], ">=", 1)],
        "pupil": {"vulnerable": True},
        "once": "episode",
        "actions": [task("home_visit", "attendance_lead", due=0, note="vulnerable pupil")],
        "approval": False,
    },
    {
        "id": "LE-13",
        "title": "No communication from a parent all day: consider a home visit",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["N"], ">=", 1)],
        "once": "episode",
        "actions": [task("home_visit", "attendance_officer", due=1, note=HOME_VISIT_NOTE)],
        "approval": False,
    },
    {
        "id": "LE-14",
        "title": "5 days' illness without medical proof: home visit and evidence",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["I"], ">=", 5)],
        "once": "episode",
        "actions": [
            task("home_visit", "attendance_officer", due=1, note=HOME_VISIT_NOTE),
            task("evidence_request", "attendance_officer", due=3, note="medical proof"),
        ],
        "approval": False,
    },
    {
        "id": "LE-16",
        "title": "3 consecutive days of absence: consider a home visit",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(ABSENCE_CODES, ">=", 3)],
        "once": "episode",
        "actions": [task("home_visit", "attendance_officer", due=1, note=HOME_VISIT_NOTE)],
        "approval": False,
    },
    # ---- Attendance letters, half-termly ---------------------------------------------------
    stage_1_letter(
        "LE-17",
        "Letter one: attendance below 90%",
        HT_END,
        att("ytd", "<", 90),
        approver="headteacher",
    ),
    {
        "id": "LE-22",
        "title": "No improvement after letter one: Fast Track letter 1",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_1"],
        "to_stage": "stage_2",
        "when": HT_END,
        "tests": [att("since_stage", "<", 90)],
        "min_possible": 20,
        "actions": [letter("stage_2")],
        "approver": "headteacher",
    },
    {
        "id": "LE-24",
        "title": "Attendance continues to decline: formal attendance meeting",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_2"],
        "to_stage": "stage_3",
        "when": HT_END,
        "tests": [att("since_stage", "<", 90)],
        "min_possible": 20,
        "actions": [
            letter("meeting_invitation"),
            task("meeting", "headteacher", due=10, note="attendance meeting with HT/OM"),
        ],
        "approver": "headteacher",
    },
    improvement_letter(
        "LE-23",
        "Improved attendance: letter of congratulation",
        HT_END,
        att("since_stage", ">=", 90),
        approver="headteacher",
    ),
    # ---- Punctuality -------------------------------------------------------------------------
    {
        "id": "LE-20",
        "title": "Lates letter: 5 or more lates this half term",
        "track": "punctuality",
        "type": "open",
        "to_stage": "stage_1",
        "when": HT_END,
        "tests": [lates("half_term", ">=", 5)],
        "actions": [letter("lateness_1")],
        "approver": "headteacher",
    },
    {
        "id": "LE-21",
        "title": "Punctuality does not improve: meeting in school",
        "track": "punctuality",
        "type": "advance",
        "from_stages": ["stage_1"],
        "to_stage": "stage_2",
        "when": HT_END,
        "tests": [lates("half_term", ">=", 5)],
        "actions": [
            letter("lateness_2"),
            task("meeting", "headteacher", due=10, note="punctuality meeting"),
        ],
        "approver": "headteacher",
    },
    # ---- Legal ---------------------------------------------------------------------------------
    {
        "id": "LE-26",
        "title": "No improvement after letter three: warning of a penalty notice",
        "track": "legal",
        "type": "open",
        "to_stage": "warning",
        "when": HT_END,
        "tests": LEGAL_TESTS,
        "pupil": AFTER_LETTER_THREE,
        "actions": [letter("penalty_warning")],
        "approver": "headteacher",
    },
    {
        "id": "LE-27",
        "title": "All other strategies failed: apply to the LA for a penalty notice",
        "track": "legal",
        "type": "advance",
        "from_stages": ["warning"],
        "to_stage": "penalty_notice",
        "when": HT_END,
        "tests": LEGAL_TESTS,
        "pupil": AFTER_LETTER_THREE,
        "actions": [legal("penalty_notice")],
        "approver": "headteacher",
    },
    # ---- Rewards and reports ---------------------------------------------------------------------
    certificate_100("LE-29", "100% this half term: certificate letter", HT_END, "half_term"),
    missing_from_school("LE-32", "10 school days without explanation: tell the LA"),
    long_illness("LE-0a"),
    deletion_review("LE-0b"),
]
