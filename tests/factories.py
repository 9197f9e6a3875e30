"""Factories for the core models. Everything a factory makes lands in one school unless
a test passes another (tests about crossing schools do).

Building data is always allowed: factories and the helpers here run with tenant scopes
off, also when a test body (which runs with scopes on, see tests/conftest.py) calls them.
"""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scopes_disabled

from registers.models import (
    AcademicYear,
    Contact,
    GroupMembership,
    Mark,
    Membership,
    Period,
    Pupil,
    RegisterTimes,
    RegistrationGroup,
    Role,
    School,
    Session,
    Term,
    Trust,
    build_upn,
)

_serial = itertools.count(1)


class ModelFactory(factory.django.DjangoModelFactory):
    """A model factory that builds with tenant scopes off (sub-factories and
    post-generation hooks included)."""

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        with scopes_disabled():
            return super()._generate(strategy, params)


class TrustFactory(ModelFactory):
    class Meta:
        model = Trust

    slug = factory.Sequence(lambda n: f"trust-{n}")
    name = factory.Sequence(lambda n: f"Trust {n}")


class SchoolFactory(ModelFactory):
    class Meta:
        model = School
        skip_postgeneration_save = True

    trust = factory.SubFactory(TrustFactory)
    slug = factory.Sequence(lambda n: f"school-{n}")
    name = factory.Sequence(lambda n: f"Oak Lane School {n}")
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    la_code = "826"
    estab = factory.Sequence(lambda n: f"{2000 + n % 7000}")
    phase = School.Phase.PRIMARY

    @factory.post_generation
    def register_times(self, create, extracted, **kwargs):
        if not create:
            return
        RegisterTimes.objects.create(
            school=self,
            period=Period.AM,
            opens=dt.time(8, 40),
            late_after=dt.time(8, 50),
            closes=dt.time(9, 5),
        )
        RegisterTimes.objects.create(
            school=self,
            period=Period.PM,
            opens=dt.time(13, 0),
            late_after=dt.time(13, 10),
            closes=dt.time(13, 25),
        )


