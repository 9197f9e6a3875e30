"""Exports and returns page: a file asked for, written in the background, downloaded."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from registers.models import AccessEvent, Role
from registers.tenancy import school_scope
from reporting.export_jobs import STALE_AFTER, ExportJob, export_run, exports_expire
from reporting.returns import census_rows
from tests.factories import PupilFactory, mark_days, school_calendar, staff

D = dt.date


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


@pytest.fixture
def lead(calendar_school):
    return staff(calendar_school, Role.ATTENDANCE_LEAD)


def exports_url(school, *parts):
    return "/".join([f"/{school.slug}/reports/exports", *map(str, parts)]) + "/"


def test_a_census_export_is_written_in_the_background_and_downloaded_as_xlsx(
    calendar_school, lead, client, django_capture_on_commit_callbacks
):
    school = calendar_school
    ada = PupilFactory(school=school, on_roll_from=D(2024, 9, 2))
    mark_days(ada, {D(2024, 9, 9): ("I", "/"), D(2025, 1, 6): "N"})
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            exports_url(school),
            {"kind": "census_return", "term": "2024-09-03:2024-12-20", "format": "xlsx"},
        )
    with scopes_disabled():
        job = ExportJob.objects.get(school=school)
    page = client.get(response["Location"])
    download = client.get(exports_url(school, job.pk, "download"))

    assert response.status_code == 302
    form = client.get(exports_url(school)).content.decode()
    assert "Autumn 2024/25 (3 Sep to 20 Dec 2024)" in form
    assert job.status == ExportJob.Status.DONE and job.rows == 1
    assert "Download the XLSX file" in page.content.decode()
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    with school_scope(school):
        expected = census_rows(school=school, start=D(2024, 9, 3), end=D(2024, 12, 20))
    assert [dict(zip(header, r, strict=True))["possible"] for r in rows] == [
        expected[0]["possible"]
    ]
    figures = dict(zip(header, rows[0], strict=True))
    assert (figures["upn"], figures["I"], figures["N"]) == (ada.upn, 1, 0)
    with scopes_disabled():
        assert AccessEvent.objects.filter(
            school=school, user=lead, kind=AccessEvent.Kind.EXPORT_DOWNLOADED
        ).exists()


def test_an_export_without_its_dates_is_refused_with_a_message_and_nothing_queued(
    calendar_school, lead, client
):
    client.force_login(lead)

    response = client.post(
        exports_url(calendar_school), {"kind": "attendance_report", "format": "csv"}
    )

    assert response.status_code == 400
    assert "Give the first day" in response.content.decode()
    with scopes_disabled():
        assert not ExportJob.objects.exists()


def job_for(school, user, **fields):
    with scopes_disabled():
        return ExportJob.objects.create(
            school=school,
            requested_by=user,
            kind=ExportJob.Kind.ATTENDANCE,
            params={"from": "2024-09-02", "to": "2024-09-13"},
            format="csv",
            created_at=timezone.now(),
            **fields,
        )


def settings_path(settings):
    return Path(settings.PRIVATE_STORAGE_ROOT)


def test_an_export_delivered_twice_is_written_once(calendar_school, lead, settings):
    job = job_for(calendar_school, lead)

    with school_scope(calendar_school):
        first = export_run(school=calendar_school, job_id=job.pk)
        second = export_run(school=calendar_school, job_id=job.pk)

    files = list((settings_path(settings) / "exports").rglob("*.csv"))
    assert (first, second) == (True, False)
    assert len(files) == 1
    assert files[0].read_text(encoding="utf-8-sig").startswith("upn,possible,")


def test_a_worker_killed_mid_export_is_taken_over_only_once_it_is_stale(calendar_school, lead):
    now = timezone.now()
    fresh = job_for(calendar_school, lead, status=ExportJob.Status.RUNNING, started_at=now)
    stale = job_for(
        calendar_school,
        lead,
        status=ExportJob.Status.RUNNING,
        started_at=now - STALE_AFTER - dt.timedelta(seconds=1),
    )

    with school_scope(calendar_school):
        assert export_run(school=calendar_school, job_id=fresh.pk, now=now) is False
        assert export_run(school=calendar_school, job_id=stale.pk, now=now) is True


def test_export_files_are_removed_after_a_week(calendar_school, lead):
    job = job_for(calendar_school, lead)
    with school_scope(calendar_school):
        export_run(school=calendar_school, job_id=job.pk)
        job.refresh_from_db()
        path = job.path
        week_later = job.finished_at + dt.timedelta(days=7, minutes=1)
        removed = exports_expire(school=calendar_school, now=week_later)
        job.refresh_from_db()

    assert removed == 1 and not path.exists()
    assert job.status == ExportJob.Status.EXPIRED


def test_exports_are_for_the_people_who_make_returns_and_each_sees_their_own(
    calendar_school, lead, client
):
    job = job_for(calendar_school, lead)
    client.force_login(staff(calendar_school, Role.OFFICE))
    office = client.get(exports_url(calendar_school))
    client.force_login(staff(calendar_school, Role.HEADTEACHER))
    head_list = client.get(exports_url(calendar_school))
    head_job = client.get(exports_url(calendar_school, job.pk))

    assert office.status_code == 403
    assert head_list.status_code == 200
    assert head_job.status_code == 404
