"""A pupil's contacts, for the people who telephone families (the absences issue).

Who may see them (`ROLES_CONTACTS`): the office, the attendance officer and lead, the
headteacher and the school administrator. The policies give the calls to these people
and no one else: the office (Blue Sky BS-10, DSAT DS-11..13, Leeds LE-08), administrative
staff (Burton Hathow BH-09), the pastoral / admin manager (Banks Lane BL-15, BL-16), the
attendance officer directing them and the DSL (a lead or the head) when nobody is reached
(DS-14, BL-34). A class teacher takes the register and needs no family's phone number to
do it, so, by data minimisation (UK GDPR art. 5(1)(c)), class teachers do not see them;
nor does a trust lead, whose pages are figures across schools.
"""

from __future__ import annotations

from collections.abc import Iterable

from registers.models import Contact, Role, School

ROLES_CONTACTS = frozenset(
    {
        Role.OFFICE,
        Role.ATTENDANCE_OFFICER,
        Role.ATTENDANCE_LEAD,
        Role.HEADTEACHER,
        Role.SCHOOL_ADMIN,
    }
)


def may_see_contacts(roles: Iterable[str]) -> bool:
    return bool(set(roles) & ROLES_CONTACTS)


def pupil_contacts(*, school: School, pupil_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """{pupil id: [Contact, ...] in priority order (ties by name)} for these pupils of
    this school; a pupil with no contact maps to []. One query, whatever the number."""
    ids = list(dict.fromkeys(pupil_ids))
    found: dict[int, list[Contact]] = {pk: [] for pk in ids}
    if not ids:
        return found
    for contact in Contact.objects.filter(school=school, pupil_id__in=ids).order_by(
        "pupil_id", "priority", "name", "pk"
    ):
        found[contact.pupil_id].append(contact)
    return found
