"""The second sign-in step: set up an authenticator app, or enter a code from
it (or a recovery code) or use a passkey, after the password and before any
admin page."""

import functools
from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django_otp_webauthn import exceptions as passkey_errors
from django_otp_webauthn import views as passkey_views
from django_otp_webauthn.models import WebAuthnCredential

from medspa.staff.forms import NewAppForm, OneTimeCodeForm
from medspa.staff.services import (
    staff_two_factor_confirm,
    staff_two_factor_failure_record,
)

# The secret of the app being set up, until its first code confirms it.
NEW_APP_KEY = "staff_new_app_key"
# The recovery codes between the enrolment and the page that shows them once.
NEW_RECOVERY_CODES = "staff_new_recovery_codes"


def is_verified(user) -> bool:
    """Whether this request's user passed the second factor (django_otp's
    middleware sets otp_device; a user just signed in with a password has none)."""
    return getattr(user, "otp_device", None) is not None


def awaiting_second_factor(user) -> bool:
    return user.is_active and user.is_staff and not is_verified(user)


def safe_next_url(request, url: str) -> str:
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def next_url(request) -> str:
    return safe_next_url(request, request.POST.get("next", request.GET.get("next")))


def url_with_next(viewname: str, next_url: str) -> str:
    return f"{reverse(viewname)}?{urlencode({'next': next_url})}"


