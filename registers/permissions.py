"""Role checks for school pages: 403 for a colleague with the wrong role.

Membership of the school itself is settled by SchoolMiddleware (404 for outsiders)
before any of these run. Fail safe (DESIGN.md §3): every page view under
`/<school_slug>/` must declare who may open it, with `roles_required(...)` or, for a
page every member of the school (parents included) may open, `open_to_members` (a
class-based view sets `school_roles` on its class). The middleware refuses (403) a school
page whose view declares neither, so a view that forgot its decorator is closed, not open
to parents and every role, and it enforces the declared roles itself before the view runs.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

# The attribute the middleware looks for on a school page's view function.
DECLARED = "school_roles"
# `school_roles` of a page open to every member, parents included.
ANY_MEMBER = "any member"


def roles_required(roles):
    roles = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.roles & roles:
                return view(request, *args, **kwargs)
            raise PermissionDenied("Your role here does not allow this.")

        setattr(wrapped, DECLARED, roles)
        return wrapped

    return decorator


def open_to_members(view):
    """A school page that every member of the school may open (each staff role, trust
    leads of its trust, and parents with a child there); the view shows each what is
    theirs."""
    setattr(view, DECLARED, ANY_MEMBER)
    return view


def declared_roles(view):
    """Who a view says may open it: a set of roles, ANY_MEMBER, or None if it says
    nothing. Read from the view function (through its decorators) or, for a class-based
    view, from `school_roles` on its class."""
    found = getattr(view, DECLARED, None)
    if found is None:
        found = getattr(getattr(view, "view_class", None), DECLARED, None)
    return found


def declares_roles(view) -> bool:
    return declared_roles(view) is not None
