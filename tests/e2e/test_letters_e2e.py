"""The attendance lead in a real browser: the plain wording editor, a refused save, and a
bulk approval that is confirmed and undone. axe checks each page a mistake leads to."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from letters.models import IssuedLetter, LetterTemplate
from registers.models import Role
from tests.factories import PupilFactory, SchoolFactory, staff
from tests.letters.factories import issued_letter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WORDING_SCREENSHOT = "/tmp/letters-wording-refused.png"
CONFIRM_SCREENSHOT = "/tmp/letters-confirm.png"


def login_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    return {"name": "sessionid", "value": cookie.value, "url": live_server.url}


def no_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def lead():
    school = SchoolFactory(name="Oak Lane Primary School")
    user = staff(school, Role.ATTENDANCE_LEAD, first_name="Ruth", last_name="Mensah")
    return school, get_user_model().objects.get(pk=user.pk)


def test_the_lead_writes_a_letter_in_the_plain_editor_and_a_refused_save_is_accessible(
    live_server, tablet, lead
):
    school, user = lead
    tablet.context.add_cookies([login_cookie(live_server, user)])
    url = live_server.url + reverse("letters:template_edit", args=[school.slug, "lateness_1"])
    tablet.goto(url)

    # Plain editor: no tags to type. A paragraph, a field from the list, bold.
    surface = tablet.get_by_role("textbox", name="Wording")
    expect(surface).to_be_visible()
    surface.click()
    tablet.keyboard.press("Control+A")
    tablet.keyboard.press("Delete")
    tablet.keyboard.type("We have noticed that ")
    tablet.get_by_label("A field to insert").select_option(value="{{ pupil.forename }}")
    tablet.get_by_role("button", name="Insert", exact=True).click()
    tablet.keyboard.type(" has been late. ")
    tablet.get_by_role("button", name="Bold").click()
    tablet.keyboard.type("Please arrive by 8.50.")
    expect(tablet.locator("#preview")).to_contain_text("We have noticed that Sam has been late.")
    tablet.get_by_role("button", name="Save as a new version").click()
    expect(tablet.get_by_text("Saved as version 1.")).to_be_visible()
    with scopes_disabled():
        body = LetterTemplate.objects.get(school=school, kind="lateness_1").body
    assert body == (
        "<p>We have noticed that {{ pupil.forename }} has been late. "
        "<strong>Please arrive by 8.50.</strong></p>"
    )

    # A field goes into the heading too, where the cursor was.
    heading = tablet.get_by_label("Heading")
    heading.fill("Arriving on time: ")
    heading.press("End")
    tablet.get_by_label("A field to insert").select_option(value="{{ pupil.full_name }}")
    tablet.get_by_role("button", name="Insert", exact=True).click()
    expect(heading).to_have_value("Arriving on time: {{ pupil.full_name }}")

    # A field that is not the letter's: refused on saving, with the reason, nothing saved.
    surface.click()
    tablet.keyboard.press("End")
    tablet.keyboard.type(" {{ pupil.school.memberships }}")
    tablet.get_by_role("button", name="Save as a new version").click()
    expect(tablet.get_by_role("alert").first).to_contain_text(
        "pupil.school.memberships }} is not one of the letter's variables"
    )
    expect(tablet).to_have_title(f"Not saved: Wording of “Lateness: first letter” — {school.name}")
    with scopes_disabled():
        assert LetterTemplate.objects.filter(school=school, kind="lateness_1").count() == 1
    tablet.screenshot(path=WORDING_SCREENSHOT, full_page=True)
    no_violations(tablet)


def test_a_bulk_approval_is_confirmed_with_its_count_and_kinds_then_undone(
    live_server, tablet, lead
):
    school, user = lead
    head = staff(school, Role.HEADTEACHER, first_name="Jo", last_name="Marsh")
    pupils = [PupilFactory(school=school, legal_forename=n) for n in ("Amir", "Ben", "Chloe")]
    letters = [issued_letter(p, channel="email") for p in pupils[:2]]
    letters.append(issued_letter(pupils[2], kind="lateness_1"))
    tablet.context.add_cookies([login_cookie(live_server, head)])
    tablet.goto(live_server.url + reverse("letters:approve", args=[school.slug]))
    no_violations(tablet)

    tablet.get_by_label("Select all").check()
    tablet.get_by_role("button", name="Approve selected…").click()

    expect(tablet.get_by_role("heading", level=1)).to_contain_text("Approve 3 letters?")
    expect(tablet.get_by_text("2 × Attendance concern: stage 1")).to_be_visible()
    expect(tablet.get_by_text("1 × Lateness: first letter")).to_be_visible()
    tablet.screenshot(path=CONFIRM_SCREENSHOT, full_page=True)
    no_violations(tablet)
    with scopes_disabled():
        assert set(IssuedLetter.objects.values_list("status", flat=True)) == {"draft"}

    tablet.get_by_role("button", name="Approve 3 letters").click()
    expect(tablet.get_by_text("3 letters approved.")).to_be_visible()
    tablet.get_by_role("button", name="Undo: return the ticked letters to the drafts").click()
    expect(
        tablet.get_by_text("3 letters returned to the drafts; nothing was sent.")
    ).to_be_visible()
    with scopes_disabled():
        assert set(IssuedLetter.objects.values_list("status", flat=True)) == {"draft"}
