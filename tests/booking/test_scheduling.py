"""The calendar's guarantee: no two active appointments (or live holds) overlap
for one provider or one room, enforced by PostgreSQL, proven under concurrency."""

import datetime
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from booking.models import Appointment, Location, Provider, Room, RoomKind
from booking.scheduling import (
    HOLD_DURATION,
    SlotTaken,
    appointment_confirm,
    appointment_hold,
)
from tests.booking.factories import TreatmentFactory

NINE_AM = datetime.datetime(2026, 12, 7, 14, 0, tzinfo=datetime.UTC)  # 09:00 EST
PATIENT = {
    "first_name": "Maria",
    "last_name": "García",
    "email": "maria@example.com",
    "phone": "+12175440123",
    "patient_type": "new",
    "contact_method": "email",
    "consent": True,
}


@pytest.fixture
def calendar(db):
    location = Location.objects.create(
        name="Springfield",
        street="120 Garden Street",
        city="Springfield",
        postal_code="62701",
        time_zone="America/New_York",
    )
    laser = RoomKind.objects.create(name="Laser room")
    return {
        "location": location,
        "treatment": TreatmentFactory(
            slug="laser", duration_minutes=30, buffer_after_minutes=10
        ),
        "ana": Provider.objects.create(display_name="Ana Ruiz", credential="NP"),
        "ben": Provider.objects.create(display_name="Ben Cole", credential="RN"),
        "room": Room.objects.create(location=location, name="Laser 1", kind=laser),
    }


def hold(calendar, *, provider="ana", room=None, at=NINE_AM):
    return appointment_hold(
        location=calendar["location"],
        treatment=calendar["treatment"],
        provider=calendar[provider],
        room=calendar["room"] if room else None,
        starts_at=at,
    )


def test_a_hold_reserves_the_treatment_time_and_its_buffer(calendar):
    held = hold(calendar)
    assert held.status == Appointment.Status.HELD
    assert held.ends_at == NINE_AM + datetime.timedelta(minutes=30)
    assert held.blocked_until == NINE_AM + datetime.timedelta(minutes=40)
    assert held.hold_expires_at is not None
    assert held.reference.startswith("MS-")


@pytest.mark.parametrize("minutes_later", [0, 15, 39])
def test_an_overlapping_time_for_the_same_provider_is_taken(calendar, minutes_later):
    hold(calendar)
    with pytest.raises(SlotTaken):
        hold(calendar, at=NINE_AM + datetime.timedelta(minutes=minutes_later))
    assert Appointment.objects.count() == 1


def test_the_next_time_after_the_buffer_is_free(calendar):
    hold(calendar)
    hold(calendar, at=NINE_AM + datetime.timedelta(minutes=40))
    hold(calendar, at=NINE_AM - datetime.timedelta(minutes=40))
    assert Appointment.objects.count() == 3


def test_another_provider_is_free_at_the_same_time_unless_they_share_the_room(
    calendar,
):
    hold(calendar, provider="ana")
    hold(calendar, provider="ben")  # no room needed: both fine
    Appointment.objects.all().delete()
    hold(calendar, provider="ana", room=True)
    with pytest.raises(SlotTaken):
        hold(calendar, provider="ben", room=True)


def test_a_lapsed_hold_never_blocks_anyone(calendar):
    first = hold(calendar)
    later = timezone.now() + HOLD_DURATION + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        second = hold(calendar, provider="ana")
        # The first patient comes back too late: their time is gone.
        with pytest.raises(SlotTaken):
            appointment_confirm(hold=first, **PATIENT)
    assert list(Appointment.objects.all()) == [second]


def test_a_lapsed_hold_is_still_confirmed_if_nobody_took_the_time(calendar):
    first = hold(calendar)
    with time_machine.travel(timezone.now() + HOLD_DURATION * 3):
        booked = appointment_confirm(hold=first, **PATIENT)
    assert booked.status == Appointment.Status.BOOKED
    assert booked.hold_expires_at is None
    assert booked.email == "maria@example.com"


def test_confirming_needs_the_patient_details(calendar):
    held = hold(calendar)
    with pytest.raises(ValidationError):
        appointment_confirm(hold=held, **PATIENT | {"phone": "call me"})
    with pytest.raises(ValidationError):
        appointment_confirm(hold=held, **PATIENT | {"consent": False})
    assert Appointment.objects.get().status == Appointment.Status.HELD


