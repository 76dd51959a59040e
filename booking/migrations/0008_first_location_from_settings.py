"""The clinic's first location, from the settings that described it until now.

Until the calendar existed, the address came from the CLINIC_* environment
variables and the opening hours were hard-coded in settings.CLINIC["hours"]. This
copies both into the database once, when there is no location yet, so the footer
and the structured data read the same values from the admin afterwards. A
database that already has a location (a manager made one) is left alone.
"""

import datetime

import phonenumbers
from django.conf import settings
from django.db import migrations


def valid_e164(raw: str) -> str:
    """Return `raw` if it is a valid E.164 number, else "" (the footer then keeps
    showing CLINIC_PHONE), so staff can save the location without fixing it first."""
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return raw if e164 == raw else ""


def create_first_location(apps, schema_editor):
    Location = apps.get_model("booking", "Location")
    OpeningHours = apps.get_model("booking", "OpeningHours")
    db = schema_editor.connection.alias
    if Location.objects.using(db).exists():
        return
    clinic = settings.CLINIC
    location = Location.objects.using(db).create(
        name=clinic["name"][:120],
        street=clinic["street"][:200],
        city=clinic["city"][:100],
        region=clinic["region"][:100],
        postal_code=clinic["postal_code"][:20],
        country=clinic["country"][:2].upper(),
        phone=valid_e164(clinic["phone"]),
        time_zone=settings.TIME_ZONE,
    )
    OpeningHours.objects.using(db).bulk_create(
        OpeningHours(
            location=location,
            weekday=weekday,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
        )
        for weekday, (opens, closes) in sorted(clinic["hours"].items())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_appointment_emails_cancellation_audit"),
    ]

    # The reverse keeps the location: by then staff may have edited it, or booked
    # appointments there, and it is the same data the settings still hold.
    operations = [
        migrations.RunPython(create_first_location, migrations.RunPython.noop),
    ]
