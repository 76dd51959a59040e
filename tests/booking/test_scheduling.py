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

from booking.models import (
    Appointment,
    Closure,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
    TimeOff,
)
from booking.scheduling import (
    HOLD_DURATION,
    SlotTaken,
    appointment_book,
    appointment_confirm,
    appointment_hold,
    available_slots,
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
    assert unexpected == [], [repr(r)[:300] for r in unexpected[:3]]
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


@pytest.mark.parametrize("model", ["location", "roomkind", "provider", "treatment"])
def test_the_manager_finds_the_calendar_in_the_admin(admin_client, calendar, model):
    appointment_confirm(hold=hold(calendar), **PATIENT)
    assert admin_client.get(f"/admin/booking/{model}/").status_code == 200
    assert admin_client.get(f"/admin/booking/{model}/add/").status_code == 200


# --- available times, from the calendar ------------------------------------------

MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def open_calendar(calendar):
    """Open Monday to Friday 09:00-17:00; Ana and Ben work Mondays and do the
    laser treatment (30 minutes plus 10 of cleanup) there."""
    location = calendar["location"]
    for weekday in range(5):
        OpeningHours.objects.create(
            location=location,
            weekday=weekday,
            opens=datetime.time(9),
            closes=datetime.time(17),
        )
    for name in ("ana", "ben"):
        provider = calendar[name]
        provider.locations.add(location)
        provider.treatments.add(calendar["treatment"])
        ProviderSchedule.objects.create(
            provider=provider,
            location=location,
            weekday=0,
            starts=datetime.time(9),
            ends=datetime.time(17),
        )
    return calendar


def local_starts(calendar, day=MONDAY, **kwargs) -> list[str]:
    with time_machine.travel(datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)):
        slots = available_slots(
            location=calendar["location"],
            treatment=calendar["treatment"],
            first_day=day,
            last_day=day,
            **kwargs,
        )
    zone = calendar["location"].zone
    return [slot.starts_at.astimezone(zone).strftime("%H:%M") for slot in slots]


def test_available_times_follow_hours_duration_and_buffer(open_calendar):
    starts = local_starts(open_calendar, provider=open_calendar["ana"])
    assert starts[0] == "09:00" and starts[-1] == "16:15"  # 16:15 + 40 min = 16:55
    assert len(starts) == 30


def test_a_booked_time_and_its_buffer_are_not_offered_again(open_calendar):
    appointment_confirm(hold=hold(open_calendar), **PATIENT)  # Ana, 09:00-09:40
    ana = local_starts(open_calendar, provider=open_calendar["ana"])
    assert ana[:2] == ["09:45", "10:00"]
    anyone = local_starts(open_calendar)
    assert anyone[0] == "09:00"  # Ben is free


def test_a_lapsed_hold_is_offered_again(open_calendar):
    with time_machine.travel(datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)):
        hold(open_calendar)  # lapses long before 2026-12-01
    assert local_starts(open_calendar, provider=open_calendar["ana"])[0] == "09:00"


def test_time_off_and_closures_remove_times(open_calendar):
    TimeOff.objects.create(
        provider=open_calendar["ana"],
        starts_at=NINE_AM,
        ends_at=NINE_AM + datetime.timedelta(hours=4),
    )
    assert local_starts(open_calendar, provider=open_calendar["ana"])[0] == "13:00"
    Closure.objects.create(
        location=open_calendar["location"], date=MONDAY, reason="Training day"
    )
    assert local_starts(open_calendar) == []


def test_a_treatment_needing_a_room_waits_for_a_free_one(open_calendar):
    treatment = open_calendar["treatment"]
    treatment.room_kind = open_calendar["room"].kind
    treatment.save()
    appointment_confirm(hold=hold(open_calendar, room=True), **PATIENT)  # Ana
    # Ben is free at 09:00, but the only laser room is not.
    assert local_starts(open_calendar, provider=open_calendar["ben"])[0] == "09:45"


@pytest.mark.parametrize("appointments", [0, 60])
def test_available_times_take_five_queries_whatever_the_calendar_holds(
    open_calendar, appointments, django_assert_max_num_queries
):
    treatment = open_calendar["treatment"]
    treatment.room_kind = open_calendar["room"].kind
    treatment.save()
    for n in range(appointments):
        at = NINE_AM + datetime.timedelta(days=n // 10, minutes=45 * (n % 10))
        hold(open_calendar, provider=("ana", "ben")[n % 2], room=True, at=at)
    with django_assert_max_num_queries(5):
        local_starts(open_calendar)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Spring forward: 02:00 EST jumps to 03:00 EDT; 02:xx never exists.
        (datetime.date(2026, 3, 8), ["00:00", "01:00", "03:00"]),
        # Fall back: 01:00-02:00 happens twice; each instant is offered once.
        (datetime.date(2026, 11, 1), ["00:00", "01:00", "01:00", "02:00", "03:00"]),
    ],
)
def test_available_times_on_both_daylight_saving_days(open_calendar, day, expected):
    """A night clinic on a Sunday, 00:00-04:00 local, one-hour treatment."""
    location = open_calendar["location"]
    OpeningHours.objects.create(
        location=location,
        weekday=6,
        opens=datetime.time(0),
        closes=datetime.time(4),
    )
    ProviderSchedule.objects.create(
        provider=open_calendar["ana"],
        location=location,
        weekday=6,
        starts=datetime.time(0),
        ends=datetime.time(4),
    )
    treatment = open_calendar["treatment"]
    treatment.duration_minutes, treatment.buffer_after_minutes = 60, 0
    treatment.save()
    week_before = datetime.datetime.combine(day, datetime.time(12), datetime.UTC)
    with time_machine.travel(week_before - datetime.timedelta(days=7)):
        slots = available_slots(
            location=location,
            treatment=treatment,
            first_day=day,
            last_day=day,
            provider=open_calendar["ana"],
        )
    hourly = [s for s in slots if s.starts_at.astimezone(location.zone).minute == 0]
    local = [s.starts_at.astimezone(location.zone).strftime("%H:%M") for s in hourly]
    assert local == expected
    instants = [s.starts_at for s in slots]
    assert instants == sorted(set(instants))  # none twice, in real-time order


def test_the_front_desk_books_a_caller_directly_and_it_is_audited(calendar):
    from booking.models import AuditEntry
    from tests.booking.factories import UserFactory

    desk = UserFactory(username="desk")
    booked = appointment_book(
        location=calendar["location"],
        treatment=calendar["treatment"],
        provider=calendar["ana"],
        room=None,
        starts_at=NINE_AM,
        created_by=desk,
        ip_address="192.0.2.4",
        **PATIENT,
    )
    assert booked.status == Appointment.Status.BOOKED and booked.created_by == desk
    entry = AuditEntry.objects.get(appointment=booked)
    assert (entry.action, entry.actor, entry.ip_address) == (
        "created",
        desk,
        "192.0.2.4",
    )
    with pytest.raises(SlotTaken):
        appointment_book(
            location=calendar["location"],
            treatment=calendar["treatment"],
            provider=calendar["ana"],
            room=None,
            starts_at=NINE_AM + datetime.timedelta(minutes=20),
            created_by=desk,
            **PATIENT,
        )
