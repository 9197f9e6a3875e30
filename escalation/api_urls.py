"""API of the escalation app, under /api/v1/schools/<school_slug>/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "escalation-api"

school = "schools/<slug:school_slug>/"

urlpatterns: list = []

# Casework: cases, the morning queue, proposals, penalty notices (escalation.api.casework).
from .api import casework as casework_api  # noqa: E402

esc = f"{school}escalation/"
urlpatterns += [
    path(f"{esc}cases/", casework_api.CaseList.as_view(), name="cases"),
    path(f"{esc}cases/<int:case_id>/", casework_api.CaseDetail.as_view(), name="case"),
    path(f"{esc}queue/", casework_api.QueueView.as_view(), name="queue"),
    path(
        f"{esc}proposals/<int:proposal_id>/approve/",
        casework_api.ProposalApprove.as_view(),
        name="proposal-approve",
    ),
    path(
        f"{esc}proposals/<int:proposal_id>/skip/",
        casework_api.ProposalSkip.as_view(),
        name="proposal-skip",
    ),
    path(
        f"{esc}penalty-notices/", casework_api.PenaltyNoticeList.as_view(), name="penalty-notices"
    ),
    path(
        f"{esc}penalty-notices/<int:notice_id>/",
        casework_api.PenaltyNoticeDetail.as_view(),
        name="penalty-notice",
    ),
]
