"""What the register page tests share: addresses and posts as the page sends them."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.urls import reverse

DAY = dt.date(2024, 9, 9)
LONDON = ZoneInfo("Europe/London")


def register_url(group, session=None, *, day=DAY, period="AM"):
    if session is not None:
        day, period = session.date, session.period
    return reverse(
        "registers:register",
        kwargs={
            "school_slug": group.school.slug,
            "group_id": group.pk,
            "day": day,
            "period": period,
        },
    )


def my_url(school, **query):
    url = reverse("registers:my_registers", kwargs={"school_slug": school.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def form_for(pupils, codes, **extra):
    """A register post as the page sends it: one code per pupil, versions as shown."""
    data = {"action": "save"}
    for pupil, code in zip(pupils, codes, strict=True):
        data[f"code-{pupil.pk}"] = code
        data[f"version-{pupil.pk}"] = "0"
    data.update(extra)
    return data


def selected_code(response, pupil):
    """The code shown in a pupil's code box on the page (what the person would see)."""
    html = response.content.decode()
    box = re.search(rf'<input class="code-input" id="code-{pupil.pk}"[^>]*>', html)
    assert box, f"no code box for {pupil}"
    return re.search(r'value="([^"]*)"', box.group(0)).group(1)


def am_time():
    """08:45 UTC on DAY, a moment during the morning register."""
    return dt.datetime(2024, 9, 9, 8, 45, tzinfo=dt.UTC)
