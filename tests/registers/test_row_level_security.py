"""PostgreSQL row-level security (DESIGN.md §3, registers.rls): as the application's role,
the database itself returns only the selected schools' rows, whatever the query forgets.

The suite runs as the tables' owner (fixtures, migrations); each test here switches to
the application's role for its own transaction (`SET LOCAL ROLE`), as production
connects (scripts/with-services.sh and docker-compose.yml create the role).
"""

import pytest
from celery import shared_task
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django_scopes import scopes_disabled

from registers.models import Pupil, Role
from registers.rls import EXEMPT, school_owned_models
from registers.tasks import SchoolTask
from registers.tenancy import all_schools, school_scope, staff_schools, trust_scope
from tests.factories import PupilFactory, SchoolFactory, TrustFactory, staff

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-level security is PostgreSQL's; on SQLite django-scopes is the only filter",
)

APP_ROLE = "attendance_app"


def _as_app_role():
    """This transaction runs as the application's role (created here if the database
    was not set up by scripts/with-services.sh; rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                f"TO {APP_ROLE}; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
                f"TO {APP_ROLE}"
            )
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")


@pytest.fixture
def app_role(db, settings):
    settings.DATABASE_RLS = True
    _as_app_role()


@pytest.fixture
def two_schools(db):
    school, other = SchoolFactory(), SchoolFactory()
    PupilFactory.create_batch(2, school=school)
    PupilFactory.create_batch(3, school=other)
    return school, other


def _school_ids_seen() -> list[int]:
    """What a forgotten filter would show: every pupil row the database returns."""
    with scopes_disabled():
        return sorted(Pupil.objects.values_list("school_id", flat=True))


def test_every_school_owned_table_has_a_row_level_security_policy(db):
    """A new model with a `school` column and no policy (a migration like registers 0009)
    fails here, so later tables cannot slip through."""
    tables = {m._meta.db_table for m in school_owned_models()}
    assert "registers_pupil" in tables and "letters_issuedletter" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_policies p "
            "ON p.tablename = c.relname AND p.policyname = 'school_rows' "
            "WHERE c.relrowsecurity AND c.relname = ANY(%s)",
            [sorted(tables)],
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert tables - protected == set()
    assert set(EXEMPT) == {"registers.Membership"}


def test_an_unscoped_query_as_the_app_role_returns_only_the_selected_schools_rows(
    two_schools, app_role, django_assert_num_queries
):
    school, other = two_schools
    # The selection goes on the side: pinned query counts stay as they are.
    with school_scope(school), django_assert_num_queries(1):
        assert _school_ids_seen() == [school.pk, school.pk]
    with school_scope(other):
        assert _school_ids_seen() == [other.pk] * 3


def test_a_raw_query_as_the_app_role_returns_no_other_schools_rows(two_schools, app_role):
    school, _ = two_schools
    with school_scope(school), connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT school_id FROM registers_pupil")
        assert cursor.fetchall() == [(school.pk,)]


def test_with_no_school_selected_the_app_role_sees_no_tenant_rows(two_schools, app_role):
    assert _school_ids_seen() == []


def test_a_trust_leads_cross_school_query_sees_only_the_trusts_schools(db, settings):
    trust = TrustFactory()
    first, second = SchoolFactory(trust=trust), SchoolFactory(trust=trust)
    outside = SchoolFactory()
    for school in (first, second, outside):
        PupilFactory(school=school)
    lead = staff(first, Role.TRUST_LEAD)
    settings.DATABASE_RLS = True
    _as_app_role()

    with trust_scope(staff_schools(lead)):
        assert set(_school_ids_seen()) == {first.pk, second.pk}


def test_cross_school_work_sees_every_school_only_when_it_says_so(two_schools, app_role):
    school, other = two_schools
    with all_schools():
        assert set(_school_ids_seen()) == {school.pk, other.pk}
    # A school's scope inside cross-school work narrows again, and leaving it widens.
    with all_schools():
        with school_scope(other):
            assert set(_school_ids_seen()) == {other.pk}
        assert set(_school_ids_seen()) == {school.pk, other.pk}


def test_the_app_role_cannot_write_a_row_into_another_school(two_schools, app_role):
    school, other = two_schools
    with school_scope(school):
        refused = pytest.raises(DatabaseError, match="row-level security")
        with refused, transaction.atomic(), scopes_disabled():
            PupilFactory(school=other)
        with scopes_disabled():
            changed = Pupil.objects.filter(school=other).update(legal_surname="Changed")
    assert changed == 0
    with scopes_disabled():
        assert not Pupil.objects.filter(legal_surname="Changed").exists()


def test_the_app_role_cannot_switch_row_level_security_off(app_role):
    refused = pytest.raises(DatabaseError, match="must be owner")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registers_pupil DISABLE ROW LEVEL SECURITY")


def test_a_rolled_back_savepoint_does_not_leave_another_schools_selection(two_schools, app_role):
    school, other = two_schools
    with school_scope(school):
        assert _school_ids_seen() == [school.pk] * 2
        with pytest.raises(RuntimeError), transaction.atomic(), school_scope(other):
            assert _school_ids_seen() == [other.pk] * 3
            raise RuntimeError("undo")
        assert _school_ids_seen() == [school.pk] * 2


def test_a_school_page_as_the_app_role_shows_its_own_school(two_schools, app_role, client):
    """The middleware selects the URL's school for the database too."""
    school, _ = two_schools
    client.force_login(staff(school, Role.OFFICE))
    answer = client.get(f"/api/v1/schools/{school.slug}/pupils/")
    assert answer.status_code == 200
    assert answer.json()["count"] == 2


