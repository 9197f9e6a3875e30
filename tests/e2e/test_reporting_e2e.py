"""The reporting pages in a real browser at desktop, tablet and phone width: each renders
its charts, axe finds nothing (the pupil's sideways-scrolling heatmap included), and a
screenshot is left for a person to look at (REPORTING_SCREENSHOTS=dir to keep them); a
period that cannot be shown puts the reader on its error summary."""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse

from registers.models import Role
from tests.factories import SchoolFactory, staff
from tests.reporting.small_school import small_school

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
NOW = dt.datetime(2024, 9, 23, 9, 30, tzinfo=ZoneInfo("Europe/London"))


def login_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_the_reporting_pages_read_well_at_desktop_tablet_and_phone_width(live_server, tablet):
    with time_machine.travel(NOW, tick=True):
        small = small_school(SchoolFactory(name="Oak Lane Primary School"))
        school = small.school
        lead = staff(school, Role.HEADTEACHER, first_name="Hana", last_name="Head")
        tablet.context.add_cookies([login_cookie(live_server, lead)])
        slug = {"school_slug": school.slug}
        pages = {
            "dashboard": reverse("reporting:dashboard", kwargs=slug)
            + "?period=range&from=2024-09-09&to=2024-09-20",
            "today": reverse("reporting:today", kwargs=slug),
            "pupil": reverse("reporting:pupil", kwargs={**slug, "pupil_id": small.dan.pk}),
            "groups": reverse("reporting:groups", kwargs=slug),
        }
        keep = os.environ.get("REPORTING_SCREENSHOTS")
        for size_name, size in (("desktop", DESKTOP), ("tablet", TABLET), ("phone", PHONE)):
            tablet.set_viewport_size(size)
            for name, address in pages.items():
                tablet.goto(live_server.url + address)
                assert tablet.locator("h1").count() == 1
                if name in ("dashboard", "pupil"):
                    assert tablet.locator("svg.chart").count() >= 1
                results = Axe().run(tablet)
                assert results.violations_count == 0, (name, size_name, results.generate_report())
                if keep:
                    path = Path(keep) / f"{name}-{size_name}.png"
                    tablet.screenshot(path=str(path), full_page=True)


def test_a_date_range_without_dates_puts_focus_on_the_error_summary(live_server, tablet):
    with time_machine.travel(NOW, tick=True):
        small = small_school(SchoolFactory(name="Oak Lane Primary School"))
        lead = staff(small.school, Role.HEADTEACHER)
        tablet.context.add_cookies([login_cookie(live_server, lead)])
        address = reverse("reporting:dashboard", kwargs={"school_slug": small.school.slug})
        tablet.goto(live_server.url + address + "?period=range&from=&to=")
        tablet.wait_for_function("document.activeElement.id === 'error-summary'")
        assert tablet.locator("#period").input_value() == "range"
