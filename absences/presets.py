"""The five policies' first-day calling procedures as settings presets (issue 9).

Each preset is the values of `absences.models.AbsenceProcedure` that its policy text
gives, with the RULES.md ids it translates (`../shared/policies/RULES.md`, category FDC,
HV and CODE). Where a text is silent the DEFAULT's value stands, marked "P:" (the reading
used) in the comment. A preset is applied once, when a school's procedure is first read
(`procedure_for`), and again only when someone chooses it on the settings page.

`replace_overdue_n_with_o` is the policy's recommendation: the setting itself lives on
`registers.School` (set by `setup_school`), so a lazily created procedure never changes it;
choosing a preset on the settings page does.
"""

from datetime import time

# The procedure a school with no preset gets: DSAT's shape (the one policy that gives
# every step), which is also what the national guidance (Working together to improve
# school attendance, 2024) describes: first contact at register close, a call soon after,
# every absent pupil accounted for by mid-morning.
DEFAULT: dict = {
    "first_contact": "text",
    "call_after_minutes": 15,
    "day_one_contacts": 0,  # every contact on file may be tried on day 1
    "vulnerable_all_contacts_day_one": True,
    "deadline": time(10, 0),
    "failed_attempts_limit": 3,
    "escalate_when_contacts_exhausted": True,
    "actions": ["other_contacts", "siblings_schools", "home_visit", "police_welfare_check"],
    "trigger_no_contact": True,
    "trigger_consecutive_days": 3,
    "consecutive_days_task": "home_visit",
    "trigger_illness_days": 6,
    "trigger_vulnerable_unexplained": True,
    "auto_accept_parent_illness": False,
}

