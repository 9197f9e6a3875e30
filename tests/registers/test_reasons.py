"""The school's own absence reasons: the settings page, and choosing one on the register."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from registers.models import AbsenceReason, Amendment, Mark, Role
from tests.factories import MarkFactory, PupilFactory, SessionFactory, staff

DAY = dt.date(2024, 9, 9)


def reasons_url(school):
    return reverse("registers:reasons", kwargs={"school_slug": school.slug})


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


def reason(school, name="Hospital appointment", code="M", active=True):
    return AbsenceReason.objects.create(school=school, name=name, code_id=code, active=active)


@pytest.fixture
def lead(school):
    return staff(school, Role.ATTENDANCE_LEAD)


@pytest.fixture
def teacher(school, group):
    user = staff(school, Role.TEACHER)
    group.teachers.add(user)
    return user


@pytest.fixture
def am(school):
    return SessionFactory(school=school, date=DAY, period="AM")


@pytest.fixture
def pupils(school, group):
    return [
        PupilFactory(school=school, registration_group=group, legal_surname=s)
        for s in ("Ahmed", "Baker", "Carter")
    ]


def reason_options(response, pupil):
    """The reasons offered on a pupil's line, as the person sees them."""
    html = response.content.decode()
    select = re.search(rf'<select id="reason-{pupil.pk}".*?</select>', html, re.S)
    if select is None:
        return []
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(0))


def state_text(response, pupil):
    html = response.content.decode()
    return re.search(rf'id="state-{pupil.pk}" data-state>([^<]*)<', html).group(1)


# ---- Who may open the settings page ---------------------------------------------------


@pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.SCHOOL_ADMIN, Role.HEADTEACHER])
def test_the_schools_leads_open_the_reasons_page(client, school, role):
    reason(school, "Hospital appointment", "M")
    client.force_login(staff(school, role))
    response = client.get(reasons_url(school))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hospital appointment" in html
    assert "medical or dental appointment" in html


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE, Role.ATTENDANCE_OFFICER])
def test_colleagues_with_other_roles_are_refused(client, school, role):
    client.force_login(staff(school, role))
    assert client.get(reasons_url(school)).status_code == 403
    data = {"action": "add", "name": "Hospital appointment", "code": "M"}
    assert client.post(reasons_url(school), data).status_code == 403
    assert not AbsenceReason.objects.exists()


def test_someone_from_another_school_gets_404(client, school, other_school):
    client.force_login(staff(other_school, Role.SCHOOL_ADMIN))
    assert client.get(reasons_url(school)).status_code == 404
    data = {"action": "add", "name": "Hospital appointment", "code": "M"}
    assert client.post(reasons_url(school), data).status_code == 404
    assert not AbsenceReason.objects.exists()


def test_the_school_home_links_the_page_for_those_who_may_open_it(client, school, lead, teacher):
    home = reverse("registers:school_home", args=[school.slug])
    client.force_login(lead)
    assert reasons_url(school) in client.get(home).content.decode()
    client.force_login(teacher)
    assert reasons_url(school) not in client.get(home).content.decode()


def test_only_this_schools_reasons_are_listed(client, school, other_school, lead):
    reason(school, "Hospital appointment")
    reason(other_school, "Orthodontist")
    client.force_login(lead)
    html = client.get(reasons_url(school)).content.decode()
    assert "Hospital appointment" in html
    assert "Orthodontist" not in html


# ---- Adding a reason ------------------------------------------------------------------


def test_adding_a_reason(client, school, lead):
    client.force_login(lead)
    data = {"action": "add", "name": "  Hospital   appointment ", "code": "M"}
    response = client.post(reasons_url(school), data, follow=True)
    assert response.redirect_chain == [(reasons_url(school), 302)]
    with scopes_disabled():
        added = AbsenceReason.objects.get()
        assert (added.school, added.name, added.code_id, added.active) == (
            school,
            "Hospital appointment",
            "M",
            True,
        )
        assert "“Hospital appointment” (M) added" in response.content.decode()


def test_the_code_list_is_grouped_and_leaves_out_the_present_marks(client, school, lead):
    client.force_login(lead)
    form = client.get(reasons_url(school)).context["form"]
    groups = dict(form.fields["code"].choices[1:])
    offered = [code for choices in groups.values() for code, _ in choices]
    assert "Unauthorised absence" in groups
    assert "M" in offered and "L" in offered and "G" in offered
    assert "/" not in offered and "\\" not in offered
    assert len(offered) == 32


def test_a_duplicate_name_is_refused_whatever_its_capitals(client, school, lead):
    reason(school, "Hospital appointment", "M")
    client.force_login(lead)
    data = {"action": "add", "name": "hospital APPOINTMENT", "code": "I"}
    response = client.post(reasons_url(school), data)
    assert response.status_code == 400
    assert "There is already a reason called “hospital APPOINTMENT”" in response.content.decode()
    with scopes_disabled():
        assert AbsenceReason.objects.count() == 1


