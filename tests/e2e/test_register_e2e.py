"""A teacher takes a register in a real browser, at tablet width."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from registers.models import Amendment, Mark, Register, Role
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    SessionFactory,
    staff,
)

# Transactional (the live server runs in another thread); the national codes seeded by
# migration are restored before each test instead of being lost to the flush.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DAY = dt.date(2024, 9, 9)
SCREENSHOT = "/tmp/register.png"
PHONE_SCREENSHOT = "/tmp/register-phone.png"


@pytest.fixture
def classroom():
    school = SchoolFactory(name="Oak Lane Primary School")
    group = RegistrationGroupFactory(school=school, name="4B")
    teacher = staff(school, Role.TEACHER, username="teacher4b", first_name="Sam", last_name="Reed")
    group.teachers.add(teacher)
    office = staff(school, Role.OFFICE, first_name="Pat", last_name="Office")
    names = [
        ("Amir", "Ahmed", {}),
        ("Ben", "Carter", {}),
        ("Chloe", "Davies", {"looked_after": True}),
        ("Dylan", "Evans", {}),
        ("Erin", "Fox", {"preferred_forename": "Ellie"}),
        ("Finn", "Green", {}),
    ]
    pupils = [
        PupilFactory(
            school=school, registration_group=group, legal_forename=f, legal_surname=s, **extra
        )
        for f, s, extra in names
    ]
    session = SessionFactory(school=school, date=DAY, period="AM")
    # A parent rang before registration: the office entered it, the teacher sees it locked.
    reported = MarkFactory(
        session=session,
        pupil=pupils[5],
        code_id="I",
        source=Mark.Source.PARENT,
        note="Sick bug, back Wednesday",
        recorded_by=office,
    )
    url = reverse(
        "registers:register",
        kwargs={"school_slug": school.slug, "group_id": group.pk, "day": DAY, "period": "AM"},
    )
    return {"group": group, "pupils": pupils, "session": session, "url": url, "reported": reported}


def row(page, pupil):
    return page.locator(f"#pupil-{pupil.pk}")


def test_a_teacher_marks_the_register_with_touch_and_keys(live_server, classroom, tablet):
    pupils, url = classroom["pupils"], classroom["url"]
    ahmed, carter, davies, evans, fox, green = pupils

    # Signing in through the login page lands on the register asked for.
    tablet.goto(live_server.url + url)
    tablet.get_by_label("Username").fill("teacher4b")
    tablet.get_by_label("Password").fill("correct-horse-battery")
    tablet.get_by_role("button", name="Sign in").click()
    expect(tablet).to_have_url(live_server.url + url)
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("4B")
    expect(row(tablet, green)).to_contain_text("Sick bug, back Wednesday")
    expect(row(tablet, green).locator("input, button")).to_have_count(0)  # locked for the teacher

    tablet.get_by_role("button", name="Mark all unmarked present").click()
    expect(tablet.locator("[data-marked]")).to_have_text("6")
    for pupil in (ahmed, carter, davies, evans, fox):
        expect(tablet.locator(f"#code-{pupil.pk}")).to_have_value("/")

    # A tap on a big code button.
    row(tablet, carter).get_by_role("button", name="Ill").click()
    expect(row(tablet, carter).get_by_role("button", name="Ill")).to_have_attribute(
        "aria-pressed", "true"
    )
    # The keyboard: on a pupil's row, N sets the code and moves on to the next pupil.
    row(tablet, davies).get_by_role("button", name="Present").focus()
    tablet.keyboard.press("N")
    expect(tablet.locator(f"#code-{davies.pk}")).to_have_value("N")
    expect(row(tablet, evans).get_by_role("button", name="Present")).to_be_focused()
    # Late: the arrival time is asked for, filled with now, and can be corrected.
    tablet.keyboard.press("L")
    arrival = tablet.locator(f"#arrival-{evans.pk}")
    expect(arrival).to_be_visible()
    expect(arrival).to_be_focused()
    arrival.fill("09:00")
    tablet.keyboard.press("Enter")  # moves on, does not submit
    expect(row(tablet, fox).get_by_role("button", name="Present")).to_be_focused()
    with scopes_disabled():
        assert not Mark.objects.filter(session=classroom["session"], code_id="/").exists()

    tablet.evaluate("window.scrollTo(0, 0)")
    tablet.screenshot(path=SCREENSHOT, full_page=True)

    tablet.get_by_role("button", name="Save register").first.click()
    expect(tablet.get_by_text("Register saved: 5 marks")).to_be_visible()

    tablet.reload()
    expected = {ahmed: "/", carter: "I", davies: "N", evans: "L", fox: "/"}
    for pupil, code in expected.items():
        expect(tablet.locator(f"#code-{pupil.pk}")).to_have_value(code)
    expect(row(tablet, evans)).to_contain_text("L Late (10 min)")
    expect(tablet.get_by_text("Taken", exact=True)).to_be_visible()

    # On a phone the register still fits the screen: no sideways scrolling.
    tablet.set_viewport_size({"width": 390, "height": 844})
    tablet.screenshot(path=PHONE_SCREENSHOT, full_page=True)
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 390

    with scopes_disabled():
        saved = {
            m.pupil_id: (m.code_id, m.minutes_late)
            for m in Mark.objects.filter(session=classroom["session"])
        }
    assert saved == {
        ahmed.pk: ("/", None),
        carter.pk: ("I", None),
        davies.pk: ("N", None),
        evans.pk: ("L", 10),
        fox.pk: ("/", None),
        green.pk: ("I", None),
    }
    classroom["reported"].refresh_from_db()
    assert classroom["reported"].version == 1
    with scopes_disabled():
        assert Register.objects.filter(
            registration_group=classroom["group"], session=classroom["session"]
        ).exists()


def test_changing_a_saved_mark_asks_for_a_reason(live_server, classroom, tablet):
    pupils, url, session = classroom["pupils"], classroom["url"], classroom["session"]
    for pupil in pupils[:5]:
        MarkFactory(session=session, pupil=pupil, code_id="/")
    carter = pupils[1]
    tablet.context.add_cookies([login_cookie(live_server, "teacher4b")])

    tablet.goto(live_server.url + url)
    reason = tablet.locator(f"#amend-{carter.pk}")
    expect(reason).to_be_hidden()
    row(tablet, carter).get_by_role("button", name="Medical").click()
    expect(reason).to_be_visible()

    # Saved without a reason: refused, told why, and the change is still on the form.
    tablet.get_by_role("button", name="Save register").first.click()
    expect(tablet.get_by_role("alert")).to_contain_text("Say why the saved mark / is changed")
    expect(tablet.locator(f"#code-{carter.pk}")).to_have_value("M")
    with scopes_disabled():
        assert Mark.objects.get(session=session, pupil=carter).code_id == "/"

    reason.fill("Dentist, letter seen")
    tablet.get_by_role("button", name="Save register").first.click()
    expect(tablet.get_by_text("Register saved: 5 marks")).to_be_visible()
    with scopes_disabled():
        amendment = Amendment.objects.get()
    assert (amendment.original_code, amendment.new_code, amendment.reason) == (
        "/",
        "M",
        "Dentist, letter seen",
    )


def login_cookie(live_server, username):
    """A signed-in session for a user, as a browser cookie (skips the login page)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
