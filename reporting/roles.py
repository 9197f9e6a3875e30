"""Who may open which report (role sets from registers.models)."""

from registers.models import ROLES_ALL_STAFF, ROLES_PUPIL_RECORDS, ROLES_REGISTER_ANY_GROUP, Role

# The morning's picture: the office and everyone who chases registers.
ROLES_TODAY = ROLES_REGISTER_ANY_GROUP
# The school's figures, lists of pupils and breakdowns: the leads (and a trust's lead).
ROLES_DASHBOARD = frozenset(
    {
        Role.ATTENDANCE_LEAD,
        Role.ATTENDANCE_OFFICER,
        Role.HEADTEACHER,
        Role.SCHOOL_ADMIN,
        Role.TRUST_LEAD,
    }
)
# One pupil's year and timeline: staff who hold pupils' records.
ROLES_PUPIL = ROLES_PUPIL_RECORDS
# Groups' week and term: every member of staff (a teacher sees their own groups).
ROLES_GROUPS = ROLES_ALL_STAFF
ROLES_TRUST = frozenset({Role.TRUST_LEAD})
