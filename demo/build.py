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
import time as clock
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from registers.models import (
    AbsenceReason,
    Membership,
    Period,
    Pupil,
    RegisterTimes,
    Role,
    School,
    Session,
    Trust,
)
from registers.schooldays import academic_year_bounds
from registers.tenancy import school_scope

from .calendar import build_calendar
from .data import (
    DEMO_PASSWORD,
    LA_CODE,
    LOGINS,
    PARENT_USERNAME,
    PENDING_DAYS,
    REASONS,
    SCHOOLS,
    SEED,
    TRUST_NAME,
    TRUST_SLUG,
    DemoSchool,
)
from .extras import DemoContext, add_extras
from .marks import MarkWriter, attendance_patterns, pre_entered_marks, pupil_days, stories
from .people import (
    Demo,
    PhoneBook,
    class_move,
    joiners_and_leaver,
    link_parent,
    make_classes,
    make_logins,
    make_staff,
    plan_roll,
    save_roll,
)

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
    users = make_logins(make_password(DEMO_PASSWORD))
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
    groups = make_classes(school, plan)
    teachers, office = make_staff(school, plan, groups, users, demo.rng)

    plans = plan_roll(demo, school, plan, groups, size)
    parents_children = plans[:2] if plan is SCHOOLS[0] else []
    # Pupils still free for a story; the parent login's children keep ordinary attendance.
    pool = [p for p in plans[:size] if p not in parents_children]
    joiners_and_leaver(demo, pool)
    class_move(demo, pool, groups)
    picked = attendance_patterns(demo, plans, pool, size)
    contacts = save_roll(school, plans)
    if parents_children:
        report.parent_name = link_parent(users[PARENT_USERNAME], parents_children, contacts)

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
    extras = add_extras(
        DemoContext(
            school=school,
            slug=plan.slug,
            users=users,
            office=office,
            teachers=teachers,
            today=today,
            rng=demo.rng,
        )
    )
    return {
        "pupils": len(plans),
        "contacts": len(contacts),
        "marks": writer.written,
        "amendments": writer.amendments(),
        "registers": writer.registers(sessions),
        "marks for the next school day": pre_entered_marks(
            school,
            plans,
            office=office,
            reasons=reasons,
            demo_class=demo_class,
            today=today,
            rng=demo.rng,
        ),
        **extras,
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
    build_calendar(school, [start_year - 1, start_year])
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
    stories(demo, plan, pool, picked, days, this_year)
    trip_class = next(g for g in groups if g.name == f"{plan.trees[1]} 4")
    trip = (this_year[-20], trip_class.pk) if len(this_year) >= 20 else None
    writer.pending_from = days[-PENDING_DAYS] if len(days) >= PENDING_DAYS else today
    for pupil_plan in plans:
        for day, am, pm in pupil_days(demo.rng, pupil_plan, days, by_day, trip):
            writer.add(pupil_plan, by_day[day], am, pm)
    writer.flush()
    return sessions
