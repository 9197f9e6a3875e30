"""Factories and helpers for the engine's tests: a school on the example calendar
(RULES.md CAL-24 without the May bank holiday, `tests.factories.school_calendar`), a
small test ladder given as plain data, pupils with one parent, and marks for every
session up to a day.

Useful dates of the calendar: first school day Tue 3 Sep 2024; possible sessions to
date 13 Sep = 18, 16 Sep = 20, 7 Oct = 50, 25 Oct = 78, 11 Nov = 90; half term 28 Oct -
1 Nov; `review2` 11 Nov; the rolling 10 school weeks of Mon 18 Nov start Mon 9 Sep (the
half-term week has no sessions, so it is not one of them).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_scopes import scopes_disabled

from escalation.models import EscalationPolicy, NoticeStatus, PenaltyNotice
from registers.models import Mark, Session
from tests.factories import ContactFactory, PupilFactory, SchoolFactory, school_calendar

D = dt.date
FIRST_DAY = D(2024, 9, 3)
OF_AGE = D(2016, 5, 1)  # year 4: of compulsory school age all year
UNDER_AGE = D(2020, 3, 1)  # 5 on 1 Mar 2025: of compulsory school age from 31 Mar 2025

# ---- Ladder pieces (plain data, the schema of escalation.ladder) -----------------------


def att(window, op, value, n=None):
    w = {"kind": window} if n is None else {"kind": window, "n": n}
    return {"metric": {"kind": "attendance_pct", "window": w}, "op": op, "value": str(value)}


def unauth(weeks=10, op=">=", value=10, rearm=True):
    metric = {"kind": "unauthorised", "window": {"kind": "weeks", "n": weeks}, "rearm": rearm}
    return {"metric": metric, "op": op, "value": value}


def lates(window, op, value):
    return {"metric": {"kind": "lates", "window": {"kind": window}}, "op": op, "value": value}


NIGHTLY = {"point": "nightly"}
REVIEW2 = {"point": "review2"}

OPEN_STAGE_1 = {
    "id": "TL-01",
    "track": "attendance",
    "type": "open",
    "to_stage": "stage_1",
    "when": NIGHTLY,
    "tests": [att("ytd", "<=", 90)],
    "actions": [{"type": "letter", "kind": "stage_1"}],
    "approver": "attendance_lead",
}
NO_IMPROVEMENT = {
    "id": "TL-02",
    "track": "attendance",
    "type": "advance",
    "from_stages": ["stage_1"],
    "to_stage": "stage_2",
    "when": REVIEW2,
    "min_gap_school_days": 10,
    "tests": [att("since_stage", "<=", 90)],
    "actions": [
        {"type": "task", "kind": "call", "role": "attendance_lead", "due_days": 2},
        {"type": "letter", "kind": "stage_2"},
    ],
    "approver": "attendance_lead",
}
IMPROVED = {
    "id": "TL-03",
    "track": "attendance",
    "type": "improve",
    "from_stages": ["stage_1", "stage_2"],
    "when": REVIEW2,
    "tests": [att("since_stage", ">", 90)],
    "actions": [{"type": "letter", "kind": "improvement"}],
    "approval": False,
}
FOURTH_LATE = {
    "id": "TL-04",
    "track": "punctuality",
    "type": "open",
    "to_stage": "stage_1",
    "when": NIGHTLY,
    "once": "year",
    "tests": [lates("ytd", ">=", 4)],
    "actions": [{"type": "letter", "kind": "lateness_1"}],
}
LATE_AGAIN = {
    "id": "TL-05",
    "track": "punctuality",
    "type": "advance",
    "from_stages": ["stage_1"],
    "to_stage": "stage_2",
    "when": NIGHTLY,
    "min_gap_school_days": 5,
    "tests": [lates("since_stage", ">=", 1)],
    "actions": [
        {"type": "letter", "kind": "meeting_invitation"},
        {"type": "task", "kind": "meeting", "role": "attendance_lead"},
    ],
}
PENALTY = {
    "id": "TL-10",
    "track": "legal",
    "type": "open",
    "to_stage": "penalty_notice",
    "when": NIGHTLY,
    "tests": [unauth()],
    "actions": [{"type": "legal", "kind": "penalty_notice"}],
    "approver": "headteacher",
}
MISSING = {
    "id": "TL-20",
    "track": "welfare",
    "type": "event",
    "when": NIGHTLY,
    "once": "episode",
    "tests": [
        {"metric": {"kind": "consecutive_days", "codes": ["G", "N", "O"]}, "op": ">=", "value": 10}
    ],
    "actions": [{"type": "report", "kind": "missing_from_school"}],
}
HOME_VISIT = {
    "id": "TL-21",
    "track": "welfare",
    "type": "event",
    "when": NIGHTLY,
    "once": "episode",
    "tests": [
        {"metric": {"kind": "consecutive_days", "codes": ["G", "N", "O"]}, "op": ">=", "value": 3}
    ],
    "actions": [{"type": "task", "kind": "home_visit", "role": "attendance_officer"}],
}
TEST_LADDER = [OPEN_STAGE_1, NO_IMPROVEMENT, IMPROVED, FOURTH_LATE, LATE_AGAIN, PENALTY, MISSING]


# ---- Data ------------------------------------------------------------------------------


@scopes_disabled()
def ladder_school(rules=None, *, issuer="school", **school_kwargs):
    """A school on the example calendar whose policy is the given ladder (preset `test`)."""
    school = SchoolFactory(**school_kwargs)
    school_calendar(school)
    EscalationPolicy.objects.create(
        school=school, preset="test", rules=list(rules or TEST_LADDER), issuer=issuer
    )
    return school


@scopes_disabled()
def use_rules(school, rules) -> None:
    EscalationPolicy.objects.filter(school=school).update(rules=list(rules))


@scopes_disabled()
def child(school, *, name="Pupil", born=OF_AGE, parents=1, **kwargs):
    """A pupil on roll since 2020 with `parents` contacts with parental responsibility
    (priorities 1, 2, ...)."""
    pupil = PupilFactory(
        school=school,
        legal_forename=name,
        date_of_birth=born,
        on_roll_from=D(2020, 9, 1),
        **kwargs,
    )
    for priority in range(1, parents + 1):
        ContactFactory(pupil=pupil, school=school, priority=priority)
    return pupil


@scopes_disabled()
def school_days(school, start, end) -> list[dt.date]:
    return sorted(
        set(
            Session.objects.filter(school=school, date__range=(start, end)).values_list(
                "date", flat=True
            )
        )
    )


@scopes_disabled()
def marks(pupil, until, codes=None, *, start=FIRST_DAY):
    """Every session of the pupil from `start` to `until` (inclusive) marked: present
    unless `codes` gives the day's code, or an (AM, PM) pair. Sessions already marked
    are left as they are."""
    codes = codes or {}
    done = set(Mark.objects.filter(pupil=pupil).values_list("session_id", flat=True))
    rows = []
    now = timezone.now()
    for session in Session.objects.filter(school=pupil.school, date__range=(start, until)):
        if session.pk in done:
            continue
        given = codes.get(session.date)
        code = given[0 if session.period == "AM" else 1] if isinstance(given, tuple) else given
        code = code or ("/" if session.period == "AM" else "\\")
        rows.append(
            Mark(
                school=pupil.school,
                pupil=pupil,
                session=session,
                date=session.date,
                code_id=code,
                recorded_at=now,
            )
        )
    Mark.objects.bulk_create(rows)


@scopes_disabled()
def issued_notice(pupil, on, *, priority=1, number=1):
    """A penalty notice issued to the parent of that priority on a day (as imported)."""
    return PenaltyNotice.objects.create(
        school=pupil.school,
        pupil=pupil,
        parent_priority=priority,
        notice_number=number,
        amount_gbp=80 if number == 1 else 160,
        issuer="school",
        status=NoticeStatus.ISSUED,
        proposed_on=on,
        issued_on=on,
        imported=True,
    )


def run(school, day, **kwargs) -> dict:
    """The night of `day`, as `run_escalation --format json` prints it."""
    from escalation.services.run import run_escalation
    from registers.tenancy import school_scope

    with school_scope(school):
        return run_escalation(school=school, as_of=day, **kwargs).as_json()


def of(result: dict, pupil, track: str | None = None) -> list[dict]:
    return [
        d
        for d in result["decisions"]
        if d["upn"] == pupil.upn and (track is None or d["track"] == track)
    ]
