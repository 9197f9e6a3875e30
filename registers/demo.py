"""The demo trust loaded by `manage.py seed_demo`: the Blue Sky Federation's two schools.

Everything is fictional. Names are common first names and surnames mixed by a generator
seeded with 2026, so every run builds the same demo (never a name from the real policies).
Phone numbers come from Ofcom's drama ranges, emails are at example.org / example.com,
streets are made up. Only the register times are real: the federation's own policy
(policies/blue-sky-federation.txt, 4.1).

Writes go in big batches (no query per pupil or per mark) so that `make run` stays quick on
SQLite. Marks stop at yesterday: today's registers are left for the demo teacher to take,
apart from a few marks the office has already entered.
"""

from __future__ import annotations

import random
import re
import time as clock
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.easter import easter
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from . import bulk
from .models import (
    AbsenceReason,
    AcademicYear,
    Amendment,
    Closure,
    Contact,
    Mark,
    Membership,
    Period,
    Pupil,
    Register,
    RegisterTimes,
    RegistrationGroup,
    Role,
    School,
    Session,
    Term,
    Trust,
    build_upn,
)
from .schooldays import academic_year_bounds
from .services import PRESENT_CODE, mark_record, sessions_generate
from .tenancy import school_scope

DEMO_PASSWORD = "demo-attendance-2026"
BASE_URL = "http://127.0.0.1:8000"
SEED = 2026
TRUST_SLUG = "blue-sky"
TRUST_NAME = "The Blue Sky Federation"
LA_CODE = "826"  # Milton Keynes
# Pupils who join mid-year arrive with a UPN from elsewhere (here: Buckinghamshire).
OTHER_LA_CODE = "825"
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6")


@dataclass(frozen=True)
class DemoSchool:
    slug: str
    name: str
    urn: str
    estab: str
    district: str
    trees: tuple[str, str]  # two classes per year group: "Ash 3", "Oak 3"
    am: tuple[time, time, time]  # opens, late after, closes
    pm: tuple[time, time, time]


