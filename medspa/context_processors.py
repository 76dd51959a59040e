from django.conf import settings
from django.utils.translation import gettext_lazy as _

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


def opening_hours() -> list[tuple[str, str | None, str | None]]:
    """Return (day name, opens, closes) for each weekday; None when closed."""
    hours = settings.CLINIC["hours"]
    return [
        (name, *hours.get(number, (None, None))) for number, name in enumerate(WEEKDAYS)
    ]


def clinic(request):
    return {"clinic": settings.CLINIC, "clinic_hours": opening_hours()}
