from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from booking.clinic import CACHE_ALIAS, Hours, clinic_details

__all__ = ["CACHE_ALIAS", "clinic", "clinic_details", "opening_hours"]

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
