"""A class of 32 in a real browser: how many pupils a screen shows, the keystrokes of a
teacher's usual register, and axe in every state a register (or sign-in) can be in."""

import datetime as dt
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from registers.models import Mark, Role
from registers.selectors import local_now
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    SessionFactory,
    staff,
)

from .test_register_e2e import login_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DAY = dt.date(2024, 9, 16)
SHOTS = os.environ.get("REGISTER_SHOTS", "/tmp/register-after")
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
FORENAMES = "Amir Ben Chloe Dylan Erin Finn Grace Harry Isla Jack Kai Layla Mia Noah Olivia Poppy"
SURNAMES = "Ahmed Baker Carter Davies Evans Fox Green Hughes Islam Jones Khan Lewis Moore Nash"


@pytest.fixture
def class_of_32():
    school = SchoolFactory(name="Oak Lane Primary School")
    group = RegistrationGroupFactory(school=school, name="4B")
    teacher = staff(school, Role.TEACHER, username="teacher4b", first_name="Sam", last_name="Reed")
    group.teachers.add(teacher)
    forenames, surnames = FORENAMES.split(), SURNAMES.split()
    pupils = [
        PupilFactory(
            school=school,
            registration_group=group,
            legal_forename=forenames[i % len(forenames)],
            legal_surname=f"{surnames[i % len(surnames)]}{'' if i < len(surnames) else 'son'}",
            looked_after=i == 3,
        )
        for i in range(32)
    ]
    session = SessionFactory(school=school, date=DAY, period="AM")
    # The last school week, so each row has marks to show.
    for back in range(1, 8):
        day = DAY - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for period in ("AM", "PM"):
            past = SessionFactory(school=school, date=day, period=period)
            for i, pupil in enumerate(pupils):
                code = "N" if (i == 6 and back < 3) else ("/" if period == "AM" else "\\")
                MarkFactory(session=past, pupil=pupil, code_id=code)
    url = reverse(
        "registers:register",
        kwargs={"school_slug": school.slug, "group_id": group.pk, "day": DAY, "period": "AM"},
    )
    return {"school": school, "group": group, "pupils": pupils, "session": session, "url": url}


def pupils_in_view(page) -> int:
    """Pupils whose whole row is on the screen as the page opens."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-pupil]')).filter(r => {
             const b = r.getBoundingClientRect();
             return b.height > 0 && b.top >= 0 && b.bottom <= window.innerHeight;
           }).length"""
    )


def test_a_class_of_32_shows_15_pupils_on_a_laptop_and_10_on_a_tablet(
    live_server, class_of_32, tablet
):
    tablet.context.add_cookies([login_cookie(live_server, "teacher4b")])
    tablet.set_viewport_size(DESKTOP)
    tablet.goto(live_server.url + class_of_32["url"])
    tablet.screenshot(path=f"{SHOTS}-1280.png")
    on_laptop = pupils_in_view(tablet)
    tablet.set_viewport_size(TABLET)
    tablet.evaluate("window.scrollTo(0, 0)")
    tablet.screenshot(path=f"{SHOTS}-768.png")
    on_tablet = pupils_in_view(tablet)
    tablet.set_viewport_size({"width": 390, "height": 844})
    tablet.evaluate("window.scrollTo(0, 0)")
    tablet.screenshot(path=f"{SHOTS}-390.png")
    sideways = tablet.evaluate("document.documentElement.scrollWidth")
    print(f"pupils in view: 1280x800 {on_laptop}, 768x1024 {on_tablet}; 390 wide: {sideways}")
    assert on_laptop >= 15
    assert on_tablet >= 10
    assert sideways <= 390


def no_violations(page, state):
    results = Axe().run(page)
    print(f"axe, {state}: {results.violations_count} violations")
    assert results.violations_count == 0, results.generate_report()


