"""API of the absences app, under /api/v1/schools/<school_slug>/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "absences-api"

school = "schools/<slug:school_slug>/"

urlpatterns: list = []
