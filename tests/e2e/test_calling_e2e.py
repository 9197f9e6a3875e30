"""The office works the first-day calling list in a real browser on a phone-sized screen
(issue 9, "How it is checked"): vulnerable pupil first, one-tap phone link, an attempt
recorded, a reason given on the phone turns the N into I, and a new absence appears on the
open page without a reload."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from absences.models import CallAttempt, procedure_for
from registers.models import Mark, Role
from registers.tenancy import school_scope
from tests.absences.factories import AbsenceReasonFactory
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    SessionFactory,
    staff,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def login_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_the_office_works_the_calling_list(live_server, tablet, monkeypatch):
    monkeypatch.setattr("absences.views.calling.POLL_SECONDS", 1)
    school = SchoolFactory(name="Oak Lane Primary School", policy_preset="dsat")
    today = timezone.localdate()
    # A morning register that closed a minute after midnight: the list is live all day.
    am = SessionFactory(
        school=school,
        date=today,
        period="AM",
        opens=dt.time(0, 0),
        late_after=dt.time(0, 0),
        closes=dt.time(0, 1),
    )
    with school_scope(school):
        procedure = procedure_for(school)
        procedure.deadline = dt.time(23, 59)
        procedure.failed_attempts_limit = 0
        procedure.save()
    office = staff(school, Role.OFFICE, first_name="Pat", last_name="Office")
    group_a = RegistrationGroupFactory(school=school, name="3A")
    group_b = RegistrationGroupFactory(school=school, name="5B")
    amir = PupilFactory(
        school=school, registration_group=group_a, legal_forename="Amir", legal_surname="Ahmed"
    )
    zoe = PupilFactory(
        school=school,
        registration_group=group_b,
        legal_forename="Zoe",
        legal_surname="Young",
        looked_after=True,
    )
    ContactFactory(pupil=amir, name="Rosa Ahmed", relationship="Mother", phone="07700 900123")
    ContactFactory(pupil=zoe, name="Jo Carer", relationship="Foster carer", phone="07700 900456")
    ContactFactory(
        pupil=zoe, priority=2, name="Sam Worker", relationship="Social worker", phone="07700 900789"
    )
    AbsenceReasonFactory(school=school, name="Illness", code_id="I")
    for pupil in (amir, zoe):
        MarkFactory(session=am, pupil=pupil, code_id="N")

    page = tablet
    page.set_viewport_size(PHONE)
    page.context.add_cookies([login_cookie(live_server, office)])
    page.goto(live_server.url + reverse("absences:calling", kwargs={"school_slug": school.slug}))

    cards = page.locator(".calling-card h3")
    expect(cards).to_have_text(["Zoe Young", "Amir Ahmed"])  # vulnerable first
    expect(page.locator(".calling-card").first).to_contain_text("Vulnerable")
    expect(page.get_by_role("link", name="Call 07700 900123")).to_have_attribute(
        "href", "tel:07700900123"
    )
    # Fits a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert Axe().run(page).violations_count == 0

    # The foster carer does not answer.
    page.get_by_role("link", name="Contacts and record a call for Zoe Young").click()
    expect(page.get_by_label("1. Jo Carer (Foster carer) 07700 900456")).to_be_checked()
    assert Axe().run(page).violations_count == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Record the attempt").click()
    expect(page.get_by_text("Attempt recorded for Zoe Young.")).to_be_visible()
    expect(page.locator(".calling-card").first).to_contain_text("1 attempt, last: no answer")
    expect(page.locator(".calling-card").first).to_contain_text("Call Sam Worker (contact 2)")

    # Amir's mother answers: ill today.
    page.get_by_role("link", name="Contacts and record a call for Amir Ahmed").click()
    page.get_by_label("Spoke to them").check()
    page.get_by_label("Reason given (if you spoke to someone)").select_option(label="Illness (I)")
    page.get_by_label("Note").fill("Temperature in the night")
    page.get_by_role("button", name="Record the attempt").click()
    expect(page.locator(".calling-card").nth(1)).to_contain_text("Accounted for")

    # A register saved later with another N: the open page shows it without a reload.
    late = PupilFactory(
        school=school, registration_group=group_a, legal_forename="Ben", legal_surname="Carter"
    )
    MarkFactory(session=am, pupil=late, code_id="N")
    # Those still to account for come first; Amir, accounted for, below them.
    expect(page.locator(".calling-card h3")).to_have_text(
        ["Zoe Young", "Ben Carter", "Amir Ahmed"], timeout=8_000
    )

    with scopes_disabled():
        assert Mark.objects.get(pupil=amir, session=am).code_id == "I"
        assert sorted(CallAttempt.objects.values_list("outcome", flat=True)) == [
            "no_answer",
            "spoke",
        ]
    page.screenshot(path="/tmp/calling-list.png", full_page=True)

    # The attendance lead's settings page works on the phone too.
    lead = staff(school, Role.ATTENDANCE_LEAD, first_name="Maya", last_name="Lead")
    page.context.clear_cookies()
    page.context.add_cookies([login_cookie(live_server, lead)])
    page.goto(live_server.url + reverse("absences:procedure", kwargs={"school_slug": school.slug}))
    expect(page.get_by_label("Every absent pupil accounted for by")).to_have_value("23:59")
    assert Axe().run(page).violations_count == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="/tmp/calling-procedure.png", full_page=True)
