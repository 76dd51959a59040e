import logging

from django.tasks import task
from django.utils import timezone

from booking import emails

logger = logging.getLogger(__name__)


@task()
def send_request_emails(request_id: int, attempt: int = 1) -> str:
    """Email the patient and the clinic about one request, retrying while SMTP is down.

    The database queue has no retries of its own, so a failed attempt enqueues the
    next one with a later run_after. Each email is sent at most once per request
    (see emails.send_once), so extra runs are harmless.
    """
    try:
        emails.appointment_request_send_emails(request_id=request_id)
    except OSError as error:
        delay = emails.retry_delay(attempt)
        # Only ids and the exception class: the message may quote an address.
        if delay is None:
            logger.error(
                "Giving up on emails for appointment request id=%s after %s "
                "attempts (%s)",
                request_id,
                attempt,
                type(error).__name__,
            )
            raise emails.EmailDeliveryFailed(
                f"appointment request id={request_id}"
            ) from None
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
