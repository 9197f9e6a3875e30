"""Two-factor sign-in (django-otp): an authenticator app (TOTP) and backup codes.

Required for everyone who sees safeguarding data or legal steps: the roles in
ROLES_TWO_FACTOR at any school or trust, and platform superusers. Offered to the others
(class teachers, parents): once they have set it up, they too are asked for a code.

Until the code is given, `TwoFactorMiddleware` lets such a user reach only the two-factor
pages and signing out (an API call with the session gets 403). What the session needs is
worked out once per sign-in and kept in the session, so pages cost no query for it; a
role given (or a device reset) during a session takes effect at the next sign-in.

`settings.TWO_FACTOR_ENFORCED = False` (the demo under `make run`) lets a required user
without an authenticator through, with a banner; a user with one is still asked.
"""

import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from .access import access_record, sign_in_record
from .models import AccessEvent, Membership, Role

# Roles that see safeguarding data (looked-after, child in need) or legal steps.
ROLES_TWO_FACTOR = frozenset(
    {
        Role.OFFICE,
        Role.ATTENDANCE_OFFICER,
        Role.ATTENDANCE_LEAD,
        Role.HEADTEACHER,
        Role.SCHOOL_ADMIN,
        Role.TRUST_LEAD,
    }
)
BACKUP_CODES = 10
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


class State:
    """What a signed-in session still needs (session key STATE)."""

    VERIFIED = "verified"  # a code was given in this session
    NOT_NEEDED = "not_needed"  # offered only, and not set up
    ENROL = "enrol"  # required, no authenticator yet: set one up
    VERIFY = "verify"  # has an authenticator: give a code


STATE = "two_factor"  # session key
# Reachable before the code is given (URL names).
OPEN_PAGES = ("two_factor_setup", "two_factor_verify", "logout")


def is_required(user) -> bool:
    if user.is_superuser:
        return True
    with scopes_disabled():
        return Membership.objects.filter(user=user, role__in=ROLES_TWO_FACTOR).exists()


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def state_for(user) -> str:
    """What a fresh session of `user` needs before anything else (two queries)."""
    if has_authenticator(user):
        return State.VERIFY
    return State.ENROL if is_required(user) else State.NOT_NEEDED


@receiver(user_logged_in, dispatch_uid="two_factor_state_at_sign_in")
def _at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[STATE] = state_for(user)


def mark_verified(request, device) -> None:
    """The session has given a code from `device` (django-otp remembers which)."""
    otp_login(request, device)
    request.session[STATE] = State.VERIFIED


def is_verified(request) -> bool:
    return request.session.get(STATE) == State.VERIFIED


class TwoFactorMiddleware:
    """Holds a signed-in user at the two-factor pages until their session has given a code,
    when they must (module docstring). `request.two_factor_banner` is True when the demo's
    relaxed setting let a required user through."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = None

    def __call__(self, request):
        request.two_factor_banner = False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        state = request.session.get(STATE)
        if state is None:  # a session from before two-factor sign-in existed
            state = request.session[STATE] = state_for(user)
        if state in (State.VERIFIED, State.NOT_NEEDED):
            return self.get_response(request)
        if state == State.ENROL and not settings.TWO_FACTOR_ENFORCED:
            request.two_factor_banner = True
            return self.get_response(request)
        if self.open_paths is None:
            self.open_paths = {reverse(name) for name in OPEN_PAGES}
        if request.path_info in self.open_paths or request.path_info.startswith(
            settings.STATIC_URL
        ):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": "Give your two-factor code on the sign-in page first."}, status=403
            )
        page = "two_factor_verify" if state == State.VERIFY else "two_factor_setup"
        return redirect_to_login(request.get_full_path(), login_url=reverse(page))


# ---- Setting up, checking, resetting -----------------------------------------------------


def authenticator_pending(*, user) -> TOTPDevice:
    """The user's authenticator being set up (unconfirmed), made if there is none: the
    same secret (and QR code) until a code from it is given."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def authenticator_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms the pending authenticator with a code from it; replaces any earlier
    authenticator and backup codes. Returns the new backup codes (show them once), or None
    when the code is wrong (nothing changes but django-otp's wait before the next try)."""
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = backup_codes_new(user=user)
    mark_verified(request, device)
    return codes


def backup_codes_new(*, user) -> list[str]:
    """Ten new single-use codes; earlier ones stop working. Returns them (shown once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def code_check(*, request, code: str) -> bool:
    """A code from the authenticator, or an unused backup code (used up by this). True
    and the session is verified, or False (django-otp makes each failure wait longer)."""
    code = code.strip().replace(" ", "").lower()
    if not code:
        return False
    for device in devices_for_user(request.user, confirmed=True, for_verify=True):
        if device.verify_token(code):
            mark_verified(request, device)
            return True
    # Someone who has the password is guessing, or a phone's clock is wrong: each school's
    # administrator sees it beside the sign-ins.
    sign_in_record(
        request=request,
        user=request.user,
        username=request.user.get_username(),
        outcome=AccessEvent.Outcome.FAILED,
        description="wrong two-factor code",
    )
    return False


def code_wait_seconds(*, user) -> int:
    """Seconds until the authenticator accepts a code again after wrong ones (django-otp
    doubles the wait after each: 1, 2, 4 ... seconds); 0 when a code may be tried now."""
    now = timezone.now()
    waits = [0]
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(math.ceil((data["locked_until"] - now).total_seconds()))
    return max(waits)


def backup_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def staff_two_factor(*, school) -> list[dict]:
    """Everyone with a role at `school`, by surname: [{"user", "roles": [role labels],
    "required": bool, "enrolled": bool}]. Three queries, whatever the staff count."""
    memberships = list(Membership.objects.filter(school=school).order_by("role"))
    ids = {m.user_id for m in memberships}
    enrolled = set(
        TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True)
    )
    users = get_user_model().objects.filter(pk__in=ids).order_by("last_name", "first_name")
    people = {
        user.pk: {"user": user, "roles": [], "required": False, "enrolled": user.pk in enrolled}
        for user in users
    }
    for membership in memberships:
        person = people[membership.user_id]
        person["roles"].append(membership.get_role_display())
        person["required"] |= membership.role in ROLES_TWO_FACTOR
    return list(people.values())


def devices_reset(*, request, school, colleague) -> int:
    """A school admin removes a colleague's authenticator and backup codes (a lost phone);
    the colleague sets up a new one at their next sign-in. Logged in the school's access
    log. Returns how many devices were removed."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            removed += model.objects.filter(user=colleague).delete()[1].get(model._meta.label, 0)
        access_record(
            request=request,
            kind=AccessEvent.Kind.TWO_FACTOR_RESET,
            school=school,
            description=f"two-factor sign-in of {colleague.get_username()} reset "
            f"({removed} device{'s' if removed != 1 else ''} removed)",
        )
    return removed


def safe_next(request) -> str:
    """`next` from the form or query if it is an address on this site, else ""."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def after_code(request, default: str = "home"):
    """Where to go once the code is given: `next` if it is one of ours, else home."""
    return redirect(safe_next(request) or default)
