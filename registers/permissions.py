"""Role checks for views: 403 for a colleague with the wrong role.

Membership of the school itself is settled by SchoolMiddleware (404 for outsiders)
before any of these run.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied


def roles_required(roles):
    roles = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.roles & roles:
                return view(request, *args, **kwargs)
            raise PermissionDenied("Your role here does not allow this.")

        return wrapped

    return decorator
