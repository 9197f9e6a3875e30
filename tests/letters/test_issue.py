"""Issuing letters: drafts, approval, email with retries, print batches, records."""

import datetime as dt
import hashlib
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from django_scopes import scopes_disabled

from attendance_mis.celery import app as celery_app
from letters import approval, delivery, selectors, services
from letters.models import IssuedLetter, Letterhead, LetterTemplate, PrintBatch
from registers.tenancy import school_scope
from tests.factories import ContactFactory, PupilFactory, RegistrationGroupFactory
from tests.letters.conftest import AS_OF, pdf_text, year_marks
from tests.letters.factories import issued_letter

Status = IssuedLetter.Status


def draft(run_on_commit, school, pupil, kind="stage_1", **kwargs):
    letters = run_on_commit(
        services.letter_draft, school=school, pupil=pupil, kind=kind, as_of=AS_OF, **kwargs
    )
    with scopes_disabled():
        return [IssuedLetter.objects.get(pk=letter.pk) for letter in letters]


def test_a_draft_is_one_rendered_letter_per_parent(school, pupil, run_on_commit):
    grace, david = draft(run_on_commit, school, pupil)

    assert [grace.status, david.status] == [Status.DRAFT, Status.DRAFT]
    assert (grace.channel, david.channel) == ("email", "post")
    assert grace.recipients[0]["address_lines"] == ["12 Willow Way", "Milton Keynes", "MK5 6AA"]
    assert grace.template.version == grace.template_version == 1
    assert grace.pdf.name.startswith(f"letters/{school.slug}/issued/")
    assert hashlib.sha256(grace.pdf.read()).hexdigest() == grace.sha256
    assert "Dear Grace Okafor" in pdf_text(grace.pdf.open("rb").read())
    assert grace.subject == "Sammy's attendance"
    assert len(mail.outbox) == 0


def test_addressed_together_it_is_one_letter_posted_to_the_first_address(
    school, pupil, run_on_commit
):
    Letterhead.objects.create(school=school, addressing=Letterhead.Addressing.TOGETHER)

    [letter] = draft(run_on_commit, school, pupil)

    assert [r["name"] for r in letter.recipients] == ["Grace Okafor", "David Okafor"]
    assert letter.channel == "post"  # David has no email address
    assert "Dear Grace Okafor and David Okafor" in letter.html


def test_missing_from_school_goes_to_the_local_authority(school, pupil, run_on_commit):
    Letterhead.objects.create(school=school, la_name="CME team", la_email="cme@council.example")

    [letter] = draft(run_on_commit, school, pupil, kind="missing_from_school")

    assert letter.recipients[0]["name"] == "CME team"
    assert letter.channel == "email"
    assert pupil.upn in letter.html


def test_a_pupil_with_nobody_to_write_to_stops_the_whole_batch(school, pupil, calendar):
    alone = PupilFactory(school=school, legal_forename="Ola", preferred_forename="")
    ContactFactory(pupil=alone, parental_responsibility=False)

    with pytest.raises(ValidationError) as info, school_scope(school):
        services.letters_draft(school=school, pupils=[pupil, alone], kind="stage_1")

    assert (
        "has no contact with parental responsibility" in info.value.message_dict[str(alone.pk)][0]
    )
    with scopes_disabled():
        assert IssuedLetter.objects.count() == 0
        assert LetterTemplate.objects.count() == 0


def test_a_pupil_listed_twice_gets_one_letter_per_parent(school, pupil):
    with school_scope(school):
        letters = services.letters_draft(school=school, pupils=[pupil, pupil.pk], kind="stage_1")

    assert [letter.recipients[0]["name"] for letter in letters] == [
        "Grace Okafor",
        "David Okafor",
    ]


def test_a_pupil_of_another_school_is_refused(school, other_school):
    stranger = PupilFactory(school=other_school)
    ContactFactory(pupil=stranger)

    with pytest.raises(ValidationError) as info, school_scope(school):
        services.letter_draft(school=school, pupil=stranger, kind="stage_1")

    assert info.value.message_dict == {str(stranger.pk): ["Not a pupil of this school."]}


