"""Statutory returns and the daily extract (`census_return`, `la_return`, `daily_extract`):
pupil-level figures from the one statistics module, hand-counted here from the marks
each test writes."""

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from registers.models import Mark, Role, Session, build_upn
from registers.services.marks import MarkEntry, marks_write
from registers.tenancy import school_scope
from tests.factories import PupilFactory, mark_days, school_calendar, staff

D = dt.date
LONDON = ZoneInfo("Europe/London")

_serials = iter(range(100, 999))


def pupil(school, **kwargs):
    upn = build_upn(la_code="826", estab="2001", year=19, serial=next(_serials))
    return PupilFactory(school=school, upn=upn, **{"on_roll_from": D(2024, 9, 2), **kwargs})


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def as_dicts(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_census_return_counts_each_pupils_sessions_by_category_and_code(calendar_school):
    school = calendar_school
    ada = pupil(school, legal_surname="Ames")
    # Mon present, Tue ill all day, Wed unexplained in the morning and late after lunch.
    mark_days(ada, {D(2024, 9, 9): "/", D(2024, 9, 10): "I", D(2024, 9, 11): ("N", "L")})
    # Joined on the Wednesday: counted over her own time on roll.
    bea = pupil(school, legal_surname="Bell", on_roll_from=D(2024, 9, 11))
    mark_days(bea, {D(2024, 9, 11): ("M", "/")})
    gone = pupil(school, on_roll_to=D(2024, 9, 6))
    mark_days(gone, {D(2024, 9, 5): "/"})

    rows = as_dicts(run("census_return", school.slug, "--from", "2024-09-09", "--to", "2024-09-11"))

    assert [r["upn"] for r in rows] == sorted([ada.upn, bea.upn])
    by_upn = {r["upn"]: r for r in rows}
    a = by_upn[ada.upn]
    assert (a["possible"], a["attended"], a["authorised"], a["unauthorised"]) == (
        "6",
        "3",
        "2",
        "1",
    )
    assert (a["/"], a["\\"], a["I"], a["N"], a["L"], a["M"]) == ("1", "1", "2", "1", "1", "0")
    b = by_upn[bea.upn]
    assert (b["possible"], b["attended"], b["authorised"], b["M"]) == ("2", "1", "1", "1")
    assert a["legal_surname"] == "Ames" and a["date_of_birth"] == str(ada.date_of_birth)


def test_a_census_preset_is_one_of_the_schools_terms(calendar_school):
    school = calendar_school
    ada = pupil(school)
    mark_days(ada, {D(2024, 12, 2): "O", D(2025, 1, 6): "/", D(2025, 1, 7): "G"})

    rows = json.loads(
        run(
            "census_return",
            school.slug,
            "--term",
            "spring",
            "--to",
            "2025-03-01",
            "--format",
            "json",
        )
    )

    assert [r["upn"] for r in rows] == [ada.upn]
    figures = {k: rows[0][k] for k in ("possible", "attended", "authorised", "unauthorised")}
    assert figures == {"possible": 4, "attended": 2, "authorised": 0, "unauthorised": 2}
    assert rows[0]["date_of_birth"] == ada.date_of_birth.isoformat()
    assert (rows[0]["G"], rows[0]["O"], rows[0]["/"]) == (2, 0, 1)


def test_an_unknown_term_is_refused_naming_the_schools_terms(calendar_school):
    with pytest.raises(CommandError, match="Autumn, Spring, Summer"):
        run("census_return", calendar_school.slug, "--term", "Lent", "--to", "2025-01-10")


@scopes_disabled()
def unauthorised_sessions(pupil, days, codes=("N", "O")):
    """`days` school days from the start of the Autumn term, each AM/PM coded `codes`."""
    sessions = Session.objects.filter(school=pupil.school, date__gte=D(2024, 9, 2))
    dates = sorted({s.date for s in sessions})[:days]
    return mark_days(pupil, {day: codes for day in dates})


def test_the_la_return_lists_pupils_with_10_days_unauthorised_this_term(calendar_school):
    school = calendar_school
    ten_days = pupil(school)
    unauthorised_sessions(ten_days, 10)
    # 19 sessions: one short of 10 days.
    short = pupil(school)
    unauthorised_sessions(short, 9)
    mark_days(short, {D(2024, 9, 16): ("U", "/")})
    # Last term's absence does not count in this one.
    with scopes_disabled():
        assert Mark.objects.filter(pupil=short, code__in=["N", "O", "U"]).count() == 19

    rows = as_dicts(run("la_return", school.slug, "unauthorised_10_days", "--as-of", "2024-10-31"))
    spring = as_dicts(
        run("la_return", school.slug, "unauthorised_10_days", "--as-of", "2025-01-31")
    )

    assert [r["upn"] for r in rows] == [ten_days.upn]
    assert (rows[0]["unauthorised"], rows[0]["possible"]) == ("20", "20")
    assert spring == []


def test_the_la_return_for_long_illness_is_the_indicator_with_its_sessions(calendar_school):
    school = calendar_school
    ill = pupil(school)
    unauthorised_sessions(ill, 15, codes=("I", "I"))
    nearly = pupil(school)
    unauthorised_sessions(nearly, 14, codes=("I", "I"))
    mark_days(nearly, {D(2024, 9, 23): ("I", "/")})

    rows = as_dicts(run("la_return", school.slug, "long_illness", "--as-of", "2024-10-31"))

    assert [(r["upn"], r["illness_sessions"]) for r in rows] == [(ill.upn, "30")]


@pytest.fixture
def extract_school(calendar_school):
    calendar_school.urn = "123456"
    calendar_school.la_code, calendar_school.estab = "826", "2001"
    calendar_school.save()
    return calendar_school


def amend(school, pupil, day, period, code, *, at):
    office = staff(school, Role.OFFICE)
    with scopes_disabled():
        session = Session.objects.get(school=school, date=day, period=period)
        version = Mark.objects.get(pupil=pupil, session=session).version
    with school_scope(school):
        marks_write(
            school=school,
            entries=[
                MarkEntry(
                    pupil_id=pupil.pk,
                    code=code,
                    session=session,
                    seen_version=version,
                    amendment_reason="Parent rang",
                )
            ],
            actor=office,
            role=Role.OFFICE,
            source=Mark.Source.OFFICE,
            now=at,
        )


def test_the_daily_extract_sends_the_days_sessions_and_codes_changed_in_7_days(extract_school):
    school = extract_school
    ada = pupil(school, ethnicity="WBRI", fsm=True, sen="K")
    mark_days(
        ada,
        {
            D(2024, 11, 5): "N",
            D(2024, 11, 11): "N",
            D(2024, 11, 13): ("/", None),
        },
    )
    # Changed 5 days ago: sent again. Changed 7 days ago: already sent again once, not now.
    # Changed on its own day: that day's share already held the new code.
    amend(school, ada, D(2024, 11, 5), "AM", "I", at=dt.datetime(2024, 11, 8, 9, tzinfo=LONDON))
    amend(school, ada, D(2024, 11, 5), "PM", "M", at=dt.datetime(2024, 11, 6, 16, tzinfo=LONDON))
    amend(school, ada, D(2024, 11, 11), "AM", "I", at=dt.datetime(2024, 11, 11, 10, tzinfo=LONDON))

    rows = as_dicts(run("daily_extract", school.slug, "--date", "2024-11-13"))

    sent = [(r["session_date"], r["session"], r["code"], r["changed_on"]) for r in rows]
    assert sent == [
        ("2024-11-05", "AM", "I", "2024-11-08"),
        ("2024-11-13", "AM", "/", ""),
        ("2024-11-13", "PM", "", ""),
    ]
    first = rows[1]
    assert (first["urn"], first["laestab"], first["upn"]) == ("123456", "8262001", ada.upn)
    assert (first["ethnicity"], first["fsm"], first["sen_provision"]) == ("WBRI", "true", "K")
    assert first["admission_date"] == "2024-09-02" and first["leaving_date"] == ""


# ---- The same rows through the API ------------------------------------------------------


def api(client, school, path, **params):
    return client.get(f"/api/v1/schools/{school.slug}/reports/{path}/", params)


def test_the_api_serves_the_census_return_as_the_command_prints_it(calendar_school, client):
    school = calendar_school
    ada = pupil(school)
    mark_days(ada, {D(2024, 9, 9): ("N", "/")})
    client.force_login(staff(school, Role.ATTENDANCE_LEAD))

    response = api(client, school, "census", **{"from": "2024-09-09", "to": "2024-09-13"})
    by_term = api(client, school, "census", term="Autumn", to="2024-09-13")

    printed = json.loads(
        run("census_return", school.slug, "--from=2024-09-09", "--to=2024-09-13", "--format=json")
    )
    assert response.status_code == 200
    assert response.json() == printed
    assert (printed[0]["possible"], printed[0]["unauthorised"]) == (2, 1)
    assert by_term.json()[0]["possible"] == 2


def test_bad_return_parameters_get_field_messages(calendar_school, client):
    school = calendar_school
    client.force_login(staff(school, Role.HEADTEACHER))

    assert api(client, school, "census").json() == {"from": ["Give the first day, or a term."]}
    assert "term" in api(client, school, "census", term="Lent", to="2025-01-10").json()
    assert "kind" in api(client, school, "la-returns", kind="everyone").json()
    assert api(client, school, "daily-extract", date="2024-13-01").status_code == 400


def test_returns_are_for_the_people_who_make_them_not_class_teachers(calendar_school, client):
    school = calendar_school
    client.force_login(staff(school, Role.TEACHER))
    refused = api(client, school, "daily-extract", date="2024-09-09")
    client.force_login(staff(school, Role.ATTENDANCE_OFFICER))
    allowed = api(client, school, "la-returns", kind="long_illness", as_of="2024-09-09")

    assert refused.status_code == 403
    assert allowed.status_code == 200 and allowed.json() == []
