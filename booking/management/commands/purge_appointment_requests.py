from django.conf import settings
from django.core.management.base import BaseCommand

from booking.services import appointment_requests_anonymize_expired


class Command(BaseCommand):
    help = (
        "Anonymize appointment requests older than BOOKING_RETENTION_DAYS: patient "
        "details are erased, the statistics and the audit trail stay. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.BOOKING_RETENTION_DAYS,
            help="Retention period in days (default: %(default)s).",
        )

    def handle(self, *args, days, **options):
        count = appointment_requests_anonymize_expired(days=days)
        self.stdout.write(
            f"Anonymized {count} appointment request(s) older than {days} days."
        )
