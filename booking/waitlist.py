"""The waitlist: patients waiting for a time that suits them, offered freed
times in the order they joined."""

from django.utils import timezone

from booking.models import Appointment, WaitlistEntry


def time_freed(appointment: Appointment) -> None:
    """Tell the waitlist that `appointment`'s time (as loaded) is free again.

    Called inside the transaction that cancels or moves it; the offers go out
    from the task worker once that transaction commits.
    """
    # Filled in by the waitlist work (issue 10).


def expire_entries() -> int:
    """Mark entries whose last day has passed as expired; how many were."""
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING, latest_date__lt=timezone.localdate()
    ).update(status=WaitlistEntry.Status.EXPIRED)
