"""The events seam and the outbox (DESIGN.md §2): what happened is recorded with the
change, never without it, and the work a change causes is never lost."""

import datetime as dt

import pytest
from celery import current_app, shared_task
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from registers import events, outbox, services
from registers.models import Amendment, Event, Mark, OutboxTask, Role, Session
from registers.services import MarkEntry, MarksInvalid
from registers.tenancy import school_scope, scopes_disabled
from tests.factories import PupilFactory, RegistrationGroupFactory, school_calendar, staff

D = dt.date
DAY = D(2024, 9, 9)

# What the test task below was asked to do, in order (a real Celery task, run in-process).
done_tasks: list[dict] = []


@shared_task(name="tests.registers.note_done")
def note_done(**kwargs):
    done_tasks.append(kwargs)


@pytest.fixture(autouse=True)
def _nothing_done_yet():
    done_tasks.clear()


@pytest.fixture
def setting(school):
    school_calendar(school)
    group = RegistrationGroupFactory(school=school, name="4B")
    pupils = [PupilFactory(school=school, registration_group=group) for _ in range(3)]
    teacher = staff(school, Role.TEACHER, first_name="Ada", last_name="Lovelace")
    am = Session.objects.get(school=school, date=DAY, period="AM")
    return group, pupils, teacher, am


def take_register(school, group, pupils, teacher, session, codes, seen=None):
    seen = seen or {}
    with school_scope(school):
        return services.marks_save(
            school=school,
            session=session,
            entries=[
                MarkEntry(
                    pupil_id=p.pk,
                    code=code,
                    seen_version=seen.get(p.pk, 0),
                    amendment_reason="Arrived after the register" if seen else "",
                )
                for p, code in zip(pupils, codes, strict=True)
            ],
            user=teacher,
            role=Role.TEACHER,
            source=Mark.Source.REGISTER,
            registration_group=group,
        )


# ---- Events --------------------------------------------------------------------------


def test_every_save_of_a_register_records_who_saved_it_and_what_changed(school, setting):
    group, pupils, teacher, am = setting
    take_register(school, group, pupils, teacher, am, ["/", "/", "N"])
    take_register(
        school, group, pupils, teacher, am, ["/", "/", "N"], seen={p.pk: 1 for p in pupils}
    )

    with scopes_disabled():
        first, again = Event.objects.filter(school=school, kind="register_saved").order_by("pk")
    assert (first.actor, first.actor_name, first.actor_role) == (teacher, "Ada Lovelace", "teacher")
    assert first.params["registration_group"] == "4B"
    assert (first.params["date"], first.params["period"]) == ("2024-09-09", "AM")
    assert (first.params["created"], first.params["amended"]) == (3, 0)
    assert (again.params["created"], again.params["amended"]) == (0, 0)


def test_an_amended_mark_is_on_the_pupils_timeline_with_both_codes(school, setting):
    group, pupils, teacher, am = setting
    take_register(school, group, pupils, teacher, am, ["/", "/", "N"])
    take_register(
        school, group, pupils, teacher, am, ["/", "/", "L"], seen={p.pk: 1 for p in pupils}
    )

    with scopes_disabled():
        [amended] = Event.objects.filter(school=school, pupil=pupils[2], kind="mark_amended")
        amendment = Amendment.objects.get(mark__pupil=pupils[2])
    assert amended.params["original_code"] == "N"
    assert amended.params["new_code"] == "L"
    assert amended.params["amendment_id"] == amendment.pk
    assert amended.params["reason"] == "Arrived after the register"
    assert (amended.actor, amended.actor_role) == (teacher, "teacher")
    assert amended.occurred_at == amendment.amended_at


def test_a_refused_change_leaves_no_event(school, setting):
    group, pupils, teacher, am = setting
    take_register(school, group, pupils, teacher, am, ["/", "/", "N"])
    with pytest.raises(MarksInvalid), school_scope(school):
        # A changed code needs a reason: the whole save is refused.
        services.marks_save(
            school=school,
            session=am,
            entries=[MarkEntry(pupil_id=pupils[2].pk, code="O", seen_version=1)],
            user=teacher,
            role=Role.TEACHER,
            source=Mark.Source.REGISTER,
        )
    with scopes_disabled():
        assert not Event.objects.filter(kind="mark_amended").exists()


def test_an_event_is_undone_with_the_change_it_records(school, setting):
    group, pupils, teacher, am = setting
    take_register(school, group, pupils, teacher, am, ["/", "/", "N"])

    with pytest.raises(RuntimeError), transaction.atomic():
        take_register(
            school, group, pupils, teacher, am, ["/", "/", "O"], seen={p.pk: 1 for p in pupils}
        )
        raise RuntimeError("the request failed after the save")

    with scopes_disabled():
        assert Mark.objects.get(pupil=pupils[2]).code_id == "N"
        assert not Event.objects.filter(kind="mark_amended").exists()
        assert not Amendment.objects.exists()


