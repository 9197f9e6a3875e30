"""Leave of absence (issue 9, "Leave-of-absence workflow"): the school's checks at their
edges, what a decision writes to the register through the one mark writer, refused
leave taken, overlaps and withdrawal (RULES.md BS-21..23, BH-28..32, DS-38/39, BL-12).

The clock stands at 07:30 on Monday 13 January 2025 (London), before the morning
register opens, in the example school year (tests.factories.school_calendar).
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django_scopes import scopes_disabled

from absences.events import LeaveEvent
from absences.leave_presets import leave_checks_for
from absences.models import LeaveRequest
from absences.selectors.leave import leave_assess, refused_leave_taken
from absences.services.leave import leave_request_submit, leave_request_withdraw
from absences.services.leave_decide import (
    leave_ask_information,
    leave_decide,
    leave_refused_taken,
    leave_reopen,
)
from registers.models import Amendment, Event, Mark, PlannedEntry, Role
from registers.services.marks import MarkEntry, MarksInvalid, marks_write
from registers.tenancy import school_scope
from tests.factories import (
    ContactFactory,
    PupilFactory,
    UserFactory,
    mark_days,
    school_calendar,
    staff,
)

MON = dt.date(2025, 1, 13)
NOW = dt.datetime(2025, 1, 13, 7, 30, tzinfo=dt.UTC)
Status = LeaveRequest.Status


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def year(school):
    return school_calendar(school)


@pytest.fixture
def pupil(school, group, year):
    return PupilFactory(school=school, registration_group=group)


@pytest.fixture
def parent(pupil):
    user = UserFactory()
    ContactFactory(pupil=pupil, user=user, name="Ada Lovelace")
    return user


@pytest.fixture
def head(school):
    return staff(school, Role.HEADTEACHER, first_name="Mary", last_name="Seacole")


def day(n: int) -> dt.date:
    """The n-th calendar day after today (Monday 13 January 2025)."""
    return MON + dt.timedelta(days=n)


def ask(school, pupil, parent, *, first=None, last=None, ground="C", **kwargs):
    """A parent asks for leave (whole days, Monday to Friday four weeks ahead by default)."""
    first, last = first or day(28), last or day(32)
    args = dict(
        school=school,
        pupil=pupil,
        user=parent,
        first_day=first,
        first_period="AM",
        last_day=last,
        last_period="PM",
        ground=ground,
        reason="My grandmother's funeral in Lagos.",
    )
    args.update(kwargs)
    with school_scope(school):
        return leave_request_submit(**args)


def assess(school, pupil, *, first, requested_on=MON, ground="C"):
    with school_scope(school):
        return leave_assess(
            school=school,
            pupil=pupil,
            first=(first, "AM"),
            last=(first + dt.timedelta(days=4), "PM"),
            requested_on=requested_on,
            ground=ground,
        )


def rule(result, name):
    return next(c for c in result["checks"] if c["rule"] == name)


def use_preset(school, preset):
    with scopes_disabled():
        school.policy_preset = preset
        school.save()


def plans_of(pupil):
    with scopes_disabled():
        return {
            (p.session.date, p.session.period): (p.code_id, p.source)
            for p in PlannedEntry.objects.filter(pupil=pupil).select_related("session")
        }


def marks_of(pupil):
    with scopes_disabled():
        return {(m.date, m.session.period): m for m in Mark.objects.filter(pupil=pupil)}


def decide(request, head, status, **kwargs):
    with school_scope(request.school_id):
        return leave_decide(
            request=request, user=head, role=Role.HEADTEACHER, status=status, **kwargs
        )


# ---- The school's checks at their edges (DESIGN §9 leave_assess) ------------------------


def test_notice_of_13_days_is_flagged_and_14_days_is_not_bs21_bh28(school, pupil):
    use_preset(school, "blue-sky")
    assert rule(assess(school, pupil, first=day(14)), "notice_period")["passed"] is True
    short = rule(assess(school, pupil, first=day(13)), "notice_period")
    assert short["passed"] is False
    assert "13 days" in short["detail"] and "not a reason to refuse" in short["detail"]


def test_leave_beginning_on_the_day_it_is_asked_for_is_retrospective_bh31(school, pupil):
    assert rule(assess(school, pupil, first=MON), "retrospective")["passed"] is False
    assert rule(assess(school, pupil, first=day(1)), "retrospective")["passed"] is True


def test_authorised_absence_of_exactly_10pct_passes_and_above_fails_bh30(school, pupil):
    use_preset(school, "burton-hathow")
    autumn = [dt.date(2024, 9, 9) + dt.timedelta(days=d) for d in range(14) if d % 7 < 5]
    mark_days(pupil, {d: ("I" if d == autumn[0] else "/") for d in autumn})  # 2 of 20
    at_limit = rule(assess(school, pupil, first=day(21)), "authorised_over_10pct")
    assert at_limit["passed"] is True and "2 of 20" in at_limit["detail"]
    mark_days(pupil, {dt.date(2024, 9, 23): ("I", "/")})  # 3 of 22
    assert rule(assess(school, pupil, first=day(21)), "authorised_over_10pct")["passed"] is False


def test_one_unauthorised_session_this_year_fails_the_record_check_bh29(school, pupil):
    use_preset(school, "burton-hathow")
    mark_days(pupil, {dt.date(2024, 9, 9): "/"})
    assert rule(assess(school, pupil, first=day(21)), "unauthorised_on_record")["passed"]
    mark_days(pupil, {dt.date(2024, 9, 10): ("O", "/")})
    found = rule(assess(school, pupil, first=day(21)), "unauthorised_on_record")
    assert found["passed"] is False and found["detail"].startswith("1 session ")


def test_a_family_holiday_fails_the_holiday_check_bs23_bl12(school, pupil):
    assert rule(assess(school, pupil, first=day(21), ground="G"), "holiday")["passed"] is False
    assert rule(assess(school, pupil, first=day(21), ground="J1"), "holiday")["passed"] is True


def test_each_preset_shows_only_its_checks_and_a_switched_off_check_is_left_out(school, pupil):
    use_preset(school, "burton-hathow")
    names = [c["rule"] for c in assess(school, pupil, first=day(21))["checks"]]
    assert names == [
        "notice_period",
        "retrospective",
        "unauthorised_on_record",
        "authorised_over_10pct",
        "holiday",
    ]
    with school_scope(school):
        checks = leave_checks_for(school)
        checks.retrospective = False
        checks.save()
    names = [c["rule"] for c in assess(school, pupil, first=day(21))["checks"]]
    assert "retrospective" not in names


def test_dsat_has_no_notice_period_ds38(school, pupil):
    use_preset(school, "dsat")
    names = [c["rule"] for c in assess(school, pupil, first=day(3))["checks"]]
    assert names == ["retrospective", "holiday"]


def test_attendance_now_and_if_granted_come_from_the_year_to_date(school, pupil):
    days = [dt.date(2024, 9, 9) + dt.timedelta(days=d) for d in range(14) if d % 7 < 5]
    mark_days(pupil, {d: "/" for d in days})  # 20 of 20
    result = assess(school, pupil, first=day(21))  # a week: 10 sessions
    assert result["sessions"] == 10
    assert str(result["attendance_pct_now"]) == "100.00"
    assert str(result["attendance_pct_if_granted"]) == "66.67"  # 20 of 30


# ---- Submitting ----------------------------------------------------------------------------


def test_a_parent_submits_and_the_change_is_recorded_with_who(school, pupil, parent):
    request = ask(school, pupil, parent)
    with scopes_disabled():
        assert request.status == Status.SUBMITTED
        assert request.requested_by_contact.user == parent
        event = Event.objects.get(kind=LeaveEvent.SUBMITTED)
        assert (event.actor, event.params["request_id"]) == (parent, request.pk)


def test_someone_without_parental_responsibility_cannot_ask(school, pupil):
    user = UserFactory()
    ContactFactory(pupil=pupil, user=user, parental_responsibility=False)
    with pytest.raises(PermissionDenied):
        ask(school, pupil, user)


def test_a_request_overlapping_another_is_refused_with_a_clear_message(school, pupil, parent):
    ask(school, pupil, parent, first=day(28), last=day(29))
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, first=day(29), last=day(31))
    assert "overlap" in refused.value.message_dict["first_day"][0]
    with scopes_disabled():
        assert LeaveRequest.objects.count() == 1


def test_a_request_ending_in_the_morning_does_not_overlap_one_starting_that_afternoon(
    school, pupil, parent
):
    ask(school, pupil, parent, first=day(28), last=day(29), last_period="AM")
    ask(school, pupil, parent, first=day(29), last=day(30), first_period="PM")


def test_a_request_overlapping_an_accepted_absence_report_is_refused(school, pupil, parent):
    from tests.absences.factories import AbsenceReportFactory

    AbsenceReportFactory(pupil=pupil, first_day=day(29), last_day=day(29), status="accepted")
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, first=day(28), last=day(30))
    assert "already reported" in refused.value.message_dict["first_day"][0]


def test_a_request_covering_only_a_weekend_is_refused(school, pupil, parent):
    saturday = day(5)
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, first=saturday, last=saturday + dt.timedelta(days=1))
    assert "no school sessions" in refused.value.message_dict["first_day"][0]


# ---- Decisions and the register ------------------------------------------------------------


def test_a_grant_pre_enters_future_sessions_as_planned_leave_entries(school, pupil, parent, head):
    request = ask(school, pupil, parent, ground="J1", first=day(28), last=day(28))
    decided = decide(request, head, Status.GRANTED)
    assert decided.request.status == Status.GRANTED
    assert plans_of(pupil) == {(day(28), "AM"): ("J1", "leave"), (day(28), "PM"): ("J1", "leave")}
    with scopes_disabled():
        assert Event.objects.filter(kind=LeaveEvent.GRANTED, actor=head).count() == 1


def test_granted_leave_is_locked_for_the_class_teacher(school, pupil, parent, head, clock):
    request = ask(school, pupil, parent, ground="J1", first=day(1), last=day(1))
    decide(request, head, Status.GRANTED)
    clock.move_to(dt.datetime(2025, 1, 14, 8, 45, tzinfo=dt.UTC))
    teacher = staff(school, Role.TEACHER)
    with scopes_disabled():
        session = next(s for (d, p), s in _sessions(school, day(1)).items() if p == "AM")
    with school_scope(school), pytest.raises(MarksInvalid):
        marks_write(
            school=school,
            entries=[MarkEntry(pupil_id=pupil.pk, code="/", session=session)],
            actor=teacher,
            role=Role.TEACHER,
            source=Mark.Source.REGISTER,
            can_change_pre_entered=False,
        )


def _sessions(school, on):
    from registers.models import Session

    return {(s.date, s.period): s for s in Session.objects.filter(school=school, date=on)}


def test_a_later_grant_amends_an_n_already_on_the_register(school, pupil, parent, head):
    """Leave asked on paper for last Friday, whose register holds N (issue 9, faults)."""
    friday = dt.date(2025, 1, 10)
    mark_days(pupil, {friday: "N"})
    office = staff(school, Role.OFFICE)
    request = ask(
        school,
        pupil,
        office,
        first=friday,
        last=friday,
        role=Role.OFFICE,
        requested_on=dt.date(2025, 1, 8),
    )
    decide(request, head, Status.GRANTED)
    marks = marks_of(pupil)
    assert {marks[(friday, p)].code_id for p in ("AM", "PM")} == {"C"}
    with scopes_disabled():
        amendments = Amendment.objects.filter(mark__pupil=pupil)
        assert {(a.original_code, a.new_code) for a in amendments} == {("N", "C")}
        assert all(f"request {request.pk}" in a.reason for a in amendments)


def test_a_grant_leaves_a_present_mark_standing_and_says_so(school, pupil, head):
    friday = dt.date(2025, 1, 10)
    mark_days(pupil, {friday: ("/", "N")})
    office = staff(school, Role.OFFICE)
    request = ask(
        school,
        pupil,
        office,
        first=friday,
        last=friday,
        role=Role.OFFICE,
        requested_on=dt.date(2025, 1, 8),
    )
    decided = decide(request, head, Status.GRANTED)
    assert decided.kept == [("2025-01-10 AM", "/")]
    marks = marks_of(pupil)
    assert (marks[(friday, "AM")].code_id, marks[(friday, "PM")].code_id) == ("/", "C")


def test_a_partial_grant_pre_enters_only_the_chosen_sessions(school, pupil, parent, head):
    request = ask(school, pupil, parent, first=day(28), last=day(29))
    decide(
        request,
        head,
        Status.PARTLY_GRANTED,
        decision="The Thursday only: the funeral is that day.",
        sessions=[f"{day(28)} AM", f"{day(28)} PM"],
    )
    assert set(plans_of(pupil)) == {(day(28), "AM"), (day(28), "PM")}


def test_a_refusal_needs_a_reason_and_changes_nothing_without_one(school, pupil, parent, head):
    request = ask(school, pupil, parent)
    with pytest.raises(ValidationError) as refused:
        decide(request, head, Status.REFUSED)
    assert "reason" in refused.value.message_dict["decision"][0]
    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == Status.SUBMITTED


def test_refused_leave_taken_becomes_g_with_the_decision_referenced_bh32(
    school, pupil, parent, head, clock
):
    request = ask(school, pupil, parent, ground="G", first=day(1), last=day(2))
    decide(request, head, Status.REFUSED, decision="Family holidays are not granted.")
    assert plans_of(pupil) == {}
    # Tuesday: the teacher marks N at both registers; the sweep runs after each closes.
    clock.move_to(dt.datetime(2025, 1, 14, 9, 30, tzinfo=dt.UTC))
    teacher = staff(school, Role.TEACHER)
    with school_scope(school):
        for session in _sessions(school, day(1)).values():
            marks_write(
                school=school,
                entries=[MarkEntry(pupil_id=pupil.pk, code="N", session=session)],
                actor=teacher,
                role=Role.TEACHER,
                source=Mark.Source.REGISTER,
            )
    clock.move_to(dt.datetime(2025, 1, 14, 16, 0, tzinfo=dt.UTC))
    with school_scope(school):
        assert leave_refused_taken(school=school) == 2
        assert leave_refused_taken(school=school) == 0  # idempotent
    marks = marks_of(pupil)
    assert {marks[(day(1), p)].code_id for p in ("AM", "PM")} == {"G"}
    assert f"Refused leave request {request.pk}" in marks[(day(1), "AM")].note
    with school_scope(school):
        taken = refused_leave_taken(school=school, pupil_ids=[pupil.pk], start=MON, end=day(7))
    assert taken == {pupil.pk: 2}


def test_a_g_outside_any_refused_request_is_not_refused_leave_taken(school, pupil):
    mark_days(pupil, {dt.date(2025, 1, 10): "G"})
    with school_scope(school):
        assert (
            refused_leave_taken(
                school=school, pupil_ids=[pupil.pk], start=dt.date(2025, 1, 1), end=MON
            )
            == {}
        )


def test_a_refusal_of_days_already_marked_n_turns_them_into_g_at_once(school, pupil, head):
    friday = dt.date(2025, 1, 10)
    mark_days(pupil, {friday: "N"})
    office = staff(school, Role.OFFICE)
    request = ask(
        school,
        pupil,
        office,
        first=friday,
        last=friday,
        role=Role.OFFICE,
        requested_on=dt.date(2025, 1, 8),
    )
    decided = decide(request, head, Status.REFUSED, decision="Not exceptional.")
    assert decided.refused_taken == 2
    assert {m.code_id for m in marks_of(pupil).values()} == {"G"}


def test_only_a_decider_decides(school, pupil, parent):
    request = ask(school, pupil, parent)
    office = staff(school, Role.OFFICE)
    with school_scope(school), pytest.raises(PermissionDenied):
        leave_decide(request=request, user=office, role=Role.OFFICE, status=Status.GRANTED)


def test_a_decision_on_a_stale_page_is_refused(school, pupil, parent, head):
    request = ask(school, pupil, parent)
    with school_scope(school):
        leave_ask_information(
            request=request, user=head, role=Role.HEADTEACHER, message="Send the invitation."
        )
    with pytest.raises(ValidationError) as refused:
        decide(request, head, Status.GRANTED, seen_version=1)
    assert "changed since" in refused.value.message_dict["status"][0]


# ---- Withdrawing ---------------------------------------------------------------------------


def test_withdrawing_granted_leave_before_it_begins_leaves_no_planned_entry(
    school, pupil, parent, head
):
    request = ask(school, pupil, parent, ground="J1")
    decide(request, head, Status.GRANTED)
    assert plans_of(pupil)
    with school_scope(school):
        leave_request_withdraw(request=request, user=parent, why="The interview moved online.")
    assert plans_of(pupil) == {}
    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == Status.WITHDRAWN
        assert Event.objects.get(kind=LeaveEvent.WITHDRAWN).params["planned_withdrawn"] == 10


def test_reopening_a_grant_takes_its_planned_entries_back(school, pupil, parent, head):
    request = ask(school, pupil, parent, ground="J1")
    decide(request, head, Status.GRANTED)
    with school_scope(school):
        leave_reopen(request=request, user=head, role=Role.HEADTEACHER, why="Wrong pupil.")
    assert plans_of(pupil) == {}


def test_another_family_cannot_withdraw_a_request(school, pupil, parent):
    request = ask(school, pupil, parent)
    stranger = UserFactory()
    ContactFactory(pupil=PupilFactory(school=school), user=stranger)
    with school_scope(school), pytest.raises(PermissionDenied):
        leave_request_withdraw(request=request, user=stranger, why="Mischief")


def test_a_withdrawn_request_frees_its_sessions_for_a_new_one(school, pupil, parent):
    first = ask(school, pupil, parent)
    with school_scope(school):
        leave_request_withdraw(request=first, user=parent, why="Wrong dates.")
    again = ask(school, pupil, parent)
    assert again.pk != first.pk and again.status == Status.SUBMITTED


def test_a_refused_request_cannot_be_withdrawn_and_says_why(school, pupil, parent, head):
    request = ask(school, pupil, parent, ground="G")
    decide(request, head, Status.REFUSED, decision="Not exceptional.")
    with school_scope(school), pytest.raises(ValidationError) as refused:
        leave_request_withdraw(request=request, user=parent, why="Never mind.")
    assert "is refused: there is nothing to withdraw" in refused.value.message_dict["status"][0]
