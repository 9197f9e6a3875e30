"""The register in a browser: saving, pre-entered marks, changing saved marks, two people
at once, and the query counts."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from registers.models import Amendment, Mark, Register, Role
from registers.stats import code_rules
from tests.factories import (
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    staff,
)
from tests.registers.register.helpers import (
    DAY,
    LONDON,
    am_time,
    form_for,
    my_url,
    register_url,
    selected_code,
)

# ---- Saving ---------------------------------------------------------------------------


def test_saving_records_marks_takes_the_register_and_says_so(client, group, teacher, am, pupils):
    client.force_login(teacher)
    response = client.post(register_url(group, am), form_for(pupils, ["/", "/", "N", "I"]))
    assert response.status_code == 302
    assert response.url == register_url(group, am)
    with scopes_disabled():
        marks = {m.pupil_id: m for m in Mark.objects.filter(session=am)}
        assert [marks[p.pk].code_id for p in pupils] == ["/", "/", "N", "I"]
        assert all(m.recorded_by == teacher and m.version == 1 for m in marks.values())
        register = Register.objects.get(registration_group=group, session=am)
        assert register.taken_by == teacher
        assert not Amendment.objects.exists()  # a first entry is not an amendment
        page = client.get(response.url)
        assert "Register saved: 4 marks" in page.content.decode()
        assert [selected_code(page, p) for p in pupils] == ["/", "/", "N", "I"]


def test_blank_lines_stay_unmarked(client, group, teacher, am, pupils):
    client.force_login(teacher)
    data = form_for(pupils, ["/", "", "N", ""])
    response = client.post(register_url(group, am), data, follow=True)
    assert "Register saved: 2 marks" in response.content.decode()
    assert "2 pupils not marked yet" in response.content.decode()
    with scopes_disabled():
        assert set(Mark.objects.filter(session=am).values_list("pupil_id", flat=True)) == {
            pupils[0].pk,
            pupils[2].pk,
        }


def test_saving_nothing_is_refused_and_does_not_take_the_register(
    client, group, teacher, am, pupils
):
    client.force_login(teacher)
    response = client.post(register_url(group, am), form_for(pupils, ["", "", "", ""]))
    assert response.status_code == 400
    assert "Nothing to save" in response.content.decode()
    assert not Register.objects.exists()


@pytest.mark.parametrize(
    ("period", "arrival", "code", "minutes"),
    [
        ("AM", "08:45", "/", None),  # before the late time: present
        ("AM", "09:00", "L", 10),  # after 08:50, before the register closes at 09:05
        ("AM", "09:20", "U", 30),  # after it closes
        ("PM", "13:05", "\\", None),
        ("PM", "13:15", "L", 5),
    ],
)
def test_late_arrivals_are_coded_by_the_sessions_clock(
    client, school, group, teacher, pupils, period, arrival, code, minutes
):
    session = SessionFactory(school=school, date=DAY, period=period)
    client.force_login(teacher)
    pupil = pupils[0]
    data = {
        "action": "save",
        f"code-{pupil.pk}": "L",
        f"arrival-{pupil.pk}": arrival,
        f"version-{pupil.pk}": "0",
    }
    assert client.post(register_url(group, session), data).status_code == 302
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupil, session=session)
        assert (mark.code_id, mark.minutes_late) == (code, minutes)


def test_minutes_late_can_be_given_without_an_arrival_time(client, group, teacher, am, pupils):
    client.force_login(teacher)
    pupil = pupils[0]
    data = {"action": "save", f"code-{pupil.pk}": "L", f"minutes-{pupil.pk}": "7"}
    assert client.post(register_url(group, am), data).status_code == 302
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupil).minutes_late == 7


def test_an_unreadable_arrival_time_is_refused_with_a_message(client, group, teacher, am, pupils):
    client.force_login(teacher)
    data = form_for(pupils, ["L", "/", "/", "/"], **{f"arrival-{pupils[0].pk}": "nine"})
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    assert "Arrival time must be a time like 08:55" in response.content.decode()
    assert not Mark.objects.exists()


def test_an_invalid_code_saves_nothing_and_keeps_the_entries(client, group, teacher, am, pupils):
    client.force_login(teacher)
    response = client.post(register_url(group, am), form_for(pupils, ["/", "/", "QQ", "N"]))
    assert response.status_code == 400
    assert "not a national attendance code" in response.content.decode()
    assert not Mark.objects.exists()
    assert not Register.objects.exists()
    assert selected_code(response, pupils[3]) == "N"


def test_a_pupil_posted_from_another_group_is_refused(client, school, group, teacher, am, pupils):
    stranger = PupilFactory(
        school=school, registration_group=RegistrationGroupFactory(school=school)
    )
    client.force_login(teacher)
    data = form_for(pupils, "////", **{f"code-{stranger.pk}": "N"})
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    assert "Not a pupil of this register" in response.content.decode()
    assert not Mark.objects.exists()


# ---- Pre-entered marks ----------------------------------------------------------------


@pytest.fixture
def reported_ill(am, pupils, office):
    """The office logged a parent's call before registration."""
    return MarkFactory(
        session=am,
        pupil=pupils[1],
        code_id="I",
        source=Mark.Source.PARENT,
        note="Temperature, back Thursday",
        recorded_by=office,
    )


