"""Staff sessions end after a spell without activity and a fixed time after
sign-in, checked on the server for every request that carries a session."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
# Activity is written at most this often, not on every request.
TOUCH_EVERY_SECONDS = 60


def stamp_sign_in(sender, request, user, **kwargs):
    """Receiver of user_logged_in: start both clocks, and owe a code again."""
    # Signing in again as the same user keeps the session's contents, so
    # without this the password alone would restart the clock of a session
    # that passed the code hours ago.
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def session_end_reason(session, now: float) -> str | None:
    """Why this signed-in session is over, or None while it is still good."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if signed_in_at is None or last_seen_at is None:
        # Made before these limits existed (or forged): start again.
        return _("Please sign in again.")
    if now - signed_in_at > settings.STAFF_SESSION_MAX_HOURS * 3600:
        return _("You were signed out %(hours)s hours after signing in.") % {
            "hours": settings.STAFF_SESSION_MAX_HOURS
        }
    if now - last_seen_at > settings.STAFF_SESSION_IDLE_MINUTES * 60:
        return _("You were signed out after %(minutes)s minutes without activity.") % {
            "minutes": settings.STAFF_SESSION_IDLE_MINUTES
        }
    return None


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A visitor without a session cookie is left alone: reading the session
        # would mark their (cached) public page as varying by cookie.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            reason = session_end_reason(request.session, now)
            if reason is not None:
                logout(request)
                # The public site just goes on, signed out.
                if request.path.startswith(reverse("admin:index")):
                    messages.info(request, reason)
                    return redirect_to_login(
                        request.get_full_path(), reverse("admin:login")
                    )
                return self.get_response(request)
            if now - request.session[LAST_SEEN_AT] >= TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_AT] = now
        return self.get_response(request)
