"""The reporting pages as their users open them: who may, what they show (the small
school of tests/reporting/small_school.py), and queries that do not grow with pupils."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from registers import events
from registers.models import AccessEvent, Role
from tests.factories import PupilFactory, SchoolFactory, mark_days, school_calendar, staff
from tests.reporting.small_school import D, small_school

# Monday of the third week, mid-morning: the AM registers have closed.
NOW = dt.datetime(2024, 9, 23, 9, 30, tzinfo=ZoneInfo("Europe/London"))
RANGE = "?period=range&from=2024-09-09&to=2024-09-20"


@pytest.fixture
def small(school):
    return small_school(school)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def url(school, name, **kwargs):
    return reverse(f"reporting:{name}", kwargs={"school_slug": school.slug, **kwargs})


def opened(client, user, address):
    client.force_login(user)
    return client.get(address)


# ---- Today ------------------------------------------------------------------------------


@pytest.fixture
def this_morning(small):
    with scopes_disabled():
        today = D(2024, 9, 23)
        mark_days(small.ava, {today: ("/", None)})
        mark_days(small.ben, {today: ("L", None)})
        mark_days(small.cara, {today: ("I", None)})
        mark_days(small.dan, {today: ("N", None)})
    return small


def test_today_counts_this_sessions_registers_and_where_each_pupil_is(client, this_morning):
    school = this_morning.school
    response = opened(client, staff(school, Role.OFFICE), url(school, "today"))
    assert response.status_code == 200
    t = response.context["t"]
    assert t.period == "AM"
    # Ash: Ava, Ben, Dan (moved in), Eve, Fay; 3 marked. Birch: Cara, marked.
    assert [s.group.name for s in t.not_taken] == ["Ash"]
    assert (t.not_taken[0].marked, t.not_taken[0].on_roll) == (3, 5)
    assert [s.group.name for s in t.taken] == ["Birch"]
    assert (t.on_roll, t.present, t.late, t.absent_with_reason, t.unexplained) == (6, 1, 1, 1, 1)
    assert t.not_marked == 2
    assert b"Registers not yet taken (1)" in response.content
    assert t.registers == 2


def test_today_refreshes_as_a_fragment_for_htmx(client, this_morning):
    school = this_morning.school
    client.force_login(staff(school, Role.OFFICE))
    response = client.get(url(school, "today"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="today-figures"')
    assert 'hx-trigger="every 60s"' in body and "<html" not in body


def test_a_teacher_cannot_open_today(client, small):
    teacher = staff(small.school, Role.TEACHER)
    assert opened(client, teacher, url(small.school, "today")).status_code == 403


# ---- The dashboard ------------------------------------------------------------------------


def test_the_lead_sees_the_periods_figures_and_lists_linking_to_pupils(client, small):
    school = small.school
    response = opened(client, staff(school, Role.ATTENDANCE_LEAD), url(school, "dashboard") + RANGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "84.38%" in body  # 81 of 96 sessions
    assert "11.62 points below the school's target of 96.00%" in body
    assert url(school, "pupil", pupil_id=small.cara.pk) in body
    assert "<svg" in body and 'role="img"' in body and "<caption" in body
    with scopes_disabled():
        logged = AccessEvent.objects.filter(school=school, kind="pupil_list_viewed").get()
    assert "9 Sep 2024 to 20 Sep 2024" in logged.description


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE])
def test_the_dashboard_is_for_leads_not_teachers_or_the_office(client, small, role):
    assert (
        opened(client, staff(small.school, role), url(small.school, "dashboard")).status_code == 403
    )


def test_an_unreadable_period_falls_back_to_the_year_and_says_so(client, small):
    school = small.school
    address = url(school, "dashboard") + "?period=range&from=2024-09-20&to=2024-09-01"
    response = opened(client, staff(school, Role.HEADTEACHER), address)
    assert response.status_code == 200
    assert response.context["period"].kind == "ytd"
    assert b"The range ends before it starts" in response.content


def test_the_dashboard_costs_the_same_queries_for_more_pupils(
    client, small, django_assert_num_queries
):
    school = small.school
    lead = staff(school, Role.ATTENDANCE_LEAD)
    client.force_login(lead)
    address = url(school, "dashboard") + RANGE
    client.get(address)  # sessions, codes and the like read once per process
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(address)
    with scopes_disabled():
        for n in range(15):
            p = PupilFactory(school=school, registration_group=small.a, year_group="3")
            mark_days(p, {D(2024, 9, 9 + n % 5): "O", D(2024, 9, 16): "/"})
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(address)


# 19 reads (the period reads the school days once, to end before today) and the access log's
# row
DASHBOARD_QUERIES = 20


# ---- The pupil page ---------------------------------------------------------------------------


def test_the_pupil_page_shows_the_year_forecast_and_one_timeline(client, small):
    school = small.school
    with scopes_disabled():
        events.record(
            school_id=school.pk, kind=events.Kind.MARK_AMENDED, pupil_id=small.dan.pk,
            params={"date": "2024-09-16", "original_code": "N", "new_code": "I",
                    "reason": "Mother phoned", "mark_id": 1},
        )  # fmt: skip
    response = opened(
        client, staff(school, Role.OFFICE), url(school, "pupil", pupil_id=small.dan.pk)
    )
    assert response.status_code == 200
    body = response.content.decode()
    year = response.context["year"]
    # Dan: possible 20 + the 3 sessions... only to 20 Sep were marked; 23 Sep AM unmarked
    assert (year.summary.possible, year.summary.attended) == (20, 18)
    assert "Mark amended" in body and "Mother phoned" in body
    assert "at or below 90% for the year" in body
    assert "<svg" in body


def test_a_teacher_cannot_open_a_pupils_page(client, small):
    teacher = staff(small.school, Role.TEACHER)
    address = url(small.school, "pupil", pupil_id=small.ava.pk)
    assert opened(client, teacher, address).status_code == 403


def test_another_schools_pupil_is_not_found(client, small):
    other = PupilFactory(school=SchoolFactory())
    address = url(small.school, "pupil", pupil_id=other.pk)
    assert opened(client, staff(small.school, Role.OFFICE), address).status_code == 404


def test_the_trust_lead_sees_figures_but_not_the_familys_contacts(client, small):
    from tests.factories import ContactFactory

    with scopes_disabled():
        ContactFactory(pupil=small.ava, name="Zed Phonenumber")
    address = url(small.school, "pupil", pupil_id=small.ava.pk)
    trust_lead = staff(small.school, Role.TRUST_LEAD)
    assert b"Zed Phonenumber" not in opened(client, trust_lead, address).content
    office = staff(small.school, Role.OFFICE)
    assert b"Zed Phonenumber" in opened(client, office, address).content


# ---- Groups and the trust ------------------------------------------------------------------


def test_a_teacher_sees_only_their_own_groups(client, small):
    teacher = staff(small.school, Role.TEACHER)
    with scopes_disabled():
        small.b.teachers.add(teacher)
    response = opened(client, teacher, url(small.school, "groups"))
    assert response.status_code == 200
    assert [g.group.name for g in response.context["figures"]] == ["Birch"]
    body = response.content.decode()
    assert "Cara Test" in body and "Ava Test" not in body


def test_the_trust_lead_sees_only_their_trusts_schools(client, small):
    school = small.school
    sister = SchoolFactory(trust=school.trust, name="Sister School")
    stranger = SchoolFactory(name="Another Trust's School")
    lead = staff(school, Role.TRUST_LEAD)
    response = opened(client, lead, url(school, "trust") + RANGE)
    assert response.status_code == 200
    names = [f.school.name for f in response.context["figures"]]
    assert sorted(names) == sorted([school.name, sister.name])
    assert stranger.name.encode() not in response.content
    # ... and cannot reach the other trust's page through its school
    assert opened(client, lead, url(stranger, "trust")).status_code == 404


def test_a_headteacher_has_no_trust_page(client, small):
    head = staff(small.school, Role.HEADTEACHER)
    assert opened(client, head, url(small.school, "trust")).status_code == 403


# ---- Query counts of the other pages -------------------------------------------------------


def _more_pupils(small, n=12):
    with scopes_disabled():
        for i in range(n):
            p = PupilFactory(school=small.school, registration_group=small.b, year_group="4")
            mark_days(p, {D(2024, 9, 9 + i % 5): "O", D(2024, 9, 16): "/", D(2024, 9, 23): "/"})


@pytest.mark.parametrize(
    ("name", "role", "kwargs"),
    [
        ("today", Role.OFFICE, {}),
        ("groups", Role.ATTENDANCE_LEAD, {}),
        ("trust", Role.TRUST_LEAD, {}),
        ("pupil", Role.ATTENDANCE_LEAD, {"pupil": "ava"}),
    ],
)
def test_report_pages_cost_the_same_queries_for_more_pupils(
    client, small, django_assert_num_queries, name, role, kwargs
):
    user = staff(small.school, role)
    client.force_login(user)
    params = {"pupil_id": getattr(small, kwargs["pupil"]).pk} if kwargs else {}
    address = url(small.school, name, **params)
    _more_pupils(small, 1)  # someone marked this week, so every part of each page has rows
    client.get(address)
    with django_assert_num_queries(PAGE_QUERIES[name]):
        client.get(address)
    _more_pupils(small)
    with django_assert_num_queries(PAGE_QUERIES[name]):
        client.get(address)


# today: 4 of its own + the calling list's (absences.selectors.calling, about 14).
PAGE_QUERIES = {"today": 18, "groups": 10, "trust": 11, "pupil": 15}


def test_the_best_group_of_the_week_in_each_key_stage(client, small):
    """The week of 16 Sep, as of Saturday 21. Ash (Y3) this week: Ava 10/10 (her L counts
    as attended), Ben 10/10, Dan 8/10, Eve 9/10 = 37/40 (92.50%); Birch (Y4) this week:
    Cara 0/10 (O). Both are key stage 2: Ash is its best group."""
    school = small.school
    with time_machine.travel(dt.datetime(2024, 9, 21, 9, tzinfo=ZoneInfo("Europe/London"))):
        response = opened(client, staff(school, Role.HEADTEACHER), url(school, "groups"))
    best = response.context["best"]
    assert [(b.key_stage, b.group.name, b.week.attendance_pct) for b in best] == [
        ("Key stage 2", "Ash", Decimal("92.50"))
    ]
    figures = {g.group.name: g for g in response.context["figures"]}
    assert figures["Birch"].week.attendance_pct == Decimal("0.00")
    # This term (marks from 9 Sep): Birch has Cara's 20 and Dan's 10 of his first week
    assert figures["Birch"].term.summary.possible == 20 + 10


def test_the_trust_view_counts_each_school_by_hand(client, small):
    school = small.school
    sister = SchoolFactory(trust=school.trust, name="Sister School")
    with scopes_disabled():
        school_calendar(sister)
        one = PupilFactory(school=sister, year_group="3")
        two = PupilFactory(school=sister, year_group="5")
        mark_days(one, {D(2024, 9, d): "/" for d in (9, 10, 11, 12, 13)})  # 10 of 10
        mark_days(two, {**{D(2024, 9, d): "/" for d in (9, 10, 11)}, D(2024, 9, 12): "G",
                        D(2024, 9, 13): "G"})  # fmt: skip
    response = opened(client, staff(school, Role.TRUST_LEAD), url(school, "trust") + RANGE)
    figures = {f.school.name: f for f in response.context["figures"]}
    mine, theirs = figures[school.name].whole, figures["Sister School"].whole
    assert (mine.summary.possible, mine.summary.attended, mine.persistent) == (96, 81, 3)
    # Sister: 10/10 and 6/10 (4 G): 16 of 20 = 80%; one persistent absentee of two
    assert (theirs.summary.possible, theirs.summary.attended) == (20, 16)
    assert (theirs.attendance_pct, theirs.persistent, theirs.persistent_rate_pct) == (
        Decimal("80.00"),
        1,
        Decimal("50.00"),
    )
    body = response.content.decode()
    assert url(sister, "dashboard") in body  # each school opens


def test_the_dashboard_lists_open_cases_by_track_and_stage(client, small):
    from escalation.models import Case

    with scopes_disabled():
        for pupil, track, stage in (
            (small.cara, "attendance", "stage_2"),
            (small.dan, "attendance", "stage_1"),
            (small.ava, "punctuality", "stage_1"),
        ):
            Case.objects.create(
                school=small.school, pupil=pupil, track=track, stage=stage,
                stage_since=D(2024, 9, 16), opened_on=D(2024, 9, 16),
            )  # fmt: skip
        Case.objects.create(
            school=small.school, pupil=small.ben, track="attendance", stage="stage_1",
            stage_since=D(2024, 9, 9), opened_on=D(2024, 9, 9), closed_on=D(2024, 9, 13),
        )  # fmt: skip
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    response = opened(client, lead, url(small.school, "dashboard") + RANGE)
    cases = [(c.track, c.stage, [name for _, name in c.pupils]) for c in response.context["cases"]]
    assert cases == [
        ("Attendance", "Stage 1", ["Dan Test"]),
        ("Attendance", "Stage 2", ["Cara Test"]),
        ("Punctuality", "Stage 1", ["Ava Test"]),
    ]  # Ben's case is closed


def test_the_groups_page_is_for_staff_not_parents_or_trust_leads(client, small):
    from tests.factories import ContactFactory, UserFactory

    parent = UserFactory()
    with scopes_disabled():
        ContactFactory(pupil=small.ava, user=parent)
    assert opened(client, parent, url(small.school, "groups")).status_code == 403
    trust_lead = staff(small.school, Role.TRUST_LEAD)
    assert opened(client, trust_lead, url(small.school, "groups")).status_code == 403


def test_a_parent_cannot_open_any_report(client, small):
    from tests.factories import ContactFactory, UserFactory

    parent = UserFactory()
    with scopes_disabled():
        ContactFactory(pupil=small.ava, user=parent)
    client.force_login(parent)
    for name, kwargs in (
        ("today", {}),
        ("dashboard", {}),
        ("trust", {}),
        ("pupil", {"pupil_id": small.ava.pk}),
    ):
        assert client.get(url(small.school, name, **kwargs)).status_code == 403, name
