"""The attendance lead's morning in a real browser, at desktop and phone widths: the
queue, a letter approved through the letters approval, a case opened, a meeting recorded
(the last step by keyboard). axe checks every page on the way; at 390 px nothing makes the
page scroll sideways. The policy, legal steps and simulator pages are checked at 768 px."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from escalation.models import Meeting
from escalation.services.simulation_runs import simulation_request
from letters.models import IssuedLetter
from registers.models import Role
from registers.tenancy import school_scope
from tests.escalation.casework import case_of, night_school
from tests.factories import staff
from tests.letters.factories import issued_letter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def login_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    return {"name": "sessionid", "value": cookie.value, "url": live_server.url}


def no_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def fits(page, width):
    """Nothing wider than the screen (tables scroll inside their own box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def morning(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    school, alex, _sam = night_school()
    letter = issued_letter(alex)  # rendered: it can be ticked
    lead = staff(school, Role.ATTENDANCE_LEAD, first_name="Ruth", last_name="Mensah")
    return school, alex, letter, get_user_model().objects.get(pk=lead.pk)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_lead_approves_a_letter_opens_a_case_and_records_a_meeting(
    live_server, tablet, morning, viewport
):
    school, alex, letter, lead = morning
    page = tablet
    page.set_viewport_size(viewport)
    page.context.add_cookies([login_cookie(live_server, lead)])

    # The queue: the letter with its evidence.
    page.goto(live_server.url + reverse("escalation:queue", args=[school.slug]))
    expect(page.get_by_role("heading", name="Morning queue")).to_be_visible()
    expect(page.get_by_text("Rule test/TL-01, 16/09/2024").first).to_be_visible()
    no_violations(page)
    fits(page, viewport["width"])

    # Approve the rendered letter: confirmed on the letters app's page.
    name = f"Select the Attendance concern: stage 1 letter for {alex.display_name} to Pat Parent"
    page.get_by_label(name).check()
    page.get_by_role("button", name="Approve the ticked letters…").click()
    expect(page.get_by_role("heading", name="Approve 1 letter?")).to_be_visible()
    page.get_by_role("button", name="Approve 1 letter").click()
    expect(page.get_by_text("1 letter approved.")).to_be_visible()
    with scopes_disabled():
        assert IssuedLetter.objects.get(pk=letter.pk).status == "approved"

    # The case, from the list of cases.
    page.goto(
        live_server.url + reverse("escalation:cases", args=[school.slug]) + "?track=attendance"
    )
    page.get_by_role("link", name=alex.display_name).click()
    expect(
        page.get_by_role("heading", name=f"{alex.display_name}: attendance case")
    ).to_be_visible()
    no_violations(page)
    fits(page, viewport["width"])

    # A meeting recorded, by keyboard from the last field.
    held = dt.date.today() - dt.timedelta(days=1)
    page.get_by_label("Date of the meeting").fill(held.isoformat())
    page.get_by_label("Who came").fill("Mrs Jones (mother)\nRuth Mensah (attendance lead)")
    page.get_by_label("Barriers to attending").fill("Anxiety about the bus")
    page.get_by_label("Targets agreed").fill("95% by half term")
    page.get_by_role("button", name="Save the meeting notes").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Meeting notes recorded.")).to_be_visible()
    expect(page.get_by_text("Anxiety about the bus").first).to_be_visible()
    no_violations(page)
    with scopes_disabled():
        meeting = Meeting.objects.get(pupil=alex)
    assert (meeting.held_on, meeting.case_id) == (held, case_of(alex).pk)


def test_the_policy_legal_and_simulator_pages_are_accessible_at_tablet_width(
    live_server, tablet, morning
):
    school, _alex, _letter, _lead = morning
    head = staff(school, Role.HEADTEACHER)
    with school_scope(school):  # its Celery task runs in-process on commit
        simulation = simulation_request(
            school=school, user=head, preset="", start=dt.date(2024, 9, 2), end=dt.date(2024, 9, 30)
        )
    tablet.context.add_cookies([login_cookie(live_server, head)])
    base = live_server.url + f"/{school.slug}/escalation/"

    for path, heading in [
        ("policy/", "Escalation policy"),
        ("policy/rules/TL-01/", "Rule TL-01"),
        ("legal/", "Legal steps"),
        ("simulator/", "What would this policy have done?"),
        (f"simulator/{simulation.pk}/", "test, 2 September 2024 to 30 September 2024"),
    ]:
        tablet.goto(base + path)
        expect(tablet.get_by_role("heading", name=heading, exact=False).first).to_be_visible()
        no_violations(tablet)
        fits(tablet, 768)
