"""The clinic as patients see it: name, contact, address, opening hours and
closures, from the first active location (settings.CLINIC without one).

Read on every page (footer, JSON-LD) and by the request form, so it is kept per
process for one second: at most one query per process per second.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import caches
from django.db import DatabaseError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from booking.models import Closure, Location
from booking.phones import display_phone

# The clinic's address and hours are read on every page (footer, JSON-LD), so
# they are kept per process for one second: at most one query per process per
# second, however busy the site, and a manager's edit in the admin shows
# everywhere within about a second. The "fragments" alias is per process (and
# cleared between tests); the shared database cache would cost a query itself.
CACHE_ALIAS = "fragments"
CACHE_KEY = "booking:clinic-location"
CACHE_SECONDS = 1

ADDRESS_FIELDS = ("name", "street", "city", "region", "postal_code", "country")
Hours = dict[int, list[tuple[str, str]]]


def _settings_hours() -> Hours:
    return {
        day: [(opens, closes)]
        for day, (opens, closes) in settings.CLINIC["hours"].items()
    }


def _first_location() -> dict | None:
    """Return the first active location's address and hours, in one query."""
    ordered = ("opening_hours__weekday", "opening_hours__opens")
    has_hours = Q(opening_hours__isnull=False)

    def hours_column(field: str) -> ArrayAgg:
        return ArrayAgg(f"opening_hours__{field}", filter=has_hours, order_by=ordered)

    # Closures from today on, aggregated apart: joined with the hours they
    # would multiply each other's rows.
    closures = (
        # From yesterday here: "today" at the location may still be yesterday.
        Closure.objects.filter(
            location=OuterRef("pk"),
            date__gte=timezone.localdate() - datetime.timedelta(days=1),
        )
        .values("location")
        .annotate(dates=ArrayAgg("date"))
        .values("dates")
    )
    row = (
        Location.objects.active()
        .annotate(
            days=hours_column("weekday"),
            opens=hours_column("opens"),
            closes=hours_column("closes"),
            closed_on=Subquery(closures),
        )
        .order_by("pk")
        .values(*ADDRESS_FIELDS, "phone", "days", "opens", "closes", "closed_on")
        .first()
    )
    if row is None:
        return None
    hours: Hours = {}
    for day, opens, closes in zip(
        row.pop("days") or [],
        row.pop("opens") or [],
        row.pop("closes") or [],
        strict=True,
    ):
        hours.setdefault(day, []).append((f"{opens:%H:%M}", f"{closes:%H:%M}"))
    row["hours"] = hours
    row["closed_on"] = set(row["closed_on"] or ())
    return row


def _load() -> dict:
    clinic = {**settings.CLINIC, "location_name": settings.CLINIC["name"]}
    clinic["hours"] = _settings_hours()
    clinic["closed_on"] = set()
    try:
        location = _first_location()
    except DatabaseError:
        # The 500 page renders this too, possibly with the database down.
        location = None
    if location is None:
        return clinic
    phone = location.pop("phone")
    clinic.update(location, location_name=location.pop("name"))
    # Phone, text and email are the clinic's contact; a location's own phone wins.
    if phone and phone != clinic["phone"]:
        clinic.update(phone=phone, phone_display=display_phone(phone))
    return clinic


def clinic_details() -> dict:
    """Return settings.CLINIC with the address, phone, hours and closures of
    the first active location, or the settings' own without one.

    "hours" maps a weekday (Monday is 0) to its (opens, closes) "HH:MM" pairs;
    "closed_on" is the set of dates from today on that the location is closed.
    """
    return _cached()[0]


def clinic_details_version() -> str:
    """A short fingerprint of clinic_details(): part of every cached page's
    key, so a page rendered with details about to be reloaded is never served
    once they have been."""
    return _cached()[1]


def _cached() -> tuple[dict, str]:
    cache = caches[CACHE_ALIAS]
    cached = cache.get(CACHE_KEY)
    if cached is None:
        details = _load()
        version = hashlib.sha256(repr(sorted(details.items())).encode()).hexdigest()
        cached = (details, version[:16])
        cache.set(CACHE_KEY, cached, timeout=CACHE_SECONDS)
    return cached
