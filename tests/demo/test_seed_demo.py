"""`manage.py seed_demo`: the demo trust that `make run` loads.

The demo is built once (a small one: 30 pupils a school, marks from September) inside a
transaction that is rolled back after the class that uses it, so that no other test sees it.
"""

import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django_scopes import scope, scopes_disabled

from demo import data as demo
from registers import stats
from registers.models import (
    Contact,
    GroupMembership,
    Mark,
    PlannedEntry,
    Pupil,
    Register,
    RegisterTimes,
    Role,
    School,
    Session,
    validate_upn,
)
from registers.selectors import register_roll
from registers.stats_groups import summarise_by_group
from registers.tenancy import roles_at, school_scope

TODAY = dt.date(2026, 11, 20)  # a Friday of the autumn term
# The demo is built on its day at 09:20 London, after the morning registers closed and
# before the times the demo's stories would otherwise give (a report logged at 09:40).
BUILT = dt.datetime(2026, 11, 20, 9, 20, tzinfo=dt.UTC)
YESTERDAY = dt.date(2026, 11, 19)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DRAMA_PHONE = re.compile(r"^(07700 900|01632 960)\d{3}$")


def seed(*extra) -> str:
    out = StringIO()
    call_command(
        "seed_demo",
        "--pupils-per-school=30",
        "--marks-from=2026-09-01",
        f"--today={TODAY}",
        *extra,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture(scope="class")
def printed(django_db_setup, django_db_blocker):
    """What seed_demo printed; the demo stays in the database for one test class only."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
        scope(),  # the command, not the fixture, selects each school's scope
    ):
        with time_machine.travel(BUILT, tick=True):
            out = seed()
            finished = dt.datetime.now(dt.UTC)
        yield out + f"\n(built by {finished.isoformat()})"
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def school(slug) -> School:
    return School.objects.get(slug=slug)


class TestTheDemo:
    """Built once for the class, rolled back after its last test."""

    def test_the_two_schools_take_registers_at_the_times_in_their_policy(self, printed, db):
        expected = {
            ("heelands", "AM"): (dt.time(8, 50), dt.time(8, 50), dt.time(9, 5)),
            ("heelands", "PM"): (dt.time(13, 0), dt.time(13, 0), dt.time(13, 15)),
            ("summerfield", "AM"): (dt.time(9, 0), dt.time(9, 0), dt.time(9, 15)),
            ("summerfield", "PM"): (dt.time(13, 30), dt.time(13, 30), dt.time(13, 45)),
        }
        with scopes_disabled():
            times = {
                (t.school.slug, t.period): (t.opens, t.late_after, t.closes)
                for t in RegisterTimes.objects.select_related("school")
            }
            sessions = {
                (s.school.slug, s.period): (s.opens, s.late_after, s.closes)
                for s in Session.objects.filter(date=YESTERDAY).select_related("school")
            }
        assert times == expected
        assert sessions == expected
        assert {s.trust.slug for s in School.objects.all()} == {"blue-sky"}

    def test_the_autumn_term_follows_the_published_dates(self, printed, db):
        heelands = school("heelands")
        with scopes_disabled():
            days = set(Session.objects.filter(school=heelands).values_list("date", flat=True))
            assert dt.date(2026, 9, 7) in days  # the first day for pupils, after two INSET days
            assert not days & {dt.date(2026, 9, 3), dt.date(2026, 9, 4)}
            assert not days & {dt.date(2026, 10, 26) + dt.timedelta(days=n) for n in range(5)}
            assert dt.date(2026, 12, 18) in days
            assert dt.date(2026, 12, 21) not in days

    def test_pupils_have_valid_unique_upns_and_fictional_contacts(self, printed, db):
        with scopes_disabled():
            pupils = list(Pupil.objects.all())
            for pupil in pupils:
                validate_upn(pupil.upn)
            assert len({p.upn for p in pupils}) == len(pupils)
            for slug in ("heelands", "summerfield"):
                with school_scope(school(slug)):
                    on_roll = stats.on_roll(school=school(slug), day=TODAY)
                    assert 25 <= on_roll.count() <= 30
                    assert {p.year_group for p in on_roll} == set(demo.YEAR_GROUPS)

            contacts = list(Contact.objects.all())
            per_pupil = {}
            for contact in contacts:
                per_pupil.setdefault(contact.pupil_id, []).append(contact.priority)
                assert DRAMA_PHONE.match(contact.phone), contact.phone
                assert contact.email.endswith(("@example.org", "@example.com"))
                assert "Milton Keynes\nMK13 " in contact.address
            assert set(per_pupil) == {p.pk for p in pupils}
            assert all(
                sorted(p) == list(range(1, len(p) + 1)) and len(p) <= 3 for p in per_pupil.values()
            )

    def test_every_printed_login_signs_in_and_lands_on_its_start_page(self, printed, db, settings):
        # As `make run` serves the demo: two-factor sign-in offered, not enforced.
        settings.TWO_FACTOR_ENFORCED = False
        assert "Two-factor sign-in is not enforced" in printed
        assert demo.DEMO_PASSWORD in printed
        for login in demo.LOGINS:
            assert login.username in printed
            assert demo.BASE_URL + login.start in printed
            client = Client()
            assert client.login(username=login.username, password=demo.DEMO_PASSWORD), login
            assert client.get(login.start).status_code == 200, login.username

    def test_each_login_holds_its_role(self, printed, db):
        users = {u.username: u for u in get_user_model().objects.all()}
        heelands, summerfield = school("heelands"), school("summerfield")
        for login in demo.LOGINS:
            if login.school:
                assert login.role in roles_at(users[login.username], school(login.school))
        assert roles_at(users["trust.lead"], summerfield) == {Role.TRUST_LEAD}
        assert roles_at(users["teacher"], summerfield) == frozenset()
        with scopes_disabled():
            assert users["teacher"].registration_groups.get().name == "Ash 3"
            assert users["admin"].is_superuser
            children = Contact.objects.filter(user=users["parent"], parental_responsibility=True)
            assert {c.pupil.school for c in children} == {heelands}
            # The two children the login was made for, and their brother in Ash 2 whose
            # contact has the same address (demo/absences.py add_family).
            assert children.count() == 3

    def test_marks_stop_yesterday_but_the_office_has_entered_some_for_today(self, printed, db):
        heelands = school("heelands")
        with school_scope(heelands):
            # The calling list's unexplained absences (demo/absences.py add_calling) are N
            # from the register; the office's entries are the rest.
            marked = Mark.objects.filter(school=heelands, date=TODAY)
            assert set(marked.filter(source="register").values_list("code_id", flat=True)) <= {"N"}
            # (one of those N the office has since explained: demo/absences.py add_reports)
            today = list(marked.exclude(source="register").exclude(amendments__original_code="N"))
            assert len(today) == 7  # three pupils ill all day, one dental appointment
            assert all(m.is_pre_entered for m in today)
            assert {m.code_id for m in today} == {"I", "M"}
            assert not Mark.objects.filter(school=heelands, date__gt=TODAY).exists()
            # What the office knows about the day after is planned, not yet a mark.
            planned = PlannedEntry.objects.filter(school=heelands, session__date__gt=TODAY)
            assert {(p.code_id, p.source) for p in planned} == {("I", "office")}
            assert planned.count() == 2
            assert not Register.objects.filter(school=heelands, session__date=TODAY).exists()
            assert Register.objects.filter(school=heelands, session__date=YESTERDAY).count() == 28
            assert (
                stats.missing_marks(school=heelands, start=dt.date(2026, 9, 1), end=YESTERDAY) == []
            )

    def test_the_demo_shows_absence_patterns_on_the_dashboards(self, printed, db):
        heelands = school("heelands")
        with school_scope(heelands):
            held = stats.indicators(school=heelands, as_of=YESTERDAY)
            summaries = stats.summarise(school=heelands, start=dt.date(2026, 9, 1), end=YESTERDAY)
        found = {key for keys in held.values() for key in keys}
        assert {"persistent_absence", "severe_absence", "penalty_threshold"} <= found
        assert "missing_from_school" in found
        whole_school = stats.combine(summaries.values())
        assert 85 <= whole_school.attendance_pct <= 98
        assert whole_school.lates > 0
        assert {"I", "M", "O", "N", "G", "L", "V"} <= set(whole_school.codes)

    def test_one_pupil_changed_class_and_each_class_register_lists_them_on_its_days(
        self, printed, db
    ):
        heelands = school("heelands")
        with school_scope(heelands):
            earlier = GroupMembership.objects.select_related("pupil", "group").get(
                school=heelands, ends__isnull=False, pupil__registration_group__isnull=False
            )
            pupil, moved_on = earlier.pupil, earlier.ends + dt.timedelta(days=1)
            now = GroupMembership.objects.get(pupil=pupil, starts=moved_on)
            before = Session.objects.filter(school=heelands, date__lt=moved_on).latest("date")
            assert pupil in register_roll(school=heelands, group=earlier.group, day=before.date)
            assert pupil not in register_roll(school=heelands, group=now.group, day=before.date)
            assert pupil in register_roll(school=heelands, group=now.group, day=moved_on)
            by_group = summarise_by_group(
                school=heelands, start=dt.date(2026, 9, 1), end=YESTERDAY, pupils=[pupil]
            )
        assert pupil.registration_group == now.group != earlier.group
        assert by_group[earlier.group.pk][pupil.pk].possible > 0
        assert by_group[now.group.pk][pupil.pk].possible > 0

    def test_the_parent_portal_shows_the_two_children_with_reports_leave_and_a_letter(
        self, printed, db
    ):
        from absences.models import AbsenceReport, LeaveRequest, PortalInvitation

        parent = get_user_model().objects.get(username="parent")
        client = Client()
        client.force_login(parent)
        home = client.get("/family/").content.decode()
        with scopes_disabled():
            children = [
                c.pupil
                for c in Contact.objects.filter(user=parent).select_related("pupil", "school")
            ]
            leave = {r.status for r in LeaveRequest.objects.filter(pupil__in=children)}
            reports = {r.status for r in AbsenceReport.objects.filter(pupil__in=children)}
            assert PortalInvitation.objects.filter(school__slug="heelands").count() == 4
        assert all(child.forename in home for child in children)
        with scopes_disabled():
            # Every child of the parent's at the school is linked: each contact with
            # parental responsibility and one of the parent's addresses.
            emails = {c.email.lower() for c in Contact.objects.filter(user=parent)}
            unlinked = [
                c.pk
                for c in Contact.objects.filter(
                    school__slug="heelands", parental_responsibility=True, user__isnull=True
                )
                if c.email.lower() in emails
            ]
        assert unlinked == [] and len(children) >= 2
        assert leave == {"submitted", "refused"}
        assert reports == {"pending", "accepted"}
        pages = "".join(
            client.get(f"/heelands/absences/family/{child.pk}/").content.decode()
            for child in children
        )
        assert "Refused" in pages and "Submitted" in pages
        assert "Waiting for the school office" in pages and "Recorded by the school" in pages
        with scopes_disabled():
            from letters.models import IssuedLetter

            refused = LeaveRequest.objects.get(pupil__in=children, status="refused")
            letters = IssuedLetter.objects.filter(pk__in=refused.decision_letter_ids)
            # Rendered after the seed commits (the outbox), then read in the portal.
            assert parent.get_full_name() in {r["name"] for x in letters for r in x.recipients}

    def test_nothing_in_the_demo_happens_after_the_moment_it_was_built(self, printed, db):
        from absences.models import (
            AbsenceReport,
            CallAttempt,
            CallingDay,
            LeadAction,
            PortalInvitation,
        )
        from registers.models import Amendment

        finished = dt.datetime.fromisoformat(re.search(r"\(built by (.+)\)", printed).group(1))
        dated = {
            AbsenceReport: ("created_at", "decided_at"),
            CallAttempt: ("at",),
            CallingDay: ("escalated_at", "accounted_at"),
            LeadAction: ("at",),
            PortalInvitation: ("created_at", "sent_at", "revoked_at"),
            Mark: ("recorded_at",),
            Amendment: ("amended_at",),
            Register: ("taken_at", "last_saved_at"),
        }
        with scopes_disabled():
            late = {
                f"{model.__name__}.{name}": model.objects.filter(
                    **{f"{name}__gt": finished}
                ).count()
                for model, names in dated.items()
                for name in names
            }
            attempts = list(CallAttempt.objects.select_related("contact"))
            reached = [a for a in attempts if a.outcome == "spoke" and a.note]
            accounted = CallingDay.objects.filter(status="accounted_for")
            lacking = [
                d.pupil_id
                for d in accounted
                if not CallAttempt.objects.filter(pupil_id=d.pupil_id, date=d.date).exists()
                and not AbsenceReport.objects.filter(
                    pupil_id=d.pupil_id, first_day__lte=d.date, last_day__gte=d.date
                ).exists()
            ]
            from absences.models import procedure_for

            with school_scope(school("heelands")):
                leads = set(
                    procedure_for(school("heelands")).safeguarding_leads.values_list(
                        "username", flat=True
                    )
                )
        assert {k: v for k, v in late.items() if v} == {}
        assert attempts and reached
        # The note of a call that reached someone names who was reached.
        assert all(a.contact is None or a.contact.name in a.note for a in reached)
        assert lacking == []  # an accounted-for pupil has the call or report that did it
        assert "attendance.lead" in leads

    def test_running_again_changes_nothing_and_prints_the_logins(self, printed, db):
        with scopes_disabled():
            before = (Pupil.objects.count(), Mark.objects.count(), get_user_model().objects.count())

        again = seed()

        assert "already loaded" in again
        assert all(login.username in again for login in demo.LOGINS)
        with scopes_disabled():
            assert (
                Pupil.objects.count(),
                Mark.objects.count(),
                get_user_model().objects.count(),
            ) == before


def test_refuses_a_database_that_has_the_demo_usernames_but_not_the_demo(db):
    get_user_model().objects.create_user(username="teacher", password="x")

    with pytest.raises(CommandError, match="user teacher"):
        seed()

    assert not School.objects.exists()


def test_refuses_marks_that_would_start_after_today(db):
    with pytest.raises(CommandError, match="must be before today"):
        call_command("seed_demo", "--marks-from=2026-11-20", f"--today={TODAY}", stdout=StringIO())

    assert not School.objects.exists()