def test_the_same_name_at_another_school_is_no_duplicate(client, school, other_school, lead):
    reason(other_school, "Hospital appointment", "M")
    client.force_login(lead)
    data = {"action": "add", "name": "Hospital appointment", "code": "M"}
    assert client.post(reasons_url(school), data).status_code == 302
    with scopes_disabled():
        assert AbsenceReason.objects.filter(school=school).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "code": "M"}, "Give the reason a name"),
        ({"name": "Hospital appointment", "code": ""}, "Choose the national code"),
        ({"name": "Hospital appointment", "code": "/"}, "Choose one of the national codes"),
        ({"name": "Hospital appointment", "code": "QQ"}, "Choose one of the national codes"),
        ({"name": "x" * 101, "code": "M"}, "at most 100 characters"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_added(client, school, lead, data, message):
    client.force_login(lead)
    response = client.post(reasons_url(school), {"action": "add", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "The reason was not added" in response.content.decode()
    assert not AbsenceReason.objects.exists()


# ---- Retiring and restoring -----------------------------------------------------------


def test_retire_and_restore(client, school, lead):
    hospital = reason(school)
    client.force_login(lead)
    retire = {"action": "retire", "reason": hospital.pk}
    response = client.post(reasons_url(school), retire, follow=True)
    assert "“Hospital appointment” is retired" in response.content.decode()
    hospital.refresh_from_db()
    assert not hospital.active
    assert "Retired" in response.content.decode()

    again = client.post(reasons_url(school), retire, follow=True)
    assert "was already retired" in again.content.decode()

    restore = {"action": "restore", "reason": hospital.pk}
    response = client.post(reasons_url(school), restore, follow=True)
    assert "offered on the register again" in response.content.decode()
    hospital.refresh_from_db()
    assert hospital.active
    with scopes_disabled():
        assert AbsenceReason.objects.count() == 1


@pytest.mark.parametrize("posted", ["theirs", "", "abc", "²", "999999", "9" * 30])
def test_retiring_a_reason_that_is_not_the_schools_is_404(
    client, school, other_school, lead, posted
):
    theirs = reason(other_school, "Orthodontist")
    client.force_login(lead)
    reason_id = theirs.pk if posted == "theirs" else posted
    response = client.post(reasons_url(school), {"action": "retire", "reason": reason_id})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.active


def test_someone_from_another_school_cannot_retire_a_reason(client, school, other_school):
    hospital = reason(school)
    client.force_login(staff(other_school, Role.SCHOOL_ADMIN))
    data = {"action": "retire", "reason": hospital.pk}
    assert client.post(reasons_url(school), data).status_code == 404
    hospital.refresh_from_db()
    assert hospital.active


def test_a_teacher_cannot_retire_a_reason(client, school, teacher):
    hospital = reason(school)
    client.force_login(teacher)
    data = {"action": "retire", "reason": hospital.pk}
    assert client.post(reasons_url(school), data).status_code == 403
    hospital.refresh_from_db()
    assert hospital.active


SETTINGS_QUERIES = 5  # school, user, roles (middleware); national codes; reasons


@pytest.mark.parametrize("count", [2, 12])
def test_the_reasons_page_does_not_grow_with_the_list(
    client, school, lead, count, django_assert_num_queries
):
    for i in range(count):
        reason(school, f"Reason {i}", "M", active=i % 2 == 0)
    client.force_login(lead)
    with django_assert_num_queries(SETTINGS_QUERIES):
        response = client.get(reasons_url(school))
    assert len(response.context["reasons"]) == count


# ---- On the register ------------------------------------------------------------------


def test_the_register_offers_the_active_reasons_only(
    client, school, other_school, teacher, group, am, pupils
):
    reason(school, "Hospital appointment", "M")
    reason(school, "Funeral", "C")
    reason(school, "Old reason", "I", active=False)
    reason(other_school, "Orthodontist", "M")
    client.force_login(teacher)
    response = client.get(register_url(group, am))
    assert reason_options(response, pupils[0]) == ["Funeral (C)", "Hospital appointment (M)"]
    html = response.content.decode()
    assert 'data-code="M"' in html
    assert "Old reason" not in html and "Orthodontist" not in html


def test_without_reasons_the_register_has_no_reason_field(client, teacher, group, am, pupils):
    client.force_login(teacher)
    response = client.get(register_url(group, am))
    assert 'name="reason-' not in response.content.decode()


def test_saving_with_a_reason_records_it_and_says_so(client, school, teacher, group, am, pupils):
    hospital = reason(school, "Hospital appointment", "M")
    client.force_login(teacher)
    data = {"action": "save"}
    for pupil, code in zip(pupils, ["/", "M", "/"], strict=True):
        data[f"code-{pupil.pk}"] = code
    data[f"reason-{pupils[1].pk}"] = str(hospital.pk)
    data[f"reason-{pupils[0].pk}"] = ""
    response = client.post(register_url(group, am), data)
    assert response.status_code == 302
    with scopes_disabled():
        marks = {m.pupil_id: m for m in Mark.objects.filter(session=am)}
        assert marks[pupils[1].pk].reason == hospital
        assert marks[pupils[0].pk].reason is None

        page = client.get(register_url(group, am))
        assert state_text(page, pupils[1]) == "M Medical · Hospital appointment"
        assert "selected>Hospital appointment (M)</option>" in page.content.decode()


def test_a_reason_for_another_code_is_refused_and_nothing_saved(
    client, school, teacher, group, am, pupils
):
    hospital = reason(school, "Hospital appointment", "M")
    client.force_login(teacher)
    data = {"action": "save", **{f"code-{p.pk}": "/" for p in pupils}}
    data[f"code-{pupils[2].pk}"] = "N"
    data[f"reason-{pupils[2].pk}"] = str(hospital.pk)
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    line = next(line for line in response.context["lines"] if line.pupil == pupils[2])
    assert line.errors == ["Hospital appointment is recorded as M, not N."]
    assert 'id="errors-' + str(pupils[2].pk) + '"' in response.content.decode()
    assert not Mark.objects.exists()


def test_another_schools_reason_is_refused(
    client, school, other_school, teacher, group, am, pupils
):
    theirs = reason(other_school, "Orthodontist", "M")
    client.force_login(teacher)
    data = {"action": "save", f"code-{pupils[0].pk}": "M", f"reason-{pupils[0].pk}": theirs.pk}
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    assert "No such reason at this school" in response.content.decode()
    assert not Mark.objects.exists()


@pytest.mark.parametrize("posted", ["dentist", "-1", "9" * 30])
def test_an_unreadable_reason_is_refused(client, teacher, group, am, pupils, posted):
    client.force_login(teacher)
    data = {"action": "save", f"code-{pupils[0].pk}": "M", f"reason-{pupils[0].pk}": posted}
    response = client.post(register_url(group, am), data)
    assert response.status_code == 400
    assert "Choose a reason from the list" in response.content.decode()
    assert not Mark.objects.exists()


@pytest.fixture
def hospital_mark(school, am, pupils, teacher):
    """Baker is recorded at a hospital appointment."""
    hospital = reason(school, "Hospital appointment", "M")
    return MarkFactory(
        session=am, pupil=pupils[1], code_id="M", reason=hospital, recorded_by=teacher
    )


def resave(pupils, code, **extra):
    data = {"action": "save", f"code-{pupils[1].pk}": code, f"version-{pupils[1].pk}": "1"}
    data.update(extra)
    return data


def test_a_retired_reason_stays_on_the_marks_that_have_it(
    client, school, teacher, group, am, pupils, hospital_mark
):
    with scopes_disabled():
        AbsenceReason.objects.filter(pk=hospital_mark.reason_id).update(active=False)
        client.force_login(teacher)
        page = client.get(register_url(group, am))
        assert reason_options(page, pupils[0]) == []  # not offered for anyone else
        assert reason_options(page, pupils[1]) == ["Hospital appointment (M), retired"]
        assert state_text(page, pupils[1]) == "M Medical · Hospital appointment"

        posted = {f"reason-{pupils[1].pk}": str(hospital_mark.reason_id)}
        response = client.post(register_url(group, am), resave(pupils, "M", **posted))
        assert response.status_code == 302
        hospital_mark.refresh_from_db()
        assert hospital_mark.reason_id is not None


def test_changing_the_code_lets_go_of_a_saved_reason_posted_back_unchanged(
    client, teacher, group, am, pupils, hospital_mark
):
    client.force_login(teacher)
    data = resave(
        pupils,
        "I",
        **{
            f"reason-{pupils[1].pk}": str(hospital_mark.reason_id),
            f"amend-{pupils[1].pk}": "Mum rang: ill, not at hospital",
        },
    )
    assert client.post(register_url(group, am), data).status_code == 302
    hospital_mark.refresh_from_db()
    assert (hospital_mark.code_id, hospital_mark.reason) == ("I", None)
    with scopes_disabled():
        assert Amendment.objects.get().new_code == "I"


def test_a_post_without_the_reason_field_keeps_the_saved_reason(
    client, teacher, group, am, pupils, hospital_mark
):
    # Older forms and the benchmark post no reason field at all.
    client.force_login(teacher)
    data = resave(pupils, "M", **{f"note-{pupils[1].pk}": "Letter seen"})
    assert client.post(register_url(group, am), data).status_code == 302
    hospital_mark.refresh_from_db()
    assert (hospital_mark.note, hospital_mark.reason_id is not None) == ("Letter seen", True)


def test_choosing_no_reason_removes_it(client, teacher, group, am, pupils, hospital_mark):
    client.force_login(teacher)
    data = resave(pupils, "M", **{f"reason-{pupils[1].pk}": ""})
    assert client.post(register_url(group, am), data).status_code == 302
    hospital_mark.refresh_from_db()
    assert (hospital_mark.code_id, hospital_mark.reason) == ("M", None)
