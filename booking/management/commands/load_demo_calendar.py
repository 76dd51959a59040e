import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from booking.management.commands.load_demo_treatments import TREATMENTS
from booking.models import (
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
    Treatment,
)

TREATMENT_ROOM = "Treatment room"
LASER_ROOM = "Laser room"
ROOMS = [
    ("Treatment room 1", TREATMENT_ROOM),
    ("Treatment room 2", TREATMENT_ROOM),
    ("Laser room", LASER_ROOM),
]

# Fictional on purpose: nobody may mistake a demo profile for a real clinician.
DEMO_BIO = "Demo profile: a fictional provider for trying out online booking."
PROVIDERS = [
    ("Demo Provider A", Provider.Credential.NP),
    ("Demo Provider B", Provider.Credential.RN),
    ("Demo Provider C", Provider.Credential.MD),
]

# Neuromodulators, fillers and the consultation: short visits patients can
# book themselves. Everything else (peels, microneedling, sweating) stays a
# request, so the front desk talks to the patient first.
BOOKABLE_ONLINE = {"botox", "dysport", "xeomin", "dermal-fillers", "consultation"}
# Fillers carry the rarer but serious risks (a filler blocking a blood vessel),
# so a new patient sees a clinician in a consultation first.
NEW_PATIENTS_START_WITH = {"dermal-fillers": "consultation"}
# Neuromodulator effects typically last about 3–4 months: offer one
# "time to rebook?" email (to patients who agreed) at about 3½.
REBOOK_AFTER_DAYS = {"botox": 105, "dysport": 105, "xeomin": 105}
ROOM_KINDS = {
    "botox": TREATMENT_ROOM,
    "dysport": TREATMENT_ROOM,
    "xeomin": TREATMENT_ROOM,
    "dermal-fillers": TREATMENT_ROOM,
    "chemical-peels": TREATMENT_ROOM,
    "microneedling": TREATMENT_ROOM,
    "hyperhidrosis": TREATMENT_ROOM,
}
CLEANUP_MINUTES = 10
MINIMUM_NOTICE_MINUTES = 120
HORIZON_DAYS = 60


def first_location() -> tuple[Location, bool]:
    """Return the first active location, made from settings.CLINIC if there is
    none (as migration 0008 does), and whether it was made now."""
    location = Location.objects.filter(is_active=True).order_by("pk").first()
    if location is not None:
        return location, False
    clinic = settings.CLINIC
    location = Location.objects.create(
        name=clinic["name"],
        street=clinic["street"],
        city=clinic["city"],
        region=clinic["region"],
        postal_code=clinic["postal_code"],
        country=clinic["country"],
        time_zone=settings.TIME_ZONE,
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(
            location=location,
            weekday=weekday,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
        )
        for weekday, (opens, closes) in sorted(clinic["hours"].items())
    )
    return location, True


def never_configured(treatment: Treatment) -> bool:
    """True while a treatment's booking settings are still the model defaults,
    so nobody (neither this command nor staff) has set them yet."""
    defaults = {
        field: Treatment._meta.get_field(field).default
        for field in (
            "is_bookable_online",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_horizon_days",
        )
    }
    unset = (
        treatment.room_kind_id,
        treatment.new_patient_treatment_id,
        treatment.rebook_after_days,
    )
    return unset == (None, None, None) and all(
        getattr(treatment, field) == value for field, value in defaults.items()
    )


class Command(BaseCommand):
    help = (
        "Give the first location demo rooms, fictional demo providers with weekly "
        "schedules, and online booking for the demo injectables. Each part is "
        "added only while it is still empty (no rooms, no providers, booking "
        "settings never changed), so what staff changed or removed stays so."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        location, made = first_location()
        kinds = {
            name: RoomKind.objects.get_or_create(name=name)[0]
            for name in {TREATMENT_ROOM, LASER_ROOM}
        }
        report = [f"location {'created' if made else 'already there'}"]

        if location.rooms.exists():
            report.append("rooms already there")
        else:
            Room.objects.bulk_create(
                Room(location=location, name=name, kind=kinds[kind])
                for name, kind in ROOMS
            )
            report.append(f"{len(ROOMS)} rooms created")

        # The demo's own treatments only: one the clinic made under a demo
        # slug is theirs to configure.
        treatments = list(
            Treatment.objects.filter(
                slug__in=[t["slug"] for t in TREATMENTS], is_demo=True
            )
        )
        configured = 0
        by_slug = {treatment.slug: treatment for treatment in treatments}
        for treatment in treatments:
            if not never_configured(treatment):
                continue
            kind = ROOM_KINDS.get(treatment.slug)
            wanted = {
                "is_bookable_online": treatment.slug in BOOKABLE_ONLINE,
                "buffer_after_minutes": CLEANUP_MINUTES if kind else 0,
                "minimum_notice_minutes": MINIMUM_NOTICE_MINUTES,
                "booking_horizon_days": HORIZON_DAYS,
                "room_kind_id": kinds[kind].pk if kind else None,
                "new_patient_treatment_id": getattr(
                    by_slug.get(NEW_PATIENTS_START_WITH.get(treatment.slug)), "pk", None
                ),
                "rebook_after_days": REBOOK_AFTER_DAYS.get(treatment.slug),
            }
            if all(getattr(treatment, f) == v for f, v in wanted.items()):
                continue  # a request-only treatment: the defaults are right
            for field, value in wanted.items():
                setattr(treatment, field, value)
            treatment.save(update_fields=[f.removesuffix("_id") for f in wanted])
            configured += 1
        report.append(f"{configured} treatments given booking settings")

        # Any provider at all means staff have their own team (or have edited
        # the demo one): add nobody.
        if Provider.objects.exists():
            report.append("providers already there")
        else:
            hours = list(location.opening_hours.all())
            for name, credential in PROVIDERS:
                provider = Provider.objects.create(
                    display_name=name, credential=credential, bio=DEMO_BIO
                )
                provider.locations.add(location)
                provider.treatments.add(*treatments)
                ProviderSchedule.objects.bulk_create(
                    ProviderSchedule(
                        provider=provider,
                        location=location,
                        weekday=interval.weekday,
                        starts=interval.opens,
                        ends=interval.closes,
                    )
                    for interval in hours
                )
            report.append(f"{len(PROVIDERS)} demo providers created")

        self.stdout.write("Demo calendar: " + ", ".join(report) + ".")
