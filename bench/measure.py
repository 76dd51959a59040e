"""Per page: status, SQL queries (cold and warm cache) and HTML size, measured in
a Django process against the bench database; also writes the ceiling file.

Prints JSON for bench/run.py. Runs with the same production environment as the
benchmarked gunicorn.
"""

import datetime
import gzip
import json
import os
import re
import sys
import time
import uuid

from _django import setup

setup()

import bench_pages  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.forms import issue_form_token, read_form_token  # noqa: E402
from booking.models import Treatment  # noqa: E402
from booking.scheduling import available_slots, treatment_location  # noqa: E402

POSTS = int(os.environ.get("BENCH_POSTS", "20000"))
HEADERS = {"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}


def measure(client: Client, path: str) -> dict:
    counts = []
    for _ in range(2):  # cold, then warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **HEADERS)
        counts.append(len(queries))
    body = response.content
    return {
        "status": response.status_code,
        "queries_cold": counts[0],
        "queries": counts[1],
        "html_bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, 6)),
        "body": body,
    }


def page_weight(body: bytes) -> dict:
    """Compressed bytes of the page and the CSS and JS it loads (images aside),
    as WhiteNoise serves them: its precompressed .gz files."""
    html = body.decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script[^>]* src="([^"]+)"', html)
    weight = {"html": len(gzip.compress(body, 6)), "css": 0, "js": 0}
    for url in assets:
        path = settings.STATIC_ROOT / url.removeprefix(settings.STATIC_URL)
        packed = path.with_name(path.name + ".gz")
        size = (
            packed.stat().st_size
            if packed.exists()
            else len(gzip.compress(path.read_bytes(), 6))
        )
        weight["css" if url.endswith(".css") else "js"] += size
    weight["total"] = sum(weight.values())
    return weight


def measure_post(choices: dict) -> dict:
    """Queries for one valid booking submission (the form enforces a fill time)."""
    client = Client()
    html = client.get("/book/request/", **HEADERS).content.decode()
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    )
    fields |= {
        "first_name": "Query",
        "last_name": "Count",
        # New each run: a repeat within the duplicate window takes another path.
        "email": f"query-count-{uuid.uuid4().hex[:8]}@example.com",
        "phone": "+12175440142",
        "treatment": choices["treatments"][0],
        "preferred_date": choices["date"],
        "preferred_time": "morning",
        "patient_type": "new",
        "contact_method": "email",
        "consent": "on",
    }
    time.sleep(settings.BOOKING_MIN_FILL_SECONDS + 0.2)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/book/request/", fields, HTTP_X_FORWARDED_FOR="2001:db8::ffff", **HEADERS
        )
    return {"status": response.status_code, "queries": len(queries)}


def _calendar():
    treatment = Treatment.objects.get(slug=bench_pages.BOOKING_TIMES_SLUG)
    return treatment, treatment_location(treatment)


def _slots(treatment, location, days: int | None = None):
    today = timezone.localdate(timezone=location.zone)
    days = treatment.booking_horizon_days if days is None else days
    return available_slots(
        location=location,
        treatment=treatment,
        first_day=today,
        last_day=today + datetime.timedelta(days=days),
    )


def measure_availability() -> dict:
    """Queries of booking.scheduling.available_slots alone, for 7 days and for
    the treatment's whole horizon (what the times page computes)."""
    treatment, location = _calendar()
    result = {"horizon_days": treatment.booking_horizon_days}
    for name, days in (("week", 6), ("horizon", None)):
        with CaptureQueriesContext(connection) as queries:
            slots = _slots(treatment, location, days)
        result[name] = {"queries": len(queries), "slots": len(slots)}
    return result


def measure_hold() -> dict:
    """Queries for one hold (POST /book/<slug>/ with a free start); the time
    it holds is then no longer free, so hold_starts() never offers it again."""
    treatment, location = _calendar()
    slots = _slots(treatment, location)
    earliest = timezone.now() + datetime.timedelta(
        minutes=treatment.minimum_notice_minutes + 30
    )
    slot = next(slot for slot in slots if slot.starts_at >= earliest)
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/book/{treatment.slug}/",
            {"start": slot.starts_at.isoformat()},
            HTTP_X_FORWARDED_FOR="2001:db8:1::ffff",
            **HEADERS,
        )
    return {"status": response.status_code, "queries": len(queries)}


def hold_starts() -> list[str]:
    """Free starts that can all be held together: in time order, each kept
    only if a provider and a room it offers are still free once every earlier
    one is held. The server picks its own provider and room, so concurrent
    holds may still collide: those answer 409 and are counted as such. Starts
    within the minimum notice plus 30 minutes are left out, since the clock
    moves on while the GET pages are measured."""
    treatment, location = _calendar()
    slots = _slots(treatment, location)
    earliest = timezone.now() + datetime.timedelta(
        minutes=treatment.minimum_notice_minutes + 30
    )
    provider_free: dict[int, datetime.datetime] = {}
    room_free: dict[int, datetime.datetime] = {}
    starts = []
    for slot in slots:
        if slot.starts_at < earliest:
            continue
        start = slot.starts_at
        provider = next(
            (p for p in slot.provider_ids if provider_free.get(p, start) <= start),
            None,
        )
        room = next(
            (r for r in slot.room_ids if room_free.get(r, start) <= start), None
        )
        if provider is None or (slot.room_ids and room is None):
            continue
        provider_free[provider] = slot.blocked_until
        if room is not None:
            room_free[room] = slot.blocked_until
        starts.append(start.isoformat())
    return starts


def form_tokens(count: int) -> list[list[str]]:
    """[signed token, its UUID] pairs, minted as GET /book/ does with the bench
    server's key, stamped as if each form had been open for a minute."""
    started = time.time() - 60
    pairs = []
    for _ in range(count):
        signed = issue_form_token(started=started)
        pairs.append([signed, str(read_form_token(signed).token)])
    return pairs


def main() -> None:
    client = Client()
    pages = []
    ceiling_body = None
    weight = None
    for name, path in bench_pages.get_pages():
        result = measure(client, path)
        if name == bench_pages.CEILING_PAGE and result["status"] == 200:
            ceiling_body = result["body"]
            weight = page_weight(ceiling_body)
        del result["body"]
        pages.append({"name": name, "path": path, **result})
    if ceiling_body is None:  # until the article page exists, the home page
        ceiling_body = measure(client, "/")["body"]
    # A copy of the article HTML: same size, served by the same WhiteNoise.
    ceiling = settings.STATIC_ROOT / "bench" / "ceiling.html"
    ceiling.parent.mkdir(exist_ok=True)
    ceiling.write_bytes(ceiling_body)
    sys.stdout.write(
        json.dumps(
            {
                "pages": pages,
                "ceiling": {
                    "path": f"/{settings.STATIC_URL.strip('/')}/bench/ceiling.html",
                    "file": "bench/ceiling.html",
                    "bytes": len(ceiling_body),
                },
                "data": bench_pages.describe_data(),
                "article_weight": weight,
                "booking": bench_pages.booking_choices(),
                "post": measure_post(bench_pages.booking_choices()),
                "form_tokens": form_tokens(POSTS),
                "availability": measure_availability(),
                "hold": measure_hold()
                | {"slug": bench_pages.BOOKING_TIMES_SLUG, "starts": hold_starts()},
            }
        )
    )


if __name__ == "__main__":
    main()
