from django.shortcuts import render

from registers import selectors
from registers.permissions import roles_required

from ..roles import ROLES_GROUPS
from ..selectors.groups import group_figures


@roles_required(ROLES_GROUPS)
def groups(request, school_slug):
    """A teacher's own groups (everyone who takes any register sees every group)."""
    school = request.school
    mine = selectors.registers_for(school=school, user=request.user, roles=request.roles)
    figures, best, week, term, last_week = group_figures(
        school=school, groups=mine, today=selectors.local_today(school)
    )
    context = {
        "figures": figures, "best": best, "week": week, "term": term, "last_week": last_week,
    }  # fmt: skip
    return render(request, "reporting/groups.html", context)
