import datetime as dt
import io

import pytest
from pypdf import PdfReader

from registers.tenancy import school_scope
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    mark_days,
    school_calendar,
)

# Figures the letters must show for `pupil` (see `year_marks`).
AS_OF = dt.date(2024, 10, 11)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Work queued for after the commit (rendering, email) runs, as in production: the
    service in the school's scope (as its view has it), the queued tasks after it, in no
    scope, entering their own."""

    def run(func, *args, school, **kwargs):
        with django_capture_on_commit_callbacks(execute=True), school_scope(school):
            return func(*args, school=school, **kwargs)

    return run


def year_marks(pupil, *, absent=True):
    """Present every session from 3 Sep to 11 Oct 2024 (29 days, 58 sessions), except
    (with `absent`) 4 days ill, 2 days unauthorised and one late morning."""
    days = {}
    day = dt.date(2024, 9, 3)
    while day <= AS_OF:
        if day.weekday() < 5:
            days[day] = "/"
        day += dt.timedelta(days=1)
    if absent:
        for d in (
            dt.date(2024, 9, 16),
            dt.date(2024, 9, 17),
            dt.date(2024, 9, 18),
            dt.date(2024, 10, 1),
        ):
            days[d] = "I"
        for d in (dt.date(2024, 9, 26), dt.date(2024, 10, 7)):
            days[d] = "O"
        days[dt.date(2024, 10, 9)] = ("L", "/")
    mark_days(pupil, days)


@pytest.fixture
def calendar(school):
    return school_calendar(school)


@pytest.fixture
def pupil(school, calendar):
    group = RegistrationGroupFactory(school=school, name="4B")
    pupil = PupilFactory(
        school=school,
        registration_group=group,
        legal_forename="Samuel",
        legal_surname="Okafor",
        preferred_forename="Sammy",
    )
    ContactFactory(
        pupil=pupil,
        name="Grace Okafor",
        relationship="Mother",
        email="grace@example.org",
        address="12 Willow Way\nMilton Keynes\nMK5 6AA",
    )
    ContactFactory(
        pupil=pupil,
        name="David Okafor",
        relationship="Father",
        priority=2,
        email="",
        address="3 Birch Close\nBletchley\nMK2 2BB",
    )
    year_marks(pupil)
    return pupil


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