def test_the_usual_register_takes_under_15_keystrokes_and_says_what_the_clock_decided(
    live_server, class_of_32, tablet
):
    """29 present, two absent, one late, today. The register opens with the first pupil's
    present button focused; the count starts there."""
    school = class_of_32["school"]
    # As the register lists them: by surname.
    pupils = sorted(class_of_32["pupils"], key=lambda p: (p.surname, p.forename))
    now = local_now(school)
    if not 1 <= now.hour <= 22:
        pytest.skip("the register times are set around now; not across midnight")
    at = now.replace(second=0, microsecond=0)
    session = SessionFactory(
        school=school,
        date=at.date(),
        period="AM",
        opens=(at - dt.timedelta(minutes=40)).time(),
        late_after=(at - dt.timedelta(minutes=30)).time(),
        closes=(at + dt.timedelta(minutes=45)).time(),
    )
    url = reverse(
        "registers:register",
        args=[school.slug, class_of_32["group"].pk, session.date, "AM"],
    )
    tablet.context.add_cookies([login_cookie(live_server, "teacher4b")])
    tablet.set_viewport_size(DESKTOP)
    tablet.goto(live_server.url + url)
    keys = [
        "Shift+Tab",  # to "Mark all unmarked present"
        "Enter",  # 32 present; back to the first pupil
        "ArrowDown",
        "N",  # pupil 2 absent, reason not yet known; on to pupil 3
        "ArrowDown",
        "ArrowDown",
        "N",  # pupil 5
        "ArrowDown",
        "ArrowDown",
        "ArrowDown",
        "L",  # pupil 9 late: asks the arrival time
    ]
    for key in keys:
        tablet.keyboard.press(key)
    # The arrival time is the school's clock now, filled in by the page: Enter accepts it.
    expect(tablet.locator(f"#arrival-{pupils[8].pk}")).to_have_value(f"{at:%H:%M}")
    expect(tablet.locator(f"#state-{pupils[8].pk}")).to_contain_text(
        "30 minutes after the late time"
    )
    for key in ("Enter", "Tab", "Enter"):  # accept the time, leave the grid, save
        keys.append(key)
        tablet.keyboard.press(key)
    print(f"keystrokes: {len(keys)}")
    expect(tablet.get_by_text("Register saved: 32 marks")).to_be_visible()
    assert len(keys) < 15
    with scopes_disabled():
        marks = {m.pupil_id: m for m in Mark.objects.filter(session=session)}
    codes = [marks[p.pk].code_id for p in pupils[:9]]
    assert codes == ["/", "N", "/", "/", "N", "/", "/", "/", "L"]
    assert marks[pupils[8].pk].minutes_late in (30, 31)
    assert sum(1 for m in marks.values() if m.code_id == "/") == 29


def test_axe_finds_nothing_after_a_wrong_password_with_a_panel_open_or_in_a_conflict(
    live_server, class_of_32, tablet
):
    pupils = sorted(class_of_32["pupils"], key=lambda p: (p.surname, p.forename))
    url = live_server.url + class_of_32["url"]
    tablet.goto(url)
    tablet.get_by_label("Username").fill("teacher4b")
    tablet.get_by_label("Password").fill("not the password")
    tablet.get_by_role("button", name="Sign in").click()
    expect(tablet.get_by_role("alert")).to_contain_text("The username or the password is not right")
    no_violations(tablet, "sign-in after a wrong password")

    tablet.get_by_label("Password").fill("correct-horse-battery")
    tablet.get_by_role("button", name="Sign in").click()
    expect(tablet).to_have_url(url)
    no_violations(tablet, "the register as it opens")
    first = tablet.locator(f"#pupil-{pupils[0].pk}")
    first.get_by_role("button", name="Absence reason, arrival time, note").click()
    expect(tablet.locator(f"#arrival-{pupils[0].pk}")).to_be_visible()
    no_violations(tablet, "a pupil's panel open")
    tablet.screenshot(path=f"{SHOTS}-panel.png")

    tablet.get_by_role("button", name="Mark all unmarked present").click()
    # Meanwhile the office saves the first pupil as ill.
    MarkFactory(session=class_of_32["session"], pupil=pupils[0], code_id="I")
    tablet.get_by_role("button", name="Save register").first.click()
    expect(tablet.locator("#conflict-summary")).to_contain_text("Someone else saved 1")
    no_violations(tablet, "a conflict")
    tablet.screenshot(path=f"{SHOTS}-conflict.png", full_page=True)
