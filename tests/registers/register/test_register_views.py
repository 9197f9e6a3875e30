"""The register in a browser: the teacher's list and opening one register."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from registers.models import Mark, Register, Role
from registers.selectors import local_today
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    staff,
)
from tests.registers.register.helpers import (
    DAY,
    am_time,
    form_for,
    my_url,
    register_url,
    selected_code,
)

# ---- My registers ---------------------------------------------------------------------


def test_a_teacher_sees_their_own_groups_only(client, school, group, teacher, am, pm):
    other = RegistrationGroupFactory(school=school, name="Willow Class")
    client.force_login(teacher)
    response = client.get(my_url(school, date="2024-09-09"))
    assert response.status_code == 200
    assert [gd.group for gd in response.context["group_days"]] == [group]
    assert other.name not in response.content.decode()


def test_the_office_sees_every_group_taken_only_when_every_pupil_has_a_mark(
    client, school, group, office, am, pm, pupils
):
    other = RegistrationGroupFactory(school=school, name="Willow Class")
    PupilFactory(school=school, registration_group=other)
    Register.objects.create(
        school=school,
        registration_group=group,
        session=am,
        taken_by=office,
        taken_at=am_time(),
        last_saved_by=office,
        last_saved_at=am_time(),
    )
    for pupil in pupils[:3]:
        MarkFactory(session=am, pupil=pupil)
    client.force_login(office)
    response = client.get(my_url(school, date="2024-09-09"))
    rows = {gd.group.name: gd.statuses for gd in response.context["group_days"]}
    assert set(rows) == {group.name, other.name}
    group_am, group_pm = rows[group.name]
    # Saved, but one pupil has no mark: not taken, and it says how far it got.
    assert (group_am.taken, group_am.marked, group_am.on_roll) == (False, 3, 4)
    assert (group_pm.taken, group_pm.marked, group_pm.on_roll) == (False, 0, 4)
    assert not rows[other.name][0].taken
    assert "Not taken: 3 of 4 marked" in response.content.decode()

    MarkFactory(session=am, pupil=pupils[3])
    response = client.get(my_url(school, date="2024-09-09"))
    group_am = {gd.group.name: gd.statuses for gd in response.context["group_days"]}[group.name][0]
    assert (group_am.taken, group_am.marked) == (True, 4)


def test_today_is_the_schools_local_date(client, school, group, teacher):
    today = local_today(school)
    PupilFactory(school=school, registration_group=group)
    SessionFactory(school=school, date=today, period="AM")
    client.force_login(teacher)
    response = client.get(my_url(school))
    assert response.context["day"] == today
    assert register_url(group, day=today, period="AM") in response.content.decode()


def test_a_day_without_school_says_so_and_links_the_next_school_day(client, school, group, teacher):
    later = local_today(school) + dt.timedelta(days=3)
    SessionFactory(school=school, date=later, period="AM")
    client.force_login(teacher)
    response = client.get(my_url(school))
    html = response.content.decode()
    assert "is not a school day" in html
    assert f"?date={later.isoformat()}" in html


def test_an_unreadable_date_is_explained_not_a_crash(client, school, teacher):
    client.force_login(teacher)
    response = client.get(my_url(school, date="9th-September"))
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_an_implausible_date_shows_today_and_says_why(client, school, teacher):
    client.force_login(teacher)
    response = client.get(my_url(school, date="0001-01-01"))
    assert response.status_code == 200
    assert response.context["day"] != dt.date(1, 1, 1)
    assert "0001-01-01 is not a plausible date" in response.content.decode()


def test_saving_a_register_with_marks_already_there_does_not_call_them_unmarked(
    client, school, group, teacher, office, am, pupils
):
    # One mark saved earlier by the office (editable) and one entered ahead (locked).
    client.force_login(office)
    client.post(register_url(group, am), form_for(pupils[:1], ["I"]))
    MarkFactory(school=school, session=am, pupil=pupils[1], code_id="M", source="office")
    with scopes_disabled():
        Mark.objects.filter(pupil=pupils[1]).update(pre_entered=True)
    client.force_login(teacher)
    page = client.get(register_url(group, am))
    versions = {line.pupil.pk: line.version for line in page.context["lines"]}
    form = form_for(pupils[2:], ["/"] * (len(pupils) - 2))
    form.update({f"version-{pk}": str(versions[pk]) for pk in (pupils[0].pk,)})

    saved = client.post(register_url(group, am), form, follow=True)

    said = [str(m) for m in saved.context["messages"]]
    assert not any("not marked yet" in text for text in said), said
    assert "Taken" in saved.content.decode()


def test_a_future_register_offers_no_mark_all_present(client, school, group, office, pupils):
    future = SessionFactory(school=school, date=dt.date(2099, 9, 7), period="AM")
    client.force_login(office)
    page = client.get(register_url(group, future, day=future.date)).content.decode()
    assert "Mark all unmarked present" not in page


def test_my_registers_three_actors(client, school, other_school, teacher):
    client.force_login(teacher)
    assert client.get(my_url(school)).status_code == 200
    client.force_login(staff(school, Role.TRUST_LEAD))
    assert client.get(my_url(school)).status_code == 403
    client.force_login(staff(other_school, Role.OFFICE))
    assert client.get(my_url(school)).status_code == 404


def test_school_home_links_follow_the_role(client, school, teacher, office):
    client.force_login(teacher)
    html = client.get(reverse("registers:school_home", args=[school.slug])).content.decode()
    assert reverse("registers:my_registers", args=[school.slug]) in html.split("<main")[1]
    assert reverse("registers:outstanding", args=[school.slug]) not in html.split("<main")[1]
    client.force_login(office)
    html = client.get(reverse("registers:school_home", args=[school.slug])).content.decode()
    assert reverse("registers:outstanding", args=[school.slug]) in html.split("<main")[1]


def test_the_menu_offers_only_pages_the_person_may_open(client, school, teacher, office):
    registers = reverse("registers:my_registers", args=[school.slug])
    outstanding = reverse("registers:outstanding", args=[school.slug])
    home = reverse("registers:school_home", args=[school.slug])

    def nav(user):
        client.force_login(user)
        html = client.get(home).content.decode()
        return html.split('<nav aria-label="Main">')[1].split("</nav>")[0]

    assert registers in nav(teacher) and outstanding not in nav(teacher)
    assert registers in nav(office) and outstanding in nav(office)
    trust_lead = nav(staff(school, Role.TRUST_LEAD))
    assert registers not in trust_lead and outstanding not in trust_lead


# ---- Opening a register ---------------------------------------------------------------


def test_the_group_teacher_opens_the_register_sorted_by_surname(client, group, teacher, am, pupils):
    client.force_login(teacher)
    response = client.get(register_url(group, am))
    assert response.status_code == 200
    names = [line.pupil.display_name for line in response.context["lines"]]
    assert names == ["Amir Ahmed", "Ben Carter", "Ivy Moss", "Zara Young"]
    assert all(selected_code(response, p) == "" for p in pupils)


def test_preferred_names_lead_and_the_legal_name_is_shown_small(client, school, group, teacher, am):
    PupilFactory(
        school=school,
        registration_group=group,
        legal_forename="Alexandra",
        legal_surname="Stone",
        preferred_forename="Sasha",
    )
    client.force_login(teacher)
    html = client.get(register_url(group, am)).content.decode()
    assert "Sasha Stone" in html
    assert "Legal name: Alexandra Stone" in html


def test_vulnerable_pupils_are_marked_discreetly(client, school, group, teacher, am):
    PupilFactory(school=school, registration_group=group, looked_after=True)
    PupilFactory(school=school, registration_group=group)
    client.force_login(teacher)
    html = client.get(register_url(group, am)).content.decode()
    assert html.count("(vulnerable pupil)") == 1


def test_pupils_not_on_roll_that_day_are_not_on_the_register(client, school, group, teacher, am):
    PupilFactory(school=school, registration_group=group, legal_surname="Here")
    PupilFactory(
        school=school, registration_group=group, legal_surname="Left", on_roll_to=DAY.replace(day=1)
    )
    PupilFactory(
        school=school,
        registration_group=group,
        legal_surname="Later",
        on_roll_from=DAY.replace(day=20),
    )
    client.force_login(teacher)
    lines = client.get(register_url(group, am)).context["lines"]
    assert [line.pupil.legal_surname for line in lines] == ["Here"]


def test_the_office_opens_any_groups_register(client, group, office, am, pupils):
    client.force_login(office)
    assert client.get(register_url(group, am)).status_code == 200


def test_a_teacher_of_another_group_is_refused(client, school, group, am, pupils):
    colleague = staff(school, Role.TEACHER)
    RegistrationGroupFactory(school=school).teachers.add(colleague)
    client.force_login(colleague)
    assert client.get(register_url(group, am)).status_code == 403
    assert client.post(register_url(group, am), form_for(pupils, "////")).status_code == 403
    assert not Mark.objects.exists()


def test_a_colleague_with_no_register_role_is_refused(client, school, group, am):
    client.force_login(staff(school, Role.TRUST_LEAD))
    assert client.get(register_url(group, am)).status_code == 403


def test_someone_from_another_school_cannot_save_and_gets_404(
    client, other_school, group, am, pupils
):
    client.force_login(staff(other_school, Role.HEADTEACHER))
    assert client.post(register_url(group, am), form_for(pupils, "////")).status_code == 404
    assert not Mark.objects.exists()
    assert not Register.objects.exists()


@pytest.mark.parametrize("field", ["note", "amend"])
def test_a_nul_character_in_a_note_or_reason_is_refused_not_a_crash(
    client, group, teacher, am, pupils, field
):
    client.force_login(teacher)
    data = form_for(pupils, "////", **{f"{field}-{pupils[0].pk}": "Dentist\x00"})

    response = client.post(register_url(group, am), data)

    assert response.status_code == 400
    assert "may not contain a NUL character" in response.content.decode()
    assert not Mark.objects.exists()


def test_a_group_number_too_large_for_any_row_is_404(client, school, office, am):
    client.force_login(office)
    url = f"/{school.slug}/registers/{'9' * 25}/{DAY.isoformat()}/AM/"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("path_day", ["2024-02-30", "2024-9-9", "yesterday"])
def test_a_bad_date_is_404(client, school, group, teacher, am, path_day):
    client.force_login(teacher)
    assert client.get(f"/{school.slug}/registers/{group.pk}/{path_day}/AM/").status_code == 404


def test_a_day_with_no_session_is_404(client, group, teacher, am):
    client.force_login(teacher)
    assert client.get(register_url(group, day=DAY + dt.timedelta(days=5))).status_code == 404
    assert (
        client.get(f"/{group.school.slug}/registers/{group.pk}/2024-09-09/XX/").status_code == 404
    )


def test_the_code_picker_offers_everyday_codes_and_the_schools_favourites(
    client, school, group, teacher, am, pupils
):
    # This school uses C2 (part-time timetables) a lot over the weeks before.
    earlier = SessionFactory(school=school, date=DAY - dt.timedelta(days=3), period="AM")
    for pupil in pupils:
        MarkFactory(session=earlier, pupil=pupil, code_id="C2")
    client.force_login(teacher)
    response = client.get(register_url(group, am))
    picker = response.context["picker"]
    assert [c.code for c in picker.buttons] == ["/", "L", "N", "I", "M", "C2"]
    offered = [c.code for _, choices in picker.groups for c in choices]
    assert len(offered) == 33  # all 34 national codes but the afternoon's present mark
    assert "\\" not in offered
    assert "Unauthorised absence" in response.content.decode()
