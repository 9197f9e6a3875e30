"""The register page's weight, its history strip, what a save says, and its change
history (issue #7)."""

import datetime as dt
import gzip
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from registers.models import Amendment, Mark, Role
from registers.stats import code_rules
from tests.factories import MarkFactory, PupilFactory, SessionFactory, staff
from tests.registers.register.helpers import form_for, register_url
from tests.registers.register.test_register_saving import OPEN_QUERIES

DAY = dt.date(2024, 9, 9)


@pytest.fixture
def pupils(school, group):
    names = [("Amir", "Ahmed"), ("Ben", "Carter"), ("Ivy", "Moss")]
    return [
        PupilFactory(school=school, registration_group=group, legal_forename=f, legal_surname=s)
        for f, s in names
    ]


def last_week(school, pupils, codes=("/", "\\")):
    """Marks for the five school days before DAY (Mon 2 to Fri 6 September)."""
    for offset in range(7, 2, -1):
        day = DAY - dt.timedelta(days=offset)
        for period, code in zip(("AM", "PM"), codes, strict=True):
            session = SessionFactory(school=school, date=day, period=period)
            for pupil in pupils:
                MarkFactory(session=session, pupil=pupil, code_id=code)


def test_a_30_pupil_register_is_under_60_kb_over_the_wire(client, school, group, teacher, am):
    pupils = [PupilFactory(school=school, registration_group=group) for _ in range(30)]
    last_week(school, pupils)
    client.force_login(teacher)
    response = client.get(register_url(group, am), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    wire = len(response.content)
    html = gzip.decompress(response.content).decode()
    print(f"30 pupils: {wire} bytes over the wire, {len(html.encode())} uncompressed")
    assert wire < 60_000
    # The full code list is on the page once, not once per pupil.
    assert html.count('<option value="C1"') == 1


def test_each_row_shows_the_pupils_marks_of_the_last_five_school_days(
    client, school, group, teacher, am, pupils
):
    last_week(school, pupils[:1], codes=("N", "\\"))
    client.force_login(teacher)
    html = client.get(register_url(group, am)).content.decode()
    row = re.search(
        rf'<tr role="row" class="pupil[^"]*"\s+id="pupil-{pupils[0].pk}".*?</tr>', html, re.S
    )
    strip = re.sub(r"<[^>]+>", "", re.search(r'class="recent">(.*?)</td>', row.group(0), re.S)[1])
    assert strip.count("N AM") == 5 and "Mon 02/09" in strip and "Fri 06/09" in strip
    assert "Last 5 school days" in html


def test_saving_says_which_saved_marks_changed(client, school, group, teacher, am, pupils):
    client.force_login(teacher)
    assert client.post(register_url(group, am), form_for(pupils, "///")).status_code == 302
    data = form_for(pupils, ["/", "I", "M"])
    data |= {f"version-{p.pk}": "1" for p in pupils}
    data |= {f"amend-{pupils[1].pk}": "Mum rang", f"amend-{pupils[2].pk}": "Dentist"}
    page = client.post(register_url(group, am), data, follow=True).content.decode()
    assert "2 marks changed: Ben Carter / to I, Ivy Moss / to M." in page


def test_a_late_after_the_register_closed_is_saved_as_U_and_the_page_says_so(
    client, group, teacher, am, pupils
):
    client.force_login(teacher)
    data = form_for(pupils, ["/", "L", "L"])
    data |= {f"arrival-{pupils[1].pk}": "09:30", f"arrival-{pupils[2].pk}": "08:45"}
    page = client.post(register_url(group, am), data, follow=True).content.decode()
    assert (
        "Ben Carter arrived 09:30 on 09/09/2024, after the register closed at 09:05: "
        "U, unauthorised." in page
    )
    assert (
        "Ivy Moss arrived 08:45 on 09/09/2024, not after the late time 08:50: present (/)" in page
    )
    with scopes_disabled():
        codes = {m.pupil_id: m.code_id for m in Mark.objects.filter(session=am)}
    assert codes == {pupils[0].pk: "/", pupils[1].pk: "U", pupils[2].pk: "/"}


def test_leads_and_the_office_see_the_registers_changes_and_teachers_do_not(
    client, school, group, teacher, am, pupils, django_assert_num_queries
):
    client.force_login(teacher)
    client.post(register_url(group, am), form_for(pupils, "///"))
    data = form_for(pupils, ["/", "I", "/"]) | {f"version-{p.pk}": "1" for p in pupils}
    client.post(register_url(group, am), data | {f"amend-{pupils[1].pk}": "Mum rang at 9"})
    assert "Changes to this register" not in client.get(register_url(group, am)).content.decode()

    lead = staff(school, Role.ATTENDANCE_LEAD, first_name="Ruth", last_name="Mensah")
    client.force_login(lead)
    code_rules()
    # One query more than a teacher's register: the history.
    with django_assert_num_queries(OPEN_QUERIES + 1):
        html = client.get(register_url(group, am)).content.decode()
    history = html.split('id="register-history"')[1]
    assert "Changes to this register (1)" in history
    with scopes_disabled():
        when = Amendment.objects.get().amended_at
    assert "Ben Carter" in history and "/ to I" in history and "Mum rang at 9" in history
    assert "Ada Lovelace (Class teacher)" in history
    assert f"{timezone.localtime(when):%d/%m/%Y %H:%M}" in history


def test_a_wrong_password_is_told_in_our_own_words(client, teacher):
    response = client.post(
        reverse("login"),
        {"username": teacher.username, "password": "not it"},
        REMOTE_ADDR="10.1.1.1",
    )
    html = response.content.decode()
    assert "The username or the password is not right" in html
    assert "Please enter a correct" not in html


def test_a_day_can_be_typed_the_uk_way(client, school, teacher, am):
    client.force_login(teacher)
    url = reverse("registers:my_registers", args=[school.slug])
    assert client.get(url, {"date": "09/09/2024"}).context["day"] == DAY
    assert client.get(url, {"date": "2024-09-09"}).context["day"] == DAY
    assert "like 30/11/2026" in client.get(url, {"date": "9th"}).content.decode()
