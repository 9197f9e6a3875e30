"""The first-day calling pages: who may open them, recording an attempt (the reason sets
the marks), the safeguarding lead's part, welfare tasks, the N queue, and the list's
query count pinned."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.models import CallAttempt, CallingDay, LeadAction, WelfareTask
from registers.models import AbsenceReason, Mark, Session
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    school_calendar,
    staff,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WED = dt.date(2025, 1, 15)
# The list page, whatever the number of pupils: session, auth and membership, the
# procedure, today's sessions, calling days, attempts, marks, planned entries, registers,
# the roll, pupils, groups, contacts, the calendar and the previous days' marks, welfare
# tasks, the menu.
PAGE_QUERIES = 18
# The N-code queue page: session, user, memberships, the calendar, the N marks.
NCODES_QUERIES = 5


def at(hh, mm):
    return dt.datetime.combine(WED, dt.time(hh, mm), tzinfo=LONDON)


@pytest.fixture
def calendar(school):
    school.policy_preset = "dsat"
    school.save()
    school_calendar(school)
    return school


def absent(school, **pupil_kwargs):
    pupil = PupilFactory(
        school=school, registration_group=RegistrationGroupFactory(school=school), **pupil_kwargs
    )
    ContactFactory(pupil=pupil, priority=1, name="Sam Parent", phone="07700 900001")
    with scopes_disabled():
        session = Session.objects.get(school=school, date=WED, period="AM")
    MarkFactory(session=session, pupil=pupil, code_id="N")
    return pupil


def url(school, name, **kwargs):
    return reverse(f"absences:{name}", kwargs={"school_slug": school.slug, **kwargs})


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("office", True), ("attendance_lead", True), ("teacher", False), ("trust_lead", False)],
)
def test_the_calling_list_and_n_queue_are_for_the_office_and_leads_not_teachers(
    client, calendar, role, allowed
):
    pupil = absent(calendar)
    client.force_login(staff(calendar, role))
    with time_machine.travel(at(9, 30), tick=False):
        for target in (
            url(calendar, "calling"),
            url(calendar, "ncodes"),
            url(calendar, "calling_pupil", pupil_id=pupil.pk),
        ):
            response = client.get(target)
            assert (response.status_code == 200) is allowed, (target, response.status_code)


@pytest.mark.parametrize(("role", "allowed"), [("attendance_lead", True), ("office", False)])
def test_the_procedure_settings_are_for_the_lead_admin_and_head(client, calendar, role, allowed):
    client.force_login(staff(calendar, role))
    response = client.get(url(calendar, "procedure"))
    assert (response.status_code == 200) is allowed


def test_the_list_shows_the_pupil_with_a_one_tap_phone_link_and_polls(client, calendar):
    pupil = absent(calendar, looked_after=True)
    client.force_login(staff(calendar, "office"))
    with time_machine.travel(at(9, 30), tick=False):
        page = client.get(url(calendar, "calling")).content.decode()
        part = client.get(url(calendar, "calling") + "?part=list", HTTP_HX_REQUEST="true")
    assert pupil.display_name in page and "Vulnerable" in page
    assert 'href="tel:07700900001"' in page
    assert 'hx-trigger="every 30s"' in page
    assert "<h1>" not in part.content.decode()


def version_of(html):
    return re.search(r'data-version="([0-9a-f]+)"', html).group(1)


def test_the_polled_list_answers_no_content_while_nothing_changed_so_focus_stays(client, calendar):
    pupil = absent(calendar)
    client.force_login(staff(calendar, "office"))
    poll = url(calendar, "calling") + "?part=list&v="
    with time_machine.travel(at(9, 30), tick=False):
        page = client.get(url(calendar, "calling")).content.decode()
    version = version_of(page)
    assert f"?part=list&amp;v={version}" in page  # the poll sends what the page holds
    assert "js/calling.js" in page  # gives focus back when the list did change
    with time_machine.travel(at(9, 31), tick=False):  # a minute on: the clock is no change
        unchanged = client.get(poll + version, HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204 and unchanged.content == b""

    with scopes_disabled():
        contact = pupil.contacts.get()
    with time_machine.travel(at(9, 32), tick=False):
        client.post(
            url(calendar, "calling_pupil", pupil_id=pupil.pk),
            {"contact": str(contact.pk), "outcome": "no_answer", "last_period": "PM"},
        )
        changed = client.get(poll + version, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    html = changed.content.decode()
    assert "1 attempt" in html and version_of(html) != version
    assert f'id="pupil-{pupil.pk}"' in html and f'id="sheet-{pupil.pk}"' in html


def test_to_account_for_counts_only_pupils_still_to_account_for(client, calendar):
    waiting, explained = absent(calendar), absent(calendar)
    with scopes_disabled():
        illness = AbsenceReason.objects.create(school=calendar, name="Illness", code_id="I")
        contact = explained.contacts.get()
    client.force_login(staff(calendar, "office"))
    with time_machine.travel(at(9, 20), tick=False):
        client.post(
            url(calendar, "calling_pupil", pupil_id=explained.pk),
            {
                "contact": str(contact.pk),
                "outcome": "spoke",
                "reason": str(illness.pk),
                "last_period": "PM",
            },
        )
        page = client.get(url(calendar, "calling")).content.decode()
    assert "To account for (1)" in page
    assert "Accounted for (1)" in page
    still, done = page.split("To account for (1)")[1].split("Accounted for (1)")
    assert waiting.display_name in still and explained.display_name not in still
    assert explained.display_name in done


def test_the_calling_list_page_costs_the_same_queries_for_many_pupils(
    client, calendar, django_assert_num_queries
):
    for _ in range(3):
        absent(calendar)
    client.force_login(staff(calendar, "office"))
    with time_machine.travel(at(9, 30), tick=False):
        client.get(url(calendar, "calling"))  # the procedure is created on first read
        with django_assert_num_queries(PAGE_QUERIES):
            client.get(url(calendar, "calling"))
        for _ in range(12):
            absent(calendar, young_carer=True)
        with django_assert_num_queries(PAGE_QUERIES):
            response = client.get(url(calendar, "calling"))
    assert response.content.decode().count("calling-card ") == 15


def test_spoke_with_a_reason_reports_the_absence_and_amends_todays_n(client, calendar):
    pupil = absent(calendar)
    office = staff(calendar, "office")
    with scopes_disabled():
        illness = AbsenceReason.objects.create(school=calendar, name="Illness", code_id="I")
        contact = pupil.contacts.get()
    client.force_login(office)
    with time_machine.travel(at(9, 20), tick=False):
        response = client.post(
            url(calendar, "calling_pupil", pupil_id=pupil.pk),
            {
                "contact": str(contact.pk),
                "outcome": "spoke",
                "note": "Tummy bug",
                "reason": str(illness.pk),
                "last_period": "PM",
            },
        )
    assert response.status_code == 302
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupil, date=WED, session__period="AM")
        attempt = CallAttempt.objects.get(pupil=pupil)
        day = CallingDay.objects.get(pupil=pupil, date=WED)
        amendments = list(mark.amendments.values_list("original_code", "new_code"))
    assert mark.code_id == "I" and amendments == [("N", "I")]
    assert (attempt.outcome, attempt.contact_name, day.status) == (
        "spoke",
        contact.name,
        "accounted_for",
    )


def test_an_attempt_without_an_outcome_is_refused_with_a_message_and_nothing_saved(
    client, calendar
):
    pupil = absent(calendar)
    client.force_login(staff(calendar, "office"))
    with time_machine.travel(at(9, 20), tick=False):
        response = client.post(
            url(calendar, "calling_pupil", pupil_id=pupil.pk), {"contact": "other"}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required" in html
    # The summary's link for the "What happened" radios lands on the first radio.
    assert 'href="#id_outcome_0"' in html and 'id="id_outcome_0"' in html
    assert 'href="#"' not in html
    assert 'id="error-summary" tabindex="-1"' in html
    with scopes_disabled():
        assert not CallAttempt.objects.exists()


def test_only_the_lead_records_actions_for_a_pupil_not_accounted_for(client, calendar):
    pupil = absent(calendar)
    office, lead = staff(calendar, "office"), staff(calendar, "attendance_lead")
    data = {"action": "home_visit", "note": "Mum at home, child poorly", "pupil_safe": "on"}
    with time_machine.travel(at(10, 5), tick=False):
        client.force_login(office)
        refused = client.post(url(calendar, "calling_lead", pupil_id=pupil.pk), data)
        client.force_login(lead)
        done = client.post(url(calendar, "calling_lead", pupil_id=pupil.pk), data)
        page = client.get(url(calendar, "calling")).content.decode()
    assert (refused.status_code, done.status_code) == (403, 302)
    with scopes_disabled():
        assert LeadAction.objects.get().action == "home_visit"
        assert CallingDay.objects.get(pupil=pupil).status == "accounted_for"
    assert "Accounted for" in page


def test_a_welfare_task_is_closed_by_the_lead_with_what_happened_not_by_the_office(
    client, calendar
):
    pupil = absent(calendar)
    with scopes_disabled():
        task = WelfareTask.objects.create(
            school=calendar,
            pupil=pupil,
            kind="home_visit",
            trigger="no_contact",
            spell_start=WED,
            raised_on=WED,
            due=WED,
            assigned_role="attendance_lead",
        )
    target = url(calendar, "welfare_task", task_id=task.pk)
    client.force_login(staff(calendar, "office"))
    assert client.post(target, {"status": "done", "outcome": "x"}).status_code == 403
    client.force_login(staff(calendar, "attendance_lead"))
    assert client.post(target, {"status": "done", "outcome": ""}).status_code == 400
    assert client.post(target, {"status": "done", "outcome": "Seen at home"}).status_code == 302
    with scopes_disabled():
        task.refresh_from_db()
    assert (task.status, task.outcome) == ("done", "Seen at home")


def test_the_procedure_page_saves_valid_settings_and_refuses_bad_ones(client, calendar):
    lead = staff(calendar, "attendance_lead")
    client.force_login(lead)
    good = {
        "first_contact": "call",
        "call_after_minutes": "0",
        "day_one_contacts": "2",
        "vulnerable_all_contacts_day_one": "on",
        "deadline": "09:45",
        "failed_attempts_limit": "3",
        "escalate_when_contacts_exhausted": "on",
        "actions": ["home_visit", "police_welfare_check"],
        "trigger_no_contact": "on",
        "trigger_consecutive_days": "3",
        "consecutive_days_task": "home_visit",
        "trigger_illness_days": "6",
        "leads": [str(lead.pk)],
        "replace_overdue_n_with_o": "on",
    }
    bad = {**good, "deadline": "25:00", "call_after_minutes": "-1"}
    assert client.post(url(calendar, "procedure"), bad).status_code == 400
    assert client.post(url(calendar, "procedure"), good).status_code == 302
    with scopes_disabled():
        from absences.models import AbsenceProcedure

        saved = AbsenceProcedure.objects.get(school=calendar)
        calendar.refresh_from_db()
    assert saved.deadline == dt.time(9, 45) and saved.actions == [
        "home_visit",
        "police_welfare_check",
    ]
    assert list(saved.safeguarding_leads.all()) == [lead] and calendar.replace_overdue_n_with_o


def test_choosing_a_preset_applies_its_policy_values(client, calendar):
    client.force_login(staff(calendar, "headteacher"))
    response = client.post(url(calendar, "procedure"), {"preset": "blue-sky", "apply_preset": "1"})
    assert response.status_code == 302
    with scopes_disabled():
        from absences.models import AbsenceProcedure

        saved = AbsenceProcedure.objects.get(school=calendar)
    # BS-10: a call on the morning of day 1, P: before 12:00.
    assert (saved.preset, saved.first_contact, saved.deadline) == ("blue-sky", "call", dt.time(12))


def test_the_n_queue_page_flags_overdue_n_and_costs_the_same_queries_for_many(
    client, calendar, django_assert_num_queries
):
    from tests.factories import mark_days

    group = RegistrationGroupFactory(school=calendar)
    old = PupilFactory(school=calendar, registration_group=group, legal_surname="Older")
    mark_days(old, {dt.date(2025, 1, 6): ("N", "/")})
    client.force_login(staff(calendar, "office"))
    with time_machine.travel(at(9, 30), tick=False):
        client.get(url(calendar, "ncodes"))
        with django_assert_num_queries(NCODES_QUERIES):
            page = client.get(url(calendar, "ncodes")).content.decode()
        for _ in range(10):
            pupil = PupilFactory(school=calendar, registration_group=group)
            mark_days(pupil, {dt.date(2025, 1, 14): "N"})
        with django_assert_num_queries(NCODES_QUERIES):
            more = client.get(url(calendar, "ncodes")).content.decode()
    assert "<strong>1</strong> overdue" in page and "Overdue</span>" in page
    assert "<strong>21</strong> unresolved" in more and "<strong>1</strong> overdue" in more


def test_once_the_school_names_its_safeguarding_lead_only_they_record_the_actions(client, calendar):
    from absences.models import procedure_for
    from registers.tenancy import school_scope

    pupil = absent(calendar)
    head, dsl = staff(calendar, "headteacher"), staff(calendar, "office")
    with school_scope(calendar):
        procedure_for(calendar).safeguarding_leads.add(dsl)
    data = {"action": "police_welfare_check", "note": "Police asked to call round"}
    with time_machine.travel(at(10, 5), tick=False):
        client.force_login(head)
        refused = client.post(url(calendar, "calling_lead", pupil_id=pupil.pk), data)
        client.force_login(dsl)
        done = client.post(url(calendar, "calling_lead", pupil_id=pupil.pk), data)
    assert (refused.status_code, done.status_code) == (403, 302)
    with scopes_disabled():
        assert list(LeadAction.objects.values_list("action", "by")) == [
            ("police_welfare_check", dsl.pk)
        ]
    with time_machine.travel(at(10, 6), tick=False):
        page = client.get(url(calendar, "calling")).content.decode()
    assert "Not accounted for" in page  # not said to be safe: still the lead's