@pytest.mark.parametrize(
    ("kind", "cause", "field", "message"),
    [
        ("traffic_amber", {"window_weeks": "2.5"}, "window_weeks", "enter a whole number"),
        ("traffic_amber", {"window_weeks": 0}, "window_weeks", "enter 1 or more"),
        ("stage_2", {"target_pct": 120}, "target_pct", "enter 100 or less"),
        ("stage_2", {"target_pct": "Infinity"}, "target_pct", "enter a valid number"),
        (
            "leave_refused",
            {"leave_from": "2025-06-13", "leave_to": "2025-06-09", "school_days": 3},
            "leave_to",
            "this is before the first day",
        ),
    ],
)
def test_a_detail_out_of_range_is_refused_with_a_message(
    school, pupil, kind, cause, field, message
):
    with pytest.raises(ValidationError) as info, school_scope(school):
        services.letter_draft(school=school, pupil=pupil, kind=kind, cause=cause)

    assert message in info.value.message_dict[field][0]
    with scopes_disabled():
        assert IssuedLetter.objects.count() == 0


def test_approving_emails_the_pdf_once_and_leaves_post_for_printing(
    school, pupil, make_staff, run_on_commit, django_capture_on_commit_callbacks
):
    head = make_staff(school, "headteacher")
    grace, david = draft(run_on_commit, school, pupil)

    approved = run_on_commit(
        services.letters_approve, school=school, letter_ids=[grace.pk, david.pk], user=head
    )
    again = run_on_commit(
        services.letters_approve, school=school, letter_ids=[grace.pk, david.pk], user=head
    )
    held = len(mail.outbox)
    # Beat, once the undo window is over (letters.approval).
    later = timezone.now() + approval.hold() + dt.timedelta(seconds=1)
    for _ in range(2):  # beat, across schools: no school selected
        with django_capture_on_commit_callbacks(execute=True):
            approval.send_due_emails(now=later)

    with scopes_disabled():
        grace.refresh_from_db()
        david.refresh_from_db()
    assert (approved, again, held) == (2, 0, 0)
    assert (grace.status, david.status) == (Status.EMAILED, Status.APPROVED)
    assert grace.approved_by == head and grace.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["grace@example.org"]
    assert message.subject == "Sammy's attendance"
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf"
    assert name == f"stage_1-{grace.letter_date:%Y-%m-%d}.pdf"
    assert hashlib.sha256(content).hexdigest() == grace.sha256
    with school_scope(school):
        assert list(selectors.awaiting_print(school=school)) == [david]


def test_a_letter_needing_no_approval_is_emailed_as_soon_as_it_is_rendered(
    school, pupil, run_on_commit
):
    grace, david = draft(run_on_commit, school, pupil, requires_approval=False)

    assert (grace.status, david.status) == (Status.EMAILED, Status.APPROVED)
    assert grace.approved_by is None and grace.approved_at is not None
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]


