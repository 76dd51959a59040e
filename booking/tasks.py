import datetime
import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from booking.services import appointment_request_send_emails

logger = logging.getLogger(__name__)


class EmailDeliveryFailed(Exception):
    """Raised, without the SMTP error (it may quote addresses), after the last try."""


MAX_RETRY_DELAY = datetime.timedelta(hours=1)


def retry_delay(attempt: int) -> datetime.timedelta:
    """Exponential backoff: base, 2×base, 4×base… capped at an hour."""
    base = datetime.timedelta(seconds=settings.BOOKING_EMAIL_RETRY_SECONDS)
    return min(base * 2 ** (attempt - 1), MAX_RETRY_DELAY)


@task()
def send_request_emails(request_id: int, attempt: int = 1) -> str:
    """Email the patient and the clinic about one request, retrying while SMTP is down.

    The database queue has no retries of its own, so a failed attempt enqueues the
    next one with a later run_after. Each email is sent at most once per request
    (sent-at timestamps under a row lock), so extra runs are harmless.
    """
    try:
        appointment_request_send_emails(request_id=request_id)
    except OSError as error:  # smtplib.SMTPException and socket errors
        # Only ids and the exception class: the message may quote an address.
        if attempt >= settings.BOOKING_EMAIL_MAX_ATTEMPTS:
            logger.error(
                "Giving up on emails for appointment request id=%s after %s "
                "attempts (%s)",
                request_id,
                attempt,
                type(error).__name__,
            )
            raise EmailDeliveryFailed(f"appointment request id={request_id}") from None
        delay = retry_delay(attempt)
        send_request_emails.using(run_after=timezone.now() + delay).enqueue(
            request_id=request_id, attempt=attempt + 1
        )
        logger.warning(
            "Emails for appointment request id=%s failed (%s); attempt %s in %ss",
            request_id,
            type(error).__name__,
            attempt + 1,
            int(delay.total_seconds()),
        )
        return "retry scheduled"
    return "sent"
