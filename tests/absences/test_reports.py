"""Absence reports (the absences issue, "Office: reports and calls"): what a logged call
does to the register, through the one mark writer (DESIGN.md §5), and what it refuses.

The clock stands at 07:30 on Monday 9 September 2024 (London), before the morning
register opens: Monday is today, Tuesday onwards are days still to come."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from absences.events import ReportEvent
from absences.models import AbsenceReport
from absences.services.reports import (
    ReportConflict,
    ReportOverlap,
    report_absence,
    report_accept,
    report_withdraw,
    span_sessions,
)
from registers.models import Amendment, Closure, Event, Mark, PlannedEntry, Role
from registers.services.marks import MarkEntry, marks_write
from tests.absences.factories import AbsenceReasonFactory, school_week
from tests.factories import ContactFactory, PupilFactory, staff

MON, TUE, WED, THU, FRI = (dt.date(2024, 9, 9) + dt.timedelta(days=n) for n in range(5))
NOW = dt.datetime(2024, 9, 9, 6, 30, tzinfo=dt.UTC)  # 07:30 in London


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def week(school):
    return school_week(school)


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE, first_name="Grace", last_name="Hopper")


@pytest.fixture
def pupil(school, group):
    return PupilFactory(school=school, registration_group=group)


@pytest.fixture
def mother(pupil):
    return ContactFactory(pupil=pupil, name="Rosa Parks", relationship="Mother")


@pytest.fixture
def illness(school):
    return AbsenceReasonFactory(school=school, name="Illness", code_id="I")


@pytest.fixture
def appointment(school):
    return AbsenceReasonFactory(school=school, name="Hospital appointment", code_id="M")


def log(school, pupil, reason, office, contact=None, **kwargs):
    """The office logs a phone call (today AM to today PM unless told)."""
    args = dict(
        school=school,
        pupil=pupil,
        reason=reason,
        first_day=MON,
        first_period="AM",
        last_day=MON,
        last_period="PM",
        channel=AbsenceReport.Channel.PHONE,
        source=AbsenceReport.Source.OFFICE,
        actor=office,
        role=Role.OFFICE,
        contact=contact,
        reporter="" if contact else "Caller",
    )
    args.update(kwargs)
    with scope(school=school):
        return report_absence(**args)


def parent_log(school, pupil, reason, contact, **kwargs):
    """A parent's report through the portal, waiting for the office."""
    return log(
        school,
        pupil,
        reason,
        None,
        contact,
        source="parent",
        channel="portal",
        role="",
        accept=False,
        **kwargs,
    )


def marks_of(pupil):
    with scopes_disabled():
        return {(m.date, m.session.period): m for m in Mark.objects.filter(pupil=pupil)}


def plans_of(pupil):
    with scopes_disabled():
        return {
            (p.session.date, p.session.period): p.code_id
            for p in PlannedEntry.objects.filter(pupil=pupil).select_related("session")
        }


def kinds(pupil):
    with scopes_disabled():
        return list(Event.objects.filter(pupil=pupil).values_list("kind", flat=True))


# ---- Pre-entering --------------------------------------------------------------------------


def test_a_report_pre_enters_every_session_from_first_to_last(
    school, week, pupil, mother, illness, office
):
    """Ill from Monday afternoon, back Thursday: Mon PM, Tue, Wed (BS-09, DS-08)."""
    log(school, pupil, illness, office, mother, first_period="PM", last_day=WED)
    marks = marks_of(pupil)
    assert set(marks) == {(MON, "PM")}
    assert (marks[(MON, "PM")].code_id, marks[(MON, "PM")].source) == ("I", "office")
    assert marks[(MON, "PM")].is_pre_entered
    assert plans_of(pupil) == {(d, p): "I" for d in (TUE, WED) for p in ("AM", "PM")}
    assert kinds(pupil) == [ReportEvent.LOGGED]


def test_a_report_ending_in_the_morning_leaves_the_afternoon_alone(
    school, week, pupil, illness, office
):
    log(school, pupil, illness, office, first_day=TUE, last_day=TUE, last_period="AM")
    assert plans_of(pupil) == {(TUE, "AM"): "I"}


