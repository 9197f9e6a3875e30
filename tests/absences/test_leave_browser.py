"""The headteacher decides a leave request in a real browser, by keyboard, at tablet size
(no accessibility violations), and the class teacher's register shows the granted session
locked (issue 9, "Leave-of-absence workflow")."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from absences.models import LeaveRequest
from absences.services.leave import leave_request_submit
from registers.models import PlannedEntry, Role
from registers.tenancy import school_scope
from tests.absences.factories import school_week
from tests.e2e.conftest import tablet  # noqa: F401  (the browser fixture)
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    UserFactory,
    staff,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_the_head_grants_part_of_a_request_and_the_teacher_sees_it_locked(
    live_server,
    tablet,  # noqa: F811
):
    school = SchoolFactory(name="Oak Lane Primary School")
    group = RegistrationGroupFactory(school=school, name="4B")
    teacher = staff(school, Role.TEACHER, first_name="Sam", last_name="Reed")
    group.teachers.add(teacher)
    head = staff(school, Role.HEADTEACHER, first_name="Mary", last_name="Seacole")
    amir = PupilFactory(
        school=school, registration_group=group, legal_forename="Amir", legal_surname="Ahmed"
    )
    parent = UserFactory()
    ContactFactory(pupil=amir, user=parent, name="Rosa Ahmed")
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    school_week(school, monday=monday, days=2)
    with school_scope(school):
        request = leave_request_submit(
            school=school,
            pupil=amir,
            user=parent,
            first_day=monday,
            first_period="AM",
            last_day=monday + dt.timedelta(days=1),
            last_period="PM",
            ground="C",
            reason="My father's funeral on Monday; the family gathers on Tuesday.",
        )

    tablet.context.add_cookies([login_cookie(live_server, head)])
    tablet.goto(
        live_server.url
        + reverse(
            "absences:leave_detail",
            kwargs={"school_slug": school.slug, "request_id": request.pk},
        )
    )
    expect(tablet.get_by_role("heading", name="Attendance and the school's checks")).to_be_visible()
    results = Axe().run(tablet)
    assert results.violations_count == 0, results.generate_report()
    tablet.get_by_label("Message to the parent").fill("Monday only, for the funeral.")
    for period in ("morning", "afternoon"):
        box = tablet.get_by_label(f"{monday:%a %-d %b %Y} {period}")
        box.focus()
        tablet.keyboard.press("Space")
        expect(box).to_be_checked()
    tablet.get_by_role("button", name="Grant the chosen sessions").focus()
    tablet.keyboard.press("Enter")
    expect(tablet.get_by_text("Partly granted: 2 register entries written")).to_be_visible()
    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == LeaveRequest.Status.PARTLY_GRANTED
        planned = PlannedEntry.objects.filter(pupil=amir).select_related("session")
        assert {(p.session.date, p.code_id, p.source) for p in planned} == {(monday, "C", "leave")}

    tablet.context.clear_cookies()
    tablet.context.add_cookies([login_cookie(live_server, teacher)])
    register = reverse(
        "registers:register",
        kwargs={"school_slug": school.slug, "group_id": group.pk, "day": monday, "period": "AM"},
    )
    tablet.goto(live_server.url + register)
    row = tablet.locator(f"#pupil-{amir.pk}")
    expect(row).to_contain_text("Ask the office to change it")
    expect(row.locator("input, button")).to_have_count(0)