def test_events_are_never_changed_or_deleted(school):
    with school_scope(school):
        saved = events.record(school_id=school.pk, kind="register_saved", params={"marks": 1})
        saved.params = {"marks": 2}
        with pytest.raises(PermissionError):
            saved.save()
        with pytest.raises(PermissionError):
            saved.delete()
        with pytest.raises(PermissionError):
            Event.objects.filter(pk=saved.pk).update(params={})
        with pytest.raises(PermissionError):
            Event.objects.filter(pk=saved.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_itself_refuses_to_change_an_event(school):
    with school_scope(school):
        saved = events.record(school_id=school.pk, kind="register_saved")
    with (
        pytest.raises(DatabaseError, match="never deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE registers_event SET kind = 'x' WHERE id = %s", [saved.pk])


def test_an_undeclared_kind_of_event_is_refused_and_nothing_written(school):
    with pytest.raises(ValueError, match="not a declared kind"), school_scope(school):
        events.record(school_id=school.pk, kind="pupil_vanished")
    with scopes_disabled():
        assert not Event.objects.exists()


def test_a_kind_cannot_be_declared_twice_with_another_meaning():
    from django.db import models

    class Clash(models.TextChoices):
        SAVED = "register_saved", "Register opened"

    with pytest.raises(ValueError, match="already declared"):
        events.register_kinds(Clash)
    assert events.KINDS["register_saved"] == "Register saved"


def test_many_amendments_and_their_events_are_two_inserts(
    school, setting, django_assert_num_queries
):
    group, pupils, teacher, am = setting
    with scopes_disabled():
        pupils += [PupilFactory(school=school, registration_group=group) for _ in range(27)]
    take_register(school, group, pupils, teacher, am, ["N"] * 30)
    with scopes_disabled():
        marks = list(Mark.objects.filter(session=am).select_related("reason"))
    now = timezone.now()
    amendments = [
        events.mark_amended(
            mark=m,
            new_code="O",
            new_minutes_late=None,
            reason="No reason given",
            user=None,
            role="",
            when=now,
        )  # fmt: skip
        for m in marks
    ]
    with school_scope(school), django_assert_num_queries(2):
        events.save_amendments(amendments)
    with scopes_disabled():
        system = Event.objects.filter(kind="mark_amended")
        assert system.count() == 30
        assert {(e.actor_id, e.actor_name) for e in system} == {(None, "System")}


# ---- The outbox ----------------------------------------------------------------------


def note(key, **kwargs):
    return outbox.Work("tests.registers.note_done", kwargs, key=key)


def test_work_is_sent_once_the_change_commits(school, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        school_scope(school),
        transaction.atomic(),
    ):
        outbox.enqueue(school=school, work=[note("a", n=1), note("b", n=2)])
        assert done_tasks == []  # nothing runs before the commit

    assert done_tasks == [{"n": 1, "school_id": school.pk}, {"n": 2, "school_id": school.pk}]
    with scopes_disabled():
        assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()


def test_work_of_a_change_that_failed_is_never_sent(school, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        school_scope(school),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.enqueue(school=school, work=[note("a", n=1)])
        raise RuntimeError("refused")
    assert callbacks == []
    assert done_tasks == []
    with scopes_disabled():
        assert not OutboxTask.objects.exists()


def test_the_same_work_recorded_twice_is_sent_once(school, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), school_scope(school):
        outbox.enqueue(school=school, work=[note("letters.email:7", n=1)])
        outbox.enqueue(school=school, work=[note("letters.email:7", n=1)])
    assert done_tasks == [{"n": 1, "school_id": school.pk}]


def age(minutes):
    """Let time pass for the outbox: its rows were recorded `minutes` ago."""
    with scopes_disabled():
        OutboxTask.objects.update(created_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_work_whose_hand_over_was_lost_is_sent_by_beat_after_a_minute(
    school, other_school, django_capture_on_commit_callbacks
):
    # The commit happened but the process died before its callbacks ran.
    with django_capture_on_commit_callbacks(execute=False), school_scope(school):
        outbox.enqueue(school=school, work=[note("mine", n=1)])
    with django_capture_on_commit_callbacks(execute=False), school_scope(other_school):
        outbox.enqueue(school=other_school, work=[note("theirs", n=2)])

    assert outbox.redispatch() == 0  # too recent: the commit's own hand-over may be under way
    age(minutes=2)
    assert current_app.tasks["registers.outbox.redispatch"].apply().get() == 2
    assert sorted(d["n"] for d in done_tasks) == [1, 2]
    assert outbox.redispatch() == 0  # nothing is sent twice by beat


def test_work_waits_while_the_broker_is_down_and_goes_when_it_is_back(
    school, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(note_done, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True), school_scope(school):
        outbox.enqueue(school=school, work=[note("a", n=1), note("b", n=2)])
    with scopes_disabled():
        waiting = list(OutboxTask.objects.filter(dispatched_at__isnull=True))
    assert len(waiting) == 2
    assert "Connection refused" in "".join(row.last_error for row in waiting)

    monkeypatch.undo()
    age(minutes=2)
    assert outbox.redispatch() == 2
    assert [d["n"] for d in done_tasks] == [1, 2]


def test_beat_runs_the_redispatch_every_minute():
    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "registers.outbox.redispatch"
    ]
    assert entry["schedule"] <= 60
    assert "registers.outbox.redispatch" in current_app.tasks
