import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking.models import AppointmentRequest
from booking.tasks import send_request_emails


class Command(BaseCommand):
    help = (
        "Queue emails again for requests whose emails never went out (a worker "
        "killed mid-task, or retries exhausted during a long mail outage). Sending "
        "is deduplicated per request, so running this is always safe."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=15,
            help="Leave younger requests to their own retries (default: %(default)s).",
        )

    def handle(self, *args, older_than_minutes, **options):
        cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
        pending = AppointmentRequest.objects.with_unsent_emails().filter(
            created_at__lt=cutoff
        )
        count = 0
        for request_id in pending.values_list("pk", flat=True).iterator():
            send_request_emails.enqueue(request_id=request_id)
            count += 1
        self.stdout.write(f"Queued emails for {count} appointment request(s).")