PRESETS: dict[str, dict] = {
    "blue-sky": {
        # BS-10: "Call the pupil's parent on the morning of the first day": a call, no text first.
        "first_contact": "call",
        "call_after_minutes": 0,
        # BS-10 P: "morning" = before 12:00.
        "deadline": time(12, 0),
        # BS-11: "If the school cannot reach any of the pupil's emergency contacts": every
        # contact tried (no count of attempts in the text).
        "failed_attempts_limit": 0,
        "escalate_when_contacts_exhausted": True,
        # BS-11 home visit or a Police welfare visit; BS-13 the LA's education welfare officer.
        "actions": ["other_contacts", "home_visit", "police_welfare_check", "education_welfare"],
        "trigger_no_contact": True,  # BS-11 ("may": a suggested task, a person decides)
        "trigger_consecutive_days": 0,  # BS-12: a call each day, no visit by count
        "consecutive_days_task": "call",
        "trigger_illness_days": 6,  # BS-16: longer than 5 days, P: 6th school day of I
        "trigger_vulnerable_unexplained": False,
        "replace_overdue_n_with_o": False,  # BS-14: flag overdue N, a review task, no O
    },
    "burton-hathow": {
        # BH-09: "has not contacted the school by 9:30am ... contact the parent by telephone":
        # the AM register closes at 09:00 (BH-03), so the call is due 30 minutes after.
        "first_contact": "call",
        "call_after_minutes": 30,
        # P: no deadline in the text; the default 10:00.
        "deadline": time(10, 0),
        "failed_attempts_limit": 0,
        "escalate_when_contacts_exhausted": True,
        # BH-38 (by analogy): police once the emergency contacts are exhausted; the Home
        # Visit Policy (policy §1).
        "actions": ["other_contacts", "home_visit", "police_welfare_check"],
        "trigger_no_contact": True,
        # BH-10: "absent for more than three school days in a row": additional information.
        "trigger_consecutive_days": 4,
        "consecutive_days_task": "evidence_request",
        "trigger_illness_days": 0,  # BH-10 P: illness evidence only on genuine doubt
        "trigger_vulnerable_unexplained": False,
        "replace_overdue_n_with_o": False,
    },
    "dsat": {
        # DS-11: "prompt contact with parents" at register close (a text or app message).
        "first_contact": "text",
        # DS-12: "within around 15 minutes of initial contact a phone call". P: 15.
        "call_after_minutes": 15,
        # DS-13: then the other contacts in priority order.
        "day_one_contacts": 0,
        # DS-15: "satisfied with every absent child's safety by 10am at the latest".
        "deadline": time(10, 0),
        "failed_attempts_limit": 0,
        "escalate_when_contacts_exhausted": True,
        # DS-14: siblings' schools, social care / early help, a home visit, the police.
        "actions": ["siblings_schools", "social_care", "home_visit", "police_welfare_check"],
        "trigger_no_contact": True,  # DS-14
        "trigger_consecutive_days": 0,
        "consecutive_days_task": "home_visit",
        "trigger_illness_days": 6,  # DS-09: "more than 5 days may require ... medical evidence"
        "trigger_vulnerable_unexplained": False,  # DS-10: vulnerable first on the list only
        "replace_overdue_n_with_o": True,  # DS-16: never explained counts as unauthorised
    },
    "banks-lane": {
        # BL-15: "immediate contact ... by telephone/text": a call at once.
        "first_contact": "call",
        "call_after_minutes": 0,
        # BL-15/BL-18: contacts 1 & 2 on day 1, 3 & 4 from day 2 ...
        "day_one_contacts": 2,
        # BL-19: ... unless vulnerable (LAC/CP/TAC/TAF) and 1 & 2 cannot be reached.
        "vulnerable_all_contacts_day_one": True,
        "deadline": time(10, 0),  # P: no time in the text
        # BL-16: voicemail or a text (T2P) after each failed call; two contacts on day 1.
        "failed_attempts_limit": 2,
        "escalate_when_contacts_exhausted": True,
        # BL-18 other contacts; BL-34 MASSH (social care); BL-35 police; policy §CME home
        # visits and welfare checks by the EWO.
        "actions": ["other_contacts", "social_care", "education_welfare", "police_welfare_check"],
        "trigger_no_contact": True,
        "trigger_consecutive_days": 0,
        "consecutive_days_task": "call",
        "trigger_illness_days": 0,  # BL-06: a return date from a health professional, no count
        "trigger_vulnerable_unexplained": True,  # BL-19
        "replace_overdue_n_with_o": True,  # BL-05
    },
    "leeds": {
        # LE-08: contact on the first day; LE-09: vulnerable pupils first.
        "first_contact": "call",
        "call_after_minutes": 0,
        "deadline": time(10, 0),  # P: no time in the text
        "failed_attempts_limit": 0,
        "escalate_when_contacts_exhausted": True,
        "actions": ["other_contacts", "home_visit", "police_welfare_check"],
        # LE-12..16: home-visit triggers ("may prompt": suggested tasks, a person decides).
        "trigger_no_contact": True,  # LE-13 "No communication from a parent"
        "trigger_consecutive_days": 3,  # LE-16 "3 consecutive days of absence"
        "consecutive_days_task": "home_visit",
        "trigger_illness_days": 5,  # LE-14 "5 days continuous absence without medical proof"
        "trigger_vulnerable_unexplained": True,  # LE-15 "vulnerable students"
        "replace_overdue_n_with_o": True,  # LE-11 "flag overdue; O"
    },
}

PRESET_NAMES = {
    "blue-sky": "Blue Sky Federation",
    "burton-hathow": "Burton Hathow Preparatory School",
    "dsat": "Diocese of Salisbury Academy Trust",
    "banks-lane": "Banks Lane Infant and Nursery School",
    "leeds": "Micklefield (Leeds)",
}


def preset_values(name: str) -> dict:
    """The procedure's field values for preset `name` (DEFAULT for "" or an unknown name),
    without `replace_overdue_n_with_o` (a School field)."""
    values = {**DEFAULT, **PRESETS.get(name, {})}
    values.pop("replace_overdue_n_with_o", None)
    return values


def preset_replaces_n(name: str) -> bool | None:
    """The preset's recommendation for replacing overdue N by O (None: no preset)."""
    return PRESETS.get(name, {}).get("replace_overdue_n_with_o")
