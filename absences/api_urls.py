"""API of the absences app, under /api/v1/schools/<school_slug>/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "absences-api"

school = "schools/<slug:school_slug>/"

urlpatterns: list = []

# Leave of absence (absences.api.leave).
from .api import leave as leave_api  # noqa: E402

urlpatterns += [
    path(f"{school}leave-requests/", leave_api.LeaveRequestList.as_view(), name="leave-requests"),
    path(
        f"{school}leave-requests/<int:request_id>/",
        leave_api.LeaveRequestDetail.as_view(),
        name="leave-request",
    ),
    path(
        f"{school}leave-requests/<int:request_id>/decision/",
        leave_api.LeaveDecision.as_view(),
        name="leave-decision",
    ),
    path(f"{school}leave-assess/", leave_api.LeaveAssess.as_view(), name="leave-assess"),
]

# First-day calling (absences.api.calls).
from .api import calls as calls_api  # noqa: E402

urlpatterns += [
    path(f"{school}calling-list/", calls_api.CallingListView.as_view(), name="calling-list"),
    path(f"{school}call-attempts/", calls_api.CallAttemptList.as_view(), name="call-attempts"),
]

# Absence reports (absences.api.reports).
from .api import reports as reports_api  # noqa: E402

urlpatterns += [
    path(f"{school}absence-reports/", reports_api.ReportList.as_view(), name="absence-reports"),
    path(
        f"{school}absence-reports/<int:report_id>/accept/",
        reports_api.ReportAccept.as_view(),
        name="absence-report-accept",
    ),
    path(
        f"{school}absence-reports/<int:report_id>/withdraw/",
        reports_api.ReportWithdraw.as_view(),
        name="absence-report-withdraw",
    ),
]
