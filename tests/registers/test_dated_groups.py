"""A pupil's registration group is dated (DESIGN.md §4): a past register lists who was in
it that day, a move starts on its date and never rewrites the past, figures by group
use the group the pupil was in on each session."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from registers.groups import MoveRefused, group_move
from registers.models import Amendment, GroupMembership, Mark, Role
from registers.selectors import register_roll, register_statuses
from registers.stats import code_rules
from registers.stats_groups import summarise_by_group
from registers.tenancy import school_scope, scopes_disabled
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    UserFactory,
    staff,
)

MON, TUE, WED, THU = (dt.date(2024, 9, 9) + dt.timedelta(days=n) for n in range(4))
DAYS = (MON, TUE, WED, THU)
MOVE = WED


@pytest.fixture
def ash(school):
    return RegistrationGroupFactory(school=school, name="Ash 4")


@pytest.fixture
def birch(school):
    return RegistrationGroupFactory(school=school, name="Birch 4")


@pytest.fixture
def ash_teacher(school, ash):
    user = staff(school, Role.TEACHER, first_name="Ada", last_name="Ash")
    ash.teachers.add(user)
    return user


@pytest.fixture
def sessions(school):
    return {
        (day, period): SessionFactory(school=school, date=day, period=period)
        for day in DAYS
        for period in ("AM", "PM")
    }


@pytest.fixture
def mover(school, ash):
    return PupilFactory(
        school=school, registration_group=ash, legal_forename="Mo", legal_surname="Ver"
    )


@pytest.fixture
def stayer(school, ash):
    return PupilFactory(school=school, registration_group=ash)


def move(school, pupil, group, effective):
    with school_scope(school):
        return group_move(school=school, pupil=pupil, group=group, effective=effective)


def roll(school, group, day):
    with school_scope(school):
        return set(register_roll(school=school, group=group, day=day))


def spells(pupil):
    with scopes_disabled():
        return [
            (s.group.name, s.starts, s.ends)
            for s in GroupMembership.objects.filter(pupil=pupil).order_by("starts")
        ]


def register_url(group, session):
    return reverse(
        "registers:register",
        kwargs={
            "school_slug": group.school.slug,
            "group_id": group.pk,
            "day": session.date,
            "period": session.period,
        },
    )


def mark_every_session(pupil, sessions, code="/"):
    for (_, period), session in sessions.items():
        MarkFactory(session=session, pupil=pupil, code_id=code if period == "AM" else "\\")


# ---- The tried case: Ash -> Birch, end to end ---------------------------------------------


def test_after_a_move_ash_past_register_still_lists_the_pupil_with_their_marks(
    client, school, ash, birch, ash_teacher, sessions, mover, stayer
):
    MarkFactory(session=sessions[(MON, "AM")], pupil=mover, code_id="N")
    move(school, mover, birch, MOVE)

    client.force_login(ash_teacher)
    response = client.get(register_url(ash, sessions[(MON, "AM")]))

    assert response.status_code == 200
    lines = {line.pupil: line for line in response.context["lines"]}
    assert set(lines) == {mover, stayer}
    assert lines[mover].saved_code == "N"


def test_the_new_groups_registers_start_on_the_move_date(
    school, ash, birch, sessions, mover, stayer
):
    move(school, mover, birch, MOVE)

    assert roll(school, birch, TUE) == set()
    assert roll(school, birch, MOVE) == {mover}
    assert roll(school, ash, TUE) == {mover, stayer}
    assert roll(school, ash, MOVE) == {stayer}
    with scopes_disabled():
        mover.refresh_from_db()
    assert mover.registration_group == birch  # the latest group, for lists and letters


def test_ash_teacher_corrects_their_own_past_register_after_the_pupil_moved(
    client, school, ash, birch, ash_teacher, sessions, mover, stayer
):
    session = sessions[(MON, "AM")]
    mark = MarkFactory(session=session, pupil=mover, code_id="N")
    move(school, mover, birch, MOVE)

    client.force_login(ash_teacher)
    response = client.post(
        register_url(ash, session),
        {
            "action": "save",
            f"code-{mover.pk}": "I",
            f"version-{mover.pk}": str(mark.version),
            f"amend-{mover.pk}": "Mum rang: he was ill",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        mark.refresh_from_db()
        amendment = Amendment.objects.get(mark=mark)
    assert mark.code_id == "I"
    assert (amendment.original_code, amendment.new_code) == ("N", "I")
    assert amendment.amended_by == ash_teacher


def test_the_new_groups_register_cannot_mark_the_pupil_before_the_move(
    client, school, ash, birch, sessions, mover
):
    birch_teacher = staff(school, Role.TEACHER)
    birch.teachers.add(birch_teacher)
    move(school, mover, birch, MOVE)

    client.force_login(birch_teacher)
    response = client.post(
        register_url(birch, sessions[(MON, "AM")]),
        {"action": "save", f"code-{mover.pk}": "/", f"version-{mover.pk}": "0"},
    )

    assert response.status_code == 400
    with scopes_disabled():
        assert not Mark.objects.filter(pupil=mover).exists()


def test_figures_by_group_split_at_the_move_in_one_query(
    school, ash, birch, sessions, mover, stayer, django_assert_num_queries
):
    mark_every_session(mover, sessions)
    mark_every_session(stayer, sessions)
    move(school, mover, birch, MOVE)
    code_rules()  # reference data, read once per process

    with school_scope(school), django_assert_num_queries(1):
        by_group = summarise_by_group(school=school, start=MON, end=THU)

    assert by_group[ash.pk][mover.pk].possible == 4  # Monday and Tuesday
    assert by_group[birch.pk][mover.pk].possible == 4  # Wednesday and Thursday
    assert by_group[ash.pk][stayer.pk].possible == 8
    assert stayer.pk not in by_group[birch.pk]


def test_my_registers_count_the_pupils_in_each_group_that_day(
    school, ash, birch, sessions, mover, stayer
):
    MarkFactory(session=sessions[(TUE, "AM")], pupil=mover)
    MarkFactory(session=sessions[(WED, "AM")], pupil=mover)
    move(school, mover, birch, MOVE)

    with school_scope(school):
        before = register_statuses(
            school=school, groups=[ash, birch], sessions=[sessions[(TUE, "AM")]]
        )
        after = register_statuses(
            school=school, groups=[ash, birch], sessions=[sessions[(WED, "AM")]]
        )

    tue, wed = sessions[(TUE, "AM")].pk, sessions[(WED, "AM")].pk
    assert (before[(ash.pk, tue)].on_roll, before[(ash.pk, tue)].marked) == (2, 1)
    assert (before[(birch.pk, tue)].on_roll, before[(birch.pk, tue)].marked) == (0, 0)
    assert (after[(ash.pk, wed)].on_roll, after[(ash.pk, wed)].marked) == (1, 0)
    assert (after[(birch.pk, wed)].on_roll, after[(birch.pk, wed)].marked) == (1, 1)


@pytest.mark.parametrize(("groups", "size"), [(2, 2), (5, 8)])
def test_register_statuses_take_three_queries_whatever_the_school(
    school, sessions, groups, size, django_assert_num_queries
):
    made = [RegistrationGroupFactory(school=school) for _ in range(groups)]
    for n, group in enumerate(made):
        for _ in range(size):
            pupil = PupilFactory(school=school, registration_group=group)
            MarkFactory(session=sessions[(MON, "AM")], pupil=pupil)
            if n:
                move(school, pupil, made[0], TUE)
    day = [sessions[(MON, "AM")], sessions[(MON, "PM")]]

    with school_scope(school), django_assert_num_queries(3):
        statuses = register_statuses(school=school, groups=made, sessions=day)

    assert statuses[(made[-1].pk, day[0].pk)].marked == size


# ---- Moves never rewrite the past -------------------------------------------------------


def test_a_move_dated_before_the_current_group_started_is_refused(school, ash, birch, mover):
    cedar = RegistrationGroupFactory(school=school, name="Cedar 4")
    move(school, mover, birch, MOVE)

    with pytest.raises(MoveRefused) as refused:
        move(school, mover, cedar, TUE)

    assert f"in Birch 4 from {MOVE:%Y-%m-%d}" in refused.value.messages[0]
    assert spells(mover) == [("Ash 4", mover.on_roll_from, TUE), ("Birch 4", MOVE, None)]


def test_a_second_move_on_the_same_day_replaces_the_first(school, ash, birch, mover):
    cedar = RegistrationGroupFactory(school=school, name="Cedar 4")
    move(school, mover, birch, MOVE)
    move(school, mover, cedar, MOVE)
    assert spells(mover) == [("Ash 4", mover.on_roll_from, TUE), ("Cedar 4", MOVE, None)]

    move(school, mover, ash, MOVE)  # the move is called off
    assert spells(mover) == [("Ash 4", mover.on_roll_from, None)]


def test_moving_to_the_group_the_pupil_is_in_changes_nothing(school, ash, mover):
    done = move(school, mover, ash, MOVE)
    assert (done.moved, done.unchanged) == (0, 1)
    assert spells(mover) == [("Ash 4", mover.on_roll_from, None)]


def test_a_move_never_touches_marks(school, ash, birch, sessions, mover):
    mark_every_session(mover, sessions)
    with scopes_disabled():
        before = list(Mark.objects.filter(pupil=mover).values_list("pk", "code", "version"))

    move(school, mover, birch, MOVE)

    with scopes_disabled():
        assert list(Mark.objects.filter(pupil=mover).values_list("pk", "code", "version")) == (
            before
        )


def test_a_group_of_another_school_is_refused(school, other_school, mover):
    elsewhere = RegistrationGroupFactory(school=other_school)
    with pytest.raises(ValidationError):
        move(school, mover, elsewhere, MOVE)
    assert spells(mover)[-1][2] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an exclusion constraint")
def test_the_database_refuses_overlapping_spells_however_they_are_written(school, ash, birch):
    pupil = PupilFactory(school=school, registration_group=ash)  # Ash from 2020-09-01, open
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(school=school, pupil=pupil, group=birch, starts=MOVE)


# ---- The API reads the group as dated ---------------------------------------------------


def api_register(school, group, session):
    return reverse(
        "api:register",
        kwargs={
            "school_slug": school.slug,
            "group_id": group.pk,
            "day": session.date.isoformat(),
            "period": session.period,
        },
    )


def test_the_api_register_of_a_past_day_lists_and_saves_who_was_in_the_group(
    school, ash, birch, ash_teacher, sessions, mover, stayer
):
    api = APIClient()
    api.force_login(ash_teacher)
    move(school, mover, birch, MOVE)
    monday = sessions[(MON, "AM")]

    listed = api.get(api_register(school, ash, monday))
    saved = api.put(
        api_register(school, ash, monday),
        {"marks": [{"pupil": mover.pk, "code": "/"}, {"pupil": stayer.pk, "code": "/"}]},
        format="json",
    )

    assert listed.status_code == 200
    assert {line["pupil"]["id"] for line in listed.data["pupils"]} == {mover.pk, stayer.pk}
    assert saved.status_code == 200, saved.data
    with scopes_disabled():
        assert Mark.objects.get(pupil=mover, session=monday).code_id == "/"


def test_the_api_register_of_the_new_group_refuses_the_pupil_before_the_move(
    school, ash, birch, sessions, mover
):
    office = staff(school, Role.OFFICE)
    api = APIClient()
    api.force_login(office)
    move(school, mover, birch, MOVE)

    response = api.put(
        api_register(school, birch, sessions[(MON, "AM")]),
        {"marks": [{"pupil": mover.pk, "code": "/"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.data["marks"][str(mover.pk)]["pupil"] == ["Not a pupil of this register."]


def test_the_pupil_list_filters_by_the_group_on_the_day_asked_or_today(
    school, ash, birch, mover, stayer
):
    office = staff(school, Role.OFFICE)
    api = APIClient()
    api.force_login(office)
    move(school, mover, birch, MOVE)

    def ids(**params):
        response = api.get(reverse("api:pupils", kwargs={"school_slug": school.slug}), params)
        assert response.status_code == 200, response.data
        return {row["id"] for row in response.data["results"]}

    assert ids(registration_group=ash.pk, on_roll=TUE.isoformat()) == {mover.pk, stayer.pk}
    assert ids(registration_group=birch.pk, on_roll=TUE.isoformat()) == set()
    assert ids(registration_group=ash.pk) == {stayer.pk}  # today, after the move
    assert ids(registration_group=birch.pk) == {mover.pk}


def test_the_admin_shows_a_pupils_dated_groups_and_cannot_change_the_latest_one(
    client, school, ash, birch, mover
):
    move(school, mover, birch, MOVE)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.get(reverse("admin:registers_pupil_change", args=[mover.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ash 4" in html and "Birch 4" in html
    assert 'name="registration_group"' not in html
