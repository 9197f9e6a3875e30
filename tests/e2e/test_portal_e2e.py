"""A parent on a phone (390 px) accepts the school's invitation, reports an absence, asks
for leave of absence and later reads the decision letter (the absences issue, "How it is
checked"). The decision is made in the test's set-up by the leave engineer's service, as
a headteacher would."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from absences.models import AbsenceReport, LeaveRequest
from absences.services.leave_decide import leave_decide
from absences.services.portal import invitations_create
from registers.models import Role
from registers.tenancy import school_scope
from tests.absences.factories import AbsenceReasonFactory, school_week
from tests.factories import ContactFactory, PupilFactory, SchoolFactory, staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = "/tmp/portal-{}.png"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def phone(tablet):
    tablet.set_viewport_size(PHONE)
    return tablet


def next_weekday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def accessible(page, name):
    page.screenshot(path=SCREENSHOTS.format(name), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert fits_the_screen(page), f"{name} scrolls sideways at 390 px"


def test_a_parent_reports_an_absence_asks_for_leave_and_reads_the_decision(live_server, phone):
    school = SchoolFactory(name="Oak Lane Primary School", phone="01632 960000")
    amara = PupilFactory(school=school, legal_forename="Amara", legal_surname="Mensah")
    rosa = ContactFactory(pupil=amara, name="Rosa Mensah", email="rosa@example.org")
    head = staff(school, Role.HEADTEACHER)
    office = staff(school, Role.OFFICE)
    AbsenceReasonFactory(school=school, name="Illness", code_id="I")
    tomorrow = next_weekday(timezone.localdate())
    school_week(school, monday=tomorrow, days=1)
    leave_monday = tomorrow + dt.timedelta(days=28 - tomorrow.weekday())
    school_week(school, monday=leave_monday, days=5)
    # The office invites Rosa (the link of the email); she chooses a password.
    with school_scope(school):
        [invited], _ = invitations_create(
            school=school, contacts=[rosa], user=office, role=Role.OFFICE
        )
    phone.goto(live_server.url + reverse("portal:invitation_open", args=[invited.token]))
    expect(phone.get_by_text("Amara Mensah")).to_be_visible()
    assert invited.token not in phone.url  # moved into the session
    phone.get_by_label("Choose a password").fill("plum-orchard-lantern-7")
    phone.get_by_label("Type the same password again").fill("plum-orchard-lantern-7")
    accessible(phone, "invitation")
    phone.get_by_role("button", name="Set my password").click()

    # Their children, then Amara's report form.
    expect(phone.get_by_role("heading", name="Your children")).to_be_visible()
    expect(phone.get_by_text("Welcome. You can now see Amara here.")).to_be_visible()
    accessible(phone, "home")
    phone.get_by_role("link", name="Report an absence for Amara").click()
    expect(phone.get_by_role("heading", name="Report an absence for Amara")).to_be_visible()
    phone.get_by_label("Why is your child absent?").select_option(label="Illness")
    phone.get_by_label("First day").fill(tomorrow.isoformat())
    phone.get_by_label("Last day").fill(tomorrow.isoformat())
    phone.get_by_label("Anything the school should know").fill("Temperature since last night.")
    accessible(phone, "report")
    phone.get_by_role("button", name="Send to the school").click()
    expect(phone.get_by_text("The school office has your report for Amara")).to_be_visible()
    expect(phone.get_by_text("Waiting for the school office")).to_be_visible()
    accessible(phone, "child")
    with scopes_disabled():
        report = AbsenceReport.objects.get()
    assert (report.source, report.channel, report.status) == ("parent", "portal", "pending")

    # Leave of absence: a wedding, with the invitation as evidence.
    phone.get_by_role("link", name="Ask for leave of absence").click()
    phone.get_by_label("First day").fill(leave_monday.isoformat())
    phone.get_by_label("Last day").fill((leave_monday + dt.timedelta(days=1)).isoformat())
    phone.get_by_label("What is the leave for?").select_option(value="C")
    phone.get_by_label("Why is the leave needed?").fill("My sister's wedding in Accra.")
    phone.get_by_label("Evidence (optional)").set_input_files(
        files=[{"name": "invitation.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    accessible(phone, "leave-form")
    phone.get_by_role("button", name="Send the request").click()
    expect(phone.get_by_text("Your request is with the school")).to_be_visible()
    expect(phone.get_by_text("invitation.pdf")).to_be_visible()
    with scopes_disabled():
        request = LeaveRequest.objects.select_related("school", "pupil").get()
    assert request.status == "submitted"

    # The headteacher grants it (set-up); the parent comes back and reads the letter.
    with school_scope(school):
        leave_decide(request=request, user=head, role=Role.HEADTEACHER, status="granted")
    phone.reload()
    expect(phone.get_by_text("Granted", exact=True)).to_be_visible()
    accessible(phone, "leave-decided")
    letter = phone.get_by_role("link", name="Read the letter")
    expect(letter).to_be_visible()
    response = phone.request.get(live_server.url + letter.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
