"""Cases: the list by track and stage, a case's page (history with the rule and figures,
tasks, letters, meetings, documents), moving and closing by hand with a reason, meeting
notes with a review date, documents checked by content and served only after the checks."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation.events import CaseworkEvent
from escalation.models import Attachment, Case, EscalationTask, Meeting, StageEntry, TaskKind
from registers.models import AccessEvent, Event, Role
from tests.escalation.casework import case_of, meeting_task, night_school, person
from tests.escalation.factories import child
from tests.factories import SchoolFactory, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    settings.LEAVE_EVIDENCE_MAX_BYTES = 64 * 1024
    return night_school()


def _url(school, name, **kwargs):
    return reverse(f"escalation:{name}", kwargs={"school_slug": school.slug, **kwargs})


def test_the_case_list_filters_by_track_and_stage_and_counts_each_stage(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))

    everything = client.get(_url(school, "cases")).content.decode()
    legal = client.get(_url(school, "cases") + "?track=legal").content.decode()
    stage_2 = client.get(_url(school, "cases") + "?track=attendance&stage=stage_2")

    assert "2 cases" in everything and alex.display_name in everything
    assert "1 case on the legal track" in legal and "Penalty notice" in legal
    assert "No cases match." in stage_2.content.decode()
    assert '<a href="?track=attendance&amp;stage=stage_1">Stage 1</a>: <strong' in everything


def test_a_case_page_shows_its_history_with_the_rule_and_the_figures(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    html = client.get(_url(school, "case", case_id=case.pk)).content.decode()

    assert "No stage → <strong>Stage 1</strong>" in html
    assert "Rule test/TL-01" in html
    assert "40.00% of 20 possible sessions" in html
    assert "Attendance concern: stage 1" in html  # the drafted letter
    with scopes_disabled():
        viewed = AccessEvent.objects.filter(kind=AccessEvent.Kind.PUPIL_VIEWED, pupil=alex)
        assert viewed.count() == 1


def test_moving_a_case_by_hand_keeps_who_why_and_when(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    lead = person(school, Role.ATTENDANCE_LEAD)
    client.force_login(lead)

    client.post(
        _url(school, "case_move", case_id=case.pk),
        {"to_stage": "stage_3", "reason": "Severe absence since the summer"},
    )

    with scopes_disabled():
        moved = Case.objects.get(pk=case.pk)
        entry = StageEntry.objects.filter(case=case).last()
        event = Event.objects.get(kind=CaseworkEvent.CASE_MOVED)
    assert moved.stage == "stage_3"
    assert (entry.from_stage, entry.to_stage, entry.by_id) == ("stage_1", "stage_3", lead.pk)
    assert (entry.rule, entry.reason, entry.role) == (
        "",
        "Severe absence since the summer",
        "attendance_lead",
    )
    assert event.params["to_stage"] == "stage_3" and event.pupil_id == alex.pk


def test_a_move_without_a_reason_is_refused_and_changes_nothing(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.HEADTEACHER))

    response = client.post(
        _url(school, "case_move", case_id=case.pk), {"to_stage": "stage_2", "reason": ""}
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    with scopes_disabled():
        assert Case.objects.get(pk=case.pk).stage == "stage_1"
        assert StageEntry.objects.filter(case=case).count() == 1


def test_de_escalating_to_no_stage_closes_the_case_and_a_second_click_changes_nothing(
    client, night
):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    data = {"to_stage": "none", "reason": "Attendance back above 95% since October"}

    client.post(_url(school, "case_move", case_id=case.pk), data)
    again = client.post(_url(school, "case_move", case_id=case.pk), data, follow=True)

    assert "This case is closed" in again.content.decode()
    with scopes_disabled():
        closed = Case.objects.get(pk=case.pk)
        assert closed.closed_on is not None and closed.stage == "none"
        assert closed.close_reason == data["reason"]
        assert StageEntry.objects.filter(case=case).count() == 2
        assert Event.objects.filter(kind=CaseworkEvent.CASE_CLOSED).count() == 1


def test_meeting_notes_answer_the_meeting_task_and_book_the_review(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    task = meeting_task(alex)
    with scopes_disabled():
        EscalationTask.objects.filter(pk=task.pk).update(case=case)
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))
    held = dt.date.today() - dt.timedelta(days=1)
    review = dt.date.today() + dt.timedelta(days=28)

    client.post(
        _url(school, "meeting_new", case_id=case.pk),
        {
            "held_on": held.isoformat(),
            "attendees": "Mrs Jones (mother)\nMr Patel (attendance lead)",
            "barriers": "Anxiety about the bus",
            "targets": "95% by half term",
            "support": "Early help referral; a breakfast club place",
            "review_on": review.isoformat(),
            "task": str(task.pk),
        },
    )

    with scopes_disabled():
        meeting = Meeting.objects.get(pupil=alex)
        assert (meeting.held_on, meeting.case_id, meeting.task_id) == (held, case.pk, task.pk)
        assert meeting.support == "Early help referral; a breakfast club place"
        assert EscalationTask.objects.get(pk=task.pk).status == "done"
        follow_up = EscalationTask.objects.get(pupil=alex, kind=TaskKind.REVIEW)
        assert follow_up.due_on == review and follow_up.status == "open"
    page = client.get(_url(school, "case", case_id=case.pk)).content.decode()
    assert "Anxiety about the bus" in page and "95% by half term" in page


def test_a_meeting_in_the_future_or_reviewed_before_it_was_held_is_refused(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    tomorrow = dt.date.today() + dt.timedelta(days=1)

    future = client.post(
        _url(school, "meeting_new", case_id=case.pk),
        {"held_on": tomorrow.isoformat(), "attendees": "Mother"},
    )
    early_review = client.post(
        _url(school, "meeting_new", case_id=case.pk),
        {"held_on": "2024-10-01", "attendees": "Mother", "review_on": "2024-09-30"},
    )

    assert future.status_code == 400 and "not a future date" in future.content.decode()
    assert early_review.status_code == 400
    assert "The review comes after the meeting." in early_review.content.decode()
    with scopes_disabled():
        assert not Meeting.objects.exists()


def _upload(client, school, case, content, name):
    return client.post(
        _url(school, "attachment_new", case_id=case.pk),
        {"file": SimpleUploadedFile(name, content), "title": "GP letter"},
    )


def test_a_document_is_kept_by_its_content_and_served_only_after_the_checks(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))

    _upload(client, school, case, PDF, "letter from GP.pdf")

    with scopes_disabled():
        kept = Attachment.objects.get(case=case)
    assert kept.title == "GP letter"
    assert "letter from GP" not in kept.file.name  # the person's name is never a path
    download = client.get(_url(school, "attachment", case_id=case.pk, attachment_id=kept.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    client.force_login(person(school, Role.TEACHER))
    assert (
        client.get(_url(school, "attachment", case_id=case.pk, attachment_id=kept.pk)).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 an executable", "scan.pdf", "is not a PDF, a JPEG photo or a PNG image"),
        (b"<svg onload=alert(1)>", "photo.png", "is not a PDF, a JPEG photo or a PNG image"),
        (PDF + b"0" * 70 * 1024, "big.pdf", "a file can be at most"),
    ],
)
def test_a_document_that_is_not_a_pdf_or_image_by_content_or_too_big_is_refused(
    client, night, content, name, message
):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = _upload(client, school, case, content, name)

    assert response.status_code == 400
    assert message in response.content.decode()
    with scopes_disabled():
        assert not Attachment.objects.exists()


def test_another_schools_staff_cannot_open_a_document(client, night):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    _upload(client, school, case, PDF, "gp.pdf")
    with scopes_disabled():
        kept = Attachment.objects.get(case=case)
    other = SchoolFactory()
    client.force_login(staff(other, Role.ATTENDANCE_LEAD))

    own_slug = reverse(
        "escalation:attachment",
        kwargs={"school_slug": other.slug, "case_id": case.pk, "attachment_id": kept.pk},
    )
    their_slug = _url(school, "attachment", case_id=case.pk, attachment_id=kept.pk)

    assert client.get(own_slug).status_code == 404
    assert client.get(their_slug).status_code == 404


def test_opening_a_case_by_hand_needs_a_track_without_one(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    url = _url(school, "pupil_cases", pupil_id=alex.pk)

    again = client.post(url, {"track": "attendance", "to_stage": "stage_2", "reason": "x"})
    opened = client.post(
        url, {"track": "punctuality", "to_stage": "stage_1", "reason": "Late most days"}
    )

    assert again.status_code == 400
    assert "already has an open case on this track" in again.content.decode()
    assert opened.status_code == 302
    with scopes_disabled():
        assert Case.objects.get(pupil=alex, track="punctuality").stage == "stage_1"


def test_the_case_page_reads_a_fixed_number_of_queries(client, night, django_assert_num_queries):
    school, alex, _sam = night
    case = case_of(alex)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    url = _url(school, "case", case_id=case.pk)
    client.get(url)
    with django_assert_num_queries(CASE_QUERIES):
        client.get(url)
    for _ in range(3):
        _upload(client, school, case, PDF, "gp.pdf")
    with django_assert_num_queries(CASE_QUERIES):
        client.get(url)


CASE_QUERIES = 20


def test_the_case_list_reads_a_fixed_number_of_queries(client, night, django_assert_num_queries):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    url = _url(school, "cases")
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(url)
    with scopes_disabled():
        for i in range(5):
            pupil = child(school, name=f"More{i}")
            Case.objects.create(
                school=school,
                pupil=pupil,
                track="punctuality",
                stage="stage_1",
                stage_since=dt.date(2024, 9, 20),
                opened_on=dt.date(2024, 9, 20),
            )
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert "7 cases" in response.content.decode()


LIST_QUERIES = 5
