"""A small school under one preset, for the scenario tests of the presets
(tests/escalation/test_preset_*.py; policies/RULES.md §1).

The calendar is `tests.factories.school_calendar`, RULES.md's CAL-24 without the May bank
holiday: first school day Tue 3 Sep 2024; half terms 28 Oct-1 Nov, 17-21 Feb, 26-30 May;
terms end 20 Dec, 4 Apr, 22 Jul. Possible sessions to date: 11 Oct 58, 25 Oct 78,
11 Nov 90. `review2`: 11 Nov, 13 Jan, 3 Mar; `HT_end`: 25 Oct, 20 Dec; `block_end`
(6 school weeks): 11 Oct, 29 Nov.

A pupil's marks are written for every session from their first day to a date: present
(`/`, `\\`) unless the test says otherwise (a code for the day, or an (AM, PM) pair), so
that percentages have every possible session (DESIGN §6: a session with no mark counts
nowhere).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django_scopes import scopes_disabled

from registers.models import Mark, Session
from registers.tenancy import school_scope
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    school_calendar,
)

D = dt.date
FIRST_DAY = D(2024, 9, 3)
# Born 1 May 2016: year 4, of compulsory school age all year.
OF_AGE = D(2016, 5, 1)
# Born 1 March 2020: 5 on 1 Mar 2025, of compulsory school age only from 31 Mar 2025.
UNDER_AGE = D(2020, 3, 1)
LONG_ON_ROLL = D(2020, 9, 1)


@scopes_disabled()
def preset_school(preset: str):
    school = SchoolFactory(policy_preset=preset)
    school_calendar(school)
    RegistrationGroupFactory(school=school, name="Oak", year_group="4")
    return school


@scopes_disabled()
def pupil(school, *, forename="Pupil", born=OF_AGE, on_roll_from=LONG_ON_ROLL, **kwargs):
    """A pupil with one parent (contact priority 1, parental responsibility)."""
    child = PupilFactory(
        school=school,
        legal_forename=forename,
        date_of_birth=born,
        on_roll_from=on_roll_from,
        year_group="R" if born == UNDER_AGE else "4",
        **kwargs,
    )
    ContactFactory(pupil=child, school=school, priority=1)
    return child


@scopes_disabled()
def school_days(school, start: dt.date, end: dt.date) -> list[dt.date]:
    return sorted(
        set(
            Session.objects.filter(school=school, date__range=(start, end)).values_list(
                "date", flat=True
            )
        )
    )


@scopes_disabled()
def marks(child, until: dt.date, codes: dict | None = None, *, start: dt.date | None = None):
    """Mark every session of `child` from `start` (default their first school day) to
    `until`, both inclusive: present unless `codes` gives the day's code or (AM, PM)."""
    codes = codes or {}
    start = max(start or FIRST_DAY, child.on_roll_from)
    existing = set(
        Mark.objects.filter(pupil=child, date__range=(start, until)).values_list(
            "session_id", flat=True
        )
    )
    rows = []
    now = timezone.now()
    for session in Session.objects.filter(school=child.school, date__range=(start, until)):
        if session.id in existing:
            continue
        given = codes.get(session.date)
        if isinstance(given, tuple):
            code = given[0] if session.period == "AM" else given[1]
        else:
            code = given
        if code is None:
            code = "/" if session.period == "AM" else "\\"
        rows.append(
            Mark(
                school=child.school,
                pupil=child,
                session=session,
                date=session.date,
                code_id=code,
                recorded_at=now,
            )
        )
    Mark.objects.bulk_create(rows)


def days_coded(days: Iterable[dt.date], code) -> dict:
    return {day: code for day in days}


def run(school, day: dt.date) -> dict:
    """The nightly run of `day` for the school, as `run_escalation --format json` prints
    it (DESIGN.md §9), inside the school's scope as the command runs it."""
    from escalation.services.run import run_escalation

    with school_scope(school):
        return run_escalation(school=school, as_of=day).as_json()


def decisions(result: dict, child, track: str | None = None) -> list[dict]:
    return [
        d
        for d in result["decisions"]
        if d["upn"] == child.upn and (track is None or d["track"] == track)
    ]


def decision(result: dict, child, track: str) -> dict | None:
    """The pupil's one decision on a track that night (RULES.md §0.3), or None."""
    found = decisions(result, child, track)
    assert len(found) <= 1 or track == "welfare", found
    return found[0] if found else None


def rules(result: dict, child) -> set[str]:
    """The rule ids (without the preset) that decided something for the pupil."""
    return {d["rule"].split("/", 1)[1] for d in decisions(result, child)}


def kinds(decided: dict | None, type_: str) -> list[str]:
    if decided is None:
        return []
    return [a["kind"] for a in decided["actions"] if a["type"] == type_]