def password_step_done(view):
    """Let only a signed-in staff member still owing the second factor in."""

    @functools.wraps(view)
    def wrapper(request):
        if not (request.user.is_active and request.user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if is_verified(request.user):
            return redirect(next_url(request))
        return view(request)

    return never_cache(sensitive_post_parameters("code")(wrapper))


def second_step_context(request, **context):
    return {
        **admin.site.each_context(request),
        "next": next_url(request),
        **context,
    }


def sign_in_verified(request, device) -> None:
    # A new session key for the raised privilege, as at the password step.
    request.session.cycle_key()
    otp_login(request, device)


@require_http_methods(["GET", "POST"])
@password_step_done
def verify(request):
    if not user_has_device(request.user):
        return redirect(url_with_next("admin:two-factor-enrol", next_url(request)))
    credentials = {"username": request.user.get_username()}
    # Locked out at either step (maybe from another session): no code is
    # checked, and this session ends as a password sign-in would be refused.
    if not AxesProxyHandler.is_allowed(request, credentials):
        logout(request)
        return locked_out(request, None, credentials)
    form = OneTimeCodeForm(
        request.POST or None, devices=list(devices_for_user(request.user))
    )
    if form.is_valid():
        sign_in_verified(request, form.device)
        return redirect(next_url(request))
    if form.has_error("code", "invalid"):
        staff_two_factor_failure_record(request=request)
        if request.axes_locked_out:
            logout(request)
            return locked_out(request, None, credentials)
    return render(
        request,
        "admin/two_factor/verify.html",
        second_step_context(
            request,
            form=form,
            title=_("Enter your code"),
            has_passkey=WebAuthnCredential.objects.filter(
                user=request.user, confirmed=True
            ).exists(),
        ),
    )


@require_http_methods(["GET", "POST"])
@password_step_done
def enrol(request):
    if user_has_device(request.user):
        return redirect(url_with_next("admin:two-factor-verify", next_url(request)))
    # The secret belongs to this session alone (someone else with the password
    # must not learn it from their own set-up page), and stays the same until
    # confirmed, so reloading the page does not invalidate an app that has
    # already scanned it. The app is saved only once confirmed.
    app = TOTPDevice(
        user=request.user,
        name="Authenticator app",
        key=request.session.setdefault(NEW_APP_KEY, default_key()),
    )
    form = NewAppForm(request.POST or None, app=app)
    if form.is_valid():
        codes = staff_two_factor_confirm(app=app)
        del request.session[NEW_APP_KEY]
        sign_in_verified(request, app)
        request.session[NEW_RECOVERY_CODES] = codes
        return redirect(
            url_with_next("admin:two-factor-recovery-codes", next_url(request))
        )
    secret = b32encode(app.bin_key).decode()
    qr_code = segno.make(app.config_url, error="m").svg_inline(
        scale=5, light="#fff", title=_("QR code for your authenticator app")
    )
    return render(
        request,
        "admin/two_factor/enrol.html",
        second_step_context(
            request,
            form=form,
            title=_("Set up two-step sign-in"),
            # segno draws it from our own otpauth URL: nothing in it is markup
            # a person typed.
            qr_code=mark_safe(qr_code),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        ),
    )


@require_http_methods(["GET"])
@never_cache
def recovery_codes(request):
    """Show the recovery codes once, right after enrolment."""
    codes = request.session.pop(NEW_RECOVERY_CODES, None)
    if not codes:
        return redirect(next_url(request))
    return render(
        request,
        "admin/two_factor/recovery_codes.html",
        second_step_context(request, codes=codes, title=_("Your recovery codes")),
    )


@require_http_methods(["GET"])
def passkeys(request):
    """A verified staff member's passkeys, and the button that adds one."""
    return render(
        request,
        "admin/two_factor/passkeys.html",
        {
            **admin.site.each_context(request),
            "title": _("Passkeys"),
            "passkeys": WebAuthnCredential.objects.filter(
                user=request.user, confirmed=True
            ).order_by("created_at"),
        },
    )


class PasskeyRegistrationMixin:
    """Only staff who passed the second step add a passkey. The library alone
    would also let in a session with just the password of someone who has no
    other device yet, skipping the authenticator app and recovery codes."""

    def check_can_register(self):
        user = self.request.user
        if not (user.is_active and user.is_staff and is_verified(user)):
            raise passkey_errors.NotVerified()


class BeginPasskeyRegistration(
    PasskeyRegistrationMixin, passkey_views.BeginCredentialRegistrationView
):
    pass


class CompletePasskeyRegistration(
    PasskeyRegistrationMixin, passkey_views.CompleteCredentialRegistrationView
):
    pass


class PasskeyLockedOut(passkey_errors.OTPWebAuthnApiError):
    status_code = 429
    default_detail = _(
        "Too many failed sign-ins: you have been signed out. Wait, or ask someone "
        "with a superuser account to unlock your account."
    )
    default_code = "locked_out"


# Refusals of a passkey that answered: counted like a wrong code. A cancelled
# or timed-out prompt never reaches the server.
REFUSED_PASSKEY = (
    passkey_errors.UnprocessableEntity,
    passkey_errors.CredentialNotFound,
    passkey_errors.CredentialUserMismatch,
    passkey_errors.CredentialDisabled,
)


class PasskeyAuthenticationMixin:
    """A passkey is the second step after the password, never a sign-in of its
    own, and is refused while the username and address are locked out."""

    def check_can_authenticate(self):
        user = self.request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            raise passkey_errors.NotAuthenticated()
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            logout(self.request)
            raise PasskeyLockedOut()


class BeginPasskeyAuthentication(
    PasskeyAuthenticationMixin, passkey_views.BeginCredentialAuthenticationView
):
    pass


class CompletePasskeyAuthentication(
    PasskeyAuthenticationMixin, passkey_views.CompleteCredentialAuthenticationView
):
    def complete_auth(self, device):
        sign_in_verified(self.request, device)

    def get_success_url(self):
        return safe_next_url(self.request, self.request.GET.get("next"))

    def handle_exception(self, exc):
        request = self.request
        if isinstance(exc, REFUSED_PASSKEY) and request.user.is_authenticated:
            staff_two_factor_failure_record(request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)
                exc = PasskeyLockedOut()
        return super().handle_exception(exc)


# Django's admin logout redirects anyone without admin access to the index, so
# someone between the two steps signs out here.
sign_out = LogoutView.as_view(next_page=reverse_lazy("admin:login"))


def locked_out(request, original_response, credentials):
    """django-axes' answer while a username and address are locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "admin/lockout.html",
        {**admin.site.each_context(request), "minutes": minutes},
        status=429,
    )
