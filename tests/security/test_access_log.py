"""The access log: who viewed which pupil, downloaded what, and signed in; rows never
change; a school administrator or headteacher searches and exports them."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registers.access import access_record
from registers.models import AccessEvent, Role
from registers.tenancy import school_scope
from tests.factories import PupilFactory, UserFactory, staff
from tests.letters.factories import issued_letter, print_batch

Kind = AccessEvent.Kind
PASSWORD = "a long enough password 42"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def rows(school, *, sign_ins=False):
    """The school's rows, oldest first; without sign-ins unless asked (force_login is one)."""
    with school_scope(school):
        found = AccessEvent.objects.filter(school=school).order_by("pk")
        return list(found if sign_ins else found.exclude(kind=Kind.SIGN_IN))


def log_url(school):
    return reverse("access_log", kwargs={"school_slug": school.slug})


# ---- What is written ------------------------------------------------------------------


@pytest.mark.django_db
def test_viewing_a_pupils_record_is_logged_with_the_safeguarding_fields_it_showed(school):
    pupil = PupilFactory(school=school, looked_after=True)
    office = staff(school, Role.OFFICE, first_name="Olive", last_name="Office")
    api = APIClient()
    api.force_login(office)

    response = api.get(
        reverse("api:pupil", kwargs={"school_slug": school.slug, "pk": pupil.pk}),
        HTTP_USER_AGENT="Firefox on the office PC",
        REMOTE_ADDR="10.0.0.7",
    )

    assert response.status_code == 200
    [row] = rows(school)
    assert (row.kind, row.pupil_id, row.user_id) == (Kind.PUPIL_VIEWED, pupil.pk, office.pk)
    assert row.name == "Olive Office" and row.roles == "office"
    assert row.safeguarding_fields == "looked_after, child_in_need, young_carer"
    assert (row.ip, row.user_agent) == ("10.0.0.7", "Firefox on the office PC")


@pytest.mark.django_db
def test_viewing_a_pupils_attendance_and_the_pupil_list_are_logged(school):
    pupil = PupilFactory(school=school)
    api = APIClient()
    api.force_login(staff(school, Role.ATTENDANCE_OFFICER))

    api.get(
        reverse("api:pupil-attendance", kwargs={"school_slug": school.slug, "pk": pupil.pk}),
        {"from": "2024-09-02", "to": "2024-10-11"},
    )
    api.get(reverse("api:pupils", kwargs={"school_slug": school.slug}))

    attendance, listing = rows(school)
    assert (attendance.kind, attendance.pupil_id) == (Kind.ATTENDANCE_VIEWED, pupil.pk)
    assert "2024-09-02 to 2024-10-11" in attendance.description
    assert listing.kind == Kind.PUPIL_LIST_VIEWED and listing.safeguarding_fields


@pytest.mark.django_db
def test_downloading_a_letter_and_a_print_batch_is_logged(client, school):
    pupil = PupilFactory(school=school)
    letter = issued_letter(pupil)
    batch = print_batch(school)
    client.force_login(staff(school, Role.ATTENDANCE_OFFICER))

    client.get(reverse("letters:pdf", kwargs={"school_slug": school.slug, "letter_id": letter.pk}))
    client.get(
        reverse("letters:batch_pdf", kwargs={"school_slug": school.slug, "batch_id": batch.pk})
    )

    opened, printed = rows(school)
    assert (opened.kind, opened.pupil_id) == (Kind.LETTER_DOWNLOADED, pupil.pk)
    assert f"letter {letter.pk}" in opened.description
    assert printed.kind == Kind.PRINT_BATCH_DOWNLOADED
    assert f"print batch {batch.pk}" in printed.description


@pytest.mark.django_db
def test_a_refused_download_writes_nothing(client, school):
    letter = issued_letter(PupilFactory(school=school))
    client.force_login(staff(school, Role.TEACHER))
    response = client.get(
        reverse("letters:pdf", kwargs={"school_slug": school.slug, "letter_id": letter.pk})
    )
    assert response.status_code == 403
    assert rows(school) == []


@pytest.mark.django_db
def test_sign_ins_are_logged_with_their_outcome_at_the_persons_school(client, school):
    teacher = staff(school, Role.TEACHER)
    teacher.set_password(PASSWORD)
    teacher.save()

    client.post(reverse("login"), {"username": teacher.username, "password": "wrong"})
    client.post(reverse("login"), {"username": teacher.username, "password": PASSWORD})

    failed, signed_in = rows(school, sign_ins=True)
    assert (failed.kind, failed.outcome, failed.user_id) == (
        Kind.SIGN_IN,
        AccessEvent.Outcome.FAILED,
        teacher.pk,
    )
    assert (signed_in.kind, signed_in.outcome) == (Kind.SIGN_IN, AccessEvent.Outcome.ALLOWED)


