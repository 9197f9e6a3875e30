"""Request guards that are not about tenancy: idle sessions and no-store answers.

Both run after `SchoolMiddleware` (settings.MIDDLEWARE), so the school is known.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import warning
from django.dispatch import receiver
from django.utils.cache import patch_cache_control

LAST_SEEN = "last_seen"  # session key: epoch seconds of the last request
IDLE_MINUTES = "idle_minutes"  # session key: the idle time of the school last visited
# Writing the session on every request costs a database write; a minute's slack is fine.
TOUCH_EVERY_SECONDS = 60


def idle_limit_minutes(request) -> int:
    """The school's idle time on its pages; elsewhere the one last seen, else the default."""
    school = getattr(request, "school", None)
    if school is not None:
        return school.session_idle_minutes
    return request.session.get(IDLE_MINUTES, settings.SESSION_IDLE_MINUTES_DEFAULT)


class IdleSessionMiddleware:
    """Ends a signed-in session left idle longer than the school allows (shared classroom
    computers). A page asks to sign in again; the API answers as to anyone signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        now = int(time.time())
        limit = idle_limit_minutes(request)
        last = request.session.get(LAST_SEEN)
        if last is not None and now - last > limit * 60:
            logout(request)
            if not request.path_info.startswith("/api/"):
                warning(request, f"You were signed out after {limit} minutes without activity.")
                return redirect_to_login(request.get_full_path())
            return self.get_response(request)
        if last is None or now - last >= TOUCH_EVERY_SECONDS:
            request.session[LAST_SEEN] = now
        school_page = getattr(request, "school", None) is not None
        stored = request.session.get(IDLE_MINUTES, settings.SESSION_IDLE_MINUTES_DEFAULT)
        if school_page and stored != limit:
            if limit == settings.SESSION_IDLE_MINUTES_DEFAULT:
                request.session.pop(IDLE_MINUTES, None)
            else:
                request.session[IDLE_MINUTES] = limit
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="idle_session_clock_starts")
def _clock_starts(sender, request, user, **kwargs):
    # Saved with the new session, so the first page after signing in writes nothing.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


# Answers a shared computer's browser (or a proxy) must not keep: files of pupil data and
# the school API. HTML pages are left to the browser's normal rules.
NO_STORE_TYPES = (
    "application/pdf",
    "text/csv",
    "application/json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
)


def needs_no_store(request, response) -> bool:
    if request.path_info.startswith("/api/v1/schools/"):
        return True
    if response.has_header("Content-Disposition"):
        return True
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    return content_type in NO_STORE_TYPES and getattr(request, "school", None) is not None


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on PDFs, exports and API answers with pupil data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if needs_no_store(request, response):
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response
