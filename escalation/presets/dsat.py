"""Preset `dsat`: the Diocese of Salisbury Academy Trust's attendance policy as a ladder
(policies/RULES.md §1.3; the clause-by-clause map is dsat.md).

The traffic light (DS-21 … DS-26) is evaluated at the end of each fixed block of 6 school
weeks: green [96, 100], yellow [94, 96), amber (90, 94), red [0, 90] (RULES.md §2.1).
Ids are RULES.md ids; `DS-0a` … `DS-0d` are rules RULES.md states without an id (§1.3
"Also" and the baseline of §0.7).
"""

from ._words import (
    NIGHTLY,
    att,
    block_end,
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
    report,
    sessions,
    severe,
    task,
    unauth,
    unresolved_n,
)

SETTINGS = {
    # DS-29: a recommendation through the Education Welfare Service / Inclusion Leads.
    "issuer": "la",
    "nti_weeks": 4,
}

BLOCK = block_end(6)
THIS_BLOCK = ("block", 6)
LAST_BLOCK = ("prev_block", 6)

RULES = [
    {
        "id": "DS-09",
        "title": "Illness of more than 5 days: ask for medical evidence",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [consec(["I"], ">=", 6)],
        "once": "episode",
        "actions": [task("evidence_request", "office", due=3)],
        "approval": False,
    },
    unresolved_n("DS-16"),
    # ---- The traffic light at each block end ---------------------------------------------
    improvement_letter(
        "DS-21",
        "Green (96% or above): case closed with a letter",
        BLOCK,
        att(THIS_BLOCK, ">=", 96),
        approver="headteacher",
    ),
    {
        "id": "DS-22",
        "title": "Yellow (94% to 96%): optional yellow letter",
        "track": "attendance",
        "type": "event",
        "when": BLOCK,
        "tests": [att(THIS_BLOCK, ">=", 94), att(THIS_BLOCK, "<", 96)],
        "min_possible": 20,
        "actions": [letter("traffic_yellow")],
        "approver": "headteacher",
        # "an optional 'yellow letter' which schools may use": off until the school opts in.
        "enabled": False,
    },
    {
        "id": "DS-23",
        "title": "Amber (above 90%, below 94%): amber letter",
        "track": "attendance",
        "type": "set",
        "to_stage": "stage_1",
        "when": BLOCK,
        "tests": [att(THIS_BLOCK, ">", 90), att(THIS_BLOCK, "<", 94)],
        "min_possible": 20,
        "actions": [letter("traffic_amber")],
        "approver": "headteacher",
    },
    {
        "id": "DS-25",
        "title": "Red continuing a pattern: School Attendance Meeting",
        # Before DS-24: of two rules setting one stage, the first in the ladder wins.
        "track": "attendance",
        "type": "set",
        "from_stages": ["none", "stage_1", "stage_2"],
        "to_stage": "stage_2",
        "when": BLOCK,
        "tests": [att(THIS_BLOCK, "<=", 90)],
        "min_possible": 20,
        "any_of": [att(LAST_BLOCK, "<=", 90), pa("prev_term"), pa("prev_year")],
        "actions": [
            letter("traffic_red"),
            letter("meeting_invitation"),
            task("meeting", "headteacher", due=10, note="School Attendance Meeting"),
        ],
        "approver": "headteacher",
    },
    {
        "id": "DS-24",
        "title": "Red (90% or under): red letter",
        "track": "attendance",
        "type": "set",
        # A pupil already at stage 3 (after a second meeting) stays there.
        "from_stages": ["none", "stage_1", "stage_2"],
        "to_stage": "stage_2",
        "when": BLOCK,
        "tests": [att(THIS_BLOCK, "<=", 90)],
        "min_possible": 20,
        "actions": [letter("traffic_red")],
        "approver": "headteacher",
    },
    {
        "id": "DS-26",
        "title": "No improvement after the meeting: a further meeting",
        "track": "attendance",
        "type": "advance",
        "from_stages": ["stage_2"],
        "to_stage": "stage_3",
        "when": BLOCK,
        "meeting_held": True,
        "tests": [att(THIS_BLOCK, "<=", 90)],
        "min_possible": 20,
        "actions": [
            letter("meeting_invitation"),
            task(
                "meeting",
                "headteacher",
                due=10,
                note="further meeting: EWS / Inclusion Lead and legal action if no improvement",
            ),
        ],
        "approver": "headteacher",
    },
    # ---- Penalty notices ----------------------------------------------------------------
    {
        "id": "DS-29",
        "title": "After the further meeting: recommend a fixed penalty fine",
        "track": "legal",
        "type": "open",
        "to_stage": "penalty_notice",
        "when": BLOCK,
        "tests": [unauth(("weeks", 10), ">=", 10, rearm=True)],
        "pupil": {"compulsory_age": True, "track_stages": {"attendance": ["stage_3"]}},
        "actions": [legal("penalty_notice")],
        "approver": "headteacher",
    },
    national_penalty_threshold(
        "DS-30", "National threshold: consider a fine (10 unauthorised in 10 school weeks)"
    ),
    # ---- Severe absence, lateness ----------------------------------------------------
    {
        "id": "DS-34",
        "title": "Severely absent (50% or lower): a multi-agency plan",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [severe("ytd")],
        "once": "year",
        "actions": [task("referral", "headteacher", due=10, note="robust multi-agency plan")],
        "approval": False,
    },
    {
        "id": "DS-35",
        "title": "Regularly late (6 or more in a block): contact the parents",
        "track": "punctuality",
        "type": "open",
        "to_stage": "stage_1",
        "when": BLOCK,
        "tests": [lates(THIS_BLOCK, ">=", 6)],
        "actions": [task("call", "attendance_lead", due=5, note="lateness")],
        "approver": "headteacher",
    },
    missing_from_school("DS-40", "10 school days with no response: Missing from Education form"),
    # ---- RULES.md "Also" and baseline ----------------------------------------------------
    {
        "id": "DS-0a",
        "title": "End of September: check last year's persistent absentees",
        "track": "welfare",
        "type": "event",
        "when": {"point": "month_end", "months": [9], "label": "pa_check"},
        "tests": [pa("prev_year")],
        "min_possible": 20,
        "actions": [task("call", "attendance_lead", due=5, note="celebrate or show concern")],
        "approval": False,
    },
    {
        "id": "DS-0b",
        "title": "Unexplained absence of a vulnerable pupil: tell the social worker",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [sessions(["N"], ("days", 1), ">=", 1)],
        "pupil": {"vulnerable": True},
        "actions": [report("social_worker")],
        "approval": False,
    },
    long_illness("DS-0c"),
    deletion_review("DS-0d", note="keep on roll until the EWO agrees"),
]
