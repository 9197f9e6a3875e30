"""Role checks for school pages: 403 for a colleague with the wrong role.

Membership of the school itself is settled by SchoolMiddleware (404 for outsiders)
before any of these run. Fail safe (DESIGN.md §3): every page view under
`/<school_slug>/` must declare who may open it, with `roles_required(...)` or, for a
page every member of the school (parents included) may open, `open_to_members`. The
middleware refuses (403) a school page whose view declares neither, so a view that
forgot its decorator is closed, not open to parents and every role.
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


def declares_roles(view) -> bool:
    """Whether a view function (through its decorators) says who may open it."""
    return hasattr(view, DECLARED)
