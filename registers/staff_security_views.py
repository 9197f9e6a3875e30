"""/<school>/staff-sign-in/: a school admin (or headteacher) sees which colleagues have set
up two-factor sign-in and their API tokens, resets a colleague's authenticator (a lost
phone) and revokes a token. Both are written to the access log (registers.twofactor,
registers.tokens)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import tokens, twofactor
from .models import ROLES_SCHOOL_ADMIN, ApiToken, Membership
from .permissions import roles_required


@roles_required(ROLES_SCHOOL_ADMIN)
@require_GET
def staff_sign_in(request, school_slug):
    return render(
        request,
        "registers/staff_sign_in.html",
        {
            "people": twofactor.staff_two_factor(school=request.school),
            "tokens": tokens.school_tokens(school=request.school),
        },
    )


@roles_required(ROLES_SCHOOL_ADMIN)
@require_POST
def two_factor_reset(request, school_slug, user_id):
    school = request.school
    colleague = get_object_or_404(
        get_user_model().objects.filter(
            pk__in=Membership.objects.filter(school=school).values("user")
        ),
        pk=user_id,
    )
    twofactor.devices_reset(request=request, school=school, colleague=colleague)
    name = colleague.get_full_name() or colleague.get_username()
    messages.success(
        request, f"{name}'s two-factor sign-in was reset: they set it up again when they sign in."
    )
    return redirect("staff_sign_in", school_slug=school.slug)


@roles_required(ROLES_SCHOOL_ADMIN)
@require_POST
def token_revoke(request, school_slug, token_id):
    try:
        token = tokens.token_revoke_at_school(
            request=request, school=request.school, token_id=token_id
        )
    except ApiToken.DoesNotExist:
        raise Http404("No such token at this school.") from None
    messages.success(request, f"The token “{token.name}” no longer works.")
    return redirect("staff_sign_in", school_slug=request.school.slug)
