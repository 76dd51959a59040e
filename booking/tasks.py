"""The booking emails and offers, run by the task worker (django.tasks with
the database backend).

Each task is queued inside the transaction of the write that causes it, not
after its commit: the queue is a table of the same database, so the task
exists exactly when its booking, cancellation or move does. The worker cannot
see it before the commit, and no crash between commit and queueing can lose
it (booking.periodic still sweeps up emails left unsent for other reasons).
"""

import logging

from django.tasks import task
from django.utils import timezone

from booking import emails, notices

logger = logging.getLogger(__name__)


@task()
def send_request_emails(request_id: int, attempt: int = 1) -> str:
    """Email the patient and the clinic about one request, retrying while down."""
    return send_or_retry(
        send_request_emails,
        lambda: emails.appointment_request_send_emails(request_id=request_id),
        f"appointment request id={request_id}",
        attempt,
        request_id=request_id,
    )


@task()
def send_appointment_emails(appointment_id: int, attempt: int = 1) -> str:
    """Email the patient's confirmation and the clinic about one appointment."""
    return send_or_retry(
        send_appointment_emails,
        lambda: emails.appointment_send_emails(appointment_id=appointment_id),
        f"appointment id={appointment_id}",
        attempt,
        appointment_id=appointment_id,
    )


def send_or_retry(this_task, send, subject: str, attempt: int, **ids) -> str:
    """Send, or enqueue the next attempt with a later run_after.

    The database queue has no retries of its own. Each email is sent at most
    once (see emails.send_once), so extra runs are harmless. The database
    going away mid-task is retried the same way. If it is still away, the
    enqueue fails too, and so does the worker's record of the task's end: the
    task stays RUNNING until booking.periodic.requeue_stale_tasks queues it
    again (or, if the database came back just for that record, it is FAILED
    and requeue_unsent_booking_emails queues the booking's emails).
    """
    try:
        send()
    except (OSError, *emails.DATABASE_UNAVAILABLE) as error:
        delay = emails.retry_delay(attempt)
        # Only ids and the exception class: the message may quote an address.
        if delay is None:
            logger.error(
                "Giving up on emails for %s after %s attempts (%s)",
                subject,
                attempt,
                type(error).__name__,
            )
            raise emails.EmailDeliveryFailed(subject) from None
        this_task.using(run_after=timezone.now() + delay).enqueue(
            **ids, attempt=attempt + 1
        )
        logger.warning(
            "Emails for %s failed (%s); attempt %s in %ss",
            subject,
            type(error).__name__,
            attempt + 1,
            int(delay.total_seconds()),
        )
        return "retry scheduled"
    return "sent"


@task()
def send_change_notices(
    appointment_id: int, change: str, change_id: int, tell_clinic: bool, attempt=1
) -> str:
    """Email the patient (and the clinic) that an appointment moved or was
    cancelled, retrying while the mail server is down."""
    return send_or_retry(
        send_change_notices,
        lambda: notices.send_change_notices(
            appointment_id=appointment_id,
            change=change,
            change_id=change_id,
            tell_clinic=tell_clinic,
        ),
        f"appointment id={appointment_id} ({change})",
        attempt,
        appointment_id=appointment_id,
        change=change,
        change_id=change_id,
        tell_clinic=tell_clinic,
    )
