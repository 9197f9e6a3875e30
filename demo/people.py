"""The demo's pupils, families, contacts and staff logins (all fictional)."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model

from registers.models import (
    Contact,
    GroupMembership,
    Mark,
    Membership,
    Pupil,
    RegistrationGroup,
    Role,
    School,
    build_upn,
)

from .calendar import english_terms, next_weekday, weekday_on_or_after
from .data import (
    BOYS,
    GIRLS,
    LA_CODE,
    LOGINS,
    OTHER_LA_CODE,
    POSTCODE_LETTERS,
    SCHOOLS,
    SHORT_NAMES,
    STREETS,
    SUPERUSER_USERNAME,
    SURNAMES,
    YEAR_GROUPS,
    DemoSchool,
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
    # A pupil who changed class: in `earlier_group` until the day before `moved_on`.
    earlier_group: RegistrationGroup | None = None
    moved_on: date | None = None

    def group_on(self, day: date) -> RegistrationGroup:
        """The class the pupil was in that day (DESIGN.md §4: groups are dated)."""
        if self.moved_on and day < self.moved_on:
            return self.earlier_group
        return self.group

    def group_spells(self, school: School) -> list[GroupMembership]:
        """The pupil's spells in their classes. A leaver of an earlier year has no class
        now: their spell ends on their last day."""
        ends = None if self.pupil.registration_group_id else self.pupil.on_roll_to
        if not self.moved_on:
            return [self._spell(school, self.group, self.pupil.on_roll_from, ends)]
        return [
            self._spell(
                school,
                self.earlier_group,
                self.pupil.on_roll_from,
                self.moved_on - timedelta(days=1),
            ),
            self._spell(school, self.group, self.moved_on, ends),
        ]

    def _spell(self, school, group, starts, ends) -> GroupMembership:
        return GroupMembership(
            school=school, pupil=self.pupil, group=group, starts=starts, ends=ends
        )


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


def plan_roll(demo: Demo, school: School, plan: DemoSchool, groups, size: int) -> list[PupilPlan]:
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


def joiners_and_leaver(demo: Demo, pool: list[PupilPlan]) -> None:
    """About one pupil in a hundred joined mid-year, with a UPN from their last school;
    one leaves before October half term. They leave the pool of pupils with a story."""
    rng = demo.rng
    this_year, last_year = english_terms(demo.start_year), english_terms(demo.start_year - 1)
    join_dates = [
        next_weekday(this_year[0].half_term_ends),
        weekday_on_or_after(last_year[1].starts + timedelta(days=7)),
        weekday_on_or_after(this_year[0].starts + timedelta(days=14)),
        weekday_on_or_after(last_year[2].starts + timedelta(days=7)),
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


def class_move(demo: Demo, pool: list[PupilPlan], groups: list[RegistrationGroup]) -> None:
    """One pupil changed class three weeks into the year (to the other class of their
    year group): the old class's registers before that day list them, the new one's
    from it. They leave the pool of pupils with a story."""
    start = english_terms(demo.start_year)[0].starts
    moved_on = weekday_on_or_after(start + timedelta(days=21))
    candidates = [p for p in pool if p.pupil.year_group != "R" and p.pupil.on_roll_from < start]
    if not candidates:
        return
    mover = demo.rng.choice(candidates)
    other = next(g for g in groups if g.year_group == mover.group.year_group and g != mover.group)
    mover.earlier_group, mover.group, mover.moved_on = mover.group, other, moved_on
    mover.pupil.registration_group = other
    pool.remove(mover)


def save_roll(school: School, plans: list[PupilPlan]) -> list[Contact]:
    for plan in plans:
        # Not full_clean, and not the foreign keys: each of those checks is a query per
        # pupil. The database checks them (and uniqueness) for the whole batch.
        plan.pupil.clean_fields(exclude=["school", "registration_group"])
    Pupil.objects.bulk_create([p.pupil for p in plans], batch_size=500)
    GroupMembership.objects.bulk_create(
        [spell for plan in plans for spell in plan.group_spells(school)], batch_size=1000
    )
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


def link_parent(user, children: list[PupilPlan], contacts: list[Contact]) -> str:
    """The parent login is the first contact of the two children."""
    pupils = {p.pupil.pk for p in children}
    ids = [c.pk for c in contacts if c.pupil_id in pupils and c.priority == 1]
    Contact.objects.filter(pk__in=ids).update(user=user)
    name = children[0].family.carers[0].name
    user.first_name, _, user.last_name = name.partition(" ")
    user.save(update_fields=["first_name", "last_name"])
    return name


# ---- Staff --------------------------------------------------------------------------------


def make_logins(password_hash: str) -> dict[str, object]:
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


def make_classes(school: School, plan: DemoSchool) -> list[RegistrationGroup]:
    RegistrationGroup.objects.bulk_create(
        RegistrationGroup(school=school, name=f"{tree} {year}", year_group=year)
        for tree in plan.trees
        for year in YEAR_GROUPS
    )
    return list(RegistrationGroup.objects.filter(school=school).order_by("pk"))


def make_staff(
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
