"""The periodic sweep for messages that are due by the clock, not by an event:
reminders, "time to rebook?" emails, change notices that were not sent when
the change was made, and expiring waitlist entries; and tasks a dead worker
left running, put back in the queue.

`manage.py queue_periodic_tasks` enqueues it (gunicorn starts that command in a
loop; otherwise cron runs it). Every part sends each message once, so a
sweep that runs twice, or on two workers, or late, is harmless.
"""

import datetime
import logging

from django.conf import settings
from django.db.models import QuerySet
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking import notices, rebooking, reminders, waitlist

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


@task()
def send_due_messages() -> dict[str, int]:
    """Re-queue stale tasks; send due reminders and rebooking emails, resend
    unsent change notices, expire waitlist entries, and say how many of each.

    Each part runs even if another fails (a mail outage must not stop the
    waitlist from expiring); SweepFailed is raised afterwards, so the task
    shows as failed.
    """
    # First, and not a part: one UPDATE of the task table, with no mail
    # server to wait for; if it fails, the database is down for the rest too.
    requeue_stale_tasks()
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
