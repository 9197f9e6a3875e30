from django.shortcuts import get_object_or_404, render

from absences.selectors.contacts import may_see_contacts, pupil_contacts
from registers import selectors
from registers.access import access_record
from registers.models import AccessEvent, Pupil
from registers.permissions import roles_required

from .. import charts
from ..roles import ROLES_PUPIL
from ..selectors.pupil import pupil_year

CONTACTS_TEMPLATE = "absences/_contacts.html"


def _contacts(request, pupil):
    """The family's contacts (the absences app's panel) for the roles that phone
    families: (template name, its context) or (None, {})."""
    if not may_see_contacts(request.roles):
        return None, {}
    found = pupil_contacts(school=request.school, pupil_ids=[pupil.pk])[pupil.pk]
    return CONTACTS_TEMPLATE, {"contacts": found}


@roles_required(ROLES_PUPIL)
def pupil(request, school_slug, pupil_id):
    school = request.school
    found = get_object_or_404(Pupil, school=school, pk=pupil_id)
    year = pupil_year(school=school, pupil=found, as_of=selectors.local_today(school))
    access_record(
        request=request,
        kind=AccessEvent.Kind.ATTENDANCE_VIEWED,
        pupil=found,
        description=f"Reports: the pupil's year {year.start} to {year.end}",
    )
    name = found.forename
    calendar = charts.calendar(
        start=year.start,
        end=year.year_end,
        as_of=year.end,
        marks=year.marks,
        categories=year.categories,
        school_days=year.school_days,
        title=f"{found.display_name}'s marks this year",
        desc="Each school day as two squares, morning above afternoon, coloured by the "
        "kind of mark; the table below lists the same figures by code.",
    )
    contacts_template, contacts_context = _contacts(request, found)
    context = {
        "pupil": found,
        "year": year,
        "calendar": calendar,
        "sentence": year.forecast.sentence(name),
        "contacts_template": contacts_template,
        **contacts_context,
    }
    return render(request, "reporting/pupil.html", context)
