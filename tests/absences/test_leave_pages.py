"""Leave of absence: evidence uploads checked by content and served only to the people
allowed, the decider's pages and their role checks, and the `leave_assess` command
(DESIGN §9). Clock: 07:30 on Monday 13 January 2025 (London)."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.models import LeaveEvidence, LeaveRequest
from absences.services.leave import leave_request_submit
from registers.models import PlannedEntry, Role
from registers.tenancy import school_scope
from tests.factories import ContactFactory, PupilFactory, UserFactory, school_calendar, staff

MON = dt.date(2025, 1, 13)
NOW = dt.datetime(2025, 1, 13, 7, 30, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    settings.LEAVE_EVIDENCE_MAX_BYTES = 1024 * 1024
    return Path(settings.PRIVATE_STORAGE_ROOT)


@pytest.fixture
def pupil(school, group):
    school_calendar(school)
    return PupilFactory(school=school, registration_group=group)


@pytest.fixture
def parent(pupil):
    user = UserFactory()
    ContactFactory(pupil=pupil, user=user)
    return user


@pytest.fixture
def head(school):
    return staff(school, Role.HEADTEACHER)


def ask(school, pupil, parent, files=()):
    with school_scope(school):
        return leave_request_submit(
            school=school,
            pupil=pupil,
            user=parent,
            first_day=MON + dt.timedelta(days=28),
            first_period="AM",
            last_day=MON + dt.timedelta(days=29),
            last_period="PM",
            ground="C1",
            reason="A part in a West End show; the licence is attached.",
            files=files,
        )


# ---- Uploads ---------------------------------------------------------------------------------


def test_a_pdf_is_stored_outside_the_web_root_with_its_type_from_its_content(
    school, pupil, parent, private_dir, settings
):
    request = ask(school, pupil, parent, [SimpleUploadedFile("licence.pdf", PDF, "text/plain")])
    with scopes_disabled():
        evidence = LeaveEvidence.objects.get(request=request)
    assert evidence.content_type == "application/pdf"
    stored = Path(evidence.file.path)
    assert private_dir in stored.parents and stored.read_bytes() == PDF
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert "licence" not in stored.name  # the parent's file name is never a path


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),  # disguised
        ("licence.pdf", b"MZ\x90\x00 a Windows program"),  # disguised
        ("notes.txt", b"just some text"),  # wrong type
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),  # wrong type
    ],
)
def test_a_wrong_type_or_disguised_upload_is_refused_and_nothing_is_saved(
    school, pupil, parent, name, content
):
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, [SimpleUploadedFile(name, content, "application/pdf")])
    message = refused.value.message_dict["files"][0]
    assert name in message and "PDF, a JPEG photo or a PNG image" in message
    with scopes_disabled():
        assert not LeaveRequest.objects.exists() and not LeaveEvidence.objects.exists()


def test_an_oversized_upload_is_refused_with_the_limit(school, pupil, parent):
    big = SimpleUploadedFile("scan.png", PNG + b"\x00" * (1024 * 1024), "image/png")
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, [big])
    assert "at most 1 MB" in refused.value.message_dict["files"][0]


# ---- Who may read evidence ---------------------------------------------------------------


@pytest.fixture
def evidence(school, pupil, parent):
    request = ask(school, pupil, parent, [SimpleUploadedFile("licence.pdf", PDF)])
    with scopes_disabled():
        return LeaveEvidence.objects.get(request=request)


def evidence_url(school, evidence):
    return reverse(
        "absences:leave_evidence", kwargs={"school_slug": school.slug, "evidence_id": evidence.pk}
    )


def test_evidence_is_served_to_the_parent_who_sent_it_and_the_head(
    client, school, evidence, parent, head
):
    for reader in (parent, head):
        client.force_login(reader)
        response = client.get(evidence_url(school, evidence))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_evidence_is_not_served_to_another_family_a_teacher_or_the_office(client, school, evidence):
    other_parent = UserFactory()
    ContactFactory(pupil=PupilFactory(school=school), user=other_parent)
    for reader in (other_parent, staff(school, Role.TEACHER), staff(school, Role.OFFICE)):
        client.force_login(reader)
        assert client.get(evidence_url(school, evidence)).status_code == 404


# ---- The decider's pages -------------------------------------------------------------------


def detail_url(school, request):
    return reverse(
        "absences:leave_detail", kwargs={"school_slug": school.slug, "request_id": request.pk}
    )


def test_the_queue_is_for_the_office_side_and_not_for_teachers(client, school, pupil, parent):
    ask(school, pupil, parent)
    url = reverse("absences:leave_queue", kwargs={"school_slug": school.slug})
    client.force_login(staff(school, Role.OFFICE))
    response = client.get(url)
    assert response.status_code == 200 and pupil.display_name in response.content.decode()
    client.force_login(staff(school, Role.TEACHER))
    assert client.get(url).status_code == 403


def test_the_head_grants_on_the_page_and_the_sessions_are_planned(
    client, school, pupil, parent, head
):
    request = ask(school, pupil, parent)
    client.force_login(head)
    page = client.get(detail_url(school, request))
    assert page.status_code == 200
    assert "Attendance this year" in page.content.decode()
    response = client.post(detail_url(school, request), {"action": "grant", "version": 1})
    assert response.status_code == 302
    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == LeaveRequest.Status.GRANTED
        assert PlannedEntry.objects.filter(pupil=pupil, code_id="C1").count() == 4
    after = client.get(detail_url(school, request)).content.decode()
    assert after.count("(entered ahead)") == 4
    assert "Leave of absence: granted" in after  # the decision letter, listed


def test_office_staff_see_a_request_but_cannot_decide_it(client, school, pupil, parent):
    request = ask(school, pupil, parent)
    client.force_login(staff(school, Role.OFFICE))
    assert client.get(detail_url(school, request)).status_code == 200
    response = client.post(detail_url(school, request), {"action": "grant", "version": 1})
    assert response.status_code == 403
    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == LeaveRequest.Status.SUBMITTED


def test_a_refusal_without_a_reason_is_shown_back_with_nothing_changed(
    client, school, pupil, parent, head
):
    request = ask(school, pupil, parent)
    client.force_login(head)
    response = client.post(detail_url(school, request), {"action": "refuse", "version": 1})
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()


# ---- The command (DESIGN §9) ---------------------------------------------------------------


def test_leave_assess_prints_the_contract(school, pupil):
    with scopes_disabled():
        school.policy_preset = "burton-hathow"
        school.save()
    out = StringIO()
    call_command(
        "leave_assess",
        school.slug,
        pupil.upn,
        "--from",
        "2025-01-20",
        "--to",
        "2025-01-21",
        "--to-session",
        "AM",
        "--requested-on",
        "2025-01-13",
        "--ground",
        "G",
        "--format",
        "json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert set(result) == {"sessions", "attendance_pct_now", "attendance_pct_if_granted", "checks"}
    assert result["sessions"] == 3
    assert result["attendance_pct_now"] is None  # no marks yet
    checks = {c["rule"]: c["passed"] for c in result["checks"]}
    assert checks == {
        "notice_period": False,
        "retrospective": True,
        "unauthorised_on_record": True,
        "authorised_over_10pct": True,
        "holiday": False,
    }


# ---- Role checks and query counts ------------------------------------------------------------


def test_a_teacher_cannot_open_a_request(client, school, pupil, parent):
    request = ask(school, pupil, parent)
    client.force_login(staff(school, Role.TEACHER))
    assert client.get(detail_url(school, request)).status_code == 403


def test_the_checks_page_is_for_the_school_s_settings_roles(client, school, pupil):
    url = reverse("absences:leave_checks", kwargs={"school_slug": school.slug})
    client.force_login(staff(school, Role.OFFICE))
    assert client.get(url).status_code == 403
    client.force_login(staff(school, Role.ATTENDANCE_LEAD))
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "notice_period": "on",
            "notice_days": "21",
            "retrospective": "on",
            "holiday": "on",
            "authorised_limit_pct": "10",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert school.leave_checks.notice_days == 21
        assert school.leave_checks.unauthorised_on_record is False


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_queries_for_two_requests_or_six(client, school, group, head):
    url = reverse("absences:leave_queue", kwargs={"school_slug": school.slug})
    school_calendar(school)
    client.force_login(head)

    def add_requests(n):
        for _ in range(n):
            pupil = PupilFactory(school=school, registration_group=group)
            user = UserFactory()
            ContactFactory(pupil=pupil, user=user)
            ask(school, pupil, user)

    add_requests(2)
    few = _queries(client, url)
    add_requests(4)
    assert _queries(client, url) == few


def test_a_request_page_costs_a_fixed_number_of_queries_whatever_its_length(
    client, school, group, head
):
    from absences.leave_presets import leave_checks_for

    school_calendar(school)
    with school_scope(school):
        leave_checks_for(school)  # made on first read: not part of the page's cost
    client.force_login(head)
    counts = []
    for days in (1, 8):
        pupil = PupilFactory(school=school, registration_group=group)
        user = UserFactory()
        ContactFactory(pupil=pupil, user=user)
        with school_scope(school):
            request = leave_request_submit(
                school=school,
                pupil=pupil,
                user=user,
                first_day=MON + dt.timedelta(days=28),
                first_period="AM",
                last_day=MON + dt.timedelta(days=28 + days),
                last_period="PM",
                ground="C",
                reason="A wedding abroad.",
            )
        counts.append(_queries(client, detail_url(school, request)))
    assert counts[0] == counts[1]


# ---- The office enters a paper form (BS-20) ------------------------------------------------


def enter_url(school, pupil=None):
    url = reverse("absences:leave_enter", kwargs={"school_slug": school.slug})
    return f"{url}?pupil={pupil.pk}" if pupil else url


def paper(pupil, contact, **extra):
    form = {
        "pupil": pupil.pk,
        "contact": contact.pk,
        "first_day": "2025-02-10",
        "first_period": "AM",
        "last_day": "2025-02-10",
        "last_period": "PM",
        "ground": "J1",
        "reason": "Interview at the cathedral choir school.",
        "requested_on": "2025-01-09",
    }
    form.update(extra)
    return form


def test_the_office_enters_a_paper_form_with_its_scan(client, school, pupil):
    with scopes_disabled():
        mother = ContactFactory(pupil=pupil, name="Grace Hopper")
    client.force_login(staff(school, Role.OFFICE))
    found = client.get(enter_url(school), {"q": pupil.legal_surname})
    assert pupil.display_name in found.content.decode()
    scan = SimpleUploadedFile("form.pdf", PDF, "application/pdf")
    response = client.post(enter_url(school, pupil), {**paper(pupil, mother), "files": [scan]})
    assert response.status_code == 302
    with scopes_disabled():
        made = LeaveRequest.objects.get(pupil=pupil)
        assert (made.requested_by_contact, made.requested_on) == (mother, dt.date(2025, 1, 9))
        assert made.evidence.count() == 1


def test_a_disguised_scan_is_refused_on_the_paper_form_and_nothing_is_entered(
    client, school, pupil
):
    with scopes_disabled():
        mother = ContactFactory(pupil=pupil)
    client.force_login(staff(school, Role.OFFICE))
    fake = SimpleUploadedFile("form.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client.post(enter_url(school, pupil), {**paper(pupil, mother), "files": [fake]})
    assert response.status_code == 400
    assert "is not a PDF, a JPEG photo or a PNG image" in response.content.decode()
    with scopes_disabled():
        assert not LeaveRequest.objects.exists()


def test_a_teacher_cannot_enter_a_paper_form(client, school, pupil):
    client.force_login(staff(school, Role.TEACHER))
    assert client.get(enter_url(school, pupil)).status_code == 403


def test_a_file_stored_by_a_step_that_then_fails_is_deleted_again(private_dir):
    """No file is left on disk that no evidence row points at (the transaction rolled back)."""
    from django.core.files.base import ContentFile

    from absences.evidence import private_storage
    from absences.services.leave import _files_undone_on_failure

    storage = private_storage()
    with pytest.raises(RuntimeError), _files_undone_on_failure() as names:
        names.append(storage.save("leave/1/1/scan.pdf", ContentFile(PDF)))
        raise RuntimeError("the transaction rolled back")
    assert not storage.exists("leave/1/1/scan.pdf")
