import phonenumbers
from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import caches
from django.db import DatabaseError
from django.db.models import Q
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from booking.models import Location

# Weekday names for people, translated; Monday is 0, as in CLINIC["hours"].
# medspa.clinic_tags has its own English list on purpose: schema.org's dayOfWeek
# values are fixed names that must never be translated.
WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]

# The clinic's address and hours are read on every page (footer, JSON-LD), so
# they are kept per process for one second: at most one query per process per
# second, however busy the site, and a manager's edit in the admin shows
# everywhere within about a second. The "fragments" alias is per process (and
# cleared between tests); the shared database cache would cost a query itself.
CACHE_ALIAS = "fragments"
CACHE_KEY = "medspa:clinic-location"
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

    row = (
        Location.objects.filter(is_active=True)
        .annotate(
            days=hours_column("weekday"),
            opens=hours_column("opens"),
            closes=hours_column("closes"),
        )
        .order_by("pk")
        .values(*ADDRESS_FIELDS, "phone", "days", "opens", "closes")
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
    return row


def _phone_display(e164: str) -> str:
    """Return +12175440142 as (217) 544-0142 (international if abroad)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    local = phonenumbers.region_code_for_number(number) == settings.PHONE_DEFAULT_REGION
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(
        number, style.NATIONAL if local else style.INTERNATIONAL
    )


def _load() -> dict:
    clinic = {**settings.CLINIC, "location_name": settings.CLINIC["name"]}
    clinic["hours"] = _settings_hours()
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
        clinic.update(phone=phone, phone_display=_phone_display(phone))
    return clinic


def clinic_details() -> dict:
    """Return settings.CLINIC with the address, phone and hours of the first
    active location (several intervals a day), or the settings' own without one.

    "hours" maps a weekday (Monday is 0) to its (opens, closes) "HH:MM" pairs.
    """
    cache = caches[CACHE_ALIAS]
    details = cache.get(CACHE_KEY)
    if details is None:
        details = _load()
        cache.set(CACHE_KEY, details, timeout=CACHE_SECONDS)
    return details


def opening_hours(hours: Hours) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return (day name, [(opens, closes), ...]) for each weekday; [] when closed."""
    return [(name, hours.get(number, [])) for number, name in enumerate(WEEKDAYS)]


def clinic(request):
    # Lazy: pages that never show the clinic (the admin) make no query for it.
    details = SimpleLazyObject(clinic_details)
    return {
        "clinic": details,
        "clinic_hours": SimpleLazyObject(lambda: opening_hours(details["hours"])),
    }
