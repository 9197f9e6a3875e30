"""Signing in and passwords: Django's own views, our templates (templates/registration/).

Sign-in adds "keep me signed in": unticked (the default on a shared classroom computer),
the session ends when the browser closes. Either way it ends after the school's idle
time (registers.security.IdleSessionMiddleware).
"""

from axes.utils import reset as axes_reset
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.urls import path, reverse_lazy

from . import token_views, twofactor_views


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "The username or the password is not right. Check both (capital letters "
            "count) and try again, or use “Forgotten your password?” below."
        ),
    }
    remember = forms.BooleanField(
        label="Keep me signed in on this computer", required=False, initial=False
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password set through the emailed link also lifts a sign-in lockout
    (django-axes): the person has just proved they own the account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


class SignInView(auth_views.LoginView):
    form_class = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.cleaned_data.get("remember"):
            # 0: a browser-session cookie, gone when the browser closes.
            self.request.session.set_expiry(0)
        return response


urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", twofactor_views.status, name="two_factor"),
    path("two-factor/setup/", twofactor_views.setup, name="two_factor_setup"),
    path("two-factor/verify/", twofactor_views.verify, name="two_factor_verify"),
    path("api-tokens/", token_views.token_list, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("password_reset_done"),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
