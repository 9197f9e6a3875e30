"""The five policies' leave-of-absence checks as presets of `LeaveChecks` (RULES.md §5.2).

A school's checks are created from its `policy_preset` the first time they are read
(`leave_checks_for`), then edited by the school. Every preset keeps "no retrospective
approval": the 2024 Regulations let a school grant leave only on an application made in
advance (and BH-31 says so in words); and every preset refuses family holidays (BS-23,
BH "holidays unlikely", DS-38, BL-12, LE-33 "exceptional circumstances" only).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from absences.models import LeaveChecks
from registers.models import School

# Field values per preset; fields left out keep the model's defaults.
PRESETS: dict[str, dict] = {
    # BS-21 "where possible, at least 2 weeks before the absence": short notice flagged.
    # BS-23 holidays "unlikely" to be granted. No numeric refusal rule (RULES.md §5.2).
    "blue-sky": {"notice_period": True, "notice_days": 14, "holiday": True},
    # BH-28/34/35 two weeks' notice (flag); BH-29 refused with any unauthorised absence
    # this year; BH-30 refused with authorised absence above 10 % (strict); BH-31 never
    # retrospective.
    "burton-hathow": {
        "notice_period": True,
        "notice_days": 14,
        "unauthorised_on_record": True,
        "authorised_over": True,
        "authorised_limit_pct": 10,
        "holiday": True,
    },
    # DS-38 exceptional circumstances only, never holidays; no notice period and no
    # numeric rule ("may also factor in a child's current level of absence": the decider
    # sees the figures).
    "dsat": {"notice_period": False, "holiday": True},
    # BL-10 exceptional circumstances, "in advance", no notice period; BL-12 no holidays.
    "banks-lane": {"notice_period": False, "holiday": True},
    # LE-33 exceptional circumstances, no notice period stated.
    "leeds": {"notice_period": False, "holiday": True},
}
# A school with no preset (or one we do not know): the issue's defaults (2 weeks' notice
# flagged, no retrospective approval, holidays not granted).
DEFAULT: dict = {"notice_period": True, "notice_days": 14, "holiday": True}


def leave_checks_for(school: School) -> LeaveChecks:
    """The school's checks, created from its preset the first time (race-safe: two
    first reads at once create one row)."""
    checks = LeaveChecks.objects.filter(school=school).first()
    if checks is not None:
        return checks
    preset = school.policy_preset if school.policy_preset in PRESETS else ""
    values = PRESETS.get(preset, DEFAULT)
    try:
        with transaction.atomic():
            return LeaveChecks.objects.create(school=school, preset=preset, **values)
    except IntegrityError:
        return LeaveChecks.objects.get(school=school)