def test_pre_entered_marks_are_shown_locked_to_the_teacher(
    client, group, teacher, am, pupils, reported_ill
):
    client.force_login(teacher)
    response = client.get(register_url(group, am))
    html = response.content.decode()
    assert f'name="code-{pupils[1].pk}"' not in html
    assert "Parent report" in html
    assert "Temperature, back Thursday" in html
    assert "Ask the office to change it" in html
    # The row carries the office's marker; the others do not.
    marked = re.findall(r'id="pupil-(\d+)"[^>]*>\s*<th[^>]*>.*?(flag--office|</th>)', html, re.S)
    assert {int(pk) for pk, end in marked if end == "flag--office"} == {pupils[1].pk}


def test_mark_all_present_leaves_pre_entered_marks_alone(
    client, group, teacher, am, pupils, reported_ill
):
    client.force_login(teacher)
    # Without JavaScript the button fills the form and saves nothing yet.
    filled = client.post(register_url(group, am), {"action": "all_present"})
    assert filled.status_code == 200
    others = [p for p in pupils if p != pupils[1]]
    assert [selected_code(filled, p) for p in others] == ["/", "/", "/"]
    assert f'name="code-{pupils[1].pk}"' not in filled.content.decode()
    with scopes_disabled():
        assert Mark.objects.count() == 1

        response = client.post(register_url(group, am), form_for(others, "///"))
        assert response.status_code == 302
        reported_ill.refresh_from_db()
        assert (reported_ill.code_id, reported_ill.version, reported_ill.source) == (
            "I",
            1,
            "parent",
        )
        assert Mark.objects.filter(session=am, code_id="/").count() == 3


def test_a_teacher_cannot_overwrite_a_pre_entered_mark_by_posting(
    client, group, teacher, am, pupils, reported_ill
):
    client.force_login(teacher)
    data = form_for(pupils, "////", **{f"amend-{pupils[1].pk}": "Saw her in class"})
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    assert "only office staff can change it" in response.content.decode()
    reported_ill.refresh_from_db()
    assert reported_ill.code_id == "I"
    with scopes_disabled():
        assert Mark.objects.count() == 1


def test_the_office_can_change_a_pre_entered_mark_with_a_reason(
    client, group, office, am, pupils, reported_ill
):
    client.force_login(office)
    page = client.get(register_url(group, am))
    assert selected_code(page, pupils[1]) == "I"
    data = form_for(pupils, "////", **{f"version-{pupils[1].pk}": "1"})
    data[f"amend-{pupils[1].pk}"] = "Arrived after all, feeling better"
    assert client.post(register_url(group, am), data).status_code == 302
    with scopes_disabled():
        amendment = Amendment.objects.get()
        assert (amendment.original_code, amendment.new_code) == ("I", "/")
        assert amendment.amended_by_role == "Office staff"