def test_a_report_skips_weekends_and_closures(school, pupil, illness, office):
    """Thursday is an INSET day: it has no sessions, so nothing is entered for it."""
    with scopes_disabled():
        Closure.objects.create(school=school, date=THU, reason="INSET day")
    week = school_week(school, days=6, skip={THU})
    assert (THU, "AM") not in week
    report = log(school, pupil, illness, office, first_day=WED, last_day=dt.date(2024, 9, 16))
    planned = plans_of(pupil)
    assert sorted({d for d, _ in planned}) == [WED, FRI, dt.date(2024, 9, 16)]
    assert report.status == AbsenceReport.Status.ACCEPTED


def test_a_report_pre_enters_marks_that_survive_all_present(
    client, school, group, week, pupil, illness, office, clock
):
    """The teacher's "mark all present" and save keep the office's I (DESIGN.md §5)."""
    teacher = staff(school, Role.TEACHER)
    group.teachers.add(teacher)
    classmate = PupilFactory(school=school, registration_group=group)
    log(school, pupil, illness, office, reporter="Dad")
    clock.move_to(dt.datetime(2024, 9, 9, 7, 45, tzinfo=dt.UTC))  # 08:45, register open
    url = reverse(
        "registers:register",
        kwargs={"school_slug": school.slug, "group_id": group.pk, "day": MON, "period": "AM"},
    )
    client.force_login(teacher)
    filled = client.post(url, {"action": "all_present"})
    assert f'name="code-{pupil.pk}"' not in filled.content.decode()  # locked for the teacher
    saved = client.post(
        url, {"action": "save", f"code-{classmate.pk}": "/", f"version-{classmate.pk}": "0"}
    )
    assert saved.status_code == 302
    assert marks_of(pupil)[(MON, "AM")].code_id == "I"
    assert marks_of(classmate)[(MON, "AM")].code_id == "/"


def test_a_pending_parent_report_pre_enters_nothing_until_accepted(
    school, week, pupil, mother, illness, office
):
    report = log(
        school,
        pupil,
        illness,
        None,
        mother,
        source=AbsenceReport.Source.PARENT,
        channel=AbsenceReport.Channel.PORTAL,
        accept=False,
        role="parent",
        last_day=TUE,
    )
    assert report.status == AbsenceReport.Status.PENDING
    assert marks_of(pupil) == {} and plans_of(pupil) == {}
    with scope(school=school):
        report_accept(report=report, actor=office, role=Role.OFFICE)
    marks = marks_of(pupil)
    assert {k: (m.code_id, m.source) for k, m in marks.items()} == {
        (MON, "AM"): ("I", "parent"),
        (MON, "PM"): ("I", "parent"),
    }
    assert plans_of(pupil) == {(TUE, "AM"): "I", (TUE, "PM"): "I"}
    assert kinds(pupil) == [ReportEvent.LOGGED, ReportEvent.ACCEPTED]


def test_a_report_accepted_twice_is_told_the_second_time(school, week, pupil, illness, office):
    report = log(school, pupil, illness, None, accept=False, reporter="Mum")
    with scope(school=school):
        report_accept(report=report, actor=office, role=Role.OFFICE)
        with pytest.raises(ValidationError, match="no longer waiting"):
            report_accept(report=report, actor=office, role=Role.OFFICE)
    assert len(marks_of(pupil)) == 2


# ---- What the register already holds ---------------------------------------------------------


def test_an_n_on_the_register_becomes_the_reported_code_with_an_amendment(
    school, week, pupil, mother, illness, office, clock
):
    """The register said N at 09:00; mother calls at 09:40: N becomes I, audited."""
    clock.move_to(dt.datetime(2024, 9, 9, 8, 40, tzinfo=dt.UTC))
    teacher = staff(school, Role.TEACHER)
    with scopes_disabled():
        marks_write(
            school=school,
            entries=[MarkEntry(pupil_id=pupil.pk, code="N", session=week[(MON, "AM")])],
            actor=teacher,
            role=Role.TEACHER,
            source=Mark.Source.REGISTER,
        )
    log(school, pupil, illness, office, mother)
    marks = marks_of(pupil)
    assert marks[(MON, "AM")].code_id == "I" and marks[(MON, "AM")].version == 2
    assert marks[(MON, "PM")].code_id == "I"
    with scopes_disabled():
        [amendment] = Amendment.objects.filter(mark__pupil=pupil)
    assert (amendment.original_code, amendment.new_code) == ("N", "I")
    assert amendment.source == "office" and "Rosa Parks" in amendment.reason
    assert amendment.amended_by == office


