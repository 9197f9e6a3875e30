from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from registers import access_views, staff_security_views
from registers import views as register_views

urlpatterns = [
    path("", register_views.home, name="home"),
    path("accounts/", include("attendance_mis.accounts")),
    path("family/", include("absences.portal_urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("registers.api.urls")),
    path("api/v1/", include("absences.api_urls")),
    path("api/v1/", include("escalation.api_urls")),
    path("api/v1/", include("reporting.api_urls")),
    path("<slug:school_slug>/letters/", include("letters.urls")),
    path("<slug:school_slug>/absences/", include("absences.urls")),
    path("<slug:school_slug>/escalation/", include("escalation.urls")),
    path("<slug:school_slug>/reports/", include("reporting.urls")),
    path("<slug:school_slug>/access-log/", access_views.access_log, name="access_log"),
    path(
        "<slug:school_slug>/staff-sign-in/",
        staff_security_views.staff_sign_in,
        name="staff_sign_in",
    ),
    path(
        "<slug:school_slug>/staff-sign-in/<int:user_id>/reset-two-factor/",
        staff_security_views.two_factor_reset,
        name="two_factor_reset",
    ),
    path(
        "<slug:school_slug>/staff-sign-in/tokens/<int:token_id>/revoke/",
        staff_security_views.token_revoke,
        name="school_token_revoke",
    ),
    path("<slug:school_slug>/", include("registers.urls")),
]
# Uploaded files (letters, logos) are never served from MEDIA_URL: views check the
# school and role before handing one out.
