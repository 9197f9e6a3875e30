"""Under the Content Security Policy the pages still work in a real browser, and the
browser reports no violation: no inline script or style was left behind."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from registers.models import Role
from tests.factories import (
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    SessionFactory,
    staff,
)
from tests.letters.factories import issued_letter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
DAY = dt.date(2024, 9, 9)

# Runs before any page script; the CSP does not apply to it (it comes from the browser).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(tablet):
    messages = []
    tablet.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    tablet.add_init_script(WATCH_VIOLATIONS)
    tablet.csp_console = messages
    return tablet


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.csp_console


@pytest.fixture
def head_school(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    school = SchoolFactory(name="Oak Lane Primary School")
    head = staff(school, Role.HEADTEACHER, username="head")
    pupil = PupilFactory(school=school, legal_forename="Amy", legal_surname="Smith")
    issued_letter(pupil)
    issued_letter(pupil, kind="stage_2")
    return school, head


def sign_in(page, live_server, username, next_url):
    page.goto(live_server.url + next_url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    if "/two-factor/setup/" in page.url:
        set_up_two_factor(page, username)
    expect(page).to_have_url(live_server.url + next_url)


def set_up_two_factor(page, username):
    """The set-up page as a person with an authenticator app sees it: the QR code (inline
    SVG), then the code the app would show, then the backup codes, once."""
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    page.get_by_label("Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: carry on").click()


def test_sign_in_and_password_pages_raise_no_csp_violation(live_server, watched, db):
    watched.goto(live_server.url + reverse("login"))
    expect(watched.get_by_label("Keep me signed in on this computer")).not_to_be_checked()
    watched.get_by_role("link", name="Forgotten your password?").click()
    expect(watched.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert violations(watched) == []


def test_the_letters_pages_work_under_the_policy(live_server, watched, head_school):
    school, _ = head_school
    approve = reverse("letters:approve", kwargs={"school_slug": school.slug})
    sign_in(watched, live_server, "head", approve)

    # The "select all" box is a static script now; it still ticks every letter.
    watched.locator("#select-all").check()
    boxes = watched.locator('input[name="letter"]')
    expect(boxes).to_have_count(2)
    for i in range(2):
        expect(boxes.nth(i)).to_be_checked()

    # The wording editor's live preview is htmx.
    edit = reverse("letters:template_edit", kwargs={"school_slug": school.slug, "kind": "stage_1"})
    watched.goto(live_server.url + edit)
    surface = watched.get_by_role("textbox", name="Wording")
    surface.click()
    watched.keyboard.press("Control+A")
    watched.keyboard.press("Delete")
    watched.keyboard.type("Dear pupil, a CSP check.")
    expect(watched.locator("#preview")).to_contain_text("a CSP check.")

    access_log = reverse("access_log", kwargs={"school_slug": school.slug})
    watched.goto(live_server.url + access_log)
    expect(watched.get_by_role("heading", name="Access log")).to_be_visible()
    assert violations(watched) == []


def test_swagger_ui_renders_under_the_policy(live_server, watched, db):
    watched.goto(live_server.url + reverse("api-docs"))
    expect(watched.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(watched.get_by_text("/api/v1/schools/{school_slug}/pupils/").first).to_be_visible()
    assert violations(watched) == []


def test_the_register_page_works_under_the_policy(live_server, watched, db):
    school = SchoolFactory()
    group = RegistrationGroupFactory(school=school, name="4B")
    teacher = staff(school, Role.TEACHER, username="teacher4b")
    group.teachers.add(teacher)
    for surname in ("Ahmed", "Carter"):
        PupilFactory(school=school, registration_group=group, legal_surname=surname)
    SessionFactory(school=school, date=DAY, period="AM")
    address = reverse(
        "registers:register",
        kwargs={"school_slug": school.slug, "group_id": group.pk, "day": DAY, "period": "AM"},
    )
    sign_in(watched, live_server, "teacher4b", address)

    watched.get_by_role("button", name="Mark all unmarked present").click()
    expect(watched.locator("[data-marked]")).to_have_text("2")
    watched.get_by_role("button", name="Save register").first.click()
    expect(watched.get_by_text("Register saved: 2 marks")).to_be_visible()
    assert violations(watched) == []


def test_the_platform_admin_works_under_the_policy(live_server, watched, db, school):
    get_user_model().objects.create_superuser("operator", "op@example.org", "an operator pw 1")
    watched.goto(live_server.url + "/admin/")
    watched.get_by_label("Username").fill("operator")
    watched.get_by_label("Password").fill("an operator pw 1")
    watched.get_by_role("button", name="Log in").click()
    watched.goto(live_server.url + "/admin/registers/school/")
    # The platform operator sees every school: two-factor sign-in first.
    set_up_two_factor(watched, "operator")
    expect(watched).to_have_url(live_server.url + "/admin/registers/school/")
    watched.get_by_role("link", name=school.name).click()
    expect(watched.locator("#id_session_idle_minutes")).to_have_value("30")
    assert violations(watched) == []
