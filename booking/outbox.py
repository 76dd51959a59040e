"""Send a message exactly once, whatever the number of workers.

Every message after the booking itself (reminders, change notices, waitlist
offers, rebooking emails) is one OutgoingMessage row whose unique key says
what it is for. Claiming the key is one INSERT … ON CONFLICT statement,
committed before the mail server or SMS provider is called, so two workers
never both send, a slow provider blocks nobody, and a worker killed mid-send
leaves a claim another may take over after CLAIM_LEASE.

Call it outside a transaction: a claim inside one would not be seen by other
workers until it commits.
"""

from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from booking.emails import CLAIM_LEASE, DATABASE_UNAVAILABLE, until_database_answers
from booking.models import OutgoingMessage

# Returned by a sender that found, once it held the claim, nothing to send
# (the appointment was cancelled or moved meanwhile).
NOTHING_TO_SEND = False


def deliver_once(
    *,
    key: str,
    channel: str,
    send: Callable[[], bool | None],
    appointment_id: int | None = None,
) -> bool:
    """Call send() unless a message with this key was sent or is being sent;
    True if it was sent now.

    send() may return NOTHING_TO_SEND after re-reading what it is about; the
    claim is then dropped, so a later, still-valid reason can use the key.
    `appointment_id` ties the message to its appointment for the admin.
    An exception from send() releases the claim for a retry and propagates.
    """
    table = OutgoingMessage._meta.db_table
    now = timezone.now()
    try:
        row = _claim(table, key, channel, appointment_id, now)
    except DATABASE_UNAVAILABLE:
        # The claim may have reached the server with only its answer lost.
        until_database_answers(
            lambda: OutgoingMessage.objects.filter(
                key=key, claimed_at=now, sent_at=None
            ).update(claimed_at=None),
            f"release the claim on {key}",
        )
        raise
    if row is None:
        return False  # sent already, or another worker is sending it
    mine = OutgoingMessage.objects.filter(pk=row[0], claimed_at=now)
    # Each write after the claim waits out a database outage (as booking.emails
    # does): a message already handed to the provider must be stamped, or it
    # would go again once the claim lapsed.
    try:
        result = send()
    except BaseException:
        until_database_answers(
            lambda: mine.update(claimed_at=None), f"release the claim on {key}"
        )
        raise
    if result is NOTHING_TO_SEND:
        until_database_answers(
            lambda: mine.filter(sent_at=None).delete(), f"drop the claim on {key}"
        )
        return False
    sent_at = timezone.now()
    until_database_answers(
        lambda: mine.update(sent_at=sent_at, claimed_at=None), f"record {key} as sent"
    )
    return True


def _claim(table, key, channel, appointment_id, now) -> tuple | None:
    """(id,) of the message row this call now holds the claim on, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (key, channel, appointment_id, claimed_at, created_at)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (key) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
            WHERE {table}.sent_at IS NULL
              AND ({table}.claimed_at IS NULL OR {table}.claimed_at < %s)
            RETURNING id
            """,
            [
                key,
                channel,
                appointment_id,
                now,
                now,
                now - CLAIM_LEASE,
            ],
        )
        row = cursor.fetchone()
    return row
