"""/accounts/api-tokens/: one's own API tokens (registers.tokens): make one (shown once),
list them, revoke one."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from registers import tokens
from registers.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=tokens.NAME_MAX, help_text="What will use it, e.g. “MIS sync”."
    )
    days = forms.IntegerField(
        label="Expires after (days)",
        initial=90,
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            named, secret = tokens.token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            created = {"token": named, "secret": secret}
            form = TokenForm()
    return render(
        request,
        "registration/api_tokens.html",
        {"form": form, "tokens": tokens.tokens_of(user=request.user), "created": created},
    )


@login_required
@require_POST
def token_revoke(request, token_id):
    try:
        token = tokens.tokens_of(user=request.user).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token of yours.") from None
    tokens.token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” no longer works.")
    return redirect("api_tokens")
