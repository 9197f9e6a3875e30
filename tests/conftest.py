import importlib

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from django_scopes.state import state as scope_state

from attendance_mis.celery import app as celery_app
from tests.factories import RegistrationGroupFactory, SchoolFactory, staff


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Fixtures build their data with tenant scopes off; the test BODY runs with scopes
    on and no school selected, as a command or a Celery task starts. So a service, task or
    command that forgets to enter its school's scope raises ScopeError in a test instead of
    passing unnoticed. A test reads the database for its assertions inside
    `scopes_disabled()` (or the school's scope) and calls services inside
    `school_scope(school)`, as a view or a command would (DESIGN.md §3)."""
    with scopes_disabled():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """The body starts with scopes on and no school, whatever a fixture left behind: a
    generator fixture that enters a scope and yields (set up inside the wrapper above)
    would otherwise hand its scope, or the wrapper's, to later tests when it is torn
    down."""
    token = scope_state.set({"_enabled": True})
    try:
        return (yield)
    finally:
        scope_state.reset(token)


@pytest.fixture(autouse=True)
def _national_codes(request, django_db_setup, django_db_blocker):
    """The national codes are seeded by migration (registers 0002). A transactional test
    (the browser tests, the killed Celery worker) ends by emptying every table, codes
    included; pytest-xdist may run another test file after it on the same worker, so the
    codes are put back, committed, before any test that uses the database."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    from django.apps import apps

    from registers.models import AttendanceCode

    with django_db_blocker.unblock():
        if not AttendanceCode.objects.exists():
            seed = importlib.import_module("registers.migrations.0002_national_codes")
            seed.load_codes(apps, None)


@pytest.fixture(autouse=True)
def _force_login_gives_the_code_too(request, monkeypatch):
    """`client.force_login(user)` skips the password, and with this the two-factor code
    too: the session is marked as having given one (registers.twofactor.State.VERIFIED),
    as after a real sign-in, so the hundreds of tests that sign staff in this way test
    their page, not the sign-in. It writes nothing to the database and costs no query.

    The two-factor tests themselves go through the real flow (password, then code): mark
    them `@pytest.mark.real_two_factor`, and force_login leaves the session as a fresh
    sign-in has it (asked for a code, or to set up an authenticator). `client.login()`
    (the password only) is never marked."""
    if request.node.get_closest_marker("real_two_factor"):
        return
    from registers import twofactor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[twofactor.STATE] = twofactor.State.VERIFIED
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _no_login_lockouts(settings):
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs most of a second per user made; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process, even when REDIS_URL (scripts/with-services.sh) would send
    them to a broker with no worker listening."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def other_school(db):
    return SchoolFactory()


@pytest.fixture
def group(school):
    return RegistrationGroupFactory(school=school)


@pytest.fixture
def make_staff(db):
    return staff
