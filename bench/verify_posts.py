"""Check that every acknowledged booking POST is stored.

Each acknowledgement (302 to the confirmation page) set a session cookie; the
session names the stored request, which must exist and carry one of the form
tokens the bench sent. Prints JSON for bench/run.py.
"""

import json
import sys
from importlib import import_module
from pathlib import Path

from _django import setup

setup()

from django.conf import settings  # noqa: E402

from booking.models import AppointmentRequest  # noqa: E402
from booking.views import SESSION_KEY  # noqa: E402


def main() -> None:
    work = Path(sys.argv[1])
    sent = set((work / "tokens.txt").read_text().split())
    sessions = (work / "acked.txt").read_text().split()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    request_ids = [store(session_key=key).get(SESSION_KEY) for key in sessions]
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
