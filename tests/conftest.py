import pytest
from django_scopes import scopes_disabled

from attendance_mis.celery import app as celery_app
from tests.factories import RegistrationGroupFactory, SchoolFactory, staff


@pytest.fixture(autouse=True)
def _scopes_off_for_test_setup(request):
    """Tests build their data without a tenant scope; code under test still runs in
    the scope the middleware (or command, or task) selects, because an inner scope wins.
    A test that checks the fail-safe itself re-enters an empty scope."""
    with scopes_disabled():
        yield


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