# Policy 4.1: "taken at 08:50 at Heelands and 09:00 at Summerfield and kept open for fifteen
# minutes ... 13:00 at Heelands and 13:30 at Summerfield". URNs and estab numbers are made up.
SCHOOLS = (
    DemoSchool(
        slug="heelands",
        name="Heelands School",
        urn="990826",
        estab="2901",
        district="Heelands",
        trees=("Ash", "Oak"),
        am=(time(8, 50), time(8, 50), time(9, 5)),
        pm=(time(13, 0), time(13, 0), time(13, 15)),
    ),
    DemoSchool(
        slug="summerfield",
        name="Summerfield School",
        urn="990827",
        estab="2902",
        district="Bradwell Common",
        trees=("Birch", "Rowan"),
        am=(time(9, 0), time(9, 0), time(9, 15)),
        pm=(time(13, 30), time(13, 30), time(13, 45)),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    label: str
    first_name: str
    last_name: str
    start: str  # where to begin, relative to BASE_URL
    school: str = ""  # slug of the school the role is held at
    role: str = ""
    group: str = ""  # the class a teacher takes


LOGINS = (
    DemoLogin(
        "teacher", "Class teacher (Ash 3)", "Nia", "Marshall", "/heelands/registers/",
        "heelands", Role.TEACHER, "Ash 3",
    ),
    DemoLogin(
        "office", "Office staff", "Layla", "Hunt", "/heelands/registers/outstanding/",
        "heelands", Role.OFFICE,
    ),
    DemoLogin(
        "attendance.officer", "Attendance officer", "Reuben", "Shaw", "/heelands/",
        "heelands", Role.ATTENDANCE_OFFICER,
    ),
    DemoLogin(
        "attendance.lead", "Attendance lead", "Maya", "Bennett", "/heelands/",
        "heelands", Role.ATTENDANCE_LEAD,
    ),
    DemoLogin(
        "head", "Headteacher", "Samuel", "Knight", "/heelands/", "heelands", Role.HEADTEACHER,
    ),
    DemoLogin(
        "admin.heelands", "School administrator", "Erin", "Webb", "/heelands/",
        "heelands", Role.SCHOOL_ADMIN,
    ),
    DemoLogin(
        "teacher.summerfield", "Class teacher (Birch 2, Summerfield)", "Kofi", "Mensah",
        "/summerfield/registers/", "summerfield", Role.TEACHER, "Birch 2",
    ),
    DemoLogin("trust.lead", "Trust attendance lead", "Amira", "Holmes", "/", role=Role.TRUST_LEAD),
    # The parent's name is the name of the contact the account is linked to.
    DemoLogin("parent", "Parent (two children at Heelands)", "", "", "/heelands/"),
    DemoLogin("admin", "Django superuser", "Site", "Administrator", "/admin/"),
)  # fmt: skip
PARENT_USERNAME = "parent"
SUPERUSER_USERNAME = "admin"

GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
    "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Evie", "Ella",
    "Ruby", "Phoebe", "Aria", "Harper", "Matilda", "Maya", "Zara", "Aisha", "Amira", "Hannah",
    "Layla", "Nia", "Chloe", "Jessica", "Priya", "Zainab", "Maryam", "Fatima", "Leah", "Erin",
)  # fmt: skip
BOYS = (
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Jack", "Charlie", "Alfie", "Jacob", "Thomas", "Finley", "Arlo",
    "Lucas", "Isaac", "Tommy", "Joshua", "Ethan", "Reuben", "Yusuf", "Ibrahim", "Kai", "Rohan",
    "Adam", "Samuel", "Max", "Logan", "Dylan", "Kofi", "Mason", "Elijah", "Jayden", "Ryan",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green",
    "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan",
    "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett",
    "Young", "Griffiths", "Mitchell", "Kelly", "Khan", "Ali", "Begum", "Hussain", "Ahmed", "Singh",
    "Kaur", "Nowak", "Kowalski", "Okafor", "Mensah", "Adeyemi", "Chen", "Nguyen", "Murphy",
    "O'Brien", "Campbell", "Reid", "Marshall", "Ellis", "Lloyd", "Shaw", "Webb", "Fox",
    "Holmes", "Knight", "Hunt", "Mills", "Rose", "Sharma", "Das",
)  # fmt: skip
# Children often go by a short form of their legal name.
SHORT_NAMES = {
    "Theodore": "Teddy", "Isabella": "Bella", "Samuel": "Sam", "Joshua": "Josh",
    "Matilda": "Tilly", "Florence": "Flo", "Thomas": "Tom", "Jacob": "Jake", "Sophia": "Sophie",
}  # fmt: skip
STREETS = (
    "Larkspur Close", "Wrenfield Drive", "Skylark Rise", "Juniper Way", "Kestrel Court",
    "Meadowsweet Lane", "Hazelbrook Grove", "Foxglove Place", "Otterburn Crescent",
    "Bramblecote Walk", "Thistledown Road", "Willowmere Gardens", "Harebell Mews", "Quillby Lane",
)  # fmt: skip
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# How each kind of pupil is absent: (code, weight). M is a half day; I comes in spells.
ABSENCE_MIX = {
    "usual": (("I", 75), ("M", 12), ("O", 7), ("C", 3), ("R", 3)),
    "persistent": (("I", 50), ("O", 40), ("M", 5), ("C", 5)),
    "severe": (("O", 70), ("I", 30)),
}
ILLNESS_SPELLS = (1, 1, 1, 2, 2, 3)  # school days
PENDING_DAYS = 3  # the most recent school days, where an unexplained absence is still N
ILLNESS_NOTES = (
    "Mum rang: sickness bug",
    "Dad rang: temperature",
    "Mum emailed: headache and sore throat",
    "Grandparent rang: stomach ache",
)
REASONS = (
    ("Doctor's appointment", "M"),
    ("Dental appointment", "M"),
    ("Hospital appointment", "M"),
    ("Religious festival", "R"),
    ("Family funeral", "C"),
)


# ---- Calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TermDates:
    name: str
    starts: date
    ends: date
    half_term_starts: date
    half_term_ends: date


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _half_term(around: date) -> tuple[date, date]:
    monday = around - timedelta(days=around.weekday())
    return monday, monday + timedelta(days=4)


def english_terms(start_year: int) -> list[TermDates]:
    """A typical English school year starting in September of `start_year`.

    The same rules give the federation's published 2026/27 dates: Autumn 3 Sep - 18 Dec
    (half term 26-30 Oct), Spring 5 Jan - 26 Mar (15-19 Feb), Summer 12 Apr - 21 Jul
    (31 May - 4 Jun), so the demo stays alive whatever year it is run in.
    """
    autumn, spring = start_year, start_year + 1
    easter_day = easter(spring)
    last_may = date(spring, 5, 31)
    spring_bank_holiday = last_may - timedelta(days=last_may.weekday())
    return [
        TermDates(
            "Autumn",
            _weekday_on_or_after(date(autumn, 9, 3)),
            _weekday_on_or_before(date(autumn, 12, 19)),
            *_half_term(date(autumn, 10, 27)),
        ),
        TermDates(
            "Spring",
            _weekday_on_or_after(date(spring, 1, 5)),
            easter_day - timedelta(days=2),  # Good Friday
            *_half_term(date(spring, 2, 16)),
        ),
        TermDates(
            "Summer",
            easter_day + timedelta(days=15),  # two weeks after Easter Monday
            _weekday_on_or_before(date(spring, 7, 21)),
            *_half_term(spring_bank_holiday),
        ),
    ]


def _next_weekday(day: date) -> date:
    return _weekday_on_or_after(day + timedelta(days=1))


def _weekdays_after(day: date, count: int) -> date:
    for _ in range(count):
        day = _next_weekday(day)
    return day


def _inset_days(terms: list[TermDates]) -> list[date]:
    """Five training days: two at the start of the year, one at the start of each later
    term, one at the very end."""
    autumn, spring, summer = terms
    return [
        autumn.starts,
        _next_weekday(autumn.starts),
        spring.starts,
        summer.starts,
        summer.ends,
    ]


def _calendar(school: School, start_years: list[int]) -> None:
    for start_year in start_years:
        year = AcademicYear.objects.create(
            school=school,
            name=f"{start_year}/{(start_year + 1) % 100:02d}",
            starts=date(start_year, 9, 1),
            ends=date(start_year + 1, 8, 31),
        )
        terms = english_terms(start_year)
        Term.objects.bulk_create(Term(school=school, academic_year=year, **vars(t)) for t in terms)
        Closure.objects.bulk_create(
            Closure(school=school, date=day, reason="INSET day", kind=Closure.Kind.INSET)
            for day in _inset_days(terms)
        )
    sessions_generate(
        school=school,
        start=date(start_years[0], 9, 1),
        end=date(start_years[-1] + 1, 8, 31),
    )


# ---- People -------------------------------------------------------------------------------


class PhoneBook:
    """Ofcom's drama numbers, each handed out once (again only once all are used)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pools: dict[str, list[int]] = {"mobile": [], "landline": []}

    def number(self, kind: str = "mobile") -> str:
        pool = self.pools[kind]
        if not pool:
            pool.extend(range(1000))
            self.rng.shuffle(pool)
        n = pool.pop()
        return f"07700 900{n:03d}" if kind == "mobile" else f"01632 960{n:03d}"


class UpnSerials:
    """A UPN is given by the first school to admit a child: LA, school, year, serial."""

    def __init__(self):
        self.last: dict[tuple, int] = defaultdict(int)

    def upn(self, *, la_code: str, estab: str, year: int) -> str:
        self.last[(la_code, estab, year)] += 1
        serial = self.last[(la_code, estab, year)]
        return build_upn(la_code=la_code, estab=estab, year=year, serial=serial)


@dataclass(eq=False)
class Carer:
    name: str
    relationship: str
    parental_responsibility: bool
    phone: str
    email: str


@dataclass(eq=False)
class Family:
    surname: str
    address: str
    carers: list[Carer]
    fostering: bool = False
    year_groups: set[str] = field(default_factory=set)


@dataclass
class DayMark:
    code: str
    minutes_late: int | None = None
    note: str = ""
    source: str = Mark.Source.REGISTER
    reason: str = ""  # the school's own reason, by name


@dataclass(eq=False)
class PupilPlan:
    pupil: Pupil
    group: RegistrationGroup  # the class whose teacher took the pupil's registers
    family: Family
    profile: str = "usual"
    absence_rate: float = 0.0  # share of school days absent
    late_rate: float = 0.0  # share of mornings late
    # Days decided in advance (a holiday, an illness spell): date -> (AM, PM).
    fixed: dict[date, tuple[DayMark, DayMark]] = field(default_factory=dict)


@dataclass
class Demo:
    """What the whole build shares: one seeded generator, phone numbers, UPN serials."""

    rng: random.Random
    start_year: int
    phones: PhoneBook
    upns: UpnSerials = field(default_factory=UpnSerials)


def _email(rng: random.Random, name: str) -> str:
    local = ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in name.split())
    return f"{local}{rng.randint(1, 99)}@{rng.choice(('example.org', 'example.com'))}"


def _carer(
    demo: Demo, forename: str, surname: str, relationship: str, *, responsible=True, phone="mobile"
) -> Carer:
    name = f"{forename} {surname}"
    return Carer(name, relationship, responsible, demo.phones.number(phone), _email(demo.rng, name))


def _address(rng: random.Random, district: str) -> str:
    unit = f"{rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
    street = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
    return "\n".join((street, district, "Milton Keynes", f"MK13 {unit}"))


def _foster_family(demo: Demo, district: str) -> Family:
    """A looked-after child's foster carer comes first but has no parental responsibility;
    the birth mother usually keeps it and is told of concerns."""
    rng = demo.rng
    surname = rng.choice(SURNAMES)
    carers = [
        _carer(demo, rng.choice(GIRLS), rng.choice(SURNAMES), "Carer", responsible=False),
        _carer(demo, rng.choice(GIRLS), surname, "Mother"),
    ]
    return Family(surname, _address(rng, district), carers, fostering=True)


def _family(demo: Demo, district: str) -> Family:
    rng = demo.rng
    surname = rng.choice(SURNAMES)
    carers = []
    if rng.random() < 0.92:
        mothers_surname = surname if rng.random() < 0.85 else rng.choice(SURNAMES)
        carers.append(_carer(demo, rng.choice(GIRLS), mothers_surname, "Mother"))
    if not carers or rng.random() < 0.7:
        phone = "landline" if rng.random() < 0.3 else "mobile"
        carers.append(_carer(demo, rng.choice(BOYS), surname, "Father", phone=phone))
        if len(carers) == 2 and rng.random() < 0.3:
            carers.reverse()
    if rng.random() < 0.3:
        carers.append(
            _carer(
                demo,
                rng.choice(GIRLS + BOYS),
                surname,
                "Grandparent",
                responsible=False,
                phone="landline",
            )
        )
    return Family(surname, _address(rng, district), carers)


def _brothers_and_sisters(rng, families: list[Family], year_group: str) -> Family | None:
    """About one pupil in five has a brother or sister in another year of the school."""
    if not families or rng.random() >= 0.22:
        return None
    for family in rng.sample(families, min(6, len(families))):
        taken = family.year_groups
        if not family.fostering and year_group not in taken and len(taken) < 3:
            return family
    return None


def _date_of_birth(rng: random.Random, year_group: str, start_year: int) -> date:
    """Children start Reception in the September after they turn four."""
    offset = YEAR_GROUPS.index(year_group)
    born_from = date(start_year - 5 - offset, 9, 1).toordinal()
    born_to = date(start_year - 4 - offset, 8, 31).toordinal()
    return date.fromordinal(rng.randint(born_from, born_to))


def _needs(rng: random.Random) -> dict:
    """Roughly the national rates for primary pupils."""
    sen = rng.random()
    return {
        "sen": "E" if sen < 0.025 else "K" if sen < 0.155 else "N",
        "fsm": rng.random() < 0.24,
        "eal": rng.random() < 0.2,
        "child_in_need": rng.random() < 0.03,
        "young_carer": rng.random() < 0.01,
    }


def _pupil(
    demo, school, plan: DemoSchool, families, *, group, year_group, start_year, family=None
) -> PupilPlan:
    """A pupil in `year_group` in the school year starting in `start_year` (of `family`
    if given)."""
    rng = demo.rng
    looked_after = family is None and rng.random() < 0.006
    family = family or (
        _foster_family(demo, plan.district)
        if looked_after
        else _brothers_and_sisters(rng, families, year_group)
    )
    if family is None:
        family = _family(demo, plan.district)
    if family not in families:
        families.append(family)
    family.year_groups.add(year_group)
    gender = rng.choice("FM")
    forename = rng.choice(GIRLS if gender == "F" else BOYS)
    entry_year = start_year - YEAR_GROUPS.index(year_group)
    pupil = Pupil(
        school=school,
        upn=demo.upns.upn(la_code=LA_CODE, estab=plan.estab, year=entry_year),
        legal_forename=forename,
        legal_surname=family.surname,
        preferred_forename=SHORT_NAMES.get(forename, "") if rng.random() < 0.4 else "",
        date_of_birth=_date_of_birth(rng, year_group, start_year),
        gender=gender,
        year_group=year_group,
        registration_group=group,
        on_roll_from=english_terms(entry_year)[0].starts,
        looked_after=looked_after,
        **_needs(rng),
    )
    return PupilPlan(pupil=pupil, group=group, family=family)


def _roll(demo: Demo, school: School, plan: DemoSchool, groups, size: int) -> list[PupilPlan]:
    """`size` pupils on roll now, round the classes, then last year's Year 6, who have left.

    At the first school the first two pupils are brother and sister: the parent login's
    children.
    """
    families: list[Family] = []
    plans: list[PupilPlan] = []
    parents = _family(demo, plan.district) if plan is SCHOOLS[0] else None
    for i in range(size):
        group = groups[i % len(groups)]
        plans.append(
            _pupil(
                demo,
                school,
                plan,
                families,
                group=group,
                year_group=group.year_group,
                start_year=demo.start_year,
                family=parents if i < 2 else None,
            )
        )
    year_6 = [g for g in groups if g.year_group == "6"]
    last_summer = english_terms(demo.start_year - 1)[2]
    for i in range(round(size / len(YEAR_GROUPS))):
        leaver = _pupil(
            demo,
            school,
            plan,
            families,
            group=year_6[i % len(year_6)],
            year_group="6",
            start_year=demo.start_year - 1,
        )
        leaver.pupil.registration_group = None
        leaver.pupil.on_roll_to = last_summer.ends
        plans.append(leaver)
    return plans


def _joiners_and_leaver(demo: Demo, pool: list[PupilPlan]) -> None:
    """About one pupil in a hundred joined mid-year, with a UPN from their last school;
    one leaves before October half term. They leave the pool of pupils with a story."""
    rng = demo.rng
    this_year, last_year = english_terms(demo.start_year), english_terms(demo.start_year - 1)
    join_dates = [
        _next_weekday(this_year[0].half_term_ends),
        _weekday_on_or_after(last_year[1].starts + timedelta(days=7)),
        _weekday_on_or_after(this_year[0].starts + timedelta(days=14)),
        _weekday_on_or_after(last_year[2].starts + timedelta(days=7)),
    ]
    # Not Reception: they all started in September.
    candidates = [p for p in pool if p.pupil.year_group != "R"]
    for i, joiner in enumerate(rng.sample(candidates, max(1, len(pool) // 100))):
        joiner.pupil.on_roll_from = join_dates[i % len(join_dates)]
        joiner.pupil.upn = demo.upns.upn(la_code=OTHER_LA_CODE, estab="2417", year=demo.start_year)
        pool.remove(joiner)
    leaver = rng.choice([p for p in pool if p.pupil.year_group != "R"])
    leaver.pupil.on_roll_to = this_year[0].half_term_starts - timedelta(days=3)
    pool.remove(leaver)


def _save_roll(school: School, plans: list[PupilPlan]) -> list[Contact]:
    for plan in plans:
        # Not full_clean, and not the foreign keys: each of those checks is a query per
        # pupil. The database checks them (and uniqueness) for the whole batch.
        plan.pupil.clean_fields(exclude=["school", "registration_group"])
    Pupil.objects.bulk_create([p.pupil for p in plans], batch_size=500)
    contacts = [
        Contact(
            school=school,
            pupil=plan.pupil,
            priority=priority,
            name=carer.name,
            relationship=carer.relationship,
            parental_responsibility=carer.parental_responsibility,
            phone=carer.phone,
            email=carer.email,
            address=plan.family.address,
        )
        for plan in plans
        for priority, carer in enumerate(plan.family.carers, start=1)
    ]
    for contact in contacts:
        contact.clean_fields(exclude=["school", "pupil", "user"])
    Contact.objects.bulk_create(contacts, batch_size=500)
    return contacts


def _link_parent(user, children: list[PupilPlan], contacts: list[Contact]) -> str:
    """The parent login is the first contact of the two children."""
    pupils = {p.pupil.pk for p in children}
    ids = [c.pk for c in contacts if c.pupil_id in pupils and c.priority == 1]
    Contact.objects.filter(pk__in=ids).update(user=user)
    name = children[0].family.carers[0].name
    user.first_name, _, user.last_name = name.partition(" ")
    user.save(update_fields=["first_name", "last_name"])
    return name


# ---- Staff --------------------------------------------------------------------------------


def _logins(password_hash: str) -> dict[str, object]:
    User = get_user_model()
    User.objects.bulk_create(
        User(
            username=login.username,
            first_name=login.first_name,
            last_name=login.last_name,
            email=f"{login.username}@example.org",
            password=password_hash,
            is_staff=login.username == SUPERUSER_USERNAME,
            is_superuser=login.username == SUPERUSER_USERNAME,
        )
        for login in LOGINS
    )
    usernames = [login.username for login in LOGINS]
    return {u.username: u for u in User.objects.filter(username__in=usernames)}


def _colleague(school: School, role: str, username: str, rng: random.Random):
    """Staff who appear on the records but have no demo login."""
    user = get_user_model()(
        username=username,
        first_name=rng.choice(GIRLS + BOYS),
        last_name=rng.choice(SURNAMES),
        email=f"{username}@example.org",
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, school=school, role=role)
    return user


def _classes(school: School, plan: DemoSchool) -> list[RegistrationGroup]:
    RegistrationGroup.objects.bulk_create(
        RegistrationGroup(school=school, name=f"{tree} {year}", year_group=year)
        for tree in plan.trees
        for year in YEAR_GROUPS
    )
    return list(RegistrationGroup.objects.filter(school=school).order_by("pk"))


def _staff(
    school: School, plan: DemoSchool, groups, users, rng
) -> tuple[dict[int, object], object]:
    """The demo logins' roles here, a teacher for every class, and the office.

    Returns the teacher of each class (by group id) and the office member of staff.
    """
    teachers, office = {}, None
    for login in LOGINS:
        if login.school != plan.slug:
            continue
        user = users[login.username]
        Membership.objects.create(user=user, school=school, role=login.role)
        if login.role == Role.OFFICE:
            office = user
        if login.group:
            teachers[login.group] = user
    for group in groups:
        if group.name not in teachers:
            username = f"{plan.slug}.{group.name.lower().replace(' ', '-')}"
            teachers[group.name] = _colleague(school, Role.TEACHER, username, rng)
        group.teachers.add(teachers[group.name])
    office = office or _colleague(school, Role.OFFICE, f"{plan.slug}.office", rng)
    return {g.pk: teachers[g.name] for g in groups}, office


# ---- Attendance patterns ----------------------------------------------------------------


def _patterns(demo: Demo, plans: list[PupilPlan], pool: list[PupilPlan], on_roll: int) -> dict:
    """Most pupils attend 95-99%; about 4% are persistently absent, one in 150 severely.

    Returns the persistent and severe absentees, taken out of the pool.
    """
    rng = demo.rng
    late_rates = (0.005,) * 14 + (0.03,) * 5 + (0.1,)  # a few are late most weeks
    for plan in plans:
        plan.absence_rate = rng.uniform(0.005, 0.04)
        plan.late_rate = rng.choice(late_rates)
    picked = {}
    for profile, count, rates in (
        ("severe", max(1, on_roll // 150), (0.6, 0.75)),
        ("persistent", max(1, round(on_roll * 0.04)), (0.12, 0.2)),
    ):
        picked[profile] = rng.sample(pool, min(count, len(pool)))
        for plan in picked[profile]:
            plan.profile, plan.absence_rate = profile, rng.uniform(*rates)
            pool.remove(plan)
    return picked


def _fix(plan: PupilPlan, days: list[date], code: str, note="", source=Mark.Source.REGISTER):
    for i, day in enumerate(days):
        plan.fixed[day] = (DayMark(code, note=note if i == 0 else "", source=source), DayMark(code))


def _stories(demo, plan: DemoSchool, pool, picked, days: list[date], this_year: list[date]):
    """A holiday in term time, an illness spell, holidays among the persistent absentees,
    and at the first school a severe absentee not seen for two weeks."""
    rng = demo.rng
    for absentee in picked["persistent"]:
        if rng.random() < 0.5 and len(days) > 5:
            start = rng.randrange(len(days) - 5)
            _fix(absentee, days[start : start + rng.choice((4, 5))], "G", "Holiday, not agreed")
    if len(this_year) >= 15 and pool:
        # Within the last ten school weeks, so the penalty-notice threshold shows today.
        holiday = pool.pop(rng.randrange(len(pool)))
        _fix(holiday, this_year[-15:-10], "G", "Family holiday abroad; leave was refused")
    if len(this_year) >= 9 and pool:
        ill = pool.pop(rng.randrange(len(pool)))
        _fix(ill, this_year[-9:-3], "I", "Dad rang: chickenpox", source=Mark.Source.OFFICE)
    if plan is SCHOOLS[0] and len(this_year) >= 11 and picked["severe"]:
        _fix(picked["severe"][0], this_year[-11:], "O")


def _absence_length(profile: str) -> float:
    """Mean school days one absence lasts, so that absence_rate is a share of days."""
    lengths = {"I": sum(ILLNESS_SPELLS) / len(ILLNESS_SPELLS), "M": 0.5}
    mix = ABSENCE_MIX[profile]
    return sum(w * lengths.get(code, 1) for code, w in mix) / sum(w for _, w in mix)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _arrival(rng: random.Random, plan: PupilPlan, session: Session) -> DayMark:
    """Present, or late: L while the register is open, U after it has closed."""
    chance = plan.late_rate if session.period == Period.AM else plan.late_rate / 5
    if rng.random() >= chance:
        return DayMark(PRESENT_CODE[session.period])
    window = max(1, _minutes(session.closes) - _minutes(session.late_after))
    if rng.random() < 0.1:
        return DayMark("U", rng.randint(window + 1, window + 40))
    return DayMark("L", rng.randint(1, window))


def _absence(rng: random.Random, code: str) -> tuple[DayMark, DayMark]:
    if code == "M":
        # An appointment takes one session; the child is in school for the other.
        reason = rng.choice([name for name, c in REASONS if c == "M"])
        appointment = DayMark("M", reason=reason, source=Mark.Source.OFFICE)
        if rng.random() < 0.5:
            return appointment, DayMark(PRESENT_CODE[Period.PM])
        return DayMark(PRESENT_CODE[Period.AM]), appointment
    if code == "I":
        note = rng.choice(ILLNESS_NOTES) if rng.random() < 0.5 else ""
        source = Mark.Source.OFFICE if note else Mark.Source.REGISTER
        return DayMark("I", note=note, source=source), DayMark("I")
    if code in ("C", "R"):
        reason = next(name for name, c in REASONS if c == code)
        source = Mark.Source.LEAVE if code == "C" else Mark.Source.OFFICE
        return DayMark(code, reason=reason, source=source), DayMark(code, reason=reason)
    return DayMark(code), DayMark(code)


def _pupil_days(rng, plan: PupilPlan, days, sessions, trip: tuple[date, int] | None):
    """One pupil's (day, AM mark, PM mark) for every school day on roll."""
    mix = ABSENCE_MIX[plan.profile]
    codes, weights = [c for c, _ in mix], [w for _, w in mix]
    start_chance = plan.absence_rate / _absence_length(plan.profile)
    ill_days_left = 0
    for day in days:
        if not plan.pupil.on_roll(day):
            continue
        if day in plan.fixed:
            yield day, *plan.fixed[day]
        elif ill_days_left:
            ill_days_left -= 1
            yield day, DayMark("I"), DayMark("I")
        elif rng.random() < start_chance:
            am, pm = _absence(rng, rng.choices(codes, weights)[0])
            if am.code == "I":
                ill_days_left = rng.choice(ILLNESS_SPELLS) - 1
            yield day, am, pm
        elif trip and (day, plan.group.pk) == trip:
            yield day, DayMark("V", note="Class trip to the science museum"), DayMark("V")
        else:
            am_session, pm_session = sessions[day]
            yield day, _arrival(rng, plan, am_session), _arrival(rng, plan, pm_session)


def _at(day: date, at: time, tz: ZoneInfo, minutes: int = 0) -> datetime:
    return datetime.combine(day, at, tzinfo=tz) + timedelta(minutes=minutes)


@dataclass
class MarkWriter:
    """One school's marks, amendments and registers, written in big batches.

    Marks go in as prepared rows through registers.bulk (about 380,000 of them).
    """

    school: School
    office: object
    teachers: dict[int, object]  # group id -> teacher
    reasons: dict[str, int]  # reason name -> id
    this_year_from: date
    now: datetime
    pending_from: date | None = None  # from here an unexplained absence is still N
    rows: list[tuple] = field(default_factory=list)
    written: int = 0
    _times: dict = field(default_factory=dict)

    def __post_init__(self):
        self.tz = ZoneInfo(self.school.timezone)

    def add(self, plan: PupilPlan, sessions: tuple[Session, Session], am: DayMark, pm: DayMark):
        for session, mark in ((sessions[0], am), (sessions[1], pm)):
            self.rows.append(self._row(plan, session, mark))
        if len(self.rows) >= 20000:
            self.flush()

    def _row(self, plan: PupilPlan, session: Session, mark: DayMark) -> tuple:
        code, version, source = mark.code, 1, mark.source
        recorded_by = self.teachers[plan.group.pk]
        at = self._time(session.date, session.opens, 4)
        if source != Mark.Source.REGISTER:
            recorded_by, at = self.office, self._time(session.date, time(8, 20))
        if code == "O" and session.date >= self.pending_from:
            code = "N"  # no reason yet: the office is still chasing
        elif code == "O" and session.date >= self.this_year_from:
            # Taken as N, changed to O once calls went unanswered: see amendments().
            version, source, recorded_by = 2, Mark.Source.OFFICE, self.office
            at = self._time(_weekdays_after(session.date, PENDING_DAYS), time(10, 0))
        return (
            self.school.pk,
            plan.pupil.pk,
            session.pk,
            self._time(session.date),
            code,
            mark.minutes_late,
            mark.note,
            self.reasons.get(mark.reason),
            source,
            recorded_by.pk,
            at,
            version,
        )

    def _time(self, day: date, at: time | None = None, minutes: int = 0):
        """A day, or an aware time on it (never in the future), as the database stores it."""
        key = (day, at, minutes)
        if key not in self._times:
            if at is None:
                self._times[key] = bulk.db_date(day)
            else:
                self._times[key] = bulk.db_datetime(min(_at(day, at, self.tz, minutes), self.now))
        return self._times[key]

    def flush(self) -> None:
        self.written += bulk.marks_insert(self.rows)
        self.rows = []

    def amendments(self) -> int:
        """The audit trail of the N -> O changes made above (one query, one insert)."""
        changed = Mark.objects.filter(
            school=self.school, code_id="O", version=2, source=Mark.Source.OFFICE
        ).values_list("pk", "recorded_at")
        rows = [
            Amendment(
                school=self.school,
                mark_id=pk,
                original_code="N",
                new_code="O",
                reason="No reason given after first-day calls and a letter home",
                amended_at=at,
                amended_by=self.office,
                amended_by_name=self.office.get_full_name(),
                amended_by_role=Role.OFFICE.label,
            )
            for pk, at in changed
        ]
        Amendment.objects.bulk_create(rows, batch_size=1000)
        return len(rows)

    def registers(self, sessions: list[Session]) -> int:
        rows = []
        for group_id, teacher in self.teachers.items():
            for session in sessions:
                taken_at = _at(session.date, session.opens, self.tz, 5)
                rows.append(
                    Register(
                        school=self.school,
                        registration_group_id=group_id,
                        session=session,
                        taken_by=teacher,
                        taken_at=taken_at,
                        last_saved_by=teacher,
                        last_saved_at=taken_at,
                    )
                )
        Register.objects.bulk_create(rows, batch_size=2000)
        return len(rows)


def _pre_entered(school, plans, *, office, reasons, demo_class: str, today, rng) -> int:
    """For the next school day the office has taken three parents' calls and entered a
    dental appointment: the demo teacher finds them locked on the register."""
    sessions = Session.objects.filter(school=school, date__gte=today).order_by("date", "period")
    sessions = list(sessions[:2])
    if len(sessions) < 2:
        return 0
    am, pm = sessions
    on_roll = [p for p in plans if p.profile != "severe" and p.pupil.on_roll(am.date)]
    usual = [p for p in on_roll if p.profile == "usual" and not p.fixed]
    in_class = [p for p in on_roll if p.group.name == demo_class]
    in_class = rng.sample(in_class, min(2, len(in_class)))
    chosen = in_class + rng.sample([p for p in usual if p not in in_class], 4 - len(in_class))
    # One of the ill and the dental appointment are in the demo teacher's class.
    ill, leave = [chosen[0], *chosen[2:]], chosen[1]
    for plan, session in [(p, s) for p in ill for s in (am, pm)]:
        mark_record(
            school=school,
            pupil=plan.pupil,
            session=session,
            code="I",
            user=office,
            role=Role.OFFICE,
            source=Mark.Source.OFFICE,
            note="Mum rang: temperature",
        )
    mark_record(
        school=school,
        pupil=leave.pupil,
        session=pm,
        code="M",
        user=office,
        role=Role.OFFICE,
        source=Mark.Source.LEAVE,
        note="Dental appointment at 13:45",
        reason_id=reasons["Dental appointment"],
    )
    return 2 * len(ill) + 1


# ---- The whole demo -------------------------------------------------------------------------


@dataclass
class DemoReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # school slug -> counts
    parent_name: str = ""
    seconds: float = 0.0


def demo_loaded() -> bool:
    school = School.objects.filter(slug=SCHOOLS[0].slug).first()
    if school is None:
        return False
    with school_scope(school):
        return Pupil.objects.filter(school=school).exists()


def demo_clashes() -> list[str]:
    """Names the demo would use that are already taken (the demo overwrites nothing)."""
    trusts = Trust.objects.filter(slug=TRUST_SLUG).values_list("slug", flat=True)
    schools = School.objects.filter(slug__in=[s.slug for s in SCHOOLS])
    users = get_user_model().objects.filter(username__in=[login.username for login in LOGINS])
    return (
        [f"trust {slug}" for slug in trusts]
        + [f"school {slug}" for slug in schools.values_list("slug", flat=True)]
        + [f"user {name}" for name in users.values_list("username", flat=True)]
    )


@contextmanager
def _roomy_sqlite_cache():
    """SQLite's default 2 MB page cache is far smaller than the marks' indexes, so inserts
    keep re-reading pages; 128 MB for this connection cut the insert time by about a third."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -131072")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


@_roomy_sqlite_cache()
@transaction.atomic
def build_demo(
    *, today: date, pupils_per_school: int = 400, marks_from: date | None = None
) -> DemoReport:
    """The trust, its two schools and everything in them: all of it, or nothing."""
    started = clock.monotonic()
    rng = random.Random(SEED)
    start_year = academic_year_bounds(today)[0].year
    demo = Demo(rng=rng, start_year=start_year, phones=PhoneBook(rng))
    marks_from = marks_from or date(demo.start_year - 1, 9, 1)
    trust = Trust.objects.create(slug=TRUST_SLUG, name=TRUST_NAME)
    users = _logins(make_password(DEMO_PASSWORD))
    Membership.objects.create(user=users["trust.lead"], trust=trust, role=Role.TRUST_LEAD)
    report = DemoReport()
    for plan in SCHOOLS:
        school = School(
            trust=trust,
            slug=plan.slug,
            name=plan.name,
            urn=plan.urn,
            la_code=LA_CODE,
            estab=plan.estab,
            phase=School.Phase.PRIMARY,
            attendance_target=96,
            policy_preset=TRUST_SLUG,
            address=f"1 Skylark Way\n{plan.district}\nMilton Keynes\nMK13 0ZZ",
            phone=demo.phones.number("landline"),
            email=f"office@{plan.slug}.example.org",
        )
        school.full_clean()
        school.save()
        with school_scope(school):
            report.counts[plan.slug] = _school(
                demo,
                school,
                plan,
                users,
                report,
                size=pupils_per_school,
                marks_from=marks_from,
                today=today,
            )
    report.seconds = clock.monotonic() - started
    return report


def _school(demo: Demo, school, plan: DemoSchool, users, report, *, size, marks_from, today):
    reasons = _setup(school, plan, demo.start_year)
    groups = _classes(school, plan)
    teachers, office = _staff(school, plan, groups, users, demo.rng)

    plans = _roll(demo, school, plan, groups, size)
    parents_children = plans[:2] if plan is SCHOOLS[0] else []
    # Pupils still free for a story; the parent login's children keep ordinary attendance.
    pool = [p for p in plans[:size] if p not in parents_children]
    _joiners_and_leaver(demo, pool)
    picked = _patterns(demo, plans, pool, size)
    contacts = _save_roll(school, plans)
    if parents_children:
        report.parent_name = _link_parent(users[PARENT_USERNAME], parents_children, contacts)

    writer = MarkWriter(
        school=school,
        office=office,
        teachers=teachers,
        reasons=reasons,
        this_year_from=date(demo.start_year, 9, 1),
        now=timezone.now(),
    )
    sessions = _history(demo, writer, plan, groups, plans, pool, picked, marks_from, today)
    demo_class = next((g.group for g in LOGINS if g.school == plan.slug and g.group), "")
    return {
        "pupils": len(plans),
        "contacts": len(contacts),
        "marks": writer.written,
        "amendments": writer.amendments(),
        "registers": writer.registers(sessions),
        "marks for the next school day": _pre_entered(
            school,
            plans,
            office=office,
            reasons=reasons,
            demo_class=demo_class,
            today=today,
            rng=demo.rng,
        ),
    }


def _setup(school: School, plan: DemoSchool, start_year: int) -> dict[str, int]:
    """Register times, last year's and this year's calendar and sessions, the school's
    own absence reasons (returned by name)."""
    for period, (opens, late_after, closes) in ((Period.AM, plan.am), (Period.PM, plan.pm)):
        times = RegisterTimes(
            school=school, period=period, opens=opens, late_after=late_after, closes=closes
        )
        times.full_clean()
        times.save()
    _calendar(school, [start_year - 1, start_year])
    AbsenceReason.objects.bulk_create(
        AbsenceReason(school=school, name=name, code_id=code) for name, code in REASONS
    )
    return dict(AbsenceReason.objects.filter(school=school).values_list("name", "pk"))


def _history(demo, writer, plan, groups, plans, pool, picked, marks_from, today) -> list:
    """Every pupil's marks from `marks_from` to yesterday; returns the sessions marked."""
    sessions = list(
        Session.objects.filter(
            school=writer.school, date__range=(marks_from, today - timedelta(days=1))
        ).order_by("date", "period")
    )
    by_day: dict[date, tuple[Session, ...]] = defaultdict(tuple)
    for session in sessions:
        by_day[session.date] += (session,)
    days = sorted(by_day)
    this_year = [d for d in days if d >= writer.this_year_from]
    _stories(demo, plan, pool, picked, days, this_year)
    trip_class = next(g for g in groups if g.name == f"{plan.trees[1]} 4")
    trip = (this_year[-20], trip_class.pk) if len(this_year) >= 20 else None
    writer.pending_from = days[-PENDING_DAYS] if len(days) >= PENDING_DAYS else today
    for pupil_plan in plans:
        for day, am, pm in _pupil_days(demo.rng, pupil_plan, days, by_day, trip):
            writer.add(pupil_plan, by_day[day], am, pm)
    writer.flush()
    return sessions
