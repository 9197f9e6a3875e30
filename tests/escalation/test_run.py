"""The nightly run is idempotent by construction (DESIGN.md §2, §7; issue 10 "Faults
other systems shipped"): the same night twice, a run killed part-way and run again, a
task delivered twice, and the beat fan-out deciding which schools are due."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from escalation import tasks
from escalation.models import (
    Case,
    Decision,
    EscalationTask,
    PenaltyNotice,
    Proposal,
    Run,
    StageEntry,
)
from letters.models import IssuedLetter
from tests.escalation.factories import (
    HOME_VISIT,
    MISSING,
    OPEN_STAGE_1,
    PENALTY,
    child,
    ladder_school,
    marks,
    of,
    run,
    school_days,
)

pytestmark = pytest.mark.django_db
D = dt.date
NOV_18 = D(2024, 11, 18)
LADDER = [OPEN_STAGE_1, PENALTY, MISSING, HOME_VISIT]


def counts(school) -> dict:
    with scopes_disabled():
        return {
            model.__name__: model.objects.filter(school=school).count()
            for model in (
                Decision,
                Case,
                StageEntry,
                EscalationTask,
                Proposal,
                PenaltyNotice,
                IssuedLetter,
            )
        }


def busy_school():
    """Six pupils the night decides something for: attendance letters, penalty
    notices, missing-from-school reports and home visits."""
    school = ladder_school(LADDER)
    days = school_days(school, D(2024, 9, 3), NOV_18)
    for i in range(6):
        pupil = child(school, name=f"Pupil{i}", parents=1 + i % 2)
        # Absent without reason for the last 10 school days, and poorly before.
        codes = {day: "O" for day in days[-10:]}
        codes |= {day: ("/", "I") for day in days[: 10 + i]}
        marks(pupil, NOV_18, codes)
    return school


def test_the_same_night_twice_decides_and_sends_nothing_twice():
    school = busy_school()

    first = run(school, NOV_18)
    after_first = counts(school)
    second = run(school, NOV_18)

    assert len(first["decisions"]) == 6 * 4  # attendance, legal and two welfare each
    assert second["decisions"] == []
    assert counts(school) == after_first
    with scopes_disabled():
        assert Run.objects.get(school=school, as_of=NOV_18).attempts == 2


def test_a_run_killed_part_way_and_run_again_leaves_nothing_missing_or_twice():
    school = busy_school()
    expected = run(school, NOV_18, dry_run=True)
    assert counts(school)["Decision"] == 0  # a dry run stores nothing

    with pytest.raises(RuntimeError, match="stopped after 2 pupils"):
        run(school, NOV_18, stop_after=2)
    part = counts(school)
    assert 0 < part["Decision"] < len(expected["decisions"])
    with scopes_disabled():
        assert Run.objects.get(school=school, as_of=NOV_18).status == "running"

    rest = run(school, NOV_18)

    done = counts(school)
    assert done["Decision"] == len(expected["decisions"])
    assert len(rest["decisions"]) == len(expected["decisions"]) - part["Decision"]
    # Every pupil has each of their decisions, letters, tasks and notices exactly once:
    # a letter per parent (one letter each, the letterhead's default), a home visit, a
    # notice per parent.
    with scopes_disabled():
        stored = list(
            Decision.objects.filter(school=school).values_list("pupil__upn", "track", "rule")
        )
        assert sorted(stored) == sorted(
            (d["upn"], d["track"], d["rule"]) for d in expected["decisions"]
        )
        for pupil in {d.pupil for d in Decision.objects.filter(school=school)}:
            parents = pupil.contacts.count()
            assert IssuedLetter.objects.filter(pupil=pupil, kind="stage_1").count() == parents
            assert EscalationTask.objects.filter(pupil=pupil, kind="home_visit").count() == 1
            assert PenaltyNotice.objects.filter(pupil=pupil).count() == parents
        assert Run.objects.get(school=school, as_of=NOV_18).status == "done"


def test_a_run_task_delivered_twice_decides_once():
    school = busy_school()

    made = tasks.escalation_run_at_school.delay(school_id=school.pk, as_of="2024-11-18").get()
    again = tasks.escalation_run_at_school.delay(school_id=school.pk, as_of="2024-11-18").get()

    assert (made, again) == (24, 0)


def test_the_database_refuses_a_second_decision_for_a_track_on_a_day():
    school = ladder_school([OPEN_STAGE_1])
    pupil = child(school)
    with scopes_disabled():
        Decision.objects.create(
            school=school, pupil=pupil, on=NOV_18, track="attendance", rule="test/TL-01"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            Decision.objects.create(
                school=school, pupil=pupil, on=NOV_18, track="attendance", rule="test/TL-02"
            )


def test_a_welfare_event_fires_once_per_episode():
    """TL-20 (baseline rule 7): the missing-from-school report goes once when the 10th
    day comes, not again on the 11th; a new run of absence later is a new episode."""
    school = ladder_school([MISSING])
    pupil = child(school)
    days = school_days(school, D(2024, 9, 3), D(2024, 12, 20))
    first_run = {day: "N" for day in days[10:21]}  # 11 days
    second_run = {day: "O" for day in days[30:40]}  # 10 days, after days in school
    marks(pupil, days[39], first_run | second_run)

    fired_on = [day for day in days[:40] if of(run(school, day), pupil)]

    assert fired_on == [days[19], days[39]]


def test_the_fan_out_sends_each_school_whose_evening_it_is_once(settings):
    school = ladder_school(LADDER)
    evening = dt.datetime(2024, 11, 18, 19, 0, tzinfo=dt.UTC)
    morning = dt.datetime(2024, 11, 18, 8, 0, tzinfo=dt.UTC)
    saturday = dt.datetime(2024, 11, 16, 19, 0, tzinfo=dt.UTC)

    assert (school.pk, NOV_18) in tasks.schools_due(now=evening)
    assert all(pk != school.pk for pk, _ in tasks.schools_due(now=morning))
    assert all(pk != school.pk for pk, _ in tasks.schools_due(now=saturday))
    run(school, NOV_18)
    assert all(pk != school.pk for pk, _ in tasks.schools_due(now=evening))
