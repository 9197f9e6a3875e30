from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("", views.school_home, name="school_home"),
    path("registers/", views.my_registers, name="my_registers"),
    path("registers/outstanding/", views.outstanding, name="outstanding"),
]
