"""What the absences, escalation and reporting apps add to each demo school, after its
roll, staff and marks exist (demo/build.py calls `add_extras` once per school, inside the
school's scope and the build's transaction). Each app's part lives in its own module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from registers.models import School


@dataclass
class DemoContext:
    school: School
    slug: str
    # Logins by username (demo/people.py LOGINS), the office user and teachers by group.
    users: dict
    office: object
    teachers: dict
    today: date
    rng: Random


def add_extras(ctx: DemoContext) -> dict[str, int]:
    """Counts of what was added, by label (printed by seed_demo)."""
    from . import absences, escalation, reporting

    counts: dict[str, int] = {}
    for part in (absences, escalation, reporting):
        counts.update(part.add(ctx) or {})
    return counts
