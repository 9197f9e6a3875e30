"""A real browser (the system's Chromium) against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls
# (setting up data, checking the database) are still ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def tablet(live_server):
    """A browser tab at tablet size, started after the test database is ready.

    One browser per test, on purpose: while Playwright's event loop runs, Django keeps
    its connections per context rather than per thread, so a browser left running across
    tests would hide the connection that restores the seeded national codes between
    transactional tests. Connections opened during the test are closed before the loop
    stops, so none outlives it.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=TABLET, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(10_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
            connections.close_all()