def test_a_report_contradicting_a_saved_code_asks_the_office(
    school, week, pupil, illness, office, clock
):
    """Present in the morning, then "she was ill all day": nothing is written until the
    office chooses; keep leaves the /, replace amends it."""
    clock.move_to(dt.datetime(2024, 9, 9, 8, 40, tzinfo=dt.UTC))
    with scopes_disabled():
        marks_write(
            school=school,
            entries=[MarkEntry(pupil_id=pupil.pk, code="/", session=week[(MON, "AM")])],
            actor=office,
            role=Role.OFFICE,
            source=Mark.Source.REGISTER,
        )
    with pytest.raises(ReportConflict) as asked:
        log(school, pupil, illness, office)
    assert [(h.session.period, h.code) for h in asked.value.sessions] == [("AM", "/")]
    assert "on_conflict" in asked.value.message_dict
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0
    assert {k: m.code_id for k, m in marks_of(pupil).items()} == {(MON, "AM"): "/"}

    log(school, pupil, illness, office, on_conflict="keep")
    assert {k: m.code_id for k, m in marks_of(pupil).items()} == {
        (MON, "AM"): "/",
        (MON, "PM"): "I",
    }
    assert ReportEvent.CONFLICT_RESOLVED in kinds(pupil)


def test_replacing_a_contradicted_mark_is_an_amendment(school, week, pupil, illness, office, clock):
    clock.move_to(dt.datetime(2024, 9, 9, 8, 40, tzinfo=dt.UTC))
    with scopes_disabled():
        marks_write(
            school=school,
            entries=[MarkEntry(pupil_id=pupil.pk, code="O", session=week[(MON, "AM")])],
            actor=office,
            role=Role.OFFICE,
            source=Mark.Source.REGISTER,
        )
    log(school, pupil, illness, office, on_conflict="replace")
    assert marks_of(pupil)[(MON, "AM")].code_id == "I"
    with scopes_disabled():
        [amendment] = Amendment.objects.filter(mark__pupil=pupil)
    assert (amendment.original_code, amendment.new_code) == ("O", "I")


# ---- Overlaps --------------------------------------------------------------------------------


def test_a_half_day_inside_a_whole_day_already_reported_is_refused(
    school, week, pupil, illness, appointment, office
):
    """The whole day, then a half day for today: never double-booked."""
    log(school, pupil, illness, office)
    with pytest.raises(ReportOverlap, match="Already reported"):
        log(school, pupil, illness, office, first_period="PM")
    with pytest.raises(ReportOverlap, match="already has a report"):
        log(school, pupil, appointment, office, first_period="PM")
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 1
    assert {m.code_id for m in marks_of(pupil).values()} == {"I"}


def test_a_report_overlapping_with_the_same_reason_extends_the_first(
    school, week, pupil, illness, office
):
    """Monday's call said Monday; Tuesday's says "still ill, back Thursday": one report."""
    first = log(school, pupil, illness, office)
    second = log(school, pupil, illness, office, first_day=MON, last_day=WED, note="Still ill")
    assert second.pk == first.pk and second.merged
    with scopes_disabled():
        report = AbsenceReport.objects.get()
    assert (report.first_day, report.last_day) == (MON, WED)
    assert set(plans_of(pupil)) == {(d, p) for d in (TUE, WED) for p in ("AM", "PM")}
    assert kinds(pupil) == [ReportEvent.LOGGED, ReportEvent.EXTENDED]


