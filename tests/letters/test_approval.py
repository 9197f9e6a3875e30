"""Look before sending: figures beside each draft, a warning when the kind does not fit,
a confirmed bulk approval, and undo until the email is handed over."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from letters import approval, kinds
from letters.models import IssuedLetter
from registers.stats import Summary
from registers.tenancy import school_scope
from tests.factories import PupilFactory, SessionFactory, mark_days, staff
from tests.letters.conftest import year_marks
from tests.letters.factories import issued_letter

Status = IssuedLetter.Status
CHECK_ABOVE_TARGET = (
    "This letter is for attendance below the school&#x27;s target, but attendance is "
    "100% and the target 96%."
)


def _summary(codes: dict) -> Summary:
    summary = Summary(pupil_id=1)
    for code, n in codes.items():
        summary.add({"present": "/", "ill": "I", "truant": "O", "late": "L"}[code], n)
    return summary


@pytest.mark.parametrize(
    ("kind", "codes", "cause", "fits"),
    [
        ("stage_1", dict(present=97, ill=3), None, False),  # 97% against 96%
        ("stage_1", dict(present=95, ill=5), None, True),
        ("persistent_absence", dict(present=91, ill=9), None, False),
        ("persistent_absence", dict(present=90, truant=10), None, True),
        ("certificate_100", dict(present=199, ill=1), None, False),
        ("certificate_100", dict(present=200), None, True),
        ("lateness_1", dict(present=100), None, False),
        ("lateness_1", dict(present=99, late=1), None, True),
        ("penalty_warning", dict(present=90, ill=10), None, False),
        ("improvement", dict(present=88, ill=12), {"previous_pct": 90}, False),
        ("improvement", dict(present=93, ill=7), {"previous_pct": 90}, True),
        ("leave_granted", dict(present=100), None, True),  # the case decides, not figures
    ],
)
def test_a_kind_is_checked_against_the_figures_it_speaks_of(db, kind, codes, cause, fits):
    warning = kinds.misfit(kind, summary=_summary(codes), target=96, cause=cause)

    assert (warning == "") is fits
    if not fits:
        assert warning.startswith(f"This letter is for {kinds.FITS[kind].label}, but ")


@pytest.fixture
def full_attender(school, calendar):
    pupil = PupilFactory(school=school, legal_forename="Priya", legal_surname="Shah")
    year_marks(pupil, absent=False)
    return pupil


def test_a_concern_letter_to_a_pupil_above_the_target_is_flagged_beside_its_figures(
    client, school, full_attender, pupil
):
    issued_letter(full_attender)
    issued_letter(pupil)
    client.force_login(staff(school, "headteacher"))

    page = client.get(reverse("letters:approve", args=[school.slug])).content.decode()

    assert "<strong>100.00%</strong> attendance" in page
    assert "<strong>79.31%</strong> attendance" in page  # 6 of 29 days missed
    assert "12 sessions missed (4 unauthorised), 1 late" in page
    assert page.count('class="fit-warning"') == 1
    assert CHECK_ABOVE_TARGET in page


def test_drafting_by_hand_shows_the_figures_and_warns_when_the_kind_does_not_fit(client, school):
    # A letter drafted by hand counts up to today: a week present, up to yesterday.
    pupil = PupilFactory(school=school, legal_forename="Priya", legal_surname="Shah")
    days, day = [], timezone.localdate()
    while len(days) < 5:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    for d in days:
        for period in ("AM", "PM"):
            SessionFactory(school=school, date=d, period=period)
    mark_days(pupil, dict.fromkeys(days, "/"))
    client.force_login(staff(school, "attendance_officer"))
    address = reverse("letters:new", args=[school.slug, pupil.pk])

    fits = client.get(address + "?kind=certificate_100").content.decode()
    misfit = client.get(address + "?kind=persistent_absence").content.decode()

    assert "Priya's figures this academic year, to today" in fits
    assert "<strong>100.00%</strong> attendance" in fits
    assert 'class="fit-warning"' not in fits
    assert "This letter is for persistent absence" in misfit


@pytest.fixture
def drafts(school, pupil, full_attender):
    return [
        issued_letter(pupil, channel="email"),
        issued_letter(pupil, channel="post"),
        issued_letter(full_attender, kind="certificate_100", channel="email"),
    ]


def _post(client, school, action, letters):
    return client.post(
        reverse("letters:approve", args=[school.slug]),
        {"action": action, "letter": [x.pk for x in letters]},
    )


def _statuses(letters):
    with scopes_disabled():
        found = dict(IssuedLetter.objects.values_list("pk", "status"))
    return [found[x.pk] for x in letters]


def test_approving_in_bulk_first_shows_the_count_and_kinds_and_approves_nothing(
    client, school, drafts
):
    client.force_login(staff(school, "headteacher"))

    response = _post(client, school, "approve", drafts)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Approve 3 letters?" in page
    assert "2 × Attendance concern: stage 1" in page
    assert "1 × 100% attendance certificate" in page
    assert "<strong>2</strong> by email" in page and "<strong>1</strong> by post" in page
    assert _statuses(drafts) == [Status.DRAFT] * 3


def test_confirmed_approval_holds_the_emails_until_the_undo_window_is_over(
    client, school, drafts, django_capture_on_commit_callbacks
):
    client.force_login(staff(school, "headteacher"))

    after = client.get(_post(client, school, "confirm", drafts)["Location"]).content.decode()
    with scopes_disabled():
        approved_at = IssuedLetter.objects.get(pk=drafts[0].pk).approved_at
    with django_capture_on_commit_callbacks(execute=True):
        early = approval.send_due_emails(now=approved_at + approval.hold() / 2)
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        due = approval.send_due_emails(now=approved_at + approval.hold())

    assert "3 letters approved." in after
    assert "Approved, not gone out yet: 3 letters" in after
    assert (early, sent_before, due, len(mail.outbox)) == (0, 0, 2, 2)
    assert _statuses(drafts) == [Status.EMAILED, Status.APPROVED, Status.EMAILED]


def test_a_colleague_signing_in_later_can_still_send_or_undo_the_held_letters(
    client, school, drafts, django_capture_on_commit_callbacks
):
    client.force_login(staff(school, "headteacher"))
    _post(client, school, "confirm", drafts)
    client.logout()

    client.force_login(staff(school, "attendance_lead"))
    page = client.get(reverse("letters:approve", kwargs={"school_slug": school.slug}))
    assert "Approved, not gone out yet: 3 letters" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, school, "send_now", drafts[:1])

    assert len(mail.outbox) == 1
    assert _statuses(drafts) == [Status.EMAILED, Status.APPROVED, Status.APPROVED]


def test_undo_returns_the_approved_letters_to_the_drafts_and_nothing_is_sent(
    client, school, drafts, django_capture_on_commit_callbacks
):
    client.force_login(staff(school, "headteacher"))
    _post(client, school, "confirm", drafts)

    page = client.get(_post(client, school, "undo", drafts)["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        due = approval.send_due_emails(now=timezone.now() + dt.timedelta(days=1))

    assert "3 letters returned to the drafts; nothing was sent." in page
    assert (due, len(mail.outbox)) == (0, 0)
    assert _statuses(drafts) == [Status.DRAFT] * 3
    with scopes_disabled():
        assert not IssuedLetter.objects.filter(approved_at__isnull=False).exists()


def test_a_letter_already_handed_to_the_mail_server_is_not_undone(
    client, school, drafts, django_capture_on_commit_callbacks
):
    client.force_login(staff(school, "headteacher"))
    _post(client, school, "confirm", drafts)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, school, "send_now", drafts)

    page = client.get(_post(client, school, "undo", drafts)["Location"]).content.decode()

    assert len(mail.outbox) == 2
    assert "1 letter returned to the drafts" in page
    assert "2 letters had already gone out or been printed, and stayed so." in page
    assert _statuses(drafts) == [Status.EMAILED, Status.DRAFT, Status.EMAILED]


def test_undo_and_send_now_only_touch_this_schools_letters(school, other_school, drafts):
    with school_scope(other_school):
        undone = approval.letters_unapprove(school=other_school, letter_ids=[x.pk for x in drafts])

    assert undone == 0


def test_beat_sends_held_emails_every_minute(settings):
    from letters import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["letters-send-held-emails"]

    assert entry["task"] == tasks.send_held_emails.name
    assert entry["schedule"] == 60.0
