from django.urls import path, re_path

from . import views

app_name = "api"

school = "schools/<slug:school_slug>/"

urlpatterns = [
    path("codes/", views.CodeList.as_view(), name="codes"),
    path(f"{school}pupils/", views.PupilList.as_view(), name="pupils"),
    path(f"{school}pupils/<int:pk>/", views.PupilDetail.as_view(), name="pupil"),
    path(
        f"{school}pupils/<int:pk>/attendance/",
        views.PupilAttendance.as_view(),
        name="pupil-attendance",
    ),
    path(f"{school}sessions/", views.SessionList.as_view(), name="sessions"),
    path(f"{school}groups/", views.GroupList.as_view(), name="groups"),
    re_path(
        r"^schools/(?P<school_slug>[-a-zA-Z0-9_]+)/registers/(?P<group_id>[0-9]+)/"
        r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/(?P<period>AM|PM)/$",
        views.RegisterDetail.as_view(),
        name="register",
    ),
]
