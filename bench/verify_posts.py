"""Check that every acknowledged booking POST is stored.

Each acknowledgement (302 to the confirmation page) set the signed cookie that
names the stored request for the confirmation page; that request must exist and
carry one of the form tokens the bench sent. Prints JSON for bench/run.py.

With "holds" as the second argument, the same for the hold POSTs: each 302's
session names a held appointment, which must exist at one of the starts the
bench sent; and, by SQL over the whole calendar, no two active appointments
(holds included) overlap for any provider or room.
"""

import json
import sys
from importlib import import_module
from pathlib import Path

from _django import setup

setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest  # noqa: E402

from booking.models import Appointment, AppointmentRequest  # noqa: E402
from booking.models.calendar import ACTIVE_STATUSES  # noqa: E402
from booking.views.online import HOLD_KEY  # noqa: E402
from booking.views.requests import DONE_COOKIE_SALT, done_cookie_name  # noqa: E402

OVERLAPS = """
SELECT count(*) FROM (
    SELECT starts_at, max(blocked_until) OVER (
        PARTITION BY {column} ORDER BY starts_at, id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS earlier_until
    FROM {table}
    WHERE status = ANY(%s) AND {column} IS NOT NULL
) AS t
WHERE starts_at < earlier_until
"""


def overlaps(column: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            OVERLAPS.format(column=column, table=Appointment._meta.db_table),
            [[str(status) for status in ACTIVE_STATUSES]],
        )
        return cursor.fetchone()[0]


def verify_holds(work: Path) -> dict:
    sent = set((work / "hold_starts.txt").read_text().split())
    sessions = (work / "held.txt").read_text().split()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    hold_ids = [store(session_key=key).get(HOLD_KEY) for key in sessions]
    found = Appointment.objects.filter(
        pk__in=[pk for pk in hold_ids if pk is not None],
        status=Appointment.Status.HELD,
    ).values_list("pk", "starts_at")
    stored = {pk for pk, starts_at in found if starts_at.isoformat() in sent}
    missing = sum(1 for pk in hold_ids if pk not in stored)
    return {
        "acked": len(sessions),
        "acked_and_stored": len(sessions) - missing,
        "lost": missing,
        "distinct_rows_acked": len(stored),
        "provider_overlaps": overlaps("provider_id"),
        "room_overlaps": overlaps("room_id"),
    }


def confirmed_request_id(cookie_value: str) -> str:
    """The request id the confirmation cookie names, read as the view reads it."""
    request = HttpRequest()
    request.COOKIES[done_cookie_name()] = cookie_value
    return request.get_signed_cookie(done_cookie_name(), salt=DONE_COOKIE_SALT)


def main() -> None:
    work = Path(sys.argv[1])
    if sys.argv[2:] == ["holds"]:
        sys.stdout.write(json.dumps(verify_holds(work)))
        return
    sent = set((work / "tokens.txt").read_text().split())
    sessions = (work / "acked.txt").read_text().split()
    request_ids = [int(confirmed_request_id(value)) for value in sessions]
    found = AppointmentRequest.objects.filter(
        pk__in=[pk for pk in request_ids if pk is not None]
    ).values_list("pk", "form_token")
    stored = {pk for pk, token in found if str(token) in sent}
    missing = sum(1 for pk in request_ids if pk not in stored)
    ours = AppointmentRequest.objects.filter(form_token__in=sent).count()
    sys.stdout.write(
        json.dumps(
            {
                "acked": len(sessions),
                "acked_and_stored": len(sessions) - missing,
                "lost": missing,
                "rows_with_our_tokens": ours,
                "distinct_rows_acked": len(stored),
            }
        )
    )


if __name__ == "__main__":
    main()
