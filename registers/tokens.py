"""API tokens (django-rest-knox): made, listed and revoked here; checked on each request.

A token is a random 64-character string shown once when it is made; knox stores only its
SHA-512 digest, with an expiry. Ours adds a name (`registers.models.ApiToken`) and one
rule knox does not know: a token works only while its owner holds a role somewhere (a
school role, or a trust lead's). Someone who leaves the school keeps no API access, even
with a token copied into a spreadsheet.

Who may revoke: the owner (any of their tokens), and a school admin or headteacher
(ROLES_SCHOOL_ADMIN) the tokens of anyone with a role at their school.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

from .access import access_record
from .models import AccessEvent, ApiToken, Membership

NAME_MAX = 100


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token check (hashed, expired tokens refused and deleted), plus: the owner
    still holds a role. Anonymous requests are answered 401 with `WWW-Authenticate: Token`.
    """

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        with scopes_disabled():
            if not Membership.objects.filter(user=user).exists():
                raise exceptions.AuthenticationFailed(
                    _("This token's owner no longer holds a role here.")
                )
        return user, token


def token_create(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `user`, named, expiring in `days` (1..API_TOKEN_MAX_DAYS).

    Returns (the named row, the token string: shown once, never stored).
    Raises ValidationError {"name": [...]} / {"days": [...]} and saves nothing.
    """
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = ["Give the token a name, e.g. what will use it."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"At most {NAME_MAX} characters."]
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = [f"Between 1 and {settings.API_TOKEN_MAX_DAYS} days."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        knox_token, secret = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
        named = ApiToken(token=knox_token, name=name)
        named.full_clean(exclude=["token"])
        named.save()
    return named, secret


def tokens_of(*, user):
    """The user's tokens that have not expired, newest first."""
    return (
        ApiToken.objects.filter(token__user=user, token__expiry__gt=timezone.now())
        .select_related("token")
        .order_by("-token__created")
    )


def school_tokens(*, school):
    """Unexpired tokens of everyone with a role at `school`, by owner then name."""
    staff = Membership.objects.filter(school=school).values("user")
    return (
        ApiToken.objects.filter(token__user__in=staff, token__expiry__gt=timezone.now())
        .select_related("token__user")
        .order_by("token__user__username", "name")
    )


def token_revoke(*, token: ApiToken) -> None:
    """Revoke by its owner: the token stops working at once (the knox row is deleted)."""
    token.token.delete()


def token_revoke_at_school(*, request, school, token_id: int) -> ApiToken:
    """A school admin revokes a colleague's token, logged in the access log.

    Raises ApiToken.DoesNotExist when the token is not one of the school's staff's
    (the view answers 404)."""
    token = school_tokens(school=school).get(pk=token_id)
    with transaction.atomic():
        owner = token.token.user
        access_record(
            request=request,
            kind=AccessEvent.Kind.API_TOKEN_REVOKED,
            school=school,
            description=f"API token “{token.name}” of {owner.get_username()}",
        )
        token.token.delete()
    return token