# ---- Changing saved marks -------------------------------------------------------------


def test_a_reason_for_a_change_too_long_to_keep_is_refused_with_a_message(
    client, group, teacher, am, pupils
):
    client.force_login(teacher)
    client.post(register_url(group, am), form_for(pupils, ["/", "N", "/", "/"]))
    changed = form_for(pupils, ["/", "M", "/", "/"], **{f"amend-{pupils[1].pk}": "x" * 501})
    for pupil in pupils:
        changed[f"version-{pupil.pk}"] = "1"

    response = client.post(register_url(group, am), changed)

    assert response.status_code == 400
    assert "may be at most 500 characters" in response.content.decode()
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupils[1]).code_id == "N"
        assert not Amendment.objects.exists()


def test_changing_a_saved_mark_needs_a_reason_and_is_audited(client, group, teacher, am, pupils):
    client.force_login(teacher)
    client.post(register_url(group, am), form_for(pupils, ["/", "N", "/", "/"]))
    changed = form_for(pupils, ["/", "M", "/", "/"])
    for pupil in pupils:
        changed[f"version-{pupil.pk}"] = "1"

    refused = client.post(register_url(group, am), changed)
    assert refused.status_code == 400
    assert "Say why the saved mark N is changed" in refused.content.decode()
    assert selected_code(refused, pupils[1]) == "M"  # the entry is kept
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupils[1]).code_id == "N"
        assert not Amendment.objects.exists()

        changed[f"amend-{pupils[1].pk}"] = "Dentist letter came in"
        assert client.post(register_url(group, am), changed).status_code == 302
        mark = Mark.objects.get(pupil=pupils[1])
        assert (mark.code_id, mark.version) == ("M", 2)
        amendment = Amendment.objects.get()
        assert (amendment.original_code, amendment.new_code) == ("N", "M")
        assert amendment.reason == "Dentist letter came in"
        assert amendment.amended_by_name == "Ada Lovelace"
        assert amendment.amended_by_role == "Class teacher"


def test_saving_again_unchanged_writes_nothing_new(client, group, teacher, am, pupils):
    client.force_login(teacher)
    client.post(register_url(group, am), form_for(pupils, "//N/"))
    again = form_for(pupils, "//N/")
    for pupil in pupils:
        again[f"version-{pupil.pk}"] = "1"
    assert client.post(register_url(group, am), again).status_code == 302
    with scopes_disabled():
        assert set(Mark.objects.values_list("version", flat=True)) == {1}
        assert not Amendment.objects.exists()


# ---- Two people, one register ---------------------------------------------------------


def test_the_second_person_to_save_is_told_and_loses_nothing(
    client, group, teacher, office, am, pupils
):
    from django.test import Client

    other_client = Client()
    client.force_login(teacher)
    other_client.force_login(office)
    # Both open the register while it is empty.
    assert client.get(register_url(group, am)).status_code == 200
    assert other_client.get(register_url(group, am)).status_code == 200

    assert client.post(register_url(group, am), form_for(pupils, "////")).status_code == 302
    late = other_client.post(register_url(group, am), form_for(pupils, ["/", "N", "/", "/"]))

    # Only the real difference is a conflict: the same codes are no conflict at all.
    assert late.status_code == 409
    assert [line.pupil for line in late.context["conflicts"]] == [pupils[1]]
    html = late.content.decode()
    with scopes_disabled():
        saved_at = timezone.localtime(Mark.objects.get(pupil=pupils[1]).recorded_at, LONDON)
    saved = f"{saved_at:%a %d/%m/%Y at %H:%M}"
    assert f"Ada Lovelace saved / (Present (morning)) for Amir Ahmed on {saved}" in html
    assert "you entered N" in html
    assert selected_code(late, pupils[1]) == "N"  # the office's own entry is still there
    with scopes_disabled():
        assert set(Mark.objects.values_list("code_id", "version")) == {("/", 1)}
        assert not Amendment.objects.exists()

        # After a look, the office uses its own entry for that pupil, with a reason.
        versions = {line.pupil.pk: line.version for line in late.context["lines"]}
        retry = form_for(pupils, ["/", "N", "/", "/"])
        retry.update({f"version-{pk}": str(v) for pk, v in versions.items()})
        retry[f"conflict-{pupils[1].pk}"] = "1"
        retry[f"resolve-{pupils[1].pk}"] = "mine"
        retry[f"amend-{pupils[1].pk}"] = "Mum rang: no reason given yet"
        assert other_client.post(register_url(group, am), retry).status_code == 302
        assert Mark.objects.get(pupil=pupils[1]).code_id == "N"
        assert Amendment.objects.get().original_code == "/"