@pytest.mark.django_db
def test_a_locked_out_sign_in_is_logged_as_locked_out(client, school, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    teacher = staff(school, Role.TEACHER)

    for _ in range(3):
        client.post(reverse("login"), {"username": teacher.username, "password": "wrong"})

    # The failure that reaches the limit locks the account; later attempts are refused.
    outcomes = [row.outcome for row in rows(school, sign_ins=True)]
    assert outcomes == [
        AccessEvent.Outcome.FAILED,
        AccessEvent.Outcome.LOCKED_OUT,
        AccessEvent.Outcome.LOCKED_OUT,
    ]


@pytest.mark.django_db
def test_a_sign_in_with_an_unknown_username_is_logged_with_the_name_typed(client, school):
    client.post(reverse("login"), {"username": "mallory", "password": "guess"})
    assert rows(school, sign_ins=True) == []
    with scopes_disabled():
        row = AccessEvent.objects.get(name="mallory")
    assert (row.school_id, row.user_id, row.outcome) == (None, None, AccessEvent.Outcome.FAILED)


# ---- Never changed --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_logged_row_cannot_be_changed_or_deleted(school):
    row = access_record(request=None, kind=Kind.EXPORT_DOWNLOADED, school=school, name="Sam")
    with school_scope(school):
        row.description = "nothing to see"
        with pytest.raises(PermissionError):
            row.save()
        with pytest.raises(PermissionError):
            row.delete()
        with pytest.raises(PermissionError):
            AccessEvent.objects.filter(pk=row.pk).update(name="someone else")
        with pytest.raises(PermissionError):
            AccessEvent.objects.filter(pk=row.pk).delete()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_a_logged_row(school):
    row = access_record(request=None, kind=Kind.EXPORT_DOWNLOADED, school=school, name="Sam")
    for sql in (
        "UPDATE registers_accessevent SET name = 'x' WHERE id = %s",
        "DELETE FROM registers_accessevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [row.pk])


# ---- The page -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SCHOOL_ADMIN, 200),
        (Role.HEADTEACHER, 200),
        (Role.TEACHER, 403),
        (Role.OFFICE, 403),
        (Role.ATTENDANCE_LEAD, 403),
    ],
)
def test_only_the_school_administrator_and_headteacher_open_the_log(client, school, role, status):
    client.force_login(staff(school, role))
    response = client.get(log_url(school))
    assert response.status_code == status
    home = client.get(reverse("registers:school_home", kwargs={"school_slug": school.slug}))
    assert (log_url(school) in home.content.decode()) == (status == 200)


@pytest.mark.django_db
def test_another_schools_admin_gets_404(client, school, other_school):
    client.force_login(staff(other_school, Role.SCHOOL_ADMIN))
    assert client.get(log_url(school)).status_code == 404


def _seed(school, other_school):
    amy = PupilFactory(school=school, legal_forename="Amy", legal_surname="Smith")
    ben = PupilFactory(school=school, legal_forename="Ben", legal_surname="Jones")
    olive = UserFactory(first_name="Olive", last_name="Office")
    tom = UserFactory(first_name="Tom", last_name="Teacher")
    with time_machine.travel(dt.datetime(2024, 9, 9, 9, tzinfo=dt.UTC), tick=False) as clock:
        access_record(request=None, kind=Kind.PUPIL_VIEWED, school=school, pupil=amy, user=olive)
        clock.shift(dt.timedelta(days=7))
        access_record(request=None, kind=Kind.LETTER_DOWNLOADED, school=school, pupil=ben, user=tom)
        access_record(
            request=None, kind=Kind.PUPIL_VIEWED, school=other_school, user=olive, name="Olive"
        )
    return amy, ben


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("search", "found"),
    [
        ({}, {"Amy", "Ben"}),
        ({"person": "olive"}, {"Amy"}),
        ({"pupil": "jones"}, {"Ben"}),
        ({"kind": "letter_downloaded"}, {"Ben"}),
        ({"start": "2024-09-10"}, {"Ben"}),
        ({"end": "2024-09-09"}, {"Amy"}),
    ],
)
def test_the_log_is_searched_by_person_pupil_kind_and_dates(
    client, school, other_school, search, found
):
    _seed(school, other_school)
    client.force_login(staff(school, Role.SCHOOL_ADMIN))

    response = client.get(log_url(school), search)

    shown = {name for name in ("Amy", "Ben") if f">{name} " in response.content.decode()}
    assert response.status_code == 200
    assert shown == found


@pytest.mark.django_db
def test_a_bad_search_date_is_a_400_with_a_message(client, school):
    client.force_login(staff(school, Role.SCHOOL_ADMIN))
    response = client.get(log_url(school), {"start": "0001-01-01"})
    assert response.status_code == 400
    assert "not a plausible date" in response.content.decode()


@pytest.mark.django_db
def test_the_export_is_a_csv_of_the_search_and_is_itself_logged(client, school, other_school):
    _seed(school, other_school)
    admin = staff(school, Role.SCHOOL_ADMIN)
    client.force_login(admin)

    response = client.get(log_url(school), {"person": "olive", "format": "csv"})

    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["person"], r["what"], r["pupil"]) for r in table] == [
        ("Olive Office", "Pupil's record viewed", "Amy Smith")
    ]
    assert "attachment" in response["Content-Disposition"]
    export = rows(school)[-1]
    assert (export.kind, export.user_id) == (Kind.EXPORT_DOWNLOADED, admin.pk)


@pytest.mark.django_db
def test_a_name_typed_as_a_formula_is_exported_as_text(client, school):
    access_record(request=None, kind=Kind.SIGN_IN, school=school, name="=HYPERLINK(1)")
    client.force_login(staff(school, Role.SCHOOL_ADMIN))
    response = client.get(log_url(school), {"format": "csv", "person": "HYPERLINK"})
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert table[0]["person"] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_the_log_page_costs_the_same_queries_for_many_rows(
    client, school, django_assert_max_num_queries
):
    admin = staff(school, Role.SCHOOL_ADMIN)
    for _ in range(40):
        access_record(
            request=None, kind=Kind.PUPIL_VIEWED, school=school, pupil=PupilFactory(school=school)
        )
    client.force_login(admin)
    # session, user, school, roles, the rows with their pupils (and a few for the menu)
    with django_assert_max_num_queries(8):
        assert client.get(log_url(school)).status_code == 200
