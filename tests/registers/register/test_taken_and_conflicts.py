""" "Taken" means every pupil has a mark; two people on one register conflict only where
they differ; the office's advance entries are locked whatever the channel; the office's
current session turns to PM at the school's PM register time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registers.models import Amendment, Mark, RegisterTimes
from registers.selectors import current_period
from registers.tenancy import school_scope
from tests.factories import MarkFactory, PupilFactory, SessionFactory
from tests.registers.register.helpers import register_url

LONDON = ZoneInfo("Europe/London")
DAY = dt.date(2024, 9, 9)


@pytest.fixture
def clock(monkeypatch):
    """Set the time everything reads through django.utils.timezone.now (no sleeping)."""

    def set_to(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def pupils(school, group):
    names = [("Amir", "Ahmed"), ("Ben", "Carter"), ("Ivy", "Moss"), ("Zara", "Young")]
    return [
        PupilFactory(school=school, registration_group=group, legal_forename=f, legal_surname=s)
        for f, s in names
    ]


def api_register_url(group, session):
    return reverse(
        "api:register",
        kwargs={
            "school_slug": group.school.slug,
            "group_id": group.pk,
            "day": session.date.isoformat(),
            "period": session.period,
        },
    )


def form(codes: dict, **extra) -> dict:
    data = {"action": "save"}
    for pupil, code in codes.items():
        data[f"code-{pupil.pk}"] = code
        data.setdefault(f"version-{pupil.pk}", "0")
    data.update(extra)
    return data


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---- Taken ------------------------------------------------------------------------------


def test_one_absence_saved_by_the_office_does_not_make_the_register_taken(
    school, group, teacher, office, am, pupils
):
    assert (
        logged_in(office).post(register_url(group, am), form({pupils[1]: "I"})).status_code == 302
    )

    page = logged_in(teacher).get(register_url(group, am))
    html = page.content.decode()
    assert "Not taken yet</span> 1 of 4 marked" in html
    assert 'class="badge badge--ok">Taken' not in html
    # The teacher sees which pupils are left.
    left = html[html.index('id="still-to-mark"') : html.index("</p>", html.index("still-to-mark"))]
    assert [p.display_name in left for p in pupils] == [True, False, True, True]

    mine = logged_in(teacher).get(
        reverse("registers:my_registers", kwargs={"school_slug": school.slug}) + "?date=2024-09-09"
    )
    assert "Not taken: 1 of 4 marked" in mine.content.decode()
    chase = logged_in(office).get(
        reverse("registers:outstanding", kwargs={"school_slug": school.slug})
        + "?date=2024-09-09&period=AM"
    )
    assert [(st.group, names) for st, names in chase.context["not_taken"]] == [
        (group, ["Ada Lovelace"])
    ]
    assert "1 of 4 marked" in chase.content.decode()


def test_a_register_is_taken_when_every_pupil_on_roll_has_a_mark(
    school, group, teacher, office, am, pupils
):
    logged_in(teacher).post(register_url(group, am), form(dict.fromkeys(pupils, "/")))

    html = logged_in(teacher).get(register_url(group, am)).content.decode()
    assert 'class="badge badge--ok">Taken</span> every pupil has a mark' in html
    chase = logged_in(office).get(
        reverse("registers:outstanding", kwargs={"school_slug": school.slug})
        + "?date=2024-09-09&period=AM"
    )
    assert chase.context["not_taken"] == []
    assert [st.group for st in chase.context["taken"]] == [group]


# ---- Two people, one register ------------------------------------------------------------


def test_two_people_choosing_the_same_codes_is_no_conflict(group, teacher, office, am, pupils):
    all_present = form(dict.fromkeys(pupils, "/"))
    assert logged_in(teacher).post(register_url(group, am), all_present).status_code == 302

    assert logged_in(office).post(register_url(group, am), all_present).status_code == 302

    with scopes_disabled():
        assert set(Mark.objects.values_list("code_id", "version")) == {("/", 1)}
        assert not Amendment.objects.exists()


def test_the_second_person_decides_pupil_by_pupil_each_change_with_its_own_reason(
    group, teacher, office, am, pupils
):
    ada, grace = logged_in(teacher), logged_in(office)
    ada.post(register_url(group, am), form(dict(zip(pupils, ["/", "N", "/", "/"], strict=True))))

    # Grace, from the register as it was when empty: two real differences.
    late = grace.post(
        register_url(group, am), form(dict(zip(pupils, ["/", "I", "/", "M"], strict=True)))
    )
    assert late.status_code == 409
    conflicts = late.context["conflicts"]
    assert [(line.pupil, line.conflict.code_id, line.mine) for line in conflicts] == [
        (pupils[1], "N", "I"),
        (pupils[3], "/", "M"),
    ]
    html = late.content.decode()
    assert 'id="conflict-summary"' in html
    assert html.count('name="resolve-') == 4  # two choices for each of the two pupils

    retry = form(
        dict(zip(pupils, ["/", "I", "/", "M"], strict=True)),
        **{f"version-{p.pk}": "1" for p in pupils},
        **{f"conflict-{pupils[1].pk}": "1", f"conflict-{pupils[3].pk}": "1"},
    )
    undecided = grace.post(register_url(group, am), retry)
    assert undecided.status_code == 400
    assert "Choose whether to keep the saved mark or use yours." in undecided.content.decode()

    retry[f"resolve-{pupils[1].pk}"] = "mine"
    retry[f"amend-{pupils[1].pk}"] = "Mum rang: ill"
    retry[f"resolve-{pupils[3].pk}"] = "saved"
    assert grace.post(register_url(group, am), retry).status_code == 302

    with scopes_disabled():
        codes = dict(Mark.objects.values_list("pupil", "code_id"))
        amendment = Amendment.objects.get()
    assert [codes[p.pk] for p in pupils] == ["/", "I", "/", "/"]
    assert (amendment.original_code, amendment.new_code, amendment.reason) == (
        "N",
        "I",
        "Mum rang: ill",
    )
    assert amendment.amended_by_name == "Grace Hopper"


def test_a_reason_written_for_another_change_is_not_carried_onto_a_conflict(
    group, teacher, office, am, pupils
):
    MarkFactory(session=am, pupil=pupils[1], code_id="N", recorded_by=office)
    ada, grace = logged_in(teacher), logged_in(office)
    # Grace changes N to I with a reason; meanwhile Ada changed N to M.
    ada.post(
        register_url(group, am),
        form(
            {pupils[1]: "M"}, **{f"version-{pupils[1].pk}": "1", f"amend-{pupils[1].pk}": "Dentist"}
        ),
    )
    late = grace.post(
        register_url(group, am),
        form(
            {pupils[1]: "I"},
            **{f"version-{pupils[1].pk}": "1", f"amend-{pupils[1].pk}": "Mum rang"},
        ),
    )

    assert late.status_code == 409
    [line] = late.context["conflicts"]
    assert (line.conflict.code_id, line.mine, line.amend) == ("M", "I", "")
    assert 'value="Mum rang"' not in late.content.decode()


# ---- Pre-entered, whatever the channel -----------------------------------------------------


def test_the_office_covering_an_open_register_does_not_lock_it_for_the_teacher(
    clock, group, teacher, office, am, pupils
):
    # The register opened at 08:40 (SessionFactory); the office takes it at 09:00 for a
    # teacher who is late, and changes one mark after the teacher has saved.
    clock(dt.datetime(2024, 9, 9, 9, 0, tzinfo=LONDON))
    api = APIClient()
    api.force_login(office)
    sent = {"marks": [{"pupil": p.pk, "code": "/"} for p in pupils]}
    assert api.put(api_register_url(group, am), sent, format="json").status_code == 200
    with scopes_disabled():
        assert not Mark.objects.filter(pre_entered=True).exists()

    page = logged_in(teacher).get(register_url(group, am)).content.decode()
    assert "Ask the office to change it" not in page
    teacher_api = APIClient()
    teacher_api.force_login(teacher)
    change = {
        "marks": [{"pupil": pupils[0].pk, "code": "N", "version": 1, "amendment_reason": "Absent"}]
    }
    assert teacher_api.put(api_register_url(group, am), change, format="json").status_code == 200
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupils[0]).code_id == "N"


def test_present_marks_the_office_saves_before_the_register_opens_are_not_locked(
    clock, group, teacher, office, am, pupils
):
    # Only absences are entered ahead; present marks are the register's own.
    clock(dt.datetime(2024, 9, 9, 7, 30, tzinfo=LONDON))  # before the register opens
    api = APIClient()
    api.force_login(office)
    sent = {"marks": [{"pupil": p.pk, "code": "/"} for p in pupils[:2]]}
    sent["marks"].append({"pupil": pupils[2].pk, "code": "I", "note": "Mum rang"})
    assert api.put(api_register_url(group, am), sent, format="json").status_code == 200

    with scopes_disabled():
        locked = set(Mark.objects.filter(pre_entered=True).values_list("pupil", flat=True))
    assert locked == {pupils[2].pk}


def test_a_mark_the_office_enters_ahead_through_the_api_is_locked_for_the_teacher(
    clock, group, teacher, office, am, pupils
):
    clock(dt.datetime(2024, 9, 9, 7, 30, tzinfo=LONDON))  # before the register opens
    api = APIClient()
    api.force_login(office)
    sent = {"marks": [{"pupil": pupils[0].pk, "code": "I", "note": "Mum rang"}]}
    assert api.put(api_register_url(group, am), sent, format="json").status_code == 200
    with scopes_disabled():
        mark = Mark.objects.get()
    assert (mark.source, mark.pre_entered) == ("api", True)

    clock(dt.datetime(2024, 9, 9, 8, 45, tzinfo=LONDON))
    page = logged_in(teacher).get(register_url(group, am)).content.decode()
    assert f'name="code-{pupils[0].pk}"' not in page
    assert "Ask the office to change it" in page
    teacher_api = APIClient()
    teacher_api.force_login(teacher)
    change = {
        "marks": [{"pupil": pupils[0].pk, "code": "/", "version": 1, "amendment_reason": "Here"}]
    }
    refused = teacher_api.put(api_register_url(group, am), change, format="json")
    assert refused.status_code == 400
    assert "only office staff can change it" in refused.data["marks"][str(pupils[0].pk)]["code"][0]


def test_amendments_record_where_the_change_came_from(group, teacher, am, pupils):
    MarkFactory(session=am, pupil=pupils[0], code_id="N")
    logged_in(teacher).post(
        register_url(group, am),
        form({pupils[0]: "I"}, **{f"version-{pupils[0].pk}": "1", f"amend-{pupils[0].pk}": "Ill"}),
    )
    api = APIClient()
    api.force_login(teacher)
    change = {
        "marks": [{"pupil": pupils[0].pk, "code": "M", "version": 2, "amendment_reason": "GP"}]
    }
    assert api.put(api_register_url(group, am), change, format="json").status_code == 200

    with scopes_disabled():
        rows = list(Amendment.objects.values_list("new_code", "source"))
    assert rows == [("I", "register"), ("M", "api")]


# ---- The office's current session -------------------------------------------------------


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [(dt.time(12, 59), "AM"), (dt.time(13, 0), "PM"), (dt.time(12, 0), "AM")],
)
def test_the_current_session_turns_to_PM_at_the_schools_PM_register_time(
    clock, school, local_time, expected
):
    with scopes_disabled():
        RegisterTimes.objects.filter(school=school, period="PM").update(opens=dt.time(13, 0))
    clock(dt.datetime.combine(DAY, local_time, tzinfo=LONDON))
    with school_scope(school):
        assert current_period(school) == expected


def test_the_days_own_PM_session_time_wins_over_the_usual_times(clock, school, office):
    SessionFactory(school=school, date=DAY, period="AM")
    SessionFactory(school=school, date=DAY, period="PM", opens=dt.time(13, 30))
    clock(dt.datetime(2024, 9, 9, 13, 15, tzinfo=LONDON))

    response = logged_in(office).get(
        reverse("registers:outstanding", kwargs={"school_slug": school.slug})
    )
    assert response.context["period"] == "AM"

    clock(dt.datetime(2024, 9, 9, 13, 30, tzinfo=LONDON))
    response = logged_in(office).get(
        reverse("registers:outstanding", kwargs={"school_slug": school.slug})
    )
    assert response.context["period"] == "PM"
