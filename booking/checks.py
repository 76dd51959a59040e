import urllib.parse

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from booking.models import Treatment
from booking.reminders import parse_quiet_hours
from booking.services import MIN_RETENTION_DAYS


@register()
def retention_period_check(app_configs, **kwargs) -> list[Error]:
    """Refuse a retention period that would erase requests still being worked;
    `migrate` runs it on every deploy, long before the nightly job would."""
    if settings.BOOKING_RETENTION_DAYS >= MIN_RETENTION_DAYS:
        return []
    return [
        Error(
            f"BOOKING_RETENTION_DAYS is {settings.BOOKING_RETENTION_DAYS}; it must "
            f"be at least {MIN_RETENTION_DAYS}.",
            hint="A value such as 0 would erase every closed request's details.",
            id="booking.E001",
        )
    ]


@register()
def sms_quiet_hours_check(app_configs, **kwargs) -> list[Error]:
    """Refuse a quiet window that cannot be read at startup, not at the first
    reminder a patient should have had."""
    try:
        parse_quiet_hours(settings.BOOKING_SMS_QUIET_HOURS)
    except ValueError as error:
        return [Error(str(error), id="booking.E002")]
    return []


@register()
def sms_http_backend_check(app_configs, **kwargs) -> list[Error]:
    """Refuse HttpBackend without an https:// SMS_API_URL and its credentials
    and sender at startup, not when the first reminder should go out."""
    if settings.SMS_BACKEND != "booking.sms.HttpBackend":
        return []
    errors = []
    try:
        url = urllib.parse.urlsplit(settings.SMS_API_URL)
    except ValueError:  # e.g. an unclosed "[" in the host
        url = None
    if url is None or url.scheme != "https" or not url.hostname:
        errors.append(
            Error(
                "SMS_API_URL must be an https:// URL when SMS_BACKEND is "
                "booking.sms.HttpBackend.",
                hint="The messages and the API password travel in the request.",
                id="booking.E003",
            )
        )
    for name in ("SMS_API_USER", "SMS_API_PASSWORD", "SMS_FROM"):
        if not getattr(settings, name):
            errors.append(
                Error(
                    f"{name} is empty; booking.sms.HttpBackend needs it.",
                    id="booking.E003",
                )
            )
    return errors


@register(deploy=True)
def demo_treatments_check(app_configs, **kwargs) -> list[Warning]:
    """Warn before launch while the demo's treatments are offered: their texts,
    prices and booking settings are a fictional clinic's."""
    try:
        offered = Treatment.objects.active().filter(is_demo=True).count()
    except DatabaseError:  # not migrated yet
        return []
    if not offered:
        return []
    return [
        Warning(
            f"{offered} active treatment(s) are the demo's.",
            hint="Rewrite them as your own and use the admin action “Mark as the "
            "clinic's own”, or deactivate them, before going live (README: "
            "Before going live).",
            id="booking.W001",
        )
    ]
