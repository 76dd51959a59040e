"""Writes to the clinic's calendar: holding a time while a patient types, turning
the hold into an appointment, booking for a caller.

No check here decides whether a time is free: the database's exclusion
constraints do (see booking.models.calendar). A write that would overlap fails
there, and is reported as SlotTaken, whoever got there first.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from booking.models import Appointment, Location, Provider, Room, Treatment
from booking.services import generate_reference

HOLD_DURATION = datetime.timedelta(minutes=10)
OVERLAP_CONSTRAINTS = {
    "appointment_no_provider_overlap",
    "appointment_no_room_overlap",
}


class SlotTaken(Exception):
    """The chosen time was taken (or the hold on it lapsed and someone took it)."""


def _constraint_name(error: IntegrityError) -> str | None:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def _release_lapsed_holds(
    *, provider: Provider, room: Room | None, starts_at, blocked_until
) -> None:
    """Delete lapsed holds in the way, so an expired hold never blocks anyone.

    The exclusion constraints cannot look at the clock, so lapsed holds stay
    in the table until something needs their time: this, in the same
    transaction as the insert that follows.
    """
    in_the_way = Q(provider=provider)
    if room is not None:
        in_the_way |= Q(room=room)
    Appointment.objects.filter(
        in_the_way,
        status=Appointment.Status.HELD,
        hold_expires_at__lte=timezone.now(),
        starts_at__lt=blocked_until,
        blocked_until__gt=starts_at,
    ).delete()


def _insert(appointment: Appointment) -> Appointment:
    for _attempt in range(5):
        appointment.reference = generate_reference()
        try:
            with transaction.atomic():
                _release_lapsed_holds(
                    provider=appointment.provider,
                    room=appointment.room,
                    starts_at=appointment.starts_at,
                    blocked_until=appointment.blocked_until,
                )
                appointment.save(force_insert=True)
        except IntegrityError as error:
            name = _constraint_name(error)
            if name in OVERLAP_CONSTRAINTS:
                raise SlotTaken from error
            if name == "booking_appointment_reference_key":
                continue  # another appointment drew this code: draw again
            raise
        return appointment
    raise RuntimeError("Could not allocate a unique booking reference.")


def _times(treatment: Treatment, starts_at: datetime.datetime):
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    ends_at = starts_at + datetime.timedelta(minutes=treatment.duration_minutes)
    return ends_at, ends_at + datetime.timedelta(minutes=treatment.buffer_after_minutes)


def appointment_hold(
    *,
    location: Location,
    treatment: Treatment,
    provider: Provider,
    room: Room | None,
    starts_at: datetime.datetime,
) -> Appointment:
    """Hold a time for HOLD_DURATION while the patient types their details.

    Raises SlotTaken if the provider or room is busy then (buffer included).
    """
    ends_at, blocked_until = _times(treatment, starts_at)
    return _insert(
        Appointment(
            location=location,
            treatment=treatment,
            provider=provider,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_until=blocked_until,
            status=Appointment.Status.HELD,
            hold_expires_at=timezone.now() + HOLD_DURATION,
        )
    )


def appointment_confirm(*, hold: Appointment, **patient) -> Appointment:
    """Turn a hold into a booked appointment with the patient's details.

    A hold that lapsed is still confirmed if nobody took its time meanwhile;
    if someone did, they deleted it, and this raises SlotTaken.
    """
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update()
            .filter(pk=hold.pk, status=Appointment.Status.HELD)
            .first()
        )
        if appointment is None:
            raise SlotTaken
        for field, value in patient.items():
            setattr(appointment, field, value)
        appointment.status = Appointment.Status.BOOKED
        appointment.hold_expires_at = None
        # The relations were checked when the time was held.
        appointment.full_clean(exclude=["location", "treatment", "provider", "room"])
        appointment.save()
    return appointment