def test_a_parent_report_overlapping_an_accepted_one_is_refused(
    school, week, pupil, mother, illness, office
):
    log(school, pupil, illness, office, last_day=TUE)
    with pytest.raises(ReportOverlap):
        log(
            school,
            pupil,
            illness,
            None,
            mother,
            source="parent",
            channel="portal",
            accept=False,
            role="parent",
            first_day=TUE,
            last_day=WED,
        )
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 1


# ---- Withdrawing ---------------------------------------------------------------------------


def test_withdrawing_a_report_leaves_nothing_behind_for_days_to_come(
    school, week, pupil, illness, office
):
    report = log(school, pupil, illness, office, first_day=TUE, last_day=THU)
    assert len(plans_of(pupil)) == 6
    with scope(school=school):
        report_withdraw(report=report, actor=office, role=Role.OFFICE, why="Feeling better")
    assert plans_of(pupil) == {} and marks_of(pupil) == {}
    report.refresh_from_db()
    assert report.status == AbsenceReport.Status.WITHDRAWN
    assert report.decision_note == "Feeling better"
    assert kinds(pupil)[-1] == ReportEvent.WITHDRAWN


def test_withdrawing_keeps_marks_already_taken_unless_the_office_says_so(
    school, week, pupil, illness, office
):
    report = log(school, pupil, illness, office, last_day=TUE)
    with scope(school=school):
        report_withdraw(report=report, actor=office, role=Role.OFFICE, why="Wrong pupil")
    assert {m.code_id for m in marks_of(pupil).values()} == {"I"}
    assert plans_of(pupil) == {}

    again = log(school, pupil, illness, office)
    with scope(school=school):
        report_withdraw(
            report=again, actor=office, role=Role.OFFICE, why="Wrong pupil", amend_marks=True
        )
    assert {m.code_id for m in marks_of(pupil).values()} == {"N"}
    with scopes_disabled():
        assert Amendment.objects.filter(mark__pupil=pupil, new_code="N").count() == 2


def test_withdrawing_needs_a_reason(school, week, pupil, illness, office):
    report = log(school, pupil, illness, office, first_day=TUE, last_day=TUE)
    with scope(school=school), pytest.raises(ValidationError, match="Say why"):
        report_withdraw(report=report, actor=office, role=Role.OFFICE, why="  ")
    assert len(plans_of(pupil)) == 2


# ---- Bad input ---------------------------------------------------------------------------


def test_bad_input_is_refused_with_field_messages_and_nothing_changed(
    school, other_school, week, pupil, illness, office
):
    other_contact = ContactFactory(pupil=PupilFactory(school=school))
    leave = AbsenceReasonFactory(school=school, name="Family funeral", code_id="C")
    cases = [
        (dict(last_day=MON, first_period="PM", last_period="AM"), "last_day"),
        (dict(contact=other_contact), "contact"),
        (dict(reporter="", contact=None), "reporter"),
        (dict(reason=leave), "reason"),
        (dict(channel="pigeon"), "channel"),
        (dict(first_day=dt.date(2024, 9, 14), last_day=dt.date(2024, 9, 15)), "first_day"),
        (dict(last_day=dt.date(2025, 3, 1)), "last_day"),
        (dict(on_conflict="maybe"), "on_conflict"),
    ]
    for change, field in cases:
        args = {"reporter": "Mum", **change}
        with pytest.raises(ValidationError) as refused:
            log(school, pupil, args.pop("reason", illness), office, **args)
        assert field in refused.value.message_dict, (change, refused.value.message_dict)
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0
    assert marks_of(pupil) == {} and plans_of(pupil) == {}


def test_a_parent_cannot_report_a_past_day(school, week, pupil, mother, illness):
    with pytest.raises(ValidationError) as refused:
        log(
            school,
            pupil,
            illness,
            None,
            mother,
            source="parent",
            channel="portal",
            role="parent",
            first_day=dt.date(2024, 9, 6),
        )
    assert "first_day" in refused.value.message_dict


def test_span_sessions_honours_the_periods_at_both_ends(school, week):
    with scope(school=school):
        sessions = span_sessions(
            school=school, first_day=MON, first_period="PM", last_day=WED, last_period="AM"
        )
    assert [(s.date, s.period) for s in sessions] == [
        (MON, "PM"),
        (TUE, "AM"),
        (TUE, "PM"),
        (WED, "AM"),
    ]


