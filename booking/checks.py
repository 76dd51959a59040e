from django.conf import settings
from django.core.checks import Error, register

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
