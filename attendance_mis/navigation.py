"""The main menu: each page with the roles that may open it, so that nobody is offered
a link that answers 403. Lives at project level because it names every app's pages."""

from django.urls import reverse

from letters.models import ROLES_VIEW as ROLES_LETTERS
from registers.models import (
    ROLES_ALL_STAFF,
    ROLES_REGISTER_ANY_GROUP,
    ROLES_SCHOOL_ADMIN,
    ROLES_SCHOOL_SETTINGS,
)
from reporting.returns import ROLES_RETURNS

# (label, URL name, who may open it, what it is for: shown on the school's home page)
MENU = [
    (
        "Registers",
        "registers:my_registers",
        ROLES_ALL_STAFF,
        "Take the morning and afternoon registers",
    ),
    (
        "Not yet taken",
        "registers:outstanding",
        ROLES_REGISTER_ANY_GROUP,
        "Registers still to take this session, and who took the others",
    ),
    (
        "Absence reports",
        "absences:office",
        ROLES_REGISTER_ANY_GROUP,  # = absences.models.reports.ROLES_REPORTS
        "Log a parent's call or message; accept or withdraw parents' reports",
    ),
    (
        "Letters",
        "letters:index",
        ROLES_LETTERS,
        "Letters to approve, print batches, each pupil's letters and the wording",
    ),
    (
        "Absence reasons",
        "registers:reasons",
        ROLES_SCHOOL_SETTINGS,
        "The school's own reasons, each recorded under a national code",
    ),
    (
        "Exports and returns",
        "reporting:exports",
        ROLES_RETURNS,
        "Census and local authority returns, the daily extract, whole-school tables",
    ),
    (
        "Access log",
        "access_log",
        ROLES_SCHOOL_ADMIN,
        "Who viewed pupils' records, downloaded letters and exports, and signed in",
    ),
    (
        "Staff sign-in",
        "staff_sign_in",
        ROLES_SCHOOL_ADMIN,
        "Who has set up two-factor sign-in; reset a lost phone, revoke API tokens",
    ),
]


def menu(request):
    school = getattr(request, "school", None)
    roles = getattr(request, "roles", frozenset())
    if school is None or not roles:
        return {"menu": []}
    items = []
    for label, name, allowed, purpose in MENU:
        if roles & allowed:
            url = reverse(name, kwargs={"school_slug": school.slug})
            current = request.path.startswith(url)
            items.append({"label": label, "url": url, "purpose": purpose, "current": current})
    return {"menu": items}