# ---- Speed ----------------------------------------------------------------------------


# School, user, roles (middleware; the session comes from the cache); group with
# "teaches it?", session, pupils with their planned entries, marks, national codes, the
# school's popular codes, the register row, the school's reasons.
# 12: the marks of the last five school days, one query for the whole group.
OPEN_QUERIES = 12
# The middleware's three; group, session, pupils with planned entries; then the writer:
# savepoint, marks for update, one insert, the register row (one upsert), its
# register_saved event, release.
# It was 18 before the one writer (bench/bench_register.py prints the figures).
SAVE_QUERIES = 12


@pytest.mark.parametrize("size", [5, 30])
def test_opening_and_saving_do_not_grow_with_the_group(
    client, school, group, teacher, am, size, django_assert_num_queries
):
    pupils = [PupilFactory(school=school, registration_group=group) for _ in range(size)]
    code_rules()  # reference data read once per process
    client.force_login(teacher)
    with django_assert_num_queries(OPEN_QUERIES):
        assert client.get(register_url(group, am)).status_code == 200
    with django_assert_num_queries(SAVE_QUERIES):
        response = client.post(register_url(group, am), form_for(pupils, ["/"] * size))
    assert response.status_code == 302
    with scopes_disabled():
        assert Mark.objects.filter(session=am).count() == size


MY_REGISTERS_QUERIES = 10  # middleware 3; groups, sessions, on roll, marked, taken, prev, next


@pytest.mark.parametrize(("groups", "size"), [(2, 3), (6, 12)])
def test_the_list_of_registers_does_not_grow_with_the_school(
    client, school, office, am, pm, groups, size, django_assert_num_queries
):
    for _ in range(groups):
        group = RegistrationGroupFactory(school=school)
        for pupil in [PupilFactory(school=school, registration_group=group) for _ in range(size)]:
            MarkFactory(session=am, pupil=pupil)
        Register.objects.create(
            school=school,
            registration_group=group,
            session=am,
            taken_by=office,
            taken_at=am_time(),
            last_saved_by=office,
            last_saved_at=am_time(),
        )
    client.force_login(office)
    with django_assert_num_queries(MY_REGISTERS_QUERIES):
        response = client.get(my_url(school, date="2024-09-09"))
    assert len(response.context["group_days"]) == groups


def test_a_pupil_number_too_large_for_any_row_is_refused_not_a_crash(
    client, group, teacher, am, pupils
):
    client.force_login(teacher)
    data = form_for(pupils, ["/"] * len(pupils))
    data["code-99999999999999999999999"] = "/"
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    assert "Not a pupil of this register" in response.content.decode()
    with scopes_disabled():
        assert not Mark.objects.filter(session=am).exists()


def test_the_menu_offers_letters_and_settings_by_role(client, school, teacher, office):
    home = reverse("registers:school_home", args=[school.slug])
    letters = reverse("letters:index", args=[school.slug])
    reasons = reverse("registers:reasons", args=[school.slug])

    def nav(user):
        client.force_login(user)
        html = client.get(home).content.decode()
        return html.split('<nav aria-label="Main">')[1].split("</nav>")[0]

    assert letters not in nav(teacher) and reasons not in nav(teacher)
    assert letters in nav(office) and reasons not in nav(office)
    lead = nav(staff(school, Role.ATTENDANCE_LEAD))
    assert letters in lead and reasons in lead
    for url in (letters, reasons):
        assert client.get(url).status_code == 200  # the lead may open what is offered
