"""`attendance_breakdown` (DESIGN.md §9) and the reports API give the figures the
dashboard shows: counted by hand for the small school (tests/reporting/small_school.py)."""

import csv
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registers.models import Role
from tests.factories import staff
from tests.reporting.small_school import D, small_school

RANGE = {"period": "range", "from": "2024-09-09", "to": "2024-09-20"}
COLUMNS = [
    "group", "pupils", "possible", "attended", "authorised", "unauthorised", "attendance_pct",
    "persistent_absentees", "persistent_absence_rate", "severe_absentees",
]  # fmt: skip


@pytest.fixture
def small(school):
    return small_school(school)


@pytest.fixture(autouse=True)
def _after_the_range():
    with time_machine.travel("2024-09-23 12:00 +0100", tick=False):
        yield


def run(*args):
    out = io.StringIO()
    call_command("attendance_breakdown", *args, stdout=out)
    return out.getvalue()


def test_breakdown_by_registration_group_as_json(small):
    rows = json.loads(
        run(small.school.slug, "--from", "2024-09-09", "--to", "2024-09-20", "--by",
            "registration_group", "--format", "json")
    )  # fmt: skip
    assert rows == [
        # Ash: Ava 18/20, Ben 20/20, Eve 15/16, Dan's second week 8/10 (two N)
        {"group": "Ash", "pupils": 4, "possible": 66, "attended": 61, "authorised": 3,
         "unauthorised": 2, "attendance_pct": 92.42, "persistent_absentees": 2,
         "persistent_absence_rate": 50.0, "severe_absentees": 0},
        # Birch: Cara 10/20 (O all week 2), Dan's first week 10/10
        {"group": "Birch", "pupils": 2, "possible": 30, "attended": 20, "authorised": 0,
         "unauthorised": 10, "attendance_pct": 66.67, "persistent_absentees": 1,
         "persistent_absence_rate": 50.0, "severe_absentees": 1},
    ]  # fmt: skip


def test_breakdown_by_sen_as_csv_with_the_contracts_columns(small):
    text = run(small.school.slug, "--from", "2024-09-09", "--to", "2024-09-20", "--by", "sen",
               "--format", "csv")  # fmt: skip
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == COLUMNS
    assert table[1:] == [
        ["N", "3", "56", "53", "1", "2", "94.64", "1", "33.33", "0"],  # Ben, Dan, Eve
        ["K", "1", "20", "18", "2", "0", "90.00", "1", "100.00", "0"],  # Ava
        ["E", "1", "20", "10", "0", "10", "50.00", "1", "100.00", "1"],  # Cara
    ]


def test_a_field_outside_the_contract_is_refused(small):
    with pytest.raises(CommandError):
        run(small.school.slug, "--from", "2024-09-09", "--to", "2024-09-20", "--by", "hair")


def test_a_range_that_ends_before_it_starts_is_refused(small):
    with pytest.raises(CommandError, match="before"):
        run(small.school.slug, "--from", "2024-09-20", "--to", "2024-09-09", "--by", "sex")


# ---- The API -------------------------------------------------------------------------


def api_get(user, school, name, **params):
    client = APIClient()
    client.force_login(user)
    address = reverse(f"reporting-api:{name}", kwargs={"school_slug": school.slug})
    return client.get(address, params)


