from django.shortcuts import render

from registers.permissions import roles_required

from ..roles import ROLES_TODAY
from ..selectors.today import today as today_figures

# The page asks for its figures again this often (htmx), through the morning.
REFRESH_SECONDS = 60


@roles_required(ROLES_TODAY)
def today(request, school_slug):
    """This session's registers and where every pupil is; the figures refresh themselves
    (htmx polling of the same URL, which then answers with the figures alone)."""
    figures = today_figures(school=request.school)
    context = {"t": figures, "refresh": REFRESH_SECONDS}
    if request.headers.get("HX-Request"):
        return render(request, "reporting/_today_figures.html", context)
    return render(request, "reporting/today.html", context)
