"""Fixed-window counters in PostgreSQL: booking posts per client address and
acknowledgment emails per recipient. No cache server needed, and every app
server shares the same counts. Also the advisory locks that serialise
concurrent writes of one thing (lock_until_commit)."""

import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from booking.models import RateLimitCounter

# Counters live for their window; anything older than the longest window is
# finished and may go.
LONGEST_WINDOW = datetime.timedelta(days=1)


class RateLimited(Exception):
    """Raised when a client has used up its attempts for the current window."""


def hit(*, scope: str, subject: str, window_seconds: int) -> int:
    """Count one event for `subject` in the current window; return the count.

    The stored key is an HMAC of scope and subject, never the address itself.
    Inside a transaction the counter row stays locked until it ends, so the
    count and whatever the caller does with it settle together.
    """
    now = int(timezone.now().timestamp())
    window_start = datetime.datetime.fromtimestamp(
        now - now % window_seconds, tz=datetime.UTC
    )
    key = salted_hmac(f"booking.{scope}", subject, algorithm="sha256").hexdigest()
    table = RateLimitCounter._meta.db_table
    # One statement, so concurrent posts from one client cannot both read "4".
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (key, window_start) "
            f"DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, window_start],
        )
        (count,) = cursor.fetchone()
    return count


def spend(*, scope: str, subject: str, limit: int | None = None) -> None:
    """Count one attempt for `subject` in the current BOOKING_RATE_LIMIT_WINDOW;
    raise RateLimited past `limit` (default BOOKING_RATE_LIMIT)."""
    count = hit(
        scope=scope,
        subject=subject,
        window_seconds=settings.BOOKING_RATE_LIMIT_WINDOW,
    )
    if count > (settings.BOOKING_RATE_LIMIT if limit is None else limit):
        raise RateLimited


def lock_until_commit(*keys: str) -> None:
    """Take a PostgreSQL advisory lock for each key, in the order given, until
    the transaction ends: concurrent callers with a key in common wait here for
    each other."""
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key]
            )


def counters_delete_finished() -> int:
    """Delete counters whose window is over; return how many went."""
    deleted, _ = RateLimitCounter.objects.filter(
        window_start__lt=timezone.now() - LONGEST_WINDOW
    ).delete()
    return deleted
