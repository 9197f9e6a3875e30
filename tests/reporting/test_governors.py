"""The governors' termly report: the dashboard's figures as one PDF, naming no pupil."""

import datetime as dt
import io

import pytest
from django_scopes import scopes_disabled
from pypdf import PdfReader

from registers.models import AccessEvent, Role
from tests.factories import PupilFactory, mark_days, school_calendar, staff

D = dt.date


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def url(school):
    return f"/{school.slug}/reports/governors/"


def range_query(start, end):
    return {"period": "range", "from": start.isoformat(), "to": end.isoformat()}


def test_the_governors_report_is_a_pdf_of_the_periods_figures_naming_no_pupil(
    calendar_school, client
):
    school = calendar_school
    week = [D(2024, 9, 9) + dt.timedelta(days=i) for i in range(5)]
    # Six girls in Year 4 present all week; Zebedee (the only boy) off ill two days.
    for i in range(6):
        girl = PupilFactory(school=school, gender="F", year_group="4", legal_forename=f"Girl{i}")
        mark_days(girl, dict.fromkeys(week, "/"))
    boy = PupilFactory(school=school, gender="M", year_group="4", legal_forename="Zebedee")
    mark_days(boy, {**dict.fromkeys(week, "/"), week[0]: "I", week[1]: "I"})
    client.force_login(staff(school, Role.HEADTEACHER))

    response = client.get(url(school), range_query(week[0], week[-1]))

    text = pdf_text(response)
    assert response["Content-Type"] == "application/pdf"
    # 70 possible sessions, 4 missed: 66 / 70 = 94.29%.
    assert "94.29% attendance" in text
    assert "5.71% authorised absence" in text
    # One boy: no figure by sex is shown, since the girls' and the school's would give
    # his away; the year group (7 pupils) is shown.
    by_sex = text.split("Sex: attendance")[1].split("Special educational needs:")[0]
    assert "Male fewer than 5 not shown" in by_sex and "Female 6 not shown" in by_sex
    by_year = text.split("Year group: attendance")[1].split("Sex: attendance")[0]
    assert "Year 4 7 94.29" in by_year
    assert "Zebedee" not in text and "Girl0" not in text
    with scopes_disabled():
        assert AccessEvent.objects.filter(
            school=school, kind=AccessEvent.Kind.EXPORT_DOWNLOADED
        ).exists()


def test_the_governors_report_page_offers_the_period_before_any_pdf(calendar_school, client):
    client.force_login(staff(calendar_school, Role.ATTENDANCE_LEAD))

    response = client.get(url(calendar_school))

    assert response.status_code == 200
    assert "Download the PDF" in response.content.decode()


def test_the_governors_report_is_for_leads_not_class_teachers(calendar_school, client):
    client.force_login(staff(calendar_school, Role.TEACHER))

    response = client.get(url(calendar_school), range_query(D(2024, 9, 9), D(2024, 9, 13)))

    assert response.status_code == 403


def test_the_dashboard_links_to_the_governors_report_for_its_period(calendar_school, client):
    client.force_login(staff(calendar_school, Role.HEADTEACHER))
    query = range_query(D(2024, 9, 9), D(2024, 9, 13))

    page = client.get(f"/{calendar_school.slug}/reports/", query).content.decode()

    assert f"{url(calendar_school)}?period=range&amp;from=2024-09-09&amp;to=2024-09-13" in page


def test_a_backwards_range_is_refused_with_the_form_not_turned_into_another_report(
    calendar_school, client
):
    client.force_login(staff(calendar_school, Role.HEADTEACHER))

    response = client.get(url(calendar_school), range_query(D(2024, 9, 13), D(2024, 9, 9)))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Autumn 2024/25" in response.content.decode()