class FlakyBackend(EmailBackend):
    """Fails the first `failures` sends, then delivers to the locmem outbox."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_email(settings):
    settings.EMAIL_BACKEND = "tests.letters.test_issue.FlakyBackend"
    FlakyBackend.calls = 0
    # In-process, Celery runs a task's retries one after another (as a worker would,
    # later) only when errors are not propagated to the caller.
    celery_app.conf.task_eager_propagates = False

    def failing(times):
        FlakyBackend.failures = times

    return failing


def test_email_is_retried_after_a_failure(school, pupil, run_on_commit, flaky_email):
    flaky_email(1)

    grace, _ = draft(run_on_commit, school, pupil, requires_approval=False)

    assert grace.status == Status.EMAILED
    assert grace.email_attempts == 2
    assert grace.email_error == ""
    assert len(mail.outbox) == 1


def test_email_that_keeps_failing_is_recorded_and_printed_instead(
    school, pupil, make_staff, run_on_commit, flaky_email
):
    flaky_email(99)

    grace, david = draft(run_on_commit, school, pupil, requires_approval=False)

    assert grace.status == Status.APPROVED
    assert grace.email_attempts == 5
    assert grace.email_failed_at is not None
    assert "Connection unexpectedly closed" in grace.email_error
    assert len(mail.outbox) == 0
    with school_scope(school):
        assert {letter.pk for letter in selectors.awaiting_print(school=school)} == {
            grace.pk,
            david.pk,
        }


def test_the_print_batch_merges_approved_letters_by_class_then_surname(
    school, calendar, make_staff, run_on_commit
):
    office = make_staff(school, "office")
    groups = {name: RegistrationGroupFactory(school=school, name=name) for name in ("3A", "4B")}
    people = [("4B", "Adams"), ("3A", "Young"), ("4B", "Brown"), ("3A", "Cole")]
    for group, surname in people:
        pupil = PupilFactory(school=school, registration_group=groups[group], legal_surname=surname)
        ContactFactory(pupil=pupil, name=f"Parent {surname}", email="")
        year_marks(pupil)
    with scopes_disabled():
        pupils = selectors.Pupil.objects.filter(school=school)
    run_on_commit(
        services.letters_draft,
        school=school,
        pupils=pupils,
        kind="stage_1",
        requires_approval=False,
        as_of=AS_OF,
    )
    with scopes_disabled():
        with school_scope(school):
            batch = delivery.print_batch_create(school=school, user=office)

        from pypdf import PdfReader

        reader = PdfReader(batch.pdf.open("rb"))
        order = [
            page.extract_text().split("Dear Parent ")[1].split(",")[0] for page in reader.pages
        ]
        assert order == ["Cole", "Young", "Adams", "Brown"]
        assert (batch.letter_count, batch.page_count) == (4, 4)
        assert batch.pdf.name.startswith(f"letters/{school.slug}/print/")
        assert set(IssuedLetter.objects.values_list("status", flat=True)) == {Status.PRINTED}
        assert set(IssuedLetter.objects.values_list("print_batch", flat=True)) == {batch.pk}
        with pytest.raises(ValidationError, match="no approved letters"), school_scope(school):
            delivery.print_batch_create(school=school, user=office)
        assert PrintBatch.objects.count() == 1


def test_drafts_and_approved_letters_can_be_cancelled_but_not_sent_ones(school, make_staff):
    head = make_staff(school, "headteacher")
    pupil = PupilFactory(school=school)
    drafted = issued_letter(pupil)
    approved = issued_letter(pupil, status=Status.APPROVED)
    emailed = issued_letter(pupil, status=Status.EMAILED, channel="email")

    ids = [drafted.pk, approved.pk, emailed.pk]
    with school_scope(school):
        cancelled = services.letters_cancel(school=school, letter_ids=ids, user=head)

    with scopes_disabled():
        statuses = dict(IssuedLetter.objects.values_list("pk", "status"))
        assert cancelled == 2
        assert [statuses[pk] for pk in ids] == [Status.CANCELLED, Status.CANCELLED, Status.EMAILED]


def test_an_issued_letter_is_never_changed_or_deleted(school):
    letter = issued_letter(PupilFactory(school=school))

    letter.html = "<p>Something else</p>"
    with pytest.raises(PermissionError):
        letter.save()
    with pytest.raises(PermissionError):
        letter.delete()
    with pytest.raises(PermissionError), scopes_disabled():
        IssuedLetter.objects.filter(pk=letter.pk).delete()
    with scopes_disabled():
        assert IssuedLetter.objects.get(pk=letter.pk).html == "<p>letter</p>"


def test_rendering_twice_does_nothing_twice(school, pupil, run_on_commit):
    grace, _ = draft(run_on_commit, school, pupil)

    with school_scope(school):
        rendered_again = services.letter_render(letter_id=grace.pk)

    assert rendered_again is False
    with scopes_disabled():
        assert IssuedLetter.objects.get(pk=grace.pk).sha256 == grace.sha256


def test_letters_are_only_seen_inside_their_school(school, other_school):
    letter = issued_letter(PupilFactory(school=school))

    with school_scope(other_school):
        assert not IssuedLetter.objects.filter(pk=letter.pk).exists()
    with school_scope(school):
        assert IssuedLetter.objects.filter(pk=letter.pk).exists()


def test_a_failed_email_does_not_break_approval_when_tasks_run_in_process(
    school, pupil, make_staff, run_on_commit, flaky_email
):
    # The demo runs tasks in-process and propagates their errors (settings).
    celery_app.conf.task_eager_propagates = True
    flaky_email(99)
    head = make_staff(school, "headteacher")
    grace, _david = draft(run_on_commit, school, pupil)

    approved = run_on_commit(
        services.letters_approve, school=school, letter_ids=[grace.pk], user=head
    )
    run_on_commit(approval.letters_send_now, school=school, letter_ids=[grace.pk])

    grace.refresh_from_db()
    assert approved == 1
    assert grace.status == Status.APPROVED
    assert "Connection unexpectedly closed" in grace.email_error
