"""Pages of the absences app, under /<school_slug>/absences/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "absences"

urlpatterns: list = []
