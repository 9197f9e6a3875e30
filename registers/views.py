from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .tenancy import staff_schools


@login_required
def home(request):
    """Where a member of staff lands: their school, or a choice of schools."""
    schools = list(staff_schools(request.user).order_by("name"))
    if len(schools) == 1:
        return redirect("registers:school_home", school_slug=schools[0].slug)
    return render(request, "registers/home.html", {"schools": schools})


def school_home(request, school_slug):
    return render(request, "registers/school_home.html")


def my_registers(request, school_slug):
    return render(request, "registers/school_home.html")


def outstanding(request, school_slug):
    return render(request, "registers/school_home.html")
