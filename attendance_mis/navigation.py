"""The main menu: each page with the roles that may open it, so that nobody is offered
a link that answers 403. Lives at project level because it names every app's pages."""

from django.urls import reverse

from absences.models.portal import ROLES_PORTAL_INVITE
from absences.selectors.contacts import ROLES_CONTACTS
from escalation.roles import ROLES_CASEWORK as ROLES_ESCALATION
from escalation.roles import ROLES_POLICY_VIEW
from letters.models import ROLES_VIEW as ROLES_LETTERS
from registers.models import (
    ROLES_ALL_STAFF,
    ROLES_REGISTER_ANY_GROUP,
    ROLES_SCHOOL_ADMIN,
    ROLES_SCHOOL_SETTINGS,
)
from reporting.returns import ROLES_RETURNS
from reporting.roles import ROLES_DASHBOARD, ROLES_GROUPS, ROLES_TODAY, ROLES_TRUST

# Those who may read the escalation policy but not the queue (the school admin).
ROLES_ESCALATION_POLICY_ONLY = ROLES_POLICY_VIEW - ROLES_ESCALATION

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
        "Leave requests",
        "absences:leave_queue",
        ROLES_REGISTER_ANY_GROUP,  # = absences.models.leave.ROLES_LEAVE_VIEW
        "Parents' requests for leave of absence: decide, ask for more, follow up",
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
        "First-day calling",
        "absences:calling",
        ROLES_CONTACTS,
        "Pupils absent without explanation today, vulnerable first: call, record, escalate",
    ),
    (
        "Unresolved N codes",
        "absences:ncodes",
        ROLES_CONTACTS,
        "N marks still to explain, with their 5-school-day deadlines; overdue flagged",
    ),
    (
        "Absence procedure",
        "absences:procedure",
        ROLES_SCHOOL_SETTINGS,
        "First-day calling times, the safeguarding lead, welfare triggers, N to O",
    ),
    (
        "Parent portal",
        "absences:portal_invitations",
        ROLES_PORTAL_INVITE,
        "Invite parents with parental responsibility to see and report their children's absence",
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
    # Reporting (reporting/roles.py).
    (
        "Today",
        "reporting:today",
        ROLES_TODAY,
        "This session: registers still to take, who is in, late, absent, unexplained",
    ),
    (
        "Attendance figures",
        "reporting:dashboard",
        ROLES_DASHBOARD,
        "The school's attendance for any period: breakdowns, patterns, pupils to look at",
    ),
    (
        "Groups' attendance",
        "reporting:groups",
        ROLES_GROUPS,
        "Your groups' week and term, and the best group of the week",
    ),
    (
        "Trust schools",
        "reporting:trust",
        ROLES_TRUST,
        "The trust's schools side by side, with the same figures and breakdowns",
    ),
    (
        "Escalation",
        "escalation:queue",
        ROLES_ESCALATION,
        "The morning queue (letters, meetings, legal steps), cases, notices, the policy",
    ),
    (
        "Escalation policy",
        "escalation:policy",
        ROLES_ESCALATION_POLICY_ONLY,
        "The school's ladder of escalation rules, chosen from a preset and edited here",
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
            items.append({"label": label, "url": url, "purpose": purpose, "current": False})
    # One current page: the item whose address is the longest start of this one (the
    # figures at /reports/ and Today at /reports/today/ are not both current).
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["current"] = True
    return {"menu": items}
