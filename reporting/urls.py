"""Pages of the reporting app, under /<school_slug>/reports/ (attendance_mis/urls.py)."""

from django.urls import path

from . import export_views, governors
from .views import dashboard, download, groups, pupil, today, trust

app_name = "reporting"

urlpatterns: list = [
    path("", dashboard.dashboard, name="dashboard"),
    path("today/", today.today, name="today"),
    path("groups/", groups.groups, name="groups"),
    path("trust/", trust.trust, name="trust"),
    path("pupils/<int:pupil_id>/", pupil.pupil, name="pupil"),
    path("download/", download.download, name="download"),
]

# Exports and returns (reporting/export_views.py).
urlpatterns += [
    path("exports/", export_views.export_list, name="exports"),
    path("exports/<int:export_id>/", export_views.export_detail, name="export"),
    path(
        "exports/<int:export_id>/download/",
        export_views.export_download,
        name="export_download",
    ),
]

# The governors' termly report (reporting/governors.py).
urlpatterns += [path("governors/", governors.governors_report, name="governors")]
