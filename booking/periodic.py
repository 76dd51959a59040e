"""The periodic sweep for messages that are due by the clock, not by an event:
reminders, "time to rebook?" emails, change notices that were not sent when
the change was made, and expiring waitlist entries; and what a database outage
left behind: tasks a dead worker left running, and bookings whose email task
was lost, put back in the queue.

`manage.py queue_periodic_tasks` enqueues it (gunicorn starts that command in a
loop; otherwise cron runs it). Every part sends each message once, so a
sweep that runs twice, or on two workers, or late, is harmless.
"""

import datetime
import logging

from django.conf import settings
from django.db.models import Q, QuerySet
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking import emails, notices, rebooking, reminders, waitlist
from booking.models import Appointment, AppointmentRequest
from booking.tasks import send_appointment_emails, send_request_emails

logger = logging.getLogger(__name__)


class SweepFailed(Exception):
    """Raised after every part ran if one failed; names the parts and the
    error classes only, since an SMTP error may quote an address and the
    worker stores and logs the traceback."""


def stale_tasks() -> QuerySet[DBTaskResult]:
    """Tasks still RUNNING TASK_STUCK_AFTER_SECONDS after they started: longer
    than any task takes, so their worker died (killed, or the database went
    away while it was recording the result) and nothing else will run them."""
    started_before = timezone.now() - datetime.timedelta(
        seconds=settings.TASK_STUCK_AFTER_SECONDS
    )
    return DBTaskResult.objects.running().filter(started_at__lt=started_before)


def requeue_stale_tasks() -> int:
    """Put stale tasks back in the queue; how many.

    Running one again is safe even if its worker was only slow: every email
    and message is claimed before it is sent (booking.emails.send_once,
    booking.outbox), so a second run sends only what the first did not.
    """
    requeued = stale_tasks().update(status=TaskResultStatus.READY)
    if requeued:
        logger.warning("Re-queued %s task(s) a worker left running", requeued)
    return requeued


# For each kind of booking: the task that sends its emails and the keyword
# that names the booking to it (which bookings still get them is
# booking.emails.MESSAGES's rule).
BOOKING_EMAIL_TASKS = {
    AppointmentRequest: (send_request_emails, "request_id"),
    Appointment: (send_appointment_emails, "appointment_id"),
}
# Older bookings are left to `manage.py send_pending_booking_emails`, so the
# sweep never starts mailing patients about last month's requests.
UNSENT_LOOKBACK = datetime.timedelta(days=1)
# How a task that gave up is recorded (DBTaskResult.exception_class_path).
GAVE_UP = (
    f"{emails.EmailDeliveryFailed.__module__}.{emails.EmailDeliveryFailed.__qualname__}"
)


def requeue_unsent_booking_emails() -> int:
    """Queue the emails of requests and appointments stored more than
    BOOKING_EMAIL_GRACE_SECONDS ago that are still unsent, with nobody sending
    them and no task of theirs queued or running; how many bookings.

    Their task was lost (the worker could record neither a retry nor the
    end, or someone removed it from the queue), or the row was written
    without one (a shell, an import): a booking made through the site has
    its task queued in its own transaction. A task that gave up after
    BOOKING_EMAIL_MAX_ATTEMPTS is not restarted, so a refused address is not
    tried forever; the operator's command can.
    """
    now = timezone.now()
    stored = (
        now - UNSENT_LOOKBACK,
        now - datetime.timedelta(seconds=settings.BOOKING_EMAIL_GRACE_SECONDS),
    )
    queued = 0
    for model, (email_task, id_name) in BOOKING_EMAIL_TASKS.items():
        pending = set(
            emails.unsent(model)
            .filter(created_at__range=stored)
            .values_list("pk", flat=True)
        )
        if not pending:
            continue
        handled = DBTaskResult.objects.filter(
            Q(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
            | Q(exception_class_path=GAVE_UP),
            task_path=email_task.module_path,
            **{f"args_kwargs__kwargs__{id_name}__in": pending},
        ).values_list(f"args_kwargs__kwargs__{id_name}", flat=True)
        pending -= set(handled)
        for pk in sorted(pending):
            email_task.enqueue(**{id_name: pk})
        queued += len(pending)
    if queued:
        logger.warning("Queued the unsent emails of %s booking(s) again", queued)
    return queued


@task()
def send_due_messages() -> dict[str, int]:
    """Re-queue stale tasks and unsent booking emails; send due reminders and
    rebooking emails, resend unsent change notices, expire waitlist entries,
    and say how many of these.

    Each part runs even if another fails (a mail outage must not stop the
    waitlist from expiring); SweepFailed is raised afterwards, so the task
    shows as failed.
    """
    # First, and not parts: what an outage left is only put back in the
    # queue, with no mail server to wait for; if that fails, the database is
    # down for the rest too.
    requeue_stale_tasks()
    requeue_unsent_booking_emails()
    parts = {
        "reminders": reminders.send_due_reminders,
        "rebooking emails": rebooking.send_due_rebooking_emails,
        "change notices": notices.resend_unsent_change_notices,
        "expired waitlist entries": waitlist.expire_entries,
    }
    done, failed = {}, []
    for name, run in parts.items():
        try:
            done[name] = run()
        except Exception as error:
            logger.error("Periodic %s failed (%s)", name, type(error).__name__)
            failed.append(f"{name} ({type(error).__name__})")
    if failed:
        raise SweepFailed(", ".join(failed))
    return done