def test_a_cancelled_appointment_frees_its_time(calendar):
    booked = appointment_confirm(hold=hold(calendar), **PATIENT)
    Appointment.objects.filter(pk=booked.pk).update(status="cancelled")
    hold(calendar)
    assert Appointment.objects.filter(status="held").count() == 1


def test_naive_times_are_refused(calendar):
    with pytest.raises(ValueError):
        hold(calendar, at=NINE_AM.replace(tzinfo=None))


def test_the_database_itself_refuses_an_overlap(calendar):
    """Not a check in Python: a plain INSERT past every service is refused."""
    booked = appointment_confirm(hold=hold(calendar), **PATIENT)
    overlap = Appointment(
        reference="MS-ZZZZZ",
        location=booked.location,
        treatment=booked.treatment,
        provider=booked.provider,
        starts_at=NINE_AM + datetime.timedelta(minutes=10),
        ends_at=NINE_AM + datetime.timedelta(minutes=40),
        blocked_until=NINE_AM + datetime.timedelta(minutes=50),
        status="booked",
        **PATIENT,
    )
    with pytest.raises(IntegrityError, match="appointment_no_provider_overlap"):
        with transaction.atomic():
            overlap.save()


# --- under concurrency ----------------------------------------------------------


def run_concurrently(function, arguments):
    """Call function(argument) for each argument at the same moment, each from
    its own thread and database connection; return results or exceptions."""
    barrier = threading.Barrier(len(arguments))

    def call(argument):
        try:
            barrier.wait(timeout=30)
            return function(argument)
        except Exception as error:  # collected for the assertions
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(call, arguments))


@pytest.mark.django_db(transaction=True)
def test_fifty_patients_holding_the_same_time_get_it_exactly_once(calendar):
    results = run_concurrently(lambda _: hold(calendar, room=True), range(50))
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, SlotTaken)]
    assert (len(won), len(lost)) == (1, 49), {type(r) for r in results}
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_thousand_concurrent_bookings_never_overlap(calendar):
    """50 clients book 1,000 times over a week of 15-minute starts for two
    providers sharing one laser room half the time; afterwards SQL finds no two
    active appointments overlapping for a provider or a room, and every booking
    a client was told about is stored."""
    rng = random.Random(9)
    starts = [
        NINE_AM + datetime.timedelta(days=day, minutes=15 * step)
        for day in range(7)
        for step in range(36)
    ]
    attempts = [
        (rng.choice(["ana", "ben"]), rng.random() < 0.5, rng.choice(starts))
        for _ in range(1000)
    ]

    def book(attempt):
        provider, room, at = attempt
        return appointment_confirm(
            hold=hold(calendar, provider=provider, room=room, at=at), **PATIENT
        )

    results = []
    for batch in range(0, len(attempts), 50):
        results += run_concurrently(book, attempts[batch : batch + 50])
    booked = [r for r in results if isinstance(r, Appointment)]
    unexpected = [r for r in results if not isinstance(r, Appointment | SlotTaken)]
    assert unexpected == []
    assert len(booked) > 100  # the calendar really filled up
    assert set(
        Appointment.objects.filter(status="booked").values_list("pk", flat=True)
    ) == {appointment.pk for appointment in booked}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM booking_appointment a
            JOIN booking_appointment b ON a.id < b.id
             AND (a.provider_id = b.provider_id OR a.room_id = b.room_id)
             AND tstzrange(a.starts_at, a.blocked_until)
                 && tstzrange(b.starts_at, b.blocked_until)
            WHERE a.status IN ('held', 'booked', 'checked_in', 'completed')
              AND b.status IN ('held', 'booked', 'checked_in', 'completed')
            """
        )
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize(
    "model", ["location", "roomkind", "provider", "appointment", "treatment"]
)
def test_the_manager_finds_the_calendar_in_the_admin(admin_client, calendar, model):
    appointment_confirm(hold=hold(calendar), **PATIENT)
    changelist = admin_client.get(f"/admin/booking/{model}/")
    assert changelist.status_code == 200
    if model != "appointment":
        assert admin_client.get(f"/admin/booking/{model}/add/").status_code == 200


def test_appointments_are_not_written_through_the_admin(admin_client, calendar):
    booked = appointment_confirm(hold=hold(calendar), **PATIENT)
    assert admin_client.get("/admin/booking/appointment/add/").status_code == 403
    page = admin_client.get(f"/admin/booking/appointment/{booked.pk}/change/")
    assert page.status_code == 200  # view only
    assert b"09:00 EST" in admin_client.get("/admin/booking/appointment/").content
