"""Two-factor pages under /accounts/two-factor/ (the rules: registers.twofactor).

- setup: a QR code (inline SVG made here, no script) and the secret as text for an
  authenticator app; the first code from it confirms it, and the backup codes are shown
  on that one answer, never again. Signed-in users who are verified (or need nothing)
  may also set up a new authenticator or new backup codes here.
- verify: the code after the password, or a backup code (each works once).
"""

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registers import twofactor


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def qr_svg(url: str) -> str:
    """The otpauth:// URL as an SVG QR code (paths only: no style attribute for the CSP)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _secret_text(device) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up (or replace) the authenticator app. A user already asked for a code must
    give it first: a stolen password alone cannot swap the authenticator."""
    if twofactor.has_authenticator(request.user) and not twofactor.is_verified(request):
        return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
    device = twofactor.authenticator_pending(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.authenticator_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            return render(
                request,
                "registration/two_factor_backup_codes.html",
                {"codes": codes, "next": twofactor.safe_next(request)},
            )
        form.add_error("code", "That code is not right. Check the time on your phone and try "
                       "the newest code (wait a moment after a wrong one).")  # fmt: skip
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308 - made here, no input
            "secret": _secret_text(device),
            "required": twofactor.is_required(request.user),
            "has_authenticator": twofactor.has_authenticator(request.user),
            "next": twofactor.safe_next(request),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    if twofactor.is_verified(request):
        return twofactor.after_code(request)
    if not twofactor.has_authenticator(request.user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = twofactor.code_wait_seconds(user=request.user)
        if wait:
            # Checking now would fail whatever was typed: say so rather than "not right".
            form.add_error(
                "code",
                f"After wrong codes the authenticator is paused: wait {wait} second"
                f"{'' if wait == 1 else 's'}, then type the newest code.",
            )
        elif twofactor.code_check(request=request, code=form.cleaned_data["code"]):
            return twofactor.after_code(request)
        else:
            form.add_error(
                "code",
                "That code is not right. Use the newest code from your authenticator app, or "
                "one of your backup codes (each works once). After a wrong code, wait a moment.",
            )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": twofactor.safe_next(request)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def status(request):
    """Whether two-factor sign-in is set up, backup codes left; POST: new backup codes
    (the old ones stop working). Someone with an authenticator gives a code first."""
    has_authenticator = twofactor.has_authenticator(request.user)
    if has_authenticator and not twofactor.is_verified(request):
        return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
    if request.method == "POST" and has_authenticator:
        codes = twofactor.backup_codes_new(user=request.user)
        return render(
            request, "registration/two_factor_backup_codes.html", {"codes": codes, "next": ""}
        )
    return render(
        request,
        "registration/two_factor_status.html",
        {
            "has_authenticator": has_authenticator,
            "left": twofactor.backup_codes_left(user=request.user),
        },
    )
