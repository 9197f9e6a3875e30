"""API of the reporting app, under /api/v1/schools/<school_slug>/ (attendance_mis/urls.py)."""

from django.urls import path

from . import api_reports, api_returns

app_name = "reporting-api"

school = "schools/<slug:school_slug>/"

urlpatterns: list = [
    # The dashboard's figures (reporting/api_reports.py).
    path(f"{school}reports/summary/", api_reports.Summary.as_view(), name="summary"),
    path(f"{school}reports/breakdown/", api_reports.Breakdown.as_view(), name="breakdown"),
    path(f"{school}reports/lists/", api_reports.Lists.as_view(), name="lists"),
]

# Returns and the daily extract (reporting/api_returns.py).
urlpatterns += [
    path(f"{school}reports/census/", api_returns.CensusReturn.as_view(), name="census"),
    path(
        f"{school}reports/la-returns/",
        api_returns.LocalAuthorityReturn.as_view(),
        name="la-returns",
    ),
    path(
        f"{school}reports/daily-extract/",
        api_returns.DailyExtract.as_view(),
        name="daily-extract",
    ),
]
