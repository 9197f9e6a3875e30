"""Planned entries (DESIGN.md §5): what the office knows ahead is not a mark until the
register is saved or the session has closed; withdrawing it leaves nothing behind."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from registers import tasks
from registers.models import Amendment, Mark, PlannedEntry, Register, Role
from registers.selectors import local_today
from registers.services import mark_record, planned_entries_due, planned_withdraw
from registers.tenancy import school_scope
from tests.factories import PupilFactory, SessionFactory
from tests.registers.register.helpers import register_url

LONDON = ZoneInfo("Europe/London")
DAY = dt.date(2024, 9, 9)
# The Friday before: the office takes a parent's call about Monday.
FRIDAY_NOON = dt.datetime(2024, 9, 6, 12, 0, tzinfo=LONDON)


@pytest.fixture
def pupils(school, group):
    return [PupilFactory(school=school, registration_group=group) for _ in range(3)]


def plan(office, pupil, session, code="I", *, now=FRIDAY_NOON, source=Mark.Source.OFFICE):
    with school_scope(pupil.school):
        return mark_record(
            school=pupil.school,
            pupil=pupil,
            session=session,
            code=code,
            user=office,
            role=Role.OFFICE,
            source=source,
            note="Mum rang: chickenpox",
            now=now,
        )


def test_an_entry_for_a_day_still_to_come_is_a_planned_entry_not_a_mark(school, office, pupils):
    monday = SessionFactory(school=school, date=DAY, period="AM")

    result = plan(office, pupils[0], monday)

    assert (result.planned, result.created) == (1, 0)
    with scopes_disabled():
        assert not Mark.objects.exists()
        planned = PlannedEntry.objects.get()
    assert (planned.pupil, planned.session, planned.code_id) == (pupils[0], monday, "I")
    assert (planned.source, planned.created_by) == ("office", office)


def test_withdrawing_a_report_before_the_day_leaves_nothing(school, office, pupils):
    monday = SessionFactory(school=school, date=DAY, period="AM")
    plan(office, pupils[0], monday)

    with school_scope(school):
        withdrawn = planned_withdraw(school=school, pupil=pupils[0], sessions=[monday])

    assert withdrawn == 1
    with scopes_disabled():
        assert not PlannedEntry.objects.exists()
        assert not Mark.objects.exists()
        assert not Amendment.objects.exists()


def test_the_register_shows_a_planned_entry_locked_and_saving_it_makes_the_mark(
    client, school, group, teacher, office, pupils
):
    monday = SessionFactory(school=school, date=DAY, period="AM")
    plan(office, pupils[0], monday)
    client.force_login(teacher)

    page = client.get(register_url(group, monday)).content.decode()
    assert f'name="code-{pupils[0].pk}"' not in page  # locked for the teacher
    assert '<span class="badge">Planned</span>' in page
    assert "Mum rang: chickenpox" in page

    others = {f"code-{p.pk}": "/" for p in pupils[1:]}
    response = client.post(register_url(group, monday), {"action": "save", **others})

    assert response.status_code == 302
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupils[0])
        assert not PlannedEntry.objects.exists()
        assert Mark.objects.filter(session=monday).count() == 3
    # The mark keeps where it came from and who entered it; it stays locked.
    assert (mark.code_id, mark.source, mark.recorded_by, mark.note) == (
        "I",
        "office",
        office,
        "Mum rang: chickenpox",
    )
    assert mark.pre_entered


def test_a_teacher_cannot_overwrite_a_planned_entry_by_posting(
    client, school, group, teacher, office, pupils
):
    monday = SessionFactory(school=school, date=DAY, period="AM")
    plan(office, pupils[0], monday)
    client.force_login(teacher)

    data = {"action": "save", **{f"code-{p.pk}": "/" for p in pupils}}
    response = client.post(register_url(group, monday), data)

    assert response.status_code == 400
    assert "Office entered I: only office staff can change it." in response.content.decode()
    with scopes_disabled():
        assert not Mark.objects.exists()
        assert PlannedEntry.objects.get().code_id == "I"


def test_planned_entries_of_a_closed_session_become_marks_once_however_often_beat_runs(
    school, office, pupils
):
    monday = SessionFactory(school=school, date=DAY, period="AM")
    plan(office, pupils[0], monday)
    plan(office, pupils[1], monday, "M", source=Mark.Source.LEAVE)

    assert tasks.planned_entries_due_at_school.delay(school.pk).get() == 2
    assert tasks.planned_entries_due_at_school.delay(school.pk).get() == 0

    with scopes_disabled():
        marks = {m.pupil: m for m in Mark.objects.filter(session=monday)}
        assert not PlannedEntry.objects.exists()
        assert not Register.objects.exists()  # nobody took the register
    assert {p: (m.code_id, m.source) for p, m in marks.items()} == {
        pupils[0]: ("I", "office"),
        pupils[1]: ("M", "leave"),
    }


def test_a_planned_entry_waits_until_its_register_has_closed(school, office, pupils):
    monday = SessionFactory(school=school, date=DAY, period="AM")  # closes 09:05
    plan(office, pupils[0], monday)

    with school_scope(school):
        before = planned_entries_due(
            school=school, now=dt.datetime(2024, 9, 9, 9, 4, tzinfo=LONDON)
        )
        after = planned_entries_due(school=school, now=dt.datetime(2024, 9, 9, 9, 6, tzinfo=LONDON))

    assert (before.created, after.created) == (0, 1)


def test_a_teacher_saving_present_marks_for_a_day_that_has_not_come_is_refused(
    client, school, group, teacher, pupils
):
    tomorrow = SessionFactory(
        school=school, date=local_today(school) + dt.timedelta(days=1), period="AM"
    )
    client.force_login(teacher)

    response = client.post(
        register_url(group, tomorrow), {"action": "save", f"code-{pupils[0].pk}": "/"}
    )

    assert response.status_code == 400
    assert f"{tomorrow.date:%A %d %B %Y} has not come yet: / is recorded on the day itself." in (
        response.content.decode()
    )
    absent = client.post(
        register_url(group, tomorrow), {"action": "save", f"code-{pupils[0].pk}": "I"}
    )
    assert absent.status_code == 400
    assert "absences known in advance are entered by the office" in absent.content.decode()
    with scopes_disabled():
        assert not Mark.objects.exists() and not PlannedEntry.objects.exists()


def test_the_office_pre_enters_a_known_absence_for_a_day_to_come_on_the_register(
    client, school, group, office, pupils
):
    tomorrow = SessionFactory(
        school=school, date=local_today(school) + dt.timedelta(days=1), period="AM"
    )
    client.force_login(office)

    present = client.post(
        register_url(group, tomorrow), {"action": "save", f"code-{pupils[1].pk}": "/"}
    )
    assert present.status_code == 400  # nobody is present ahead of the day
    response = client.post(
        register_url(group, tomorrow), {"action": "save", f"code-{pupils[0].pk}": "M"}
    )

    assert response.status_code == 302
    with scopes_disabled():
        assert not Mark.objects.exists()
        assert not Register.objects.exists()  # nothing is taken ahead of the day
        planned = PlannedEntry.objects.get()
    assert (planned.pupil, planned.code_id, planned.created_by) == (pupils[0], "M", office)


def test_saving_the_register_through_the_api_makes_its_planned_entries_marks(
    school, group, teacher, office, pupils
):
    from rest_framework.test import APIClient

    monday = SessionFactory(school=school, date=DAY, period="AM")
    plan(office, pupils[0], monday)
    api = APIClient()
    api.force_login(teacher)
    path = reverse(
        "api:register",
        kwargs={
            "school_slug": school.slug,
            "group_id": group.pk,
            "day": DAY.isoformat(),
            "period": "AM",
        },
    )
    shown = api.get(path).data["pupils"]
    assert [line["planned"]["code"] for line in shown if line["planned"]] == ["I"]

    lines = [{"pupil": p.pk, "code": "/"} for p in pupils[1:]]
    response = api.put(path, {"marks": lines}, format="json")

    assert response.status_code == 200, response.data
    assert (response.data["marked"], response.data["complete"]) == (3, True)
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupils[0]).source == "office"
        assert not PlannedEntry.objects.exists()