def test_the_api_breakdown_is_the_commands(small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    for by in ("sex", "year_group", "registration_group", "fsm"):
        response = api_get(lead, small.school, "breakdown", by=by, **RANGE)
        assert response.status_code == 200
        command = run(small.school.slug, "--from", "2024-09-09", "--to", "2024-09-20",
                      "--by", by)  # fmt: skip
        assert response.json() == json.loads(command)


def test_the_api_summary_is_the_dashboards_headline(client, small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    body = api_get(lead, small.school, "summary", **RANGE).json()
    assert body["attendance_pct"] == 84.38 and body["possible"] == 96
    assert (body["persistent_absentees"], body["persistent_absence_rate"]) == (3, 60.0)
    client.force_login(lead)
    page = client.get(
        reverse("reporting:dashboard", kwargs={"school_slug": small.school.slug}), RANGE
    )
    whole = page.context["d"].whole
    assert float(whole.attendance_pct) == body["attendance_pct"]
    assert whole.persistent == body["persistent_absentees"]
    assert whole.severe == body["severe_absentees"]


def test_the_api_lists_are_the_dashboards(small):
    lead = staff(small.school, Role.HEADTEACHER)
    body = api_get(lead, small.school, "lists", list="persistent", **RANGE).json()
    assert list(body) == ["persistent"]
    assert sorted(p["name"] for p in body["persistent"]) == ["Ava Test", "Cara Test", "Dan Test"]


def test_the_api_names_a_bad_parameter(small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    assert api_get(lead, small.school, "breakdown", by="hair").status_code == 400
    bad = api_get(lead, small.school, "summary", period="range", **{"from": "2024-09-09"})
    assert bad.status_code == 400 and "period" in bad.json()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE])
def test_the_reports_api_is_for_leads(small, role):
    user = staff(small.school, role)
    assert api_get(user, small.school, "summary").status_code == 403


# ---- The dashboard's downloads ----------------------------------------------------------


def download(client, user, school, **params):
    client.force_login(user)
    address = reverse("reporting:download", kwargs={"school_slug": school.slug})
    return client.get(address, {**RANGE, **params})


def test_a_breakdown_downloads_as_the_page_shows_it(client, small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    response = download(client, lead, small.school, table="breakdown", by="sex", format="csv")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    page = client.get(reverse("reporting:dashboard", kwargs={"school_slug": small.school.slug}),
                      RANGE)  # fmt: skip
    rows = {r.label: r for r in page.context["d"].breakdowns["sex"]}
    for line in table:
        shown = rows[line["group"]]  # the page's label, not the roll's code
        assert line["attendance_pct"] == str(shown.totals.attendance_pct)
        assert line["gap_to_rest_points"] == str(shown.gap)
        # the page shows authorised / unauthorised as %: the file has both
        assert line["authorised_pct"] == str(shown.totals.authorised_pct)
        assert line["unauthorised"] == str(shown.totals.summary.unauthorised)
    assert [line["group"] for line in table] == [rows[k].label for k in rows]
    assert "F" not in [line["group"] for line in table]
    assert table[0]["gap_to_rest_points"] == "-18.21"  # hand-counted in test_figures
    assert all(any(line[c] for line in table) for c in table[0])  # no empty column


def test_a_year_group_download_names_the_years_as_the_page_does(client, small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    response = download(client, lead, small.school, table="breakdown", by="year_group")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line["group"] for line in table] == ["Year 3", "Year 4"]


def test_the_weeks_download_gives_each_weeks_full_date(client, small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    response = download(client, lead, small.school, table="weeks")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line["week_beginning"] for line in table] == ["2024-09-09", "2024-09-16"]


def test_a_list_without_details_has_no_detail_column_and_one_with_them_has(client, small):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    persistent = download(client, lead, small.school, table="list", list="persistent")
    header = persistent.content.decode("utf-8-sig").splitlines()[0]
    assert "detail" not in header
    unresolved = download(client, lead, small.school, table="list", list="unresolved_n")
    lines = unresolved.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",detail") and lines[1].endswith(",2 sessions")  # Dan's N


def test_a_list_downloads_as_a_spreadsheet(client, small):
    from openpyxl import load_workbook

    lead = staff(small.school, Role.HEADTEACHER)
    response = download(client, lead, small.school, table="list", list="persistent",
                        format="xlsx")  # fmt: skip
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:2] == ("upn", "name")
    assert sorted(v[1] for v in values[1:]) == ["Ava Test", "Cara Test", "Dan Test"]


def test_downloads_are_for_leads_and_name_real_tables(client, small):
    office = staff(small.school, Role.OFFICE)
    assert download(client, office, small.school, table="weeks").status_code == 403
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    assert download(client, lead, small.school, table="secrets").status_code == 404
    assert download(client, lead, small.school, table="breakdown", by="hair").status_code == 404


def test_open_cases_by_stage_download_as_the_page_lists_them(client, small):
    from escalation.models import Case

    with scopes_disabled():
        for pupil, stage in ((small.cara, "stage_2"), (small.dan, "stage_1")):
            Case.objects.create(
                school=small.school, pupil=pupil, track="attendance", stage=stage,
                stage_since=D(2024, 9, 16), opened_on=D(2024, 9, 16),
            )  # fmt: skip
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    response = download(client, lead, small.school, table="cases")
    page = client.get(reverse("reporting:dashboard", kwargs={"school_slug": small.school.slug}))
    assert b"table=cases&amp;format=csv" in page.content
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["track"], r["stage"], r["name"], r["upn"]) for r in table] == [
        ("Attendance", "Stage 1", "Dan Test", small.dan.upn),
        ("Attendance", "Stage 2", "Cara Test", small.cara.upn),
    ]


@pytest.mark.parametrize(
    "key", ["persistent", "severe", "at_risk", "declining", "improving", "unresolved_n",
            "missing_marks"],
)  # fmt: skip
def test_every_list_of_pupils_downloads_with_the_page_count(client, small, key):
    lead = staff(small.school, Role.ATTENDANCE_LEAD)
    response = download(client, lead, small.school, table="list", list=key)
    assert response.status_code == 200
    page = client.get(reverse("reporting:dashboard", kwargs={"school_slug": small.school.slug}),
                      RANGE)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(page.context["d"].lists[key])
    if rows:
        assert f"list={key}&amp;format=xlsx".encode() in page.content
