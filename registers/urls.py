from datetime import date

from django.urls import path, register_converter

from . import views


class IsoDateConverter:
    """YYYY-MM-DD as a date; an impossible date (2024-02-30) does not match, so 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


class PeriodConverter:
    regex = "AM|PM"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(IsoDateConverter, "isodate")
register_converter(PeriodConverter, "period")

app_name = "registers"
urlpatterns = [
    path("", views.school_home, name="school_home"),
    path("registers/", views.my_registers, name="my_registers"),
    path("registers/outstanding/", views.outstanding, name="outstanding"),
    path(
        "registers/<int:group_id>/<isodate:day>/<period:period>/",
        views.register,
        name="register",
    ),
    path("settings/reasons/", views.reasons, name="reasons"),
]
