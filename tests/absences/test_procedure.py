"""The school's first-day calling procedure: created lazily from the school's preset,
each preset faithful to its policy (RULES.md ids), and the welfare triggers it switches
on (LE-14, LE-16, BS-16, DS-09) raised once per pupil per spell."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scopes import scopes_disabled

from absences.models import AbsenceProcedure, WelfareTask, procedure_for
from absences.presets import PRESETS
from absences.services.calling import welfare_triggers
from registers.tenancy import school_scope
from tests.factories import (
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    mark_days,
    school_calendar,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_policy_preset_is_a_valid_procedure(preset):
    school = SchoolFactory(policy_preset=preset)
    with school_scope(school):
        procedure = procedure_for(school)
        procedure.full_clean()
    assert procedure.preset == preset


def test_the_procedure_is_created_once_from_the_schools_preset(school):
    school.policy_preset = "dsat"
    school.save()
    with school_scope(school):
        first = procedure_for(school)
        again = procedure_for(school)
    with scopes_disabled():
        assert AbsenceProcedure.objects.filter(school=school).count() == 1
    assert first.pk == again.pk
    # DS-11 a message first, DS-12 a call after about 15 minutes, DS-15 by 10:00.
    assert (first.first_contact, first.call_after_minutes, first.deadline) == (
        "text",
        15,
        dt.time(10),
    )


def test_a_school_without_a_preset_gets_the_default_ten_oclock_deadline(school):
    with school_scope(school):
        procedure = procedure_for(school)
    assert procedure.preset == "" and procedure.deadline == dt.time(10)


def test_the_n_to_o_choice_stays_the_schools_own(school):
    school.policy_preset = "dsat"  # DS-16 would replace; the school has not chosen it
    school.save()
    with school_scope(school):
        assert procedure_for(school).replace_overdue_n_with_o is False


def test_an_unknown_action_is_refused(school):
    with school_scope(school):
        procedure = procedure_for(school)
        procedure.actions = ["home_visit", "send_a_drone"]
        with pytest.raises(ValidationError) as refused:
            procedure.full_clean()
    assert "actions" in refused.value.message_dict


def test_a_safeguarding_lead_must_work_at_the_school(school, other_school):
    outsider = staff(other_school, "headteacher")
    with school_scope(school):
        procedure = procedure_for(school)
        with pytest.raises(ValidationError), transaction.atomic():
            procedure.safeguarding_leads.add(outsider)
        procedure.safeguarding_leads.add(staff(school, "headteacher"))
    with scopes_disabled():
        assert procedure.safeguarding_leads.count() == 1


@pytest.fixture
def leeds(school):
    school.policy_preset = "leeds"
    school.save()
    school_calendar(school)
    return school


def tasks(school):
    with scopes_disabled():
        return sorted(
            WelfareTask.objects.filter(school=school).values_list(
                "pupil__upn", "trigger", "kind", "spell_start"
            )
        )


def test_a_home_visit_on_the_3rd_consecutive_day_of_absence_once_per_spell_le_16(leeds):
    group = RegistrationGroupFactory(school=leeds)
    away = PupilFactory(school=leeds, registration_group=group)
    back = PupilFactory(school=leeds, registration_group=group)
    # Fri, Mon, Tue absent (a weekend inside the run) ...
    mark_days(
        away, {dt.date(2025, 1, 10): "I", dt.date(2025, 1, 13): "N", dt.date(2025, 1, 14): "N"}
    )
    mark_days(
        back, {dt.date(2025, 1, 10): "N", dt.date(2025, 1, 13): "/", dt.date(2025, 1, 14): "N"}
    )
    with school_scope(leeds):
        raised = welfare_triggers(school=leeds, as_of=dt.date(2025, 1, 14))
    mark_days(away, {dt.date(2025, 1, 15): "N"})
    with school_scope(leeds):
        next_day = welfare_triggers(school=leeds, as_of=dt.date(2025, 1, 15))
        retried = welfare_triggers(school=leeds, as_of=dt.date(2025, 1, 15))
    assert (raised, next_day, retried) == (1, 0, 0)
    assert tasks(leeds) == [(away.upn, "consecutive_days", "home_visit", dt.date(2025, 1, 10))]


def test_illness_reaching_the_procedures_day_asks_for_evidence_le_14(leeds):
    pupil = PupilFactory(school=leeds, registration_group=RegistrationGroupFactory(school=leeds))
    days = [dt.date(2025, 1, d) for d in (13, 14, 15, 16)]
    mark_days(pupil, dict.fromkeys(days, "I"))
    with school_scope(leeds):
        four = welfare_triggers(school=leeds, as_of=dt.date(2025, 1, 16))
    mark_days(pupil, {dt.date(2025, 1, 17): "I"})
    with school_scope(leeds):
        five = welfare_triggers(school=leeds, as_of=dt.date(2025, 1, 17))
    assert five >= 1
    assert (pupil.upn, "illness", "evidence_request", dt.date(2025, 1, 13)) in tasks(leeds)
    # The 3-day absence trigger fired on day 3 (four >= 1); illness only on day 5.
    assert four == 1
