"""Fixed-window counters in PostgreSQL: booking posts per client address and
acknowledgment emails per recipient. No cache server needed, and every app
server shares the same counts. Also the advisory locks that serialise
concurrent writes of one thing (lock_until_commit)."""

import dataclasses
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


@dataclasses.dataclass(frozen=True)
class Event:
    """One thing to count: `subject` in `scope`, in windows of `window_seconds`."""

    scope: str
    subject: str
    window_seconds: int


def hit(*events: Event) -> list[int]:
    """Count each event in its current window; return the counts, in order.

    One statement for all of them, so concurrent posts from one client cannot
    both read "4". The stored key is an HMAC of scope and subject, never the
    address itself. Inside a transaction the counter rows stay locked until it
    ends, so the counts and whatever the caller does with them settle
    together. No two events may share a scope and subject.
    """
    now = int(timezone.now().timestamp())
    rows = [
        (
            salted_hmac(
                f"booking.{event.scope}", event.subject, algorithm="sha256"
            ).hexdigest(),
            datetime.datetime.fromtimestamp(
                now - now % event.window_seconds, tz=datetime.UTC
            ),
        )
        for event in events
    ]
    table = RateLimitCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, count) VALUES "
            + ", ".join(["(%s, %s, 1)"] * len(rows))
            + f" ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count"
            " + 1 RETURNING key, window_start, count",
            [value for row in rows for value in row],
        )
        counts = {(key, start): count for key, start, count in cursor.fetchall()}
    return [counts[row] for row in rows]


def spend(
    *, scope: str, subject: str, limit: int | None = None, also: tuple[Event, ...] = ()
) -> list[int]:
    """Count one attempt for `subject` in the current BOOKING_RATE_LIMIT_WINDOW,
    and each of `also` in the same statement; raise RateLimited past `limit`
    (default BOOKING_RATE_LIMIT). Return the counts of `also`."""
    attempts, *counts = hit(
        Event(scope, subject, settings.BOOKING_RATE_LIMIT_WINDOW), *also
    )
    if attempts > (settings.BOOKING_RATE_LIMIT if limit is None else limit):
        raise RateLimited
    return counts


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
