from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from registers import access_views
from registers import views as register_views

urlpatterns = [
    path("", register_views.home, name="home"),
    path("accounts/", include("attendance_mis.accounts")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("registers.api.urls")),
    path("<slug:school_slug>/letters/", include("letters.urls")),
    path("<slug:school_slug>/access-log/", access_views.access_log, name="access_log"),
    path("<slug:school_slug>/", include("registers.urls")),
]
# Uploaded files (letters, logos) are never served from MEDIA_URL: views check the
# school and role before handing one out.
