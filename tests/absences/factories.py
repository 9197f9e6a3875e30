"""Factories of the absences app (shared by everyone working on it: append yours below,
each area under its own heading). Like tests/factories.py, they build with tenant scopes
off, so a test body may call them."""

import datetime as dt

import factory
from django.utils import timezone
from django_scopes import scopes_disabled

from absences.models import AbsenceReport
from registers.models import AbsenceReason, Period
from tests.factories import ContactFactory, ModelFactory, PupilFactory, SessionFactory

# ---- Absence reasons and reports (office) ---------------------------------------------


class AbsenceReasonFactory(ModelFactory):
    """One of the school's reasons; `django_get_or_create` so "Illness" is made once."""

    class Meta:
        model = AbsenceReason
        django_get_or_create = ("school", "name")

    school = factory.SubFactory("tests.factories.SchoolFactory")
    name = "Illness"
    code_id = "I"


class AbsenceReportFactory(ModelFactory):
    """An accepted office report by phone for one whole day, with nothing pre-entered:
    tests about pre-entering call `absences.services.reports.report_absence` instead."""

    class Meta:
        model = AbsenceReport

    pupil = factory.SubFactory(PupilFactory)
    school = factory.LazyAttribute(lambda r: r.pupil.school)
    contact = factory.SubFactory(
        ContactFactory,
        pupil=factory.SelfAttribute("..pupil"),
        school=factory.SelfAttribute("..school"),
    )
    channel = AbsenceReport.Channel.PHONE
    reason = factory.SubFactory(AbsenceReasonFactory, school=factory.SelfAttribute("..school"))
    first_day = dt.date(2024, 9, 9)
    first_period = Period.AM
    last_day = factory.SelfAttribute("first_day")
    last_period = Period.PM
    source = AbsenceReport.Source.OFFICE
    status = AbsenceReport.Status.ACCEPTED
    created_at = factory.LazyFunction(timezone.now)


@scopes_disabled()
def school_week(school, monday=dt.date(2024, 9, 9), *, days=5, skip=()):
    """Sessions (AM and PM) for `days` weekdays from `monday`, except the dates in
    `skip` (a closure): {(date, "AM"|"PM"): Session}."""
    sessions = {}
    day = monday
    while len({d for d, _ in sessions}) < days:
        if day.weekday() < 5 and day not in skip:
            for period in (Period.AM, Period.PM):
                sessions[(day, period)] = SessionFactory(school=school, date=day, period=period)
        day += dt.timedelta(days=1)
        if (day - monday).days > 40:
            break
    return sessions
