"""Pages of the absences app, under /<school_slug>/absences/ (attendance_mis/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "absences"

urlpatterns: list = []

from .portal_urls import school_patterns as portal_patterns  # noqa: E402

urlpatterns += portal_patterns  # the parent portal and its invitations

from .office_urls import school_patterns as office_patterns  # noqa: E402

urlpatterns += office_patterns  # the office's absence reports (calls, parents' reports)

from .leave_urls import school_patterns as leave_patterns  # noqa: E402

urlpatterns += leave_patterns  # leave of absence: the decider's queue and pages, evidence

from .views.calling import school_patterns as calling_patterns  # noqa: E402

urlpatterns += calling_patterns  # first-day calling, welfare tasks, N codes, the procedure
