"""Writes for staff sign-in: confirming and resetting second factors, ending
sessions."""

import logging

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.http import client_ip

RECOVERY_CODE_COUNT = 10

logger = logging.getLogger(__name__)


@transaction.atomic
def staff_two_factor_confirm(*, app: TOTPDevice) -> list[str]:
    """Save the authenticator app (not yet saved) the user proved with a code;
    return a fresh set of one-time recovery codes, replacing any earlier set."""
    # Unconfirmed apps were saved before each session kept its own secret.
    TOTPDevice.objects.filter(user=app.user, confirmed=False).delete()
    app.confirmed = True
    app.save()
    StaticDevice.objects.filter(user=app.user).delete()
    recovery = StaticDevice.objects.create(user=app.user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=recovery, token=code) for code in codes
    )
    return codes


def staff_two_factor_failure_record(*, request) -> None:
    """Log a wrong code from ``request.user`` and count it as a failed sign-in
    for their username and address, so axes' lockout covers both steps."""
    username = request.user.get_username()
    logger.warning("Wrong sign-in code for %s from %s.", username, client_ip(request))
    user_login_failed.send(
        sender=__name__, credentials={"username": username}, request=request
    )


def staff_sessions_end(*, user) -> int:
    """Sign ``user`` out everywhere: delete every live session of theirs.

    Sessions are not indexed by user, so each live one is decoded; a clinic has
    few enough for that to be quick.
    """
    theirs = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)


@transaction.atomic
def staff_two_factor_reset(*, user) -> tuple[int, int]:
    """Remove all of ``user``'s second factors and end their sessions, so their
    next sign-in sets up an authenticator app again. Return (devices, sessions)."""
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices), staff_sessions_end(user=user)
