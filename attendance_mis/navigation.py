"""The main menu: each page with the roles that may open it, so that nobody is offered
a link that answers 403. Lives at project level because it names every app's pages."""

from django.urls import reverse

from letters.models import ROLES_VIEW as ROLES_LETTERS
from registers.models import ROLES_ALL_STAFF, ROLES_REGISTER_ANY_GROUP, ROLES_SCHOOL_SETTINGS

MENU = [
    ("Registers", "registers:my_registers", ROLES_ALL_STAFF),
    ("Not yet taken", "registers:outstanding", ROLES_REGISTER_ANY_GROUP),
    ("Letters", "letters:index", ROLES_LETTERS),
    ("Absence reasons", "registers:reasons", ROLES_SCHOOL_SETTINGS),
]


def menu(request):
    school = getattr(request, "school", None)
    roles = getattr(request, "roles", frozenset())
    if school is None or not roles:
        return {"menu": []}
    items = []
    for label, name, allowed in MENU:
        if roles & allowed:
            url = reverse(name, kwargs={"school_slug": school.slug})
            items.append({"label": label, "url": url, "current": request.path.startswith(url)})
    return {"menu": items}
