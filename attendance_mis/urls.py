from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from registers import views as register_views

urlpatterns = [
    path("", register_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("registers.api.urls")),
    path("<slug:school_slug>/letters/", include("letters.urls")),
    path("<slug:school_slug>/", include("registers.urls")),
]
# Uploaded files (letters, logos) are never served from MEDIA_URL: views check the
# school and role before handing one out.
