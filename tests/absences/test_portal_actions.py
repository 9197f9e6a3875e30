"""What a parent does in the portal lands where the school works (the absences issue,
"Parent portal"): a report of an absence goes to the office's list (pending, or accepted
at once for illness on the day where the school says so: `auto_accept_parent_illness`),
a leave request to the decider's queue; the parent follows it, answers a question,
withdraws it and reads the decision letter.

The clock stands at 07:30 on Wednesday 13 November 2024 (London), before registers open."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.models import AbsenceProcedure, AbsenceReport, LeaveRequest, procedure_for
from absences.selectors.leave import leave_queue
from absences.selectors.reports import reports_pending
from absences.services.leave_decide import leave_ask_information, leave_decide
from registers.models import Mark, PlannedEntry, Role
from registers.tenancy import school_scope
from tests.absences.factories import AbsenceReasonFactory
from tests.factories import ContactFactory, PupilFactory, UserFactory, school_calendar, staff

NOW = dt.datetime(2024, 11, 13, 7, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
THU, FRI = TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def clock(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def amara(school):
    school_calendar(school)
    return PupilFactory(school=school, legal_forename="Amara", on_roll_from=dt.date(2024, 9, 2))


@pytest.fixture
def parent(amara):
    user = UserFactory(first_name="Rosa", last_name="Parks")
    ContactFactory(pupil=amara, user=user, name="Rosa Parks", email="rosa@example.org")
    return user


@pytest.fixture
def illness(school):
    return AbsenceReasonFactory(school=school, name="Illness", code_id="I")


@pytest.fixture
def dentist(school):
    return AbsenceReasonFactory(school=school, name="Dental appointment", code_id="M")


def url(pupil, name, **kwargs):
    return reverse(name, kwargs={"school_slug": pupil.school.slug, "pupil_id": pupil.pk, **kwargs})


def report(client, pupil, reason, first=TODAY, last=TODAY, **extra):
    data = {
        "reason": reason.pk,
        "first_day": first.isoformat(),
        "first_period": "AM",
        "last_day": last.isoformat(),
        "last_period": "PM",
        "note": "Temperature since last night.",
        **extra,
    }
    return client.post(url(pupil, "absences:portal_report"), data)


def auto_accept(school, on: bool):
    with school_scope(school):
        procedure_for(school)
    with scopes_disabled():
        AbsenceProcedure.objects.filter(school=school).update(auto_accept_parent_illness=on)


# ---- Reporting an absence ----------------------------------------------------------------


def test_a_parents_report_lands_in_the_office_list_waiting(client, school, amara, parent, illness):
    auto_accept(school, False)
    client.force_login(parent)

    response = report(client, amara, illness, first=THU, last=FRI)

    assert response.status_code == 302
    with school_scope(school):
        [waiting] = reports_pending(school=school)
    assert waiting.pupil_id == amara.pk
    assert (waiting.source, waiting.channel, waiting.status) == ("parent", "portal", "pending")
    assert waiting.contact.user_id == parent.pk
    with scopes_disabled():
        assert not PlannedEntry.objects.filter(pupil=amara).exists()  # nothing until accepted
    office = staff(school, Role.OFFICE)
    client.force_login(office)
    assert "Amara" in client.get(reverse("absences:office", args=[school.slug])).content.decode()


def test_illness_today_is_pre_entered_at_once_where_the_school_accepts_it(
    client, school, amara, parent, illness
):
    auto_accept(school, True)
    client.force_login(parent)

    report(client, amara, illness)

    with scopes_disabled():
        assert AbsenceReport.objects.get().status == "accepted"
        entered = {
            *PlannedEntry.objects.filter(pupil=amara).values_list("code_id", flat=True),
            *Mark.objects.filter(pupil=amara).values_list("code_id", flat=True),
        }
    assert entered == {"I"}
    page = client.get(url(amara, "absences:portal_child")).content.decode()
    assert "Recorded by the school" in page


@pytest.mark.parametrize("day", [THU, TODAY])
def test_only_illness_on_the_day_is_accepted_automatically(
    client, school, amara, parent, illness, dentist, day
):
    auto_accept(school, True)
    client.force_login(parent)
    report(client, amara, dentist if day == TODAY else illness, first=day, last=day)
    with scopes_disabled():
        assert AbsenceReport.objects.get().status == "pending"


def test_a_parent_reports_only_illness_and_appointments(client, school, amara, parent, illness):
    AbsenceReasonFactory(school=school, name="Religious festival", code_id="R")
    client.force_login(parent)
    page = client.get(url(amara, "absences:portal_report")).content.decode()
    assert "Illness" in page and "Medical or dental appointment" in page
    assert "Religious festival" not in page


def test_the_report_form_starts_with_no_reason_chosen_and_requires_one(
    client, school, amara, parent, illness
):
    client.force_login(parent)
    page = client.get(url(amara, "absences:portal_report")).content.decode()
    assert '<option value="" selected>Choose one</option>' in page
    assert (
        "selected"
        not in page.split('<option value="" selected>Choose one</option>')[1].split("</select>")[0]
    )

    blank = type("NoReason", (), {"pk": ""})()  # the form sent as it first appears
    response = report(client, amara, blank)

    assert response.status_code == 200
    assert "Choose why your child is absent." in response.content.decode()
    with scopes_disabled():
        assert not AbsenceReport.objects.filter(pupil=amara).exists()


def test_a_past_day_is_refused_with_the_offices_reason(client, school, amara, parent, illness):
    client.force_login(parent)
    response = report(client, amara, illness, first=TODAY - dt.timedelta(days=1))
    assert response.status_code == 200
    assert "please contact the school office" in response.content.decode()
    with scopes_disabled():
        assert not AbsenceReport.objects.exists()


def test_a_report_overlapping_an_earlier_one_is_not_double_booked(
    client, school, amara, parent, illness, dentist
):
    auto_accept(school, False)
    client.force_login(parent)
    report(client, amara, illness, first=THU, last=FRI)

    response = report(client, amara, dentist, first=FRI, last=FRI)

    assert response.status_code == 200
    assert "already has a report waiting for the office" in response.content.decode()
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 1


# ---- Leave of absence --------------------------------------------------------------------


def ask_leave(client, pupil, files=(), **extra):
    data = {
        "first_day": "2024-12-02",
        "first_period": "AM",
        "last_day": "2024-12-03",
        "last_period": "AM",
        "ground": "C",
        "reason": "My sister's wedding in Accra.",
        "files": list(files),
        **extra,
    }
    return client.post(url(pupil, "absences:portal_leave_new"), data)


def test_a_leave_request_with_evidence_lands_in_the_deciders_queue(client, school, amara, parent):
    client.force_login(parent)

    response = ask_leave(client, amara, [SimpleUploadedFile("invite.pdf", PDF)])

    with scopes_disabled():
        request = LeaveRequest.objects.get()
    assert response.url == url(amara, "absences:portal_leave", request_id=request.pk)
    assert (request.first_day, request.last_period, request.ground) == (
        dt.date(2024, 12, 2),
        "AM",
        "C",
    )
    with school_scope(school):
        assert [r.pk for r in leave_queue(school=school)] == [request.pk]
        assert request.evidence.count() == 1
    page = client.get(response.url).content.decode()
    assert "Submitted" in page and "invite.pdf" in page


def test_a_disguised_file_is_refused_and_nothing_is_sent(client, school, amara, parent):
    client.force_login(parent)
    fake = SimpleUploadedFile("photo.pdf", b"<html><script>alert(1)</script></html>")

    response = ask_leave(client, amara, [fake])

    assert response.status_code == 200
    assert "not a PDF, a JPEG photo or a PNG image" in response.content.decode()
    with scopes_disabled():
        assert not LeaveRequest.objects.exists()


def submitted(client, school, pupil):
    ask_leave(client, pupil)
    with scopes_disabled():
        return LeaveRequest.objects.select_related("school", "pupil").get()


def test_the_parent_answers_the_schools_question(client, school, amara, parent):
    client.force_login(parent)
    request = submitted(client, school, amara)
    head = staff(school, Role.HEADTEACHER)
    with school_scope(school):
        leave_ask_information(
            request=request, user=head, role=Role.HEADTEACHER, message="Please send the invitation."
        )
    page_url = url(amara, "absences:portal_leave", request_id=request.pk)
    assert "Please send the invitation." in client.get(page_url).content.decode()

    client.post(
        page_url,
        {"action": "answer", "message": "Attached.", "files": [SimpleUploadedFile("i.pdf", PDF)]},
    )

    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == "under_review" and request.evidence.count() == 1


def test_the_parent_withdraws_a_request(client, school, amara, parent):
    client.force_login(parent)
    request = submitted(client, school, amara)
    page_url = url(amara, "absences:portal_leave", request_id=request.pk)

    client.post(page_url, {"action": "withdraw", "why": "The wedding moved to the summer."})

    with scopes_disabled():
        request.refresh_from_db()
    assert request.status == "withdrawn"
    assert "Withdrawn" in client.get(page_url).content.decode()


def test_the_parent_reads_the_decision_letter_addressed_to_them(
    client, school, amara, parent, django_capture_on_commit_callbacks
):
    other_parent = ContactFactory(
        pupil=amara, name="Kwame Mensah", email="kwame@example.org", priority=2
    )
    client.force_login(parent)
    request = submitted(client, school, amara)
    head = staff(school, Role.HEADTEACHER)
    with django_capture_on_commit_callbacks(execute=True), school_scope(school):
        leave_decide(
            request=request,
            user=head,
            role=Role.HEADTEACHER,
            status="refused",
            decision="A wedding abroad is not exceptional under our policy.",
        )
    page = client.get(url(amara, "absences:portal_leave", request_id=request.pk)).content.decode()
    assert "Refused" in page and "not exceptional" in page
    with scopes_disabled():
        request.refresh_from_db()
        from letters.models import IssuedLetter

        copies = {
            letter.recipients[0]["name"]: letter.pk
            for letter in IssuedLetter.objects.filter(pk__in=request.decision_letter_ids)
        }
    assert set(copies) == {"Rosa Parks", other_parent.name}

    mine = client.get(url(amara, "absences:portal_letter", letter_id=copies["Rosa Parks"]))
    theirs = client.get(url(amara, "absences:portal_letter", letter_id=copies["Kwame Mensah"]))

    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    assert b"".join(mine.streaming_content).startswith(b"%PDF")
    assert theirs.status_code == 404  # the other parent's copy carries their address


def test_a_parent_withdraws_a_report_the_office_has_not_accepted(
    client, school, amara, parent, illness
):
    auto_accept(school, False)
    client.force_login(parent)
    report(client, amara, illness, first=THU, last=THU)
    with scopes_disabled():
        made = AbsenceReport.objects.get()

    client.post(url(amara, "absences:portal_report_withdraw", report_id=made.pk))

    with scopes_disabled():
        made.refresh_from_db()
    assert made.status == "withdrawn"
    with school_scope(school):
        assert reports_pending(school=school) == []


def test_an_accepted_report_is_changed_by_the_office_not_the_parent(
    client, school, amara, parent, illness
):
    auto_accept(school, True)
    client.force_login(parent)
    report(client, amara, illness)
    with scopes_disabled():
        made = AbsenceReport.objects.get()

    response = client.post(
        url(amara, "absences:portal_report_withdraw", report_id=made.pk), follow=True
    )

    assert "please contact the office" in response.content.decode()
    with scopes_disabled():
        made.refresh_from_db()
        assert made.status == "accepted"
        assert (
            PlannedEntry.objects.filter(pupil=amara).exists()
            or Mark.objects.filter(pupil=amara).exists()
        )


def test_the_leave_form_tells_the_parent_the_file_size_limit_before_an_upload_fails(
    client, amara, parent, settings
):
    settings.LEAVE_EVIDENCE_MAX_BYTES = 3 * 1_048_576
    client.force_login(parent)

    page = client.get(url(amara, "absences:portal_leave_new")).content.decode()

    assert "up to 5 files of 3 MB each" in page
