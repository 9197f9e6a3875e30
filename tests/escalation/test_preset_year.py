"""Each preset over a whole school year on a small school: its calendar points fall on
the days RULES.md §0 lists for its example calendar CAL-24 (the 2024/25 calendar of
tests/escalation/preset_school.py), and on each of those days every due rule of the
preset is evaluated by the nightly run without error."""

import datetime as dt

import pytest

from escalation import presets
from escalation.engine import points
from escalation.services.run import run_escalation
from registers.metrics import SchoolCalendar
from registers.tenancy import school_scope
from tests.escalation.preset_school import marks, preset_school, pupil, school_days

pytestmark = pytest.mark.django_db
D = dt.date
FIRST, LAST = D(2024, 9, 3), D(2025, 7, 22)

# RULES.md §0, CAL-24.
REVIEW2 = ["2024-11-11", "2025-01-13", "2025-03-03", "2025-04-28", "2025-06-09"]
HT_END = ["2024-10-25", "2024-12-20", "2025-02-14", "2025-04-04", "2025-05-23", "2025-07-22"]
BLOCK_END = ["2024-10-11", "2024-11-29", "2025-01-24", "2025-03-14", "2025-05-09", "2025-06-27"]
POINTS = {
    "blue-sky": {"review2": REVIEW2, "pa_letter": ["2024-09-03", "2025-01-06", "2025-04-30"]},
    "burton-hathow": {"term_end": ["2024-12-20", "2025-04-04", "2025-07-22"]},
    "dsat": {"block_end": [*BLOCK_END, "2025-07-22"], "pa_check": ["2024-09-30"]},
    "banks-lane": {"HT_end": HT_END},
    "leeds": {"HT_end": HT_END},
}


@pytest.mark.parametrize("name", presets.PRESETS)
def test_each_preset_runs_on_the_calendar_points_of_rules_md_cal_24(name):
    school = preset_school(name)
    days = school_days(school, FIRST, LAST)
    patchy = pupil(school, forename="Patchy")
    # Absent every Monday and late every Wednesday: rules of every ladder fire.
    codes = {0: "O", 2: ("L", None)}
    marks(patchy, LAST, {day: codes[day.weekday()] for day in days if day.weekday() in codes})
    whens = {r.when for r in presets.load(name) if r.when.point != "nightly"}

    fired, seen = set(), {}
    with school_scope(school):
        calendar = SchoolCalendar(school)
        for day in days:
            for when in whens:
                if points.is_point(calendar, day, when):
                    seen.setdefault(when.name, []).append(day.isoformat())
        assert {k: sorted(set(v)) for k, v in seen.items()} == POINTS[name]
        for day in sorted({d for v in seen.values() for d in v}):
            night = run_escalation(school=school, as_of=D.fromisoformat(day), dry_run=True)
            assert sorted(night.calendar_points) == sorted(
                point for point, on in seen.items() if day in on
            )
            fired |= {d.rule_id for d in night.decisions}
    assert fired, f"{name}: nothing fired for a pupil absent every Monday"
