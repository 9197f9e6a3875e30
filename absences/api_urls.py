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
