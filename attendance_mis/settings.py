"""Settings, all from the environment (django-environ).

With nothing set but SECRET_KEY, the app runs on SQLite with Celery tasks executed
eagerly, so `make run` needs no server (it writes a random SECRET_KEY to the untracked
`.env` on first run). Production sets DATABASE_URL, REDIS_URL and the HTTPS settings
below (docker-compose.yml shows them all).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    REDIS_URL=(str, ""),
)
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env("DEBUG")
# No published fallback: a key anyone can read lets them forge sessions and password-reset
# links. Only a DEBUG laptop may run without one.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or in .env beside manage.py) "
            "to a long random string, e.g. the output of: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'. `make run` writes one to .env (if there is "
            "no .env yet)."
        )
    SECRET_KEY = "debug-only-key-never-used-with-debug-off"
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens: stored hashed (SHA-512), each with an expiry (registers.tokens names them).
    "knox",
    # Two-factor sign-in: an authenticator app (TOTP) and single-use backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "registers",
    "absences",
    "escalation",
    "letters",
    "reporting",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages compressed (a 30-pupil register: about 15 KB instead of 150). BREACH needs a
    # secret reflected beside attacker-chosen text in a compressed body; Django masks the
    # CSRF token afresh in every response, so it never repeats to be guessed.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "registers.middleware.SchoolMiddleware",
    # After the school is known: its idle time ends the session, and pupil data is
    # marked never to be stored by the browser or a proxy.
    "registers.security.IdleSessionMiddleware",
    "registers.security.NoStoreMiddleware",
    # Staff who see safeguarding data or legal steps reach nothing but the two-factor
    # pages until they have given a code (registers.twofactor).
    "registers.twofactor.TwoFactorMiddleware",
    # Last, so that a locked-out login is refused before any view runs.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "attendance_mis.urls"
WSGI_APPLICATION = "attendance_mis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registers.context_processors.school",
                "attendance_mis.navigation.menu",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# SQLite (the zero-setup demo only) cannot hold a unique constraint that treats NULLs as
# equal (escalation's "one proposal per decision"); PostgreSQL, which production and the
# tests use, enforces it. The demo is not told about it at every start.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
# PostgreSQL row-level security (registers.rls, README "Tenancy"): in production the app
# connects (DATABASE_URL) as a role that does not own the tables, and `manage.py migrate`
# as the owner (MIGRATION_DATABASE_URL, same database). DATABASE_RLS sends the selected
# schools with the queries; it is on whenever a MIGRATION_DATABASE_URL is set, because
# the app's role then sees no tenant rows without it.
MIGRATION_DATABASE = (
    env.db("MIGRATION_DATABASE_URL") if env("MIGRATION_DATABASE_URL", default="") else None
)
DATABASE_RLS = env.bool("DATABASE_RLS", default=MIGRATION_DATABASE is not None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Files only a view that checks the reader may serve (leave-of-absence evidence):
# outside MEDIA_ROOT and the static files, never served by the web server.
PRIVATE_STORAGE_ROOT = env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "private"))
# The largest evidence file a parent may send with a leave request (bytes).
LEAVE_EVIDENCE_MAX_BYTES = env.int("LEAVE_EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Email: console in the demo; production sets EMAIL_URL (smtp://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="attendance@example.org")

# Celery: Redis as broker when REDIS_URL is set, else tasks run in-process.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Every periodic job, in one place. Deadlines live in the database and these ticks find
# what is due (DESIGN.md §2): no business deadline is a Celery ETA.
CELERY_BEAT_SCHEDULE: dict = {
    # Planned entries of sessions whose register has closed become marks (DESIGN.md §5);
    # registers close at different times at each school, so it runs every few minutes.
    "registers-planned-entries-due": {
        "task": "registers.tasks.planned_entries_due_everywhere",
        "schedule": 300.0,
    },
    # Approved email letters wait for their undo window (letters.approval), then are
    # handed to the mail server; the deadline is in the database, a minute's tick finds it.
    "letters-send-held-emails": {"task": "letters.tasks.send_held_emails", "schedule": 60.0},
    # Export files are removed a week after they were written (reporting.export_jobs).
    "reporting-exports-expire": {
        "task": "reporting.tasks.exports_expire_everywhere",
        "schedule": 6 * 3600.0,
    },
    # Background work whose hand-over to the broker was lost is sent again (DESIGN.md §2).
    "outbox-redispatch": {"task": "registers.outbox.redispatch", "schedule": 60.0},
    # First-day calling (absences): each school's calling list brought up to now, so a
    # pupil whose deadline passed or whose attempts ran out shows as "not accounted for"
    # to the safeguarding lead (deadline in the database, never a Celery ETA, DESIGN §2).
    "absences-calling-deadlines": {
        "task": "absences.tasks.calling_deadlines_everywhere",
        "schedule": 120.0,
    },
    # Absences, each evening after the last register: welfare triggers over whole days
    # (3rd day, illness without evidence) and overdue N to O where the school chose it.
    "absences-nightly": {
        "task": "absences.tasks.nightly_absences_everywhere",
        "schedule": crontab(hour=19, minute=15),
    },
    # Leave of absence (absences): N or O in sessions of refused leave become G with the
    # decision referenced once the register has closed (idempotent sweep, not an ETA).
    "absences-leave-refused-taken": {
        "task": "absences.tasks.leave_refused_taken_everywhere",
        "schedule": 900.0,
    },
    # Escalation (the policy ladders, DESIGN.md §7): every hour; from 18:00 local time
    # each school whose day had sessions and whose run of the day is not done yet gets one
    # run task. A run is idempotent, so the next hour retries a night a dead worker or a
    # lost broker left unfinished, and decides nothing twice (escalation.tasks).
    "escalation-nightly": {
        "task": "escalation.tasks.escalation_nightly_everywhere",
        "schedule": 3600.0,
    },
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registers.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON nested deeper than a register ever is answers 400, not a RecursionError (500).
    "DEFAULT_PARSER_CLASSES": [
        "registers.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Fail safe (DESIGN.md §3): members of the URL's school only, with a role the view
    # declares; views outside schools declare their own permission (registers.api.permissions).
    "DEFAULT_PERMISSION_CLASSES": ["registers.api.permissions.SchoolRole"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attendance MIS API",
    "DESCRIPTION": "Registers, marks and attendance for schools in England.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs are public on purpose (they hold no school's data), declared
    # here because the API's default permission refuses views that declare nothing.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI served from our own static files: schools may be offline, and no
    # outside script should run on a page with staff session cookies.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # AM/PM appear as model choices ("Morning"/"Afternoon") and as bare values in request
    # serializers (first_period, last_period of reports and leave): one name for each set,
    # or the schema warns of a naming collision.
    "ENUM_NAME_OVERRIDES": {
        "PeriodEnum": "registers.models.tenants.Period",
        "PeriodCodeEnum": ["AM", "PM"],
        # Escalation (casework API): one name per choice set shared by several fields.
        "EscalationStageEnum": "escalation.models.cases.Stage",
        "EscalationProposalStatusEnum": "escalation.models.queue.ProposalStatus",
        "PenaltyNoticeStatusEnum": "escalation.models.legal.NoticeStatus",
        # Leave of absence: the grounds asked for, the codes `leave-assess` takes (DESIGN
        # §9, C2 and G included) and the request's status.
        "LeaveGroundEnum": "absences.models.leave.LeaveGround",
        "LeaveAssessGroundEnum": ["C1", "J1", "S", "C", "C2", "R", "T", "G"],
        "LeaveStatusEnum": "absences.models.leave.LeaveRequest.Status",
    },
}

# Login throttling: five failures lock the username from that address for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# The lockout page in the site's layout, with when to try again and the reset link.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# ---- HTTPS and cookies: off for `make run` on http://127.0.0.1, on in production ----------
# docker-compose.yml sets all of these; `manage.py check --deploy` with its environment
# reports nothing (tests/test_deploy_settings.py runs it).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (only then: the header must
# come from the proxy, never from the browser).
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis in production) and written through to the
# database: a page costs no query to find who is signed in, and a restart loses nobody.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# ---- Sessions: classroom computers are shared ------------------------------------------
# Each school sets its staff idle time (School.session_idle_minutes, default 30); this is
# the ceiling for anyone signed in, and the idle time outside any school.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_IDLE_MINUTES_DEFAULT = 30
# Unless "keep me signed in" is ticked, the session also ends when the browser closes
# (registers.auth_views.SignInView sets it per sign-in).

# ---- Request bodies ---------------------------------------------------------------------
# A register of 60 pupils is about 10 KB of JSON; letter wording a few KB. Uploads (logos,
# imports) go to files, not memory, and have their own limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Deeper JSON than this is refused (400): our deepest request is 3 levels.
JSON_MAX_DEPTH = 20

# ---- Content Security Policy (django-csp 4) --------------------------------------------
# Nothing inline: scripts and styles come from our own static files (Swagger UI too, from
# drf-spectacular-sidecar). Images may be data: URIs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ---- Two-factor sign-in (django-otp) ------------------------------------------------------
# Required for the roles in registers.twofactor.ROLES_TWO_FACTOR (and platform superusers),
# offered to everyone else. `make run` turns enforcement off for the demo (a banner says
# so); a user who has set up an authenticator is still asked for a code.
TWO_FACTOR_ENFORCED = env.bool("TWO_FACTOR_ENFORCED", default=True)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Attendance")
# A wrong code doubles the wait before the next try (1 s, 2 s, 4 s...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# ---- API tokens (django-rest-knox) ----------------------------------------------------
# Tokens are made on /accounts/api-tokens/, named, with an expiry the owner chooses up to
# API_TOKEN_MAX_DAYS; only a SHA-512 digest is stored. "Authorization: Token <token>".
KNOX_TOKEN_MODEL = "knox.AuthToken"  # named here: registers.ApiToken points at it
REST_KNOX = {
    "TOKEN_TTL": None,  # each token is given its own expiry when it is made
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# ---- Passwords: reset links by email ----------------------------------------------------
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # seconds: a reset link works for two hours

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
