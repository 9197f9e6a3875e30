# ruff: noqa: F811  (the fixtures of test_leave.py are imported by name, then requested)
"""Leave of absence: what the parent is told (the decision letters, the question asked
and their answer) and the beat task for refused leave taken (issue 9; RULES.md BS-20,
BS-24, BH-32). Fixtures and helpers are those of test_leave.py; the same frozen clock."""

import datetime as dt

from django_scopes import scopes_disabled

from absences.events import LeaveEvent
from absences.services.leave_decide import leave_ask_information
from registers.models import Event, Role
from registers.tenancy import school_scope
from tests.absences.test_leave import (  # noqa: F401  (fixtures)
    Status,
    ask,
    clock,
    day,
    decide,
    head,
    marks_of,
    parent,
    pupil,
    year,
)
from tests.factories import mark_days

# ---- Letters and messages to the parent ----------------------------------------------------


def test_a_refusal_drafts_the_refused_letter_approved_for_the_portal_bs20(
    school, pupil, parent, head
):
    from absences.selectors.leave import decision_letters

    request = ask(school, pupil, parent, ground="G")
    decided = decide(request, head, Status.REFUSED, decision="Holidays are not granted.")
    assert decided.letters == 1 and decided.letter_problem == ""
    with school_scope(school):
        letters = list(decision_letters(school=school, request=decided.request))
    assert [(x.kind, x.status) for x in letters] == [("leave_refused", "approved")]
    assert letters[0].cause["decision_note"] == "Holidays are not granted."
    assert letters[0].cause["leave_from"] == day(28).isoformat()


def test_a_partial_grant_drafts_the_partly_granted_letter_with_the_days_granted(
    school, pupil, parent, head
):
    from absences.selectors.leave import decision_letters

    request = ask(school, pupil, parent, first=day(28), last=day(29))
    decided = decide(
        request,
        head,
        Status.PARTLY_GRANTED,
        decision="The Friday only.",
        sessions=[f"{day(29)} AM", f"{day(29)} PM"],
    )
    with school_scope(school):
        [letter] = decision_letters(school=school, request=decided.request)
    assert letter.kind == "leave_partly_granted"
    assert (letter.cause["granted_from"], letter.cause["granted_to"]) == (
        day(29).isoformat(),
        day(29).isoformat(),
    )


def test_the_question_to_the_parent_is_emailed_once(
    school, pupil, parent, head, mailoutbox, django_capture_on_commit_callbacks
):
    from absences.services.leave_decide import leave_question_email

    request = ask(school, pupil, parent)
    with school_scope(school), django_capture_on_commit_callbacks(execute=True):
        asked = leave_ask_information(
            request=request, user=head, role=Role.HEADTEACHER, message="Send the licence."
        )
    assert len(mailoutbox) == 1  # sent by the outbox task once the change committed
    assert "Send the licence." in mailoutbox[0].body
    with school_scope(school):
        assert leave_question_email(request_id=asked.pk, version=asked.version) == 0
    assert len(mailoutbox) == 1


def test_the_parents_answer_puts_the_request_back_under_review(school, pupil, parent, head):
    from absences.services.leave import leave_provide_information

    request = ask(school, pupil, parent)
    with school_scope(school):
        leave_ask_information(
            request=request, user=head, role=Role.HEADTEACHER, message="Which day exactly?"
        )
        answered = leave_provide_information(
            request=request, user=parent, message="Thursday 13th, 11am."
        )
    assert answered.status == Status.UNDER_REVIEW
    with scopes_disabled():
        kinds = list(Event.objects.filter(pupil=pupil).values_list("kind", flat=True))
    assert kinds == [
        LeaveEvent.SUBMITTED,
        LeaveEvent.INFORMATION_REQUESTED,
        LeaveEvent.INFORMATION_PROVIDED,
    ]


def test_the_beat_task_records_refused_leave_taken_for_its_school(
    school, pupil, parent, head, clock
):
    from absences.tasks import leave_refused_taken_at_school

    request = ask(school, pupil, parent, ground="G", first=day(1), last=day(1))
    decide(request, head, Status.REFUSED, decision="Not exceptional.")
    clock.move_to(dt.datetime(2025, 1, 14, 16, 0, tzinfo=dt.UTC))
    mark_days(pupil, {day(1): "N"})
    assert leave_refused_taken_at_school.delay(school.pk).get() == 2
    assert {m.code_id for m in marks_of(pupil).values()} == {"G"}