@shared_task(base=SchoolTask)
def schools_seen_by_a_task(school_id: int) -> list[int]:
    return _school_ids_seen()


def test_a_celery_task_as_the_app_role_sees_its_own_school_only(two_schools, app_role):
    school, other = two_schools
    assert schools_seen_by_a_task.delay(other.pk).get() == [other.pk] * 3
    assert schools_seen_by_a_task.delay(school.pk).get() == [school.pk] * 2


SCHOOL_SQL = (
    "INSERT INTO registers_school (slug, name, urn, la_code, estab, phase, "
    "attendance_target, timezone, policy_preset, address, phone, email, "
    "replace_overdue_n_with_o, session_idle_minutes) VALUES (%s, %s, '', '', '', "
    "'primary', 96, 'Europe/London', '', '', '', '', false, 30) RETURNING id"
)
OUTBOX_SQL = (
    "INSERT INTO registers_outboxtask (school_id, task, kwargs, key, created_at, attempts, "
    "last_error) VALUES (%s, 't', '{}', %s, now(), 0, '')"
)


def test_outside_a_transaction_the_selection_follows_each_scope(db, settings):
    """Autocommit, as a request's reads run: the session value is re-sent when the selection
    changes. A second connection of the app's role, outside the test's
    transaction, on rows it commits itself (and removes after)."""
    settings.DATABASE_RLS = True
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    ids = []
    try:
        with other.cursor() as cursor:
            for slug in ("rls-probe-a", "rls-probe-b"):
                cursor.execute(SCHOOL_SQL, [slug, slug])
                ids.append(cursor.fetchone()[0])
                cursor.execute(OUTBOX_SQL, [ids[-1], slug])
            cursor.execute(f"SET ROLE {APP_ROLE}")

        def seen():
            with other.cursor() as cursor:
                cursor.execute("SELECT school_id FROM registers_outboxtask")
                return [row[0] for row in cursor.fetchall()]

        assert other.get_autocommit() and not other.in_atomic_block
        with school_scope(ids[0]):
            assert seen() == [ids[0]]
            assert seen() == [ids[0]]
        with school_scope(ids[1]):
            assert seen() == [ids[1]]
        assert seen() == []
        with all_schools():
            assert sorted(seen()) == ids
    finally:
        with other.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute("DELETE FROM registers_outboxtask WHERE school_id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM registers_school WHERE id = ANY(%s)", [ids])
        other.close()
