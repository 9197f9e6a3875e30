"""Pages of the reporting app, under /<school_slug>/reports/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "reporting"

urlpatterns: list = []