class UserFactory(ModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class MembershipFactory(ModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER


@scopes_disabled()
def staff(school, role=Role.TEACHER, **user_kwargs):
    """A user with one role at a school (or, for trust_lead, at its trust)."""
    user = UserFactory(**user_kwargs)
    if role == Role.TRUST_LEAD:
        Membership.objects.create(user=user, trust=school.trust, role=role)
    else:
        Membership.objects.create(user=user, school=school, role=role)
    return user


class RegistrationGroupFactory(ModelFactory):
    class Meta:
        model = RegistrationGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"{n % 6 + 1}{'ABCDEFGH'[n % 8]}{n}")
    year_group = "4"


class PupilFactory(ModelFactory):
    class Meta:
        model = Pupil
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    upn = factory.LazyAttribute(
        lambda p: build_upn(
            la_code=p.school.la_code or "826",
            estab=p.school.estab or "2001",
            year=20,
            serial=next(_serial) % 1000,
        )
    )
    legal_forename = factory.Faker("first_name")
    legal_surname = factory.Faker("last_name")
    date_of_birth = dt.date(2016, 5, 1)
    gender = factory.Iterator(["F", "M"])
    year_group = "4"
    registration_group = None
    on_roll_from = dt.date(2020, 9, 1)

    @factory.post_generation
    def group_spell(pupil, create, extracted, **kwargs):
        """The pupil is in their group from their first day on roll (as the roll import
        records it); a test about moves moves them with registers.groups."""
        if create and pupil.registration_group_id:
            GroupMembership(
                school=pupil.school,
                pupil=pupil,
                group_id=pupil.registration_group_id,
                starts=pupil.on_roll_from,
            ).save()


class ContactFactory(ModelFactory):
    class Meta:
        model = Contact

    pupil = factory.SubFactory(PupilFactory)
    school = factory.LazyAttribute(lambda c: c.pupil.school)
    priority = 1
    name = factory.Faker("name")
    relationship = "Mother"
    parental_responsibility = True
    phone = "07700 900123"
    email = factory.Sequence(lambda n: f"parent{n}@example.org")
    address = "1 Example Road\nMilton Keynes\nMK1 1AA"


class AcademicYearFactory(ModelFactory):
    class Meta:
        model = AcademicYear

    school = factory.SubFactory(SchoolFactory)
    name = "2024/25"
    starts = dt.date(2024, 9, 1)
    ends = dt.date(2025, 8, 31)


class TermFactory(ModelFactory):
    class Meta:
        model = Term

    academic_year = factory.SubFactory(AcademicYearFactory)
    school = factory.LazyAttribute(lambda t: t.academic_year.school)
    name = "Autumn"
    starts = dt.date(2024, 9, 3)
    ends = dt.date(2024, 12, 20)
    half_term_starts = dt.date(2024, 10, 28)
    half_term_ends = dt.date(2024, 11, 1)


class SessionFactory(ModelFactory):
    class Meta:
        model = Session
        django_get_or_create = ("school", "date", "period")

    school = factory.SubFactory(SchoolFactory)
    date = dt.date(2024, 9, 9)
    period = Period.AM
    opens = factory.LazyAttribute(lambda s: dt.time(8, 40) if s.period == "AM" else dt.time(13, 0))
    late_after = factory.LazyAttribute(
        lambda s: dt.time(8, 50) if s.period == "AM" else dt.time(13, 10)
    )
    closes = factory.LazyAttribute(lambda s: dt.time(9, 5) if s.period == "AM" else dt.time(13, 25))


class MarkFactory(ModelFactory):
    class Meta:
        model = Mark

    session = factory.SubFactory(SessionFactory)
    school = factory.LazyAttribute(lambda m: m.session.school)
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..school"))
    date = factory.LazyAttribute(lambda m: m.session.date)
    code_id = "/"
    recorded_at = factory.LazyFunction(timezone.now)


@scopes_disabled()
def school_calendar(school, *, start=dt.date(2024, 9, 2), end=dt.date(2025, 7, 22)):
    """A standard English year for a school (the example setup file's terms) with sessions."""
    from registers.calendar_changes import sessions_generate

    year = AcademicYearFactory(school=school)
    TermFactory(school=school, academic_year=year)
    TermFactory(
        school=school,
        academic_year=year,
        name="Spring",
        starts=dt.date(2025, 1, 6),
        ends=dt.date(2025, 4, 4),
        half_term_starts=dt.date(2025, 2, 17),
        half_term_ends=dt.date(2025, 2, 21),
    )
    TermFactory(
        school=school,
        academic_year=year,
        name="Summer",
        starts=dt.date(2025, 4, 22),
        ends=dt.date(2025, 7, 22),
        half_term_starts=dt.date(2025, 5, 26),
        half_term_ends=dt.date(2025, 5, 30),
    )
    sessions_generate(school=school, start=start, end=end)
    return year


@scopes_disabled()
def mark_days(pupil, days_codes):
    """Write marks for a pupil: {date: code or (am_code, pm_code)} on existing sessions."""
    sessions = {
        (s.date, s.period): s
        for s in Session.objects.filter(school=pupil.school, date__in=days_codes)
    }
    marks = []
    for day, codes in days_codes.items():
        am, pm = (codes, codes) if isinstance(codes, str) else codes
        for period, code in (("AM", am), ("PM", pm)):
            if code is None:
                continue
            if code == "/" and period == "PM":
                code = "\\"
            s = sessions[(day, period)]
            marks.append(
                Mark(
                    school=pupil.school,
                    pupil=pupil,
                    session=s,
                    date=day,
                    code_id=code,
                    recorded_at=timezone.now(),
                )
            )
    Mark.objects.bulk_create(marks)
    return marks
