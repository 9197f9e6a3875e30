"""The parent portal's routes.

`urlpatterns` (namespace "portal", under /family/ in attendance_mis/urls.py): pages
outside any school, the parent's home across schools and the invitation link.
`school_patterns`: pages under /<school_slug>/absences/ (added to absences/urls.py):
the staff's invitations and the parent's pages about one child.
"""

from django.urls import path

from .views import portal as views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitation/", views.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/", views.invitation_open, name="invitation_open"),
]

school_patterns = [
    path("invitations/", views.invitations, name="portal_invitations"),
    path("family/<int:pupil_id>/", views.child, name="portal_child"),
]

school_patterns += [
    path("family/<int:pupil_id>/report/", views.report, name="portal_report"),
    path(
        "family/<int:pupil_id>/reports/<int:report_id>/withdraw/",
        views.report_withdraw,
        name="portal_report_withdraw",
    ),
    path("family/<int:pupil_id>/leave/", views.leave_new, name="portal_leave_new"),
    path("family/<int:pupil_id>/leave/<int:request_id>/", views.leave, name="portal_leave"),
    path("family/<int:pupil_id>/letters/<int:letter_id>/", views.letter, name="portal_letter"),
]
