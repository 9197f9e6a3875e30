"""The evidence pack for the local authority: ONE PDF (the letters renderer) with the
attendance certificate (every session's mark over the period), the letters sent, the
meetings held, the support offered and the calls made; downloads are logged."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from absences.models import CallAttempt
from escalation.models import Meeting
from letters import printable
from letters.models import IssuedLetter
from registers.models import AccessEvent, Contact, Role
from tests.escalation.casework import case_of, night_school, person
from tests.letters.factories import issued_letter

pytestmark = pytest.mark.skipif(bool(printable.problem()), reason="WeasyPrint unavailable")


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


@pytest.fixture
def record(night):
    """Alex's casework: a letter sent, one cancelled, a meeting with support, a call."""
    school, alex, _sam = night
    issued_letter(alex, kind="stage_1", status=IssuedLetter.Status.PRINTED)
    issued_letter(alex, kind="lateness_1", status=IssuedLetter.Status.CANCELLED)
    with scopes_disabled():
        Meeting.objects.create(
            school=school,
            pupil=alex,
            case=case_of(alex),
            held_on=dt.date(2024, 9, 13),
            attendees="Mrs Jones (mother)",
            barriers="Caring for a younger sibling",
            targets="Attend every morning",
            support="Place at breakfast club",
        )
        CallAttempt.objects.create(
            school=school,
            pupil=alex,
            date=dt.date(2024, 9, 3),
            contact=Contact.objects.filter(pupil=alex).first(),
            phone="07700 900123",
            at=timezone.make_aware(dt.datetime(2024, 9, 3, 9, 40)),
            outcome=CallAttempt.Outcome.NO_ANSWER,
            note="Rang twice",
        )
    return night


def _pack(client, school, pupil, start="2024-09-02", end="2024-09-16"):
    url = reverse("escalation:evidence_pack", args=[school.slug, pupil.pk])
    return client.get(url, {"start": start, "end": end})


def _text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pack_is_one_pdf_with_every_session_letters_meetings_support_and_calls(client, record):
    school, alex, _sam = record
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))

    response = _pack(client, school, alex, end="2024-10-11")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    text = _text(response)
    # The certificate: 20 possible sessions, 8 attended, 12 unauthorised (O), day by day.
    assert "Attendance evidence for the local authority" in text
    assert alex.upn in text
    assert "Tue 03/09/2024 O O" in text  # absent, unauthorised
    assert "Fri 06/09/2024 / \\" in text  # present both sessions
    assert "Mon 07/10/2024\n" in text  # no mark yet: blank
    assert "40.00%" in text
    # Sent letters only (the cancelled one never went).
    assert "Attendance concern: stage 1" in text
    assert "Lateness" not in text
    assert "Caring for a younger sibling" in text
    assert "Place at breakfast club" in text
    assert "No answer" in text and "Rang twice" in text
    with scopes_disabled():
        logged = AccessEvent.objects.get(kind=AccessEvent.Kind.EVIDENCE_PACK_DOWNLOADED)
    assert logged.pupil_id == alex.pk


def test_a_period_that_ends_before_it_starts_is_refused_and_nothing_is_logged(client, record):
    school, alex, _sam = record
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = _pack(client, school, alex, start="2024-09-16", end="2024-09-02")

    assert response.status_code == 400
    assert "The last day comes before the first." in response.content.decode()
    with scopes_disabled():
        assert not AccessEvent.objects.filter(
            kind=AccessEvent.Kind.EVIDENCE_PACK_DOWNLOADED
        ).exists()


def test_a_pupil_of_another_school_has_no_pack_here(client, record):
    school, _alex, _sam = record
    other, stranger, _ = night_school()
    client.force_login(person(school, Role.HEADTEACHER))

    assert _pack(client, school, stranger).status_code == 404
    del other
