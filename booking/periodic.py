"""The periodic sweep for messages that are due by the clock, not by an event:
reminders, "time to rebook?" emails, change notices that were not sent when
the change was made, and expiring waitlist entries.

`manage.py queue_periodic_tasks` enqueues it (gunicorn starts that command in a
loop; otherwise cron runs it). Every part sends each message once, so a
sweep that runs twice, or on two workers, or late, is harmless.
"""

import logging

from django.tasks import task

from booking import notices, rebooking, reminders, waitlist

logger = logging.getLogger(__name__)


class SweepFailed(Exception):
    """Raised after every part ran if one failed; names the parts and the
    error classes only, since an SMTP error may quote an address and the
    worker stores and logs the traceback."""


@task()
def send_due_messages() -> dict[str, int]:
    """Send due reminders and rebooking emails, resend unsent change notices,
    expire waitlist entries; how many of each.

    Each part runs even if another fails (a mail outage must not stop the
    waitlist from expiring); SweepFailed is raised afterwards, so the task
    shows as failed.
    """
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
