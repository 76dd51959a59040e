import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from booking.periodic import send_due_messages

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Queue the periodic sweep (reminders, rebooking emails, waitlist expiry) "
        "for the task worker: once, for cron, or with --every SECONDS forever. "
        "Each message is sent once however often the sweep runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep queueing it every SECONDS instead of once.",
        )

    def handle(self, *args, every, **options):
        if every is None:
            send_due_messages.enqueue()
            return
        try:
            while True:
                # The loop outlives any one connection: drop a broken one (the
                # database restarted) so the next enqueue reconnects.
                close_old_connections()
                try:
                    send_due_messages.enqueue()
                except DatabaseError as error:
                    # Keep looping: the next round may find the database back.
                    logger.error(
                        "Could not queue the periodic sweep (%s)",
                        type(error).__name__,
                    )
                time.sleep(every)
        except KeyboardInterrupt:
            pass  # Ctrl-C on `make run`: stop quietly with gunicorn
