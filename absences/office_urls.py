"""The office's absence reports pages, under /<school_slug>/absences/ (added to
absences/urls.py)."""

from django.urls import path

from .views import office as views

school_patterns = [
    path("", views.office, name="office"),
    path("pupils/", views.pupil_results, name="office_pupils"),
    path("reports/<int:report_id>/accept/", views.accept, name="report_accept"),
    path("reports/<int:report_id>/withdraw/", views.withdraw, name="report_withdraw"),
]
