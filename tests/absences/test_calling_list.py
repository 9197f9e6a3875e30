"""First-day calling: the list's order, day of absence, statuses and the deadline
escalation with a frozen clock (the `at` / `now` arguments), RULES.md DS-10..15, BS-11,
BL-15..19, LE-13..16."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scopes_disabled

from absences.models import CallAttempt, CallingDay, WelfareTask, procedure_for
from absences.selectors.calling import calling_list
from absences.services.calling import call_attempt_record, calling_escalate
from registers.models import Register, Session
from registers.tenancy import school_scope
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    mark_days,
    school_calendar,
    staff,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MON, TUE, WED = dt.date(2025, 1, 13), dt.date(2025, 1, 14), dt.date(2025, 1, 15)


def at(day, hh, mm):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=LONDON)


@pytest.fixture
def dsat(school):
    school.policy_preset = "dsat"
    school.save()
    school_calendar(school)
    return school


def absent_today(pupil, day=WED, code="N"):
    with scopes_disabled():
        session = Session.objects.get(school=pupil.school, date=day, period="AM")
        return MarkFactory(session=session, pupil=pupil, code_id=code)


def listed(school, when):
    with school_scope(school):
        return calling_list(school=school, at=when)


def test_vulnerable_pupils_come_first_then_by_group_ds_10(dsat):
    group_a = RegistrationGroupFactory(school=dsat, name="3A")
    group_b = RegistrationGroupFactory(school=dsat, name="5B")
    plain_a = PupilFactory(school=dsat, registration_group=group_a, legal_surname="Adams")
    plain_b = PupilFactory(school=dsat, registration_group=group_b, legal_surname="Baker")
    cared_for = PupilFactory(school=dsat, registration_group=group_b, looked_after=True)
    flagged = PupilFactory(school=dsat, registration_group=group_a, flagged_vulnerable=True)
    present = PupilFactory(school=dsat, registration_group=group_a)
    for pupil in (plain_b, plain_a, cared_for, flagged):
        absent_today(pupil)
    absent_today(present, code="/")

    listing = listed(dsat, at(WED, 9, 30))

    assert [e.pupil for e in listing.entries] == [flagged, cared_for, plain_a, plain_b]
    assert [e.vulnerable for e in listing.entries] == [True, True, False, False]
    assert all(e.unexplained_sessions == ["AM"] for e in listing.entries)


def test_nobody_is_listed_before_the_register_closes(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    absent_today(pupil)

    assert listed(dsat, at(WED, 9, 4)).entries == []
    assert [e.pupil for e in listed(dsat, at(WED, 9, 5)).entries] == [pupil]


def test_day_of_absence_counts_the_school_days_before_over_a_weekend(dsat):
    group = RegistrationGroupFactory(school=dsat)
    third = PupilFactory(school=dsat, registration_group=group)
    second = PupilFactory(school=dsat, registration_group=group)
    first = PupilFactory(school=dsat, registration_group=group)
    # Friday and Monday ill, Tuesday unexplained: the Tuesday is the 3rd day of absence.
    mark_days(third, {dt.date(2025, 1, 10): "I", MON: "N"})
    mark_days(second, {MON: "/", dt.date(2025, 1, 10): "N"})
    mark_days(first, {MON: "/"})
    for pupil in (third, second, first):
        absent_today(pupil, day=TUE)

    days = {e.pupil: e.day_of_absence for e in listed(dsat, at(TUE, 9, 30)).entries}

    assert days == {third: 3, second: 1, first: 1}


def test_a_pupil_left_unmarked_on_a_saved_register_is_listed_an_untaken_register_is_counted(dsat):
    taken = RegistrationGroupFactory(school=dsat, name="1A")
    untaken = RegistrationGroupFactory(school=dsat, name="1B")
    unmarked = PupilFactory(school=dsat, registration_group=taken)
    PupilFactory(school=dsat, registration_group=untaken)
    with scopes_disabled():
        session = Session.objects.get(school=dsat, date=WED, period="AM")
        Register.objects.create(
            school=dsat,
            registration_group=taken,
            session=session,
            taken_at=at(WED, 8, 50),
            last_saved_at=at(WED, 8, 50),
        )

    listing = listed(dsat, at(WED, 9, 30))

    assert [e.pupil for e in listing.entries] == [unmarked]
    assert listing.untaken == 1


def test_the_deadline_makes_an_unexplained_absence_not_accounted_for_ds_15(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    absent_today(pupil)

    assert listed(dsat, at(WED, 9, 59)).entries[0].status == "to_call"
    late = listed(dsat, at(WED, 10, 0)).entries[0]
    assert (late.status, late.why) == ("not_accounted_for", "deadline")


def test_speaking_to_a_contact_accounts_for_the_pupil(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    mum = ContactFactory(pupil=pupil, priority=1)
    office = staff(dsat, "office")
    absent_today(pupil)
    with school_scope(dsat):
        call_attempt_record(
            school=dsat,
            pupil=pupil,
            contact=mum,
            outcome="spoke",
            user=office,
            role="office",
            at=at(WED, 9, 20),
        )

    assert listed(dsat, at(WED, 11, 0)).entries[0].status == "accounted_for"


def test_failed_attempts_up_to_the_limit_escalate_before_the_deadline(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    for priority in (1, 2, 3, 4):
        ContactFactory(pupil=pupil, priority=priority)
    office = staff(dsat, "office")
    absent_today(pupil)
    with school_scope(dsat):
        procedure = procedure_for(dsat)
        procedure.failed_attempts_limit = 2
        procedure.save()
        mum = pupil.contacts.order_by("priority").first()
        for minute in (10, 20):
            call_attempt_record(
                school=dsat,
                pupil=pupil,
                contact=mum,
                outcome="no_answer",
                user=office,
                role="office",
                at=at(WED, 9, minute),
            )

    assert listed(dsat, at(WED, 9, 15)).entries[0].status == "to_call"
    entry = listed(dsat, at(WED, 9, 25)).entries[0]
    assert (entry.status, entry.why) == ("not_accounted_for", "attempts")


def test_banks_lane_tries_contacts_1_and_2_on_day_1_unless_the_pupil_is_vulnerable_bl_19(school):
    school.policy_preset = "banks-lane"
    school.save()
    school_calendar(school)
    group = RegistrationGroupFactory(school=school)
    plain = PupilFactory(school=school, registration_group=group)
    protected = PupilFactory(school=school, registration_group=group, child_in_need=True)
    office = staff(school, "office")
    for pupil in (plain, protected):
        absent_today(pupil)
        for priority in (1, 2, 3):
            ContactFactory(pupil=pupil, priority=priority)
    with school_scope(school):
        procedure = procedure_for(school)
        procedure.failed_attempts_limit = 0
        procedure.save()
        for pupil in (plain, protected):
            for contact in pupil.contacts.order_by("priority")[:2]:
                call_attempt_record(
                    school=school,
                    pupil=pupil,
                    contact=contact,
                    outcome="voicemail",
                    user=office,
                    role="office",
                    at=at(WED, 9, 35),
                )

    entries = {e.pupil: e for e in listed(school, at(WED, 9, 40)).entries}

    assert (entries[plain].status, entries[plain].why) == (
        "not_accounted_for",
        "contacts_exhausted",
    )
    assert entries[protected].status == "to_call"
    assert entries[protected].next_contact.priority == 3


def test_escalation_is_stored_once_and_raises_its_welfare_tasks_once(dsat):
    pupil = PupilFactory(
        school=dsat, registration_group=RegistrationGroupFactory(school=dsat), looked_after=True
    )
    absent_today(pupil)
    with school_scope(dsat):
        procedure = procedure_for(dsat)
        procedure.trigger_vulnerable_unexplained = True
        procedure.save()
        before = calling_escalate(school=dsat, now=at(WED, 9, 58))
        first = calling_escalate(school=dsat, now=at(WED, 10, 1))
        again = calling_escalate(school=dsat, now=at(WED, 10, 3))

    assert before.escalated == [] and first.escalated == [pupil.pk] and again.escalated == []
    assert (first.tasks, again.tasks) == (2, 0)
    with scopes_disabled():
        day = CallingDay.objects.get(pupil=pupil, date=WED)
        tasks = sorted(WelfareTask.objects.filter(pupil=pupil).values_list("trigger", "kind"))
    assert (day.status, day.escalated_why) == ("not_accounted_for", "deadline")
    assert day.escalated_at == at(WED, 10, 1)
    assert tasks == [("no_contact", "home_visit"), ("vulnerable", "welfare_check")]


def test_an_absence_explained_after_the_list_saw_it_stays_listed_as_accounted_for(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    mark = absent_today(pupil)
    with school_scope(dsat):
        calling_escalate(school=dsat, now=at(WED, 9, 10))
    with scopes_disabled():
        type(mark).objects.filter(pk=mark.pk).update(code_id="I")
    with school_scope(dsat):
        run = calling_escalate(school=dsat, now=at(WED, 9, 20))

    assert run.accounted == [pupil.pk]
    assert listed(dsat, at(WED, 10, 30)).entries[0].status == "accounted_for"


def test_a_contact_of_another_pupil_is_refused_and_nothing_is_recorded(dsat):
    group = RegistrationGroupFactory(school=dsat)
    pupil = PupilFactory(school=dsat, registration_group=group)
    stranger = ContactFactory(pupil=PupilFactory(school=dsat, registration_group=group))
    from django.core.exceptions import ValidationError

    with school_scope(dsat), pytest.raises(ValidationError) as refused:
        call_attempt_record(
            school=dsat,
            pupil=pupil,
            contact=stranger,
            outcome="spoke",
            user=staff(dsat, "office"),
            role="office",
            at=at(WED, 9, 20),
        )
    assert "contact" in refused.value.message_dict
    with scopes_disabled():
        assert not CallAttempt.objects.exists()


def test_the_beat_task_escalates_at_the_deadline_and_a_redelivery_moves_nothing(dsat):
    import time_machine

    from absences.tasks import calling_deadlines_everywhere

    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    absent_today(pupil)
    with time_machine.travel(at(WED, 9, 50), tick=False):
        calling_deadlines_everywhere()
    with scopes_disabled():
        assert CallingDay.objects.get(pupil=pupil).status == "to_call"
    with time_machine.travel(at(WED, 10, 2), tick=False):
        calling_deadlines_everywhere()
        calling_deadlines_everywhere()  # the broker delivers it again
    with scopes_disabled():
        day = CallingDay.objects.get(pupil=pupil)
        from registers.models import Event

        escalations = Event.objects.filter(kind="calling_not_accounted_for").count()
    assert (day.status, day.escalated_at, escalations) == ("not_accounted_for", at(WED, 10, 2), 1)


def test_an_absence_explained_after_the_deadline_is_accounted_for_again(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    mark = absent_today(pupil)
    with school_scope(dsat):
        calling_escalate(school=dsat, now=at(WED, 10, 1))
    # The parent rings the office at 10:30 and the office records illness.
    with scopes_disabled():
        type(mark).objects.filter(pk=mark.pk).update(code_id="I")
    assert listed(dsat, at(WED, 10, 31)).entries[0].status == "accounted_for"
    with school_scope(dsat):
        run = calling_escalate(school=dsat, now=at(WED, 10, 33))
    with scopes_disabled():
        assert CallingDay.objects.get(pupil=pupil).status == "accounted_for"
    assert run.accounted == [pupil.pk]


def test_dsat_texts_first_then_calls_15_minutes_after_the_message_ds_11_ds_12(dsat):
    pupil = PupilFactory(school=dsat, registration_group=RegistrationGroupFactory(school=dsat))
    mum = ContactFactory(pupil=pupil, priority=1, name="Mum")
    absent_today(pupil)
    assert listed(dsat, at(WED, 9, 6)).entries[0].next_step == "Send a text message to Mum"
    with school_scope(dsat):
        call_attempt_record(
            school=dsat,
            pupil=pupil,
            contact=mum,
            outcome="text_sent",
            user=staff(dsat, "office"),
            role="office",
            at=at(WED, 9, 10),
        )
    entry = listed(dsat, at(WED, 9, 12)).entries[0]
    assert (entry.next_step, entry.call_due) == ("Call Mum (contact 1)", at(WED, 9, 25))
