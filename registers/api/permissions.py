"""Who may do what through the API.

`SchoolRole` is the DEFAULT permission of every API view (settings REST_FRAMEWORK), so
tenancy fails safe: a view added under `/api/v1/schools/<school_slug>/` is members-only
and closed to every role until it declares `read_roles` / `write_roles`, without the view
remembering a mixin. A view that is deliberately open says so explicitly: `public = True`
(anyone, even anonymous), or its own `permission_classes` (views outside any school: the
codes, the schema, the docs). A view outside any school that declares nothing is refused.

The middleware has already resolved `request.school` (None for an unknown slug); this
runs after DRF has authenticated the session or token, so it is where membership is
checked:

- no role at the school -> 404, exactly as for an unknown school (no hint it exists);
- a role the view does not allow -> 403 (no roles declared: nobody is allowed).

Who may do what (roles from `registers.models`):

- Reading pupils, sessions, groups and a pupil's attendance: every staff role and trust
  leads. A teacher with no wider role sees only the pupils of their own groups (another
  pupil is a 404, or is left out of a list).
- Contacts in a pupil's detail: ROLES_REGISTER_ANY_GROUP (office, attendance officer and
  lead, headteacher, school admin), who phone and write to families. Not teachers (they
  go through the office) and not trust leads (they oversee figures; parents' phones and
  addresses are not needed for that). Others get the pupil with `contacts: null`.
- Reading or saving a group's register: the group's own teachers and
  ROLES_REGISTER_ANY_GROUP; a teacher of another group, or a trust lead, gets 403. A
  teacher may not change a mark entered in advance by the office, a parent or approved
  leave (400, as on the register page).
- Anything that writes: never a trust lead (read-only everywhere).
"""

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..models import ROLES_PUPIL_RECORDS, ROLES_REGISTER_ANY_GROUP, Role
from ..tenancy import roles_at

ROLES_READ = ROLES_PUPIL_RECORDS | {Role.TEACHER}
ROLES_REGISTER = ROLES_REGISTER_ANY_GROUP | {Role.TEACHER}
ROLES_CONTACTS = ROLES_REGISTER_ANY_GROUP
# A trust lead never writes, whatever a view allows.
ROLES_WRITE = frozenset(Role.values) - {Role.TRUST_LEAD}


class SchoolRole(BasePermission):
    """Membership of `request.school` (404 if none), then the view's roles (403).

    The default permission class (see the module's docstring). A view sets `read_roles`
    and, if it writes, `write_roles`; a view that sets neither is refused to everyone
    (fail closed). The user's roles at the school are left on `request.roles` for the view.
    A view outside any school (no `school_slug` in its URL) is refused unless it is public.
    """

    message = "Your role at this school does not allow this."

    def has_permission(self, request, view):
        if getattr(view, "public", False):
            return True
        if "school_slug" not in view.kwargs:
            # Not a school's endpoint, and it declared no permission of its own.
            self.message = "This endpoint has not declared who may use it."
            return False
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers 401 (or 403 for a session-only client)
        roles = roles_at(request.user, request.school) if request.school else frozenset()
        if not roles:
            raise NotFound()
        request.roles = roles
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", frozenset())
        else:
            allowed = getattr(view, "write_roles", frozenset()) & ROLES_WRITE
        return bool(roles & allowed)


def sees_all_pupils(roles) -> bool:
    return bool(roles & ROLES_PUPIL_RECORDS)


def sees_contacts(roles) -> bool:
    return bool(roles & ROLES_CONTACTS)


def takes_any_register(roles) -> bool:
    return bool(roles & ROLES_REGISTER_ANY_GROUP)
