"""The core: tenants, people, the calendar, the national codes and the marks.

Every school-owned model has a NOT NULL `school` and a scoped manager: a query run
with no school (or trust) selected raises `ScopeError` instead of leaking rows
(django-scopes). Views get the scope from `SchoolMiddleware`; commands and Celery
tasks enter it themselves with `registers.tenancy.school_scope`.
"""

from .access import AccessEvent  # noqa: E402, F401
from .calendar import (  # noqa: F401
    AcademicYear,
    Closure,
    RegisterTimes,
    Session,
    Term,
)
from .events import Event, EventQuerySet, OutboxTask  # noqa: F401
from .groups import GroupMembership, GroupMembershipQuerySet  # noqa: F401
from .marks import (  # noqa: F401
    AbsenceReason,
    Amendment,
    AmendmentQuerySet,
    AttendanceCode,
    Mark,
    MarkQuerySet,
    Register,
)
from .people import (  # noqa: F401
    Contact,
    Pupil,
    RegistrationGroup,
    build_upn,
    validate_upn,
)
from .planned import PlannedEntry  # noqa: F401
from .tenants import (  # noqa: F401
    MAX_ID,
    ROLES_ALL_STAFF,
    ROLES_PUPIL_RECORDS,
    ROLES_REGISTER_ANY_GROUP,
    ROLES_SCHOOL_ADMIN,
    ROLES_SCHOOL_SETTINGS,
    Membership,
    Period,
    Role,
    School,
    Trust,
    YearGroup,
    tenant_manager,
)
from .tokens import ApiToken  # noqa: F401