def test_a_report_for_days_the_pupil_is_not_on_roll_is_refused_whole(
    school, week, pupil, illness, office
):
    """Leaving on Tuesday: a report to Wednesday says which session is wrong, and
    nothing is written (nor any event): one transaction."""
    with scopes_disabled():
        type(pupil).objects.filter(pk=pupil.pk).update(on_roll_to=TUE)
        pupil.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        log(school, pupil, illness, office, last_day=WED)
    assert any("Wed 11 Sep AM: Not on roll" in m for m in refused.value.messages)
    with scopes_disabled():
        assert AbsenceReport.objects.count() == 0
    assert marks_of(pupil) == {} and plans_of(pupil) == {} and kinds(pupil) == []


def test_a_parents_illness_report_accepted_automatically_is_entered_as_the_parents(
    school, week, pupil, mother, illness
):
    """The portal passes accept=True where the school accepts illness on the day."""
    report = log(
        school,
        pupil,
        illness,
        None,
        mother,
        source="parent",
        channel="portal",
        role="",
        accept=True,
    )
    assert report.status == AbsenceReport.Status.ACCEPTED
    marks = marks_of(pupil)
    assert {m.source for m in marks.values()} == {"parent"} and len(marks) == 2
    assert all(m.is_pre_entered for m in marks.values())


def test_a_pending_report_overlapping_an_accepted_one_cannot_be_accepted(
    school, week, pupil, mother, illness, office
):
    pending = parent_log(
        school,
        pupil,
        illness,
        mother,
        first_day=TUE,
        last_day=TUE,
    )
    log(school, pupil, illness, office, first_day=MON, last_day=MON)
    # The office then logs Tuesday too, by phone: the pending one is in the way.
    with pytest.raises(ReportOverlap):
        log(school, pupil, illness, office, first_day=TUE, last_day=TUE)
    with scope(school=school):
        report_accept(report=pending, actor=office, role=Role.OFFICE)
    assert plans_of(pupil) == {(TUE, "AM"): "I", (TUE, "PM"): "I"}


def test_two_parents_reports_with_the_same_reason_merge_while_pending(
    school, week, pupil, mother, illness
):
    first = parent_log(
        school,
        pupil,
        illness,
        mother,
        first_day=TUE,
        last_day=TUE,
    )
    second = parent_log(
        school,
        pupil,
        illness,
        mother,
        first_day=TUE,
        last_day=WED,
    )
    assert second.pk == first.pk and second.merged
    first.refresh_from_db()
    assert (first.last_day, first.status) == (WED, AbsenceReport.Status.PENDING)
    assert plans_of(pupil) == {}


def test_a_leave_planned_for_a_day_to_come_is_a_conflict_not_overwritten(
    school, week, pupil, illness, office
):
    """A granted leave's planned entry (C) on Wednesday: the call does not silently
    replace it; kept, the rest of the report is entered."""
    with scopes_disabled():
        marks_write(
            school=school,
            entries=[MarkEntry(pupil_id=pupil.pk, code="C", session=week[(WED, "AM")])],
            actor=office,
            role=Role.HEADTEACHER,
            source=Mark.Source.LEAVE,
        )
    with pytest.raises(ReportConflict) as asked:
        log(school, pupil, illness, office, first_day=TUE, last_day=WED)
    assert [h.label for h in asked.value.sessions] == [
        "Wed 11 Sep AM is planned as C (approved leave)"
    ]
    report = log(school, pupil, illness, office, first_day=TUE, last_day=WED, on_conflict="keep")
    assert plans_of(pupil) == {
        (TUE, "AM"): "I",
        (TUE, "PM"): "I",
        (WED, "AM"): "C",
        (WED, "PM"): "I",
    }
    with scope(school=school):
        report_withdraw(report=report, actor=office, role=Role.OFFICE, why="Wrong pupil")
    assert plans_of(pupil) == {(WED, "AM"): "C"}  # the leave's entry is not the report's
