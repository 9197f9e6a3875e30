"""The office logs a parent's call in a real browser, by keyboard, and the class teacher's
register shows the reported sessions locked (the absences issue, "How it is checked")."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from absences.models import AbsenceReport
from registers.models import Mark, PlannedEntry, Role
from tests.absences.factories import AbsenceReasonFactory, school_week
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    staff,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/office-reports.png"
FORM_SCREENSHOT = "/tmp/office-report-form.png"


def login_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def school_day() -> dt.date:
    """Today in London if a weekday, else the next Monday (the browser's real clock runs:
    session cookies must not look expired, so the clock is not frozen)."""
    day = timezone.localdate()
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_the_office_logs_a_call_and_the_teachers_register_shows_it_locked(live_server, tablet):
    school = SchoolFactory(name="Oak Lane Primary School")
    group = RegistrationGroupFactory(school=school, name="4B")
    teacher = staff(school, Role.TEACHER, first_name="Sam", last_name="Reed")
    group.teachers.add(teacher)
    office = staff(school, Role.OFFICE, first_name="Pat", last_name="Office")
    amir = PupilFactory(
        school=school, registration_group=group, legal_forename="Amir", legal_surname="Ahmed"
    )
    ben = PupilFactory(
        school=school, registration_group=group, legal_forename="Ben", legal_surname="Carter"
    )
    ContactFactory(pupil=amir, name="Rosa Ahmed", relationship="Mother", phone="07700 900123")
    AbsenceReasonFactory(school=school, name="Illness", code_id="I")
    day = school_day()
    school_week(school, monday=day, days=2)

    # The office: find the pupil by typing, pick the result by keyboard, log the call.
    tablet.context.add_cookies([login_cookie(live_server, office)])
    tablet.goto(live_server.url + reverse("absences:office", kwargs={"school_slug": school.slug}))
    finder = tablet.get_by_label("Find the pupil")
    expect(finder).to_be_focused()
    finder.type("ahm")
    result = tablet.get_by_role("link", name="Amir Ahmed")
    expect(result).to_be_visible()
    tablet.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    tablet.keyboard.press("Enter")
    expect(tablet.get_by_role("link", name="07700 900123")).to_have_attribute(
        "href", "tel:07700900123"
    )
    expect(tablet.get_by_label("Rosa Ahmed (Mother)")).to_be_checked()
    expect(tablet.get_by_label("Rosa Ahmed (Mother)")).to_be_focused()
    tablet.get_by_label("First day").fill(day.isoformat())
    tablet.get_by_label("Expected last day").fill(day.isoformat())
    tablet.get_by_label("Note").fill("Temperature in the night")
    tablet.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing overflows
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 390
    tablet.screenshot(path=FORM_SCREENSHOT, full_page=True)
    tablet.set_viewport_size({"width": 768, "height": 1024})
    tablet.get_by_role("button", name="Log the report").click()
    expect(tablet.get_by_text("Illness for Amir Ahmed")).to_be_visible()
    tablet.screenshot(path=SCREENSHOT, full_page=True)
    results = Axe().run(tablet)
    assert results.violations_count == 0, results.generate_report()
    with scopes_disabled():
        report = AbsenceReport.objects.get()
        assert (report.pupil, report.created_by, report.status) == (amir, office, "accepted")
        entered = (
            Mark.objects.filter(pupil=amir).count()
            + PlannedEntry.objects.filter(pupil=amir).count()
        )
        assert entered == 2

    # The teacher: Amir's morning is locked with the office's I; Ben is there to mark.
    tablet.context.clear_cookies()
    tablet.context.add_cookies([login_cookie(live_server, teacher)])
    register = reverse(
        "registers:register",
        kwargs={"school_slug": school.slug, "group_id": group.pk, "day": day, "period": "AM"},
    )
    tablet.goto(live_server.url + register)
    amir_row, ben_row = tablet.locator(f"#pupil-{amir.pk}"), tablet.locator(f"#pupil-{ben.pk}")
    expect(amir_row).to_contain_text("Temperature in the night")
    expect(amir_row).to_contain_text("Ask the office to change it")
    expect(amir_row.locator("input, button")).to_have_count(0)
    expect(ben_row.locator("input, button").first).to_be_visible()
