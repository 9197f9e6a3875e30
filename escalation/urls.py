"""Pages of the escalation app, under /<school_slug>/escalation/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

from .views.routes import urlpatterns as pages

app_name = "escalation"

urlpatterns: list = [*pages]
