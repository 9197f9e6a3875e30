"""API of the reporting app, under /api/v1/schools/<school_slug>/ (attendance_mis/urls.py)."""

from django.urls import path

from . import api_returns

app_name = "reporting-api"

school = "schools/<slug:school_slug>/"

urlpatterns: list = []

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
