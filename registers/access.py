"""The access log's one writer (model: `registers.models.AccessEvent`).

Written inside the request that showed the data, so a page that was served has its row;
a failure to write fails the request (it is an audit trail, not a statistic).
"""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import AccessEvent, Membership
from .tenancy import all_schools

# Pupil fields whose reading is itself logged (looked-after and child-in-need status,
# young carers): the safeguarding fields of the pupil record.
SAFEGUARDING_FIELDS = ("looked_after", "child_in_need", "young_carer")
USER_AGENT_MAX = 200


def _client(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    ip = request.META.get("REMOTE_ADDR") or None
    agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    return ip, agent


def access_record(
    *,
    request,
    kind: str,
    school=None,
    school_id: int | None = None,
    pupil=None,
    pupil_id: int | None = None,
    description: str = "",
    safeguarding_fields=(),
    outcome: str = AccessEvent.Outcome.ALLOWED,
    user=None,
    name: str = "",
) -> AccessEvent:
    """One row: who (`user`, default request.user), where (`school` or `school_id`,
    default request.school), what (`kind`, `pupil` or `pupil_id`, `description`,
    `safeguarding_fields` shown), how it went (`outcome`). Returns the saved row."""
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if school is None and school_id is None:
        school = getattr(request, "school", None)
    where = {"school": school} if school is not None else {"school_id": school_id}
    roles = sorted(getattr(request, "roles", ()) or ())
    ip, agent = _client(request)
    with scopes_disabled():
        return AccessEvent.objects.create(
            **where,
            user=user,
            name=(name or _person(user))[:200],
            roles=", ".join(roles)[:200],
            kind=kind,
            outcome=outcome,
            **({"pupil": pupil} if pupil is not None else {"pupil_id": pupil_id}),
            description=description[:300],
            safeguarding_fields=", ".join(safeguarding_fields)[:200],
            ip=ip,
            user_agent=agent,
            at=timezone.now(),
        )


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _schools_of(user) -> list:
    with scopes_disabled():
        ids = Membership.objects.filter(user=user, school__isnull=False).values_list(
            "school_id", flat=True
        )
        return sorted(set(ids))


def sign_in_record(*, request, user, username: str, outcome: str, description: str = "") -> None:
    """A sign-in attempt, once per school the account belongs to (so each school's admin
    sees attempts on their staff's accounts), or once with no school. `description` says
    which step, when it is not the password (e.g. a wrong two-factor code)."""
    ids = _schools_of(user) if user is not None else []
    # Outside any school (the sign-in page), one row per school of the account, or one
    # with no school: written across schools on purpose.
    with all_schools():
        for school_id in ids or [None]:
            access_record(
                request=request,
                kind=AccessEvent.Kind.SIGN_IN,
                school_id=school_id,
                user=user,
                name=username if user is None else "",
                outcome=outcome,
                description=description,
            )


@receiver(user_logged_in, dispatch_uid="access_log_signed_in")
def _signed_in(sender, request, user, **kwargs):
    sign_in_record(
        request=request,
        user=user,
        username=user.get_username(),
        outcome=AccessEvent.Outcome.ALLOWED,
    )


@receiver(user_login_failed, dispatch_uid="access_log_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))[:150]
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    locked = getattr(request, "axes_locked_out", False)
    outcome = AccessEvent.Outcome.LOCKED_OUT if locked else AccessEvent.Outcome.FAILED
    sign_in_record(request=request, user=user, username=username, outcome=outcome)
