from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from booking import ratelimit
from booking.services import (
    MIN_RETENTION_DAYS,
    appointment_requests_anonymize_expired,
)


class Command(BaseCommand):
    help = (
        "Anonymize closed appointment requests older than BOOKING_RETENTION_DAYS: "
        "patient details are erased, the statistics and the audit trail stay. "
        "Also deletes finished rate-limit counters. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.BOOKING_RETENTION_DAYS,
            help=f"Retention period in days, at least {MIN_RETENTION_DAYS} "
            "(default: %(default)s).",
        )

    def handle(self, *args, days, **options):
        try:
            count = appointment_requests_anonymize_expired(days=days)
        except ValueError as error:
            raise CommandError(str(error)) from None
        counters = ratelimit.counters_delete_finished()
        self.stdout.write(
            f"Anonymized {count} appointment request(s) older than {days} days; "
            f"deleted {counters} finished rate-limit counter(s)."
        )
