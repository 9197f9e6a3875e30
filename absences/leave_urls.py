"""The decider's leave pages, under /<school_slug>/absences/leave/ (added to absences/urls.py)."""

from django.urls import path

from .views import leave as views

school_patterns = [
    path("leave/", views.leave_queue, name="leave_queue"),
    path("leave/checks/", views.leave_checks, name="leave_checks"),
    path("leave/new/", views.leave_enter, name="leave_enter"),
    path("leave/<int:request_id>/", views.leave_detail, name="leave_detail"),
    path("leave/evidence/<int:evidence_id>/", views.leave_evidence, name="leave_evidence"),
]
