"""The attendance lead's morning queue: what the night proposed, each with its evidence;
approve or skip with a reason (once, however often it is sent); meetings booked with
their invitation; letters approved through the letters app's own approval."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation.events import CaseworkEvent
from escalation.models import (
    Case,
    EscalationTask,
    PenaltyNotice,
    Proposal,
    StageEntry,
    TaskKind,
)
from letters.models import IssuedLetter
from registers.models import Event, Role
from tests.escalation.casework import NIGHT, case_of, night_school, person, proposals_of
from tests.escalation.factories import child
from tests.letters.factories import issued_letter


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    return night_school()


def _url(school, name, **kwargs):
    return reverse(f"escalation:{name}", kwargs={"school_slug": school.slug, **kwargs})


def _events(kind):
    with scopes_disabled():
        return list(Event.objects.filter(kind=kind))


def test_the_queue_shows_what_the_night_proposed_with_the_figures_behind_each(client, night):
    school, alex, sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    html = client.get(_url(school, "queue")).content.decode()

    # The stage 1 letter (two copies, one per parent), with the rule and its figure.
    assert "Attendance concern: stage 1" in html
    assert "Rule test/TL-01, 16/09/2024" in html
    assert "Attendance, this academic year to date:" in html
    assert "40.00% of 20 possible sessions" in html
    # A penalty notice per parent, with the unauthorised sessions counted.
    assert html.count("Penalty notice 1 to") == 2
    assert (
        "Unauthorised sessions (G, N, O, U), the last 10 school weeks, after the last notice"
        in html
    )
    # The meeting the night asked for.
    assert "Book a meeting with the family" in html
    assert sam.display_name not in html


def test_the_headteacher_approves_a_penalty_notice_once_however_often_it_is_sent(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.HEADTEACHER))
    url = _url(school, "proposal_approve", proposal_id=proposal.pk)

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "approved" in first.content.decode()
    assert "already been decided; nothing changed" in second.content.decode()
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == "approved"
        assert PenaltyNotice.objects.get(proposal=proposal).status == "approved"
    assert len(_events(CaseworkEvent.PROPOSAL_APPROVED)) == 1


def test_a_skip_needs_a_reason_and_without_one_nothing_changes(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.HEADTEACHER))

    page = client.post(
        _url(school, "proposal_skip", proposal_id=proposal.pk), {"reason": "  "}, follow=True
    )

    assert "Say why this step is not taken" in page.content.decode()
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == "proposed"
    assert _events(CaseworkEvent.PROPOSAL_SKIPPED) == []


def test_skipping_both_parents_notices_returns_the_legal_track_to_where_it_was(client, night):
    school, alex, _sam = night
    first, second = proposals_of(alex)
    legal = case_of(alex, "legal")
    client.force_login(person(school, Role.HEADTEACHER))
    reason = "Family engaging with early help; support plan agreed"

    client.post(_url(school, "proposal_skip", proposal_id=first.pk), {"reason": reason})
    with scopes_disabled():
        # The other parent's notice still stands: the track stays.
        assert Case.objects.get(pk=legal.pk).stage == "penalty_notice"
        assert PenaltyNotice.objects.get(proposal=first).status == "withdrawn"
        assert PenaltyNotice.objects.get(proposal=first).reason == reason
    client.post(_url(school, "proposal_skip", proposal_id=second.pk), {"reason": reason})

    with scopes_disabled():
        case = Case.objects.get(pk=legal.pk)
        assert (case.stage, case.closed_on is not None) == ("none", True)
        back = StageEntry.objects.filter(case=case).last()
        assert (back.from_stage, back.to_stage) == ("penalty_notice", "none")
        assert back.reason == f"Proposal not taken: {reason}"


def _next_weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def meeting_to_book(night):
    school, alex, _sam = night
    with scopes_disabled():
        task = EscalationTask.objects.create(
            school=school,
            pupil=alex,
            case=case_of(alex),
            kind=TaskKind.MEETING,
            title="Lateness meeting with parents",
            created_on=NIGHT,
            due_on=NIGHT,
            letter_kind="meeting_invitation",
        )
    return school, alex, task


def test_booking_a_meeting_drafts_its_invitation_once(client, meeting_to_book):
    school, alex, task = meeting_to_book
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))
    day = _next_weekday(dt.date.today() + dt.timedelta(days=7))
    data = {
        "meeting_date": day.isoformat(),
        "meeting_time": "15:30",
        "meeting_place": "the school office",
        "with_whom": "Mrs Khan, attendance lead",
    }
    url = _url(school, "meeting_book", task_id=task.pk)

    client.post(url, data)
    again = client.post(url, data, follow=True)

    assert "already been booked; nothing changed" in again.content.decode()
    with scopes_disabled():
        invitations = IssuedLetter.objects.filter(pupil=alex, kind="meeting_invitation")
        assert invitations.count() == 2  # one copy per parent, booked twice
        assert invitations[0].status == "draft"
        assert invitations[0].cause["meeting_place"] == "the school office"
        assert invitations[0].cause["with_whom"] == "Mrs Khan, attendance lead"
        done = EscalationTask.objects.get(pk=task.pk)
        assert done.status == "done" and done.note.startswith(f"Booked for {day:%d/%m/%Y}")


def test_a_meeting_cannot_be_booked_for_a_day_gone_by(client, meeting_to_book):
    school, alex, task = meeting_to_book
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        _url(school, "meeting_book", task_id=task.pk),
        {"meeting_date": "2024-09-20", "meeting_time": "15:30", "meeting_place": "Office"},
    )

    assert response.status_code == 400
    assert "today or a later day" in response.content.decode()
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "open"
        assert not IssuedLetter.objects.filter(pupil=alex, kind="meeting_invitation").exists()


def test_the_queues_letters_are_approved_through_the_letters_approval(client, night):
    school, alex, _sam = night
    letter = issued_letter(alex)  # rendered: it can be ticked
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    html = client.get(_url(school, "queue")).content.decode()
    approve = reverse("letters:approve", args=[school.slug])
    assert f'action="{approve}"' in html
    assert f'name="letter" value="{letter.pk}"' in html
    client.post(approve, {"letter": [letter.pk], "action": "confirm"})

    with scopes_disabled():
        assert IssuedLetter.objects.get(pk=letter.pk).status == "approved"


def test_a_task_not_done_needs_a_reason(client, night):
    school, alex, _sam = night
    with scopes_disabled():
        task = EscalationTask.objects.get(pupil=alex, kind=TaskKind.MEETING)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))  # the task is the lead's
    url = _url(school, "task_finish", task_id=task.pk)

    client.post(url, {"outcome": "skipped", "note": ""})
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "open"
    client.post(url, {"outcome": "skipped", "note": "Parents met at the school gate instead"})

    with scopes_disabled():
        skipped = EscalationTask.objects.get(pk=task.pk)
        assert (skipped.status, skipped.note) == (
            "skipped",
            "Parents met at the school gate instead",
        )


def _more_proposals(school, n):
    """n more pupils, each with a penalty notice proposal and an open task."""
    with scopes_disabled():
        for i in range(n):
            pupil = child(school, name=f"Extra{i}")
            proposal = Proposal.objects.create(
                school=school, pupil=pupil, kind="penalty_notice", proposed_on=NIGHT
            )
            PenaltyNotice.objects.create(
                school=school,
                pupil=pupil,
                parent_priority=1,
                proposal=proposal,
                notice_number=1,
                amount_gbp=80,
                issuer="school",
                proposed_on=NIGHT,
            )
            EscalationTask.objects.create(
                school=school, pupil=pupil, kind="call", title="Call home", created_on=NIGHT
            )


def test_the_queue_reads_a_fixed_number_of_queries_whatever_its_length(
    client, night, django_assert_num_queries
):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    url = _url(school, "queue")
    client.get(url)  # session, codes and other per-process caches warm
    # Session and user, membership, drafts, figures (per distinct letter date), the
    # decisions behind the drafts, tasks, proposals.
    with django_assert_num_queries(QUEUE_QUERIES):
        client.get(url)
    _more_proposals(school, 5)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("Penalty notice 1 to") == 7


QUEUE_QUERIES = 13


def _task_for(night, role):
    school, alex, _sam = night
    with scopes_disabled():
        return EscalationTask.objects.create(
            school=school,
            pupil=alex,
            case=case_of(alex),
            kind=TaskKind.CALL,
            title="Consider a penalty notice",
            created_on=NIGHT,
            due_on=NIGHT,
            role=role,
        )


def test_a_task_marked_for_a_role_is_finished_by_that_role_not_another(client, night):
    school = night[0]
    task = _task_for(night, "attendance_officer")
    url = _url(school, "task_finish", task_id=task.pk)

    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    refused = client.post(url, {"outcome": "done"})
    page = client.get(_url(school, "queue")).content.decode()
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "open"
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))
    client.post(url, {"outcome": "done"})

    assert refused.status_code == 403
    assert "For the attendance officer to record." in page
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "done"


def test_the_headteacher_may_finish_anyones_task_and_no_outcome_is_chosen_for_them(client, night):
    school = night[0]
    task = _task_for(night, "office")
    client.force_login(person(school, Role.HEADTEACHER))

    html = client.get(_url(school, "queue")).content.decode()
    nothing = client.post(_url(school, "task_finish", task_id=task.pk), {"note": "x"})
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "open"
    client.post(_url(school, "task_finish", task_id=task.pk), {"outcome": "done"})

    assert (
        f'id="done-{task.pk}" required>' in html
        and " checked" not in html.split(f'id="task-{task.pk}"')[1].split("</li>")[0]
    )
    assert nothing.status_code == 302
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "done"


def test_a_bad_next_goes_back_to_the_queue_and_only_a_meeting_is_booked(client, night):
    school = night[0]
    task = _task_for(night, "")
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    back = client.post(
        _url(school, "task_finish", task_id=task.pk),
        {"outcome": "done", "next": "https://evil.example/"},
    )
    book = client.get(_url(school, "meeting_book", task_id=task.pk))

    assert back["Location"] == _url(school, "queue")
    assert client.get(back["Location"]).status_code == 200
    assert book.status_code == 404


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (lambda today: today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7), "is a weekend"),
        (lambda today: dt.date(today.year + 4, 1, 6), "within a year from today"),
    ],
)
def test_a_meeting_is_booked_on_a_school_day_within_a_year(client, meeting_to_book, day, message):
    school, alex, task = meeting_to_book
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        _url(school, "meeting_book", task_id=task.pk),
        {
            "meeting_date": day(dt.date.today()).isoformat(),
            "meeting_time": "15:30",
            "meeting_place": "Office",
        },
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    with scopes_disabled():
        assert EscalationTask.objects.get(pk=task.pk).status == "open"


def test_a_notice_to_improve_says_what_is_wrong_with_the_attendance_expected():
    from escalation.forms import NoticeIssueForm

    for value in ("0", "150", "-5", "abc"):
        form = NoticeIssueForm({"weeks": "4", "target_pct": value})
        assert not form.is_valid()
        assert form.errors["target_pct"] == [
            "The attendance expected is a percentage from 1 to 100, e.g. 90."
        ]
        assert "weeks" not in form.errors


def test_a_letter_a_rule_drafted_is_not_flagged_against_this_years_figures(client, night):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    html = client.get(_url(school, "queue")).content.decode()

    # The rule judged its own window (its evidence is beside the letter); the letter's
    # year-to-date figures are labelled with their date, not as today's.
    row = html.split("Attendance concern: stage 1")[0].rsplit("<tr", 1)[1]
    assert "row--warn" not in row
    assert "Figures now" not in html and "Figures the letter states" in html
    assert "This year to " in html


def test_a_skipped_step_and_its_reason_show_on_the_pupils_cases_page(client, night):
    school, alex, _sam = night
    proposal = proposals_of(alex)[0]
    client.force_login(person(school, Role.HEADTEACHER))

    client.post(
        _url(school, "proposal_skip", proposal_id=proposal.pk),
        {"reason": "Family moving abroad next week"},
    )
    page = client.get(_url(school, "pupil_cases", pupil_id=alex.pk)).content.decode()

    assert "Steps not taken" in page and "Family moving abroad next week" in page
