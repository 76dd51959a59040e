import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.models import (
    Location,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
    Treatment,
)
from booking.scheduling import available_slots

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_treatments():
    call_command("load_demo_treatments", stdout=StringIO())


def load() -> str:
    out = StringIO()
    call_command("load_demo_calendar", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "locations": Location.objects.count(),
        "room kinds": RoomKind.objects.count(),
        "rooms": Room.objects.count(),
        "providers": Provider.objects.count(),
        "schedules": ProviderSchedule.objects.count(),
        "performs": Provider.treatments.through.objects.count(),
        "works at": Provider.locations.through.objects.count(),
        "bookable": Treatment.objects.filter(is_bookable_online=True).count(),
    }


def test_running_twice_changes_nothing_the_second_time():
    load()
    first = counts()
    assert load().startswith(
        "Demo calendar: location already there, rooms already there, "
        "0 treatments given booking settings, providers already there"
    )
    assert counts() == first
    assert first["rooms"] == 3 and first["providers"] == 3


def test_the_first_location_gets_two_treatment_rooms_and_a_laser_room():
    load()
    location = Location.objects.filter(is_active=True).order_by("pk").first()
    assert sorted(location.rooms.values_list("kind__name", flat=True)) == [
        "Laser room",
        "Treatment room",
        "Treatment room",
    ]


def test_demo_providers_are_fictional_and_work_the_opening_hours():
    load()
    location = Location.objects.order_by("pk").first()
    hours = sorted(location.opening_hours.values_list("weekday", "opens", "closes"))
    demo_slugs = set(Treatment.objects.values_list("slug", flat=True))
    for provider in Provider.objects.all():
        assert str(provider).startswith("Demo Provider ")
        assert provider.bio.startswith("Demo profile")
        assert list(provider.locations.all()) == [location]
        assert sorted(provider.schedules.values_list("weekday", "starts", "ends")) == (
            hours
        )
        assert set(provider.treatments.values_list("slug", flat=True)) == demo_slugs


def test_injectables_and_the_consultation_become_bookable():
    load()
    botox = Treatment.objects.get(slug="botox")
    assert botox.is_bookable_online
    assert 15 <= botox.duration_minutes <= 30
    assert botox.buffer_after_minutes == 10
    assert botox.minimum_notice_minutes == 120
    assert botox.booking_horizon_days == 60
    assert botox.room_kind.name == "Treatment room"
    assert set(
        Treatment.objects.filter(is_bookable_online=True).values_list("slug", flat=True)
    ) == {"botox", "dysport", "xeomin", "dermal-fillers", "consultation"}
    # New filler patients start with a consultation; neuromodulators get a
    # rebooking email at about 3½ months (effects last about 3–4).
    fillers = Treatment.objects.get(slug="dermal-fillers")
    assert fillers.new_patient_treatment.slug == "consultation"
    assert botox.new_patient_treatment is None
    assert botox.rebook_after_days == 105
    assert fillers.rebook_after_days is None


def test_staff_edits_survive_a_second_run():
    load()
    provider = Provider.objects.get(display_name="Demo Provider A")
    provider.display_name = "Renamed by the manager"
    provider.save()
    botox = Treatment.objects.get(slug="botox")
    botox.is_bookable_online = False
    botox.save()
    consultation = Treatment.objects.get(slug="consultation")
    consultation.is_bookable_online = True
    consultation.save()
    Room.objects.filter(name="Laser room").update(is_active=False)
    before = counts()

    load()

    assert counts() == before
    assert Provider.objects.filter(display_name="Renamed by the manager").exists()
    assert not Provider.objects.filter(display_name="Demo Provider A").exists()
    assert not Treatment.objects.get(slug="botox").is_bookable_online
    assert Treatment.objects.get(slug="consultation").is_bookable_online
    assert not Room.objects.get(name="Laser room").is_active


def test_staff_who_have_their_own_team_get_no_demo_providers():
    Provider.objects.create(display_name="Real team member", credential="NP")
    load()
    assert list(Provider.objects.values_list("display_name", flat=True)) == [
        "Real team member"
    ]


def test_without_any_location_one_is_made_from_settings(settings):
    Location.objects.all().delete()
    assert load().startswith("Demo calendar: location created")
    location = Location.objects.get()
    assert location.street == settings.CLINIC["street"]
    assert location.opening_hours.count() == len(settings.CLINIC["hours"])
    assert Room.objects.filter(location=location).count() == 3


def test_the_demo_calendar_offers_free_times_for_botox():
    load()
    today = timezone.localdate()
    slots = available_slots(
        location=Location.objects.filter(is_active=True).order_by("pk").first(),
        treatment=Treatment.objects.get(slug="botox"),
        first_day=today,
        last_day=today + datetime.timedelta(days=7),
    )
    assert slots
