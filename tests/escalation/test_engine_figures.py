"""The night's figures come from registers.metrics / registers.stats, batched: the
indicators a rule reads are exactly those `registers.stats.indicators` (and
`pupil_indicators`) reports, and the number of queries does not grow with the pupils."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation import engine
from escalation.engine.figures import PupilDates, compute
from escalation.ladder import INDICATORS, ladder_from_data
from registers import stats
from registers.metrics import Bounds, SchoolCalendar, roll
from registers.tenancy import school_scope
from tests.escalation.factories import (
    OPEN_STAGE_1,
    PENALTY,
    child,
    ladder_school,
    marks,
    school_days,
)

pytestmark = pytest.mark.django_db
D = dt.date
NOV_18 = D(2024, 11, 18)


def indicator_rules():
    return ladder_from_data(
        [
            {
                "id": f"TL-{40 + i}",
                "track": "welfare",
                "type": "event",
                "when": {"point": "nightly"},
                "tests": [{"metric": {"kind": "indicator", "key": key}}],
                "actions": [{"type": "task", "kind": "review"}],
            }
            for i, key in enumerate(INDICATORS)
        ]
    )


def figures(school, rules, day=NOV_18):
    calendar = SchoolCalendar(school)
    pupils = roll(school=school, bounds=Bounds(day, day))
    return compute(
        school=school,
        as_of=day,
        rules=rules,
        pupils=pupils,
        dates=PupilDates(),
        calendar=calendar,
    ), pupils


def test_the_indicators_a_rule_reads_are_those_the_statistics_report():
    school = ladder_school([])
    days = school_days(school, D(2024, 9, 3), NOV_18)
    cases = {
        "present": {},
        "persistent": {day: ("/", "I") for day in days[:12]},
        "severe": {day: "O" for day in days[: len(days) // 2 + 1]},
        "missing": {day: "N" for day in days[-10:]},
        "deletion": {day: "G" for day in days[-20:]},
        "ill": {day: "I" for day in days[10:26]},
        "penalty": {day: ("U", "/") for day in days[-12:]},
        "nine_days": {day: "O" for day in days[-9:]},
    }
    for name, codes in cases.items():
        marks(child(school, name=name), NOV_18, codes)

    with school_scope(school):
        counted, pupils = figures(school, indicator_rules())
        expected = stats.indicators(school=school, as_of=NOV_18)

    engine_says = {
        p.pupil_id: [
            key for key in INDICATORS if counted.values[f"indicator[{key}]"][p.pupil_id][0] == 1
        ]
        for p in pupils
    }
    assert engine_says == {pid: expected[pid] for pid in engine_says}
    assert {key for keys in engine_says.values() for key in keys} == set(INDICATORS)


def test_the_figures_cost_the_same_queries_for_3_pupils_as_for_30():
    rules = ladder_from_data([OPEN_STAGE_1, PENALTY])

    def queries(n):
        school = ladder_school([])
        for i in range(n):
            marks(child(school, name=f"P{i}"), NOV_18, {D(2024, 11, 4): "O"})
        with school_scope(school), CaptureQueriesContext(connection) as captured:
            calendar = SchoolCalendar(school)
            night = engine.decide(
                school=school,
                as_of=NOV_18,
                rules=rules,
                settings=engine.Settings(preset="test"),
                state=engine.State(),
                calendar=calendar,
            )
        assert night.decisions == []
        return len(captured)

    assert queries(3) == queries(30)
