"""Letters on the record: each change of a letter's state is an event on the pupil's
timeline, and work handed to Celery twice does nothing twice (DESIGN.md §2)."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from letters import approval, delivery, services, tasks
from letters.models import IssuedLetter
from registers import outbox
from registers.events import KINDS
from registers.models import Event, OutboxTask
from registers.tenancy import school_scope, scopes_disabled
from tests.letters.conftest import AS_OF

Status = IssuedLetter.Status


def draft(run_on_commit, school, pupil, **kwargs):
    with school_scope(school):
        letters = run_on_commit(
            services.letter_draft, school=school, pupil=pupil, kind="stage_1", as_of=AS_OF, **kwargs
        )
    with scopes_disabled():
        return [IssuedLetter.objects.get(pk=letter.pk) for letter in letters]


def timeline(pupil):
    with scopes_disabled():
        return [
            (e.kind, e.params["letter_id"], e.actor_name, e.actor_role)
            for e in Event.objects.filter(pupil=pupil, kind__startswith="letter_").order_by(
                "occurred_at", "id"
            )
        ]


def test_each_step_of_a_letter_is_on_the_pupils_timeline(school, pupil, make_staff, run_on_commit):
    with scopes_disabled():
        lead = make_staff(school, "attendance_lead", first_name="Priya", last_name="Shah")
        head = make_staff(school, "headteacher", first_name="Tom", last_name="Reed")
    grace, david = draft(run_on_commit, school, pupil, user=lead, role="attendance_lead")
    with school_scope(school):
        run_on_commit(
            services.letters_approve,
            school=school,
            letter_ids=[grace.pk, david.pk],
            user=head,
            role="headteacher",
        )
        delivery.print_batch_create(school=school, user=head, role="headteacher")
        # Email copies wait for the undo window; "Send emails now" hands them over.
        run_on_commit(approval.letters_send_now, school=school, letter_ids=[grace.pk])

    assert timeline(pupil) == [
        ("letter_drafted", grace.pk, "Priya Shah", "attendance_lead"),
        ("letter_drafted", david.pk, "Priya Shah", "attendance_lead"),
        ("letter_approved", grace.pk, "Tom Reed", "headteacher"),
        ("letter_approved", david.pk, "Tom Reed", "headteacher"),
        ("letter_printed", david.pk, "Tom Reed", "headteacher"),
        ("letter_emailed", grace.pk, "System", ""),
    ]
    with scopes_disabled():
        emailed = Event.objects.get(kind="letter_emailed")
    assert emailed.actor is None and emailed.params["to"] == ["grace@example.org"]
    assert KINDS["letter_printed"] == "Letter printed"


def test_a_cancelled_letter_is_recorded_once(school, pupil, make_staff, run_on_commit):
    with scopes_disabled():
        head = make_staff(school, "headteacher")
    grace, david = draft(run_on_commit, school, pupil)
    with school_scope(school):
        first = services.letters_cancel(school=school, letter_ids=[grace.pk], user=head)
        again = services.letters_cancel(school=school, letter_ids=[grace.pk], user=head)

    assert (first, again) == (1, 0)
    assert [kind for kind, *_ in timeline(pupil)].count("letter_cancelled") == 1


def test_rendering_and_email_go_through_the_outbox(school, pupil, run_on_commit):
    grace, david = draft(run_on_commit, school, pupil, requires_approval=False)

    with scopes_disabled():
        work = sorted(OutboxTask.objects.values_list("task", "key", "dispatched_at"))
    assert [(task, key) for task, key, _ in work] == sorted(
        [
            (services.RENDER_TASK, f"letters.render:{grace.pk}"),
            (services.RENDER_TASK, f"letters.render:{david.pk}"),
            (delivery.EMAIL_TASK, f"letters.email:{grace.pk}"),
        ]
    )
    assert all(sent is not None for *_, sent in work)
    # The names the services record are the tasks' own.
    assert {tasks.render_letter.name, tasks.send_letter_email.name} == {
        services.RENDER_TASK,
        delivery.EMAIL_TASK,
    }


def test_a_letters_email_delivered_twice_is_sent_once(school, pupil, run_on_commit):
    grace, _ = draft(run_on_commit, school, pupil, requires_approval=False)
    assert len(mail.outbox) == 1

    # The same task arriving again (the broker re-delivers it) ...
    tasks.send_letter_email.apply(kwargs={"school_id": school.pk, "letter_id": grace.pk})
    tasks.render_letter.apply(kwargs={"school_id": school.pk, "letter_id": grace.pk})
    # ... or beat re-sending work whose hand-over looked lost.
    with scopes_disabled():
        OutboxTask.objects.update(
            dispatched_at=None, created_at=timezone.now() - dt.timedelta(minutes=5)
        )
    assert outbox.redispatch() == 3

    assert len(mail.outbox) == 1
    with scopes_disabled():
        grace.refresh_from_db()
        assert grace.status == Status.EMAILED and grace.email_attempts == 1
        assert Event.objects.filter(kind="letter_emailed").count() == 1


def test_a_letter_approved_while_the_broker_is_down_is_emailed_by_beat(
    school, pupil, make_staff, django_capture_on_commit_callbacks, run_on_commit
):
    with scopes_disabled():
        head = make_staff(school, "headteacher")
    grace, _ = draft(run_on_commit, school, pupil)
    with school_scope(school):
        services.letters_approve(school=school, letter_ids=[grace.pk], user=head)
    # Handed over (recorded in the outbox), but the hand-over to the broker never happened.
    with django_capture_on_commit_callbacks(execute=False), school_scope(school):
        approval.letters_send_now(school=school, letter_ids=[grace.pk])
    assert len(mail.outbox) == 0

    with scopes_disabled():
        OutboxTask.objects.filter(dispatched_at__isnull=True).update(
            created_at=timezone.now() - dt.timedelta(minutes=2)
        )
    assert outbox.redispatch() == 1

    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
