"""Writes to the clinic's calendar: holding a time while a patient types, turning
the hold into an appointment, booking for a caller.

No check here decides whether a time is free: the database's exclusion
constraints do (see booking.models.calendar). A write that would overlap fails
there, and is reported as SlotTaken, whoever got there first.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import (
    IntegrityError,
    OperationalError,
    connection,
    models,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking import audit, availability, ratelimit
from booking.models import (
    Appointment,
    AuditEntry,
    CalendarVersion,
    Location,
    Provider,
    ProviderSchedule,
    Room,
    TimeOff,
    Treatment,
)
from booking.services import generate_reference, violated_constraint
from booking.tasks import send_appointment_emails as send_appointment_emails_task

HOLD_DURATION = datetime.timedelta(minutes=10)
DEADLOCK_DETECTED = "40P01"
OVERLAP_CONSTRAINTS = {
    "appointment_no_provider_overlap",
    "appointment_no_room_overlap",
}


class SlotTaken(Exception):
    """The chosen time was taken (or the hold on it lapsed and someone took it)."""


def release_lapsed_holds(
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


def check_room(treatment: Treatment, room: Room | None) -> None:
    """A treatment that needs a room of a kind gets exactly such a room: a
    write without one would escape the room's overlap constraint."""
    if treatment.room_kind_id is None:
        return
    if room is None or room.kind_id != treatment.room_kind_id:
        raise ValidationError(
            _("%(treatment)s needs a room of kind “%(kind)s”.")
            % {"treatment": treatment.name, "kind": treatment.room_kind},
            code="room_kind",
        )


def _lock_calendar(provider_id: int, room_id: int | None) -> None:
    """Take the provider's (and room's) lock until the transaction ends, always
    in the same order.

    Without it, two writes that clash on the provider one way and on the room
    the other wait for each other inside the exclusion constraints, and
    PostgreSQL cancels one as a deadlock. Waiting here instead, in one global
    order, a write only starts once every clashing one has committed, and the
    constraint then answers at once.
    """
    keys = sorted(
        [f"calendar.provider:{provider_id}"]
        + ([f"calendar.room:{room_id}"] if room_id is not None else [])
    )
    ratelimit.lock_until_commit(*keys)


def save_in_calendar(appointment: Appointment, **save_options) -> Appointment:
    """Insert (no options) or update (update_fields=...) an appointment's place
    in the calendar; the one way every write reaches the exclusion constraints.

    Raises SlotTaken when the provider or room is busy then (buffer included).
    """
    check_room(appointment.treatment, appointment.room)
    inserting = not save_options
    for _attempt in range(5):
        if inserting:
            appointment.reference = generate_reference()
        try:
            with transaction.atomic():
                _lock_calendar(appointment.provider_id, appointment.room_id)
                release_lapsed_holds(
                    provider=appointment.provider,
                    room=appointment.room,
                    starts_at=appointment.starts_at,
                    blocked_until=appointment.blocked_until,
                )
                appointment.save(force_insert=inserting, **save_options)
        except IntegrityError as error:
            name = violated_constraint(error)
            if name in OVERLAP_CONSTRAINTS:
                raise SlotTaken from error
            if inserting and name == "booking_appointment_reference_key":
                continue  # another appointment drew this code: draw again
            raise
        except OperationalError as error:
            # Two writes that clash on the provider one way and on the room the
            # other wait for each other; PostgreSQL cancels one. Trying again
            # settles it: the winner's row is there now (SlotTaken), or it
            # rolled back and the time is free.
            if getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
                continue
            raise
        return appointment
    raise RuntimeError("Could not store the appointment in 5 attempts.")


def _new_appointment(*, treatment: Treatment, starts_at, **fields) -> Appointment:
    """An unsaved appointment whose end and blocked time follow its treatment."""
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    ends_at = starts_at + datetime.timedelta(minutes=treatment.duration_minutes)
    return Appointment(
        treatment=treatment,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at
        + datetime.timedelta(minutes=treatment.buffer_after_minutes),
        **fields,
    )


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
    return save_in_calendar(
        _new_appointment(
            location=location,
            treatment=treatment,
            provider=provider,
            room=room,
            starts_at=starts_at,
            status=Appointment.Status.HELD,
            hold_expires_at=timezone.now() + HOLD_DURATION,
        )
    )


def appointment_confirm(
    *, hold: Appointment, source_article=None, marketing_consent=False, **patient
) -> Appointment:
    """Turn a hold into a booked appointment with the patient's details
    (Appointment.PATIENT_FIELDS), audited, its emails queued. The optional
    rebooking-email consent is recorded with its time.

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
        appointment.source_article = source_article
        appointment.marketing_consent_at = timezone.now() if marketing_consent else None
        # The relations were checked when the time was held.
        appointment.full_clean(exclude=["location", "treatment", "provider", "room"])
        appointment.save()
        _booked(appointment, actor=None, ip_address=None)
    return appointment


def appointment_book(
    *,
    location: Location,
    treatment: Treatment,
    provider: Provider,
    room: Room | None,
    starts_at: datetime.datetime,
    created_by,
    ip_address: str | None = None,
    appointment_request=None,
    **patient,
) -> Appointment:
    """Book a time directly (the front desk, for a caller), audited, emails
    queued. Raises SlotTaken if the provider or room is busy then."""
    appointment = _new_appointment(
        location=location,
        treatment=treatment,
        provider=provider,
        room=room,
        starts_at=starts_at,
        status=Appointment.Status.BOOKED,
        created_by=created_by,
        appointment_request=appointment_request,
        **patient,
    )
    appointment.full_clean(
        exclude=["reference", "location", "treatment", "provider", "room"],
        validate_constraints=False,  # the insert below is the overlap check
    )
    with transaction.atomic():
        save_in_calendar(appointment)
        _booked(appointment, actor=created_by, ip_address=ip_address)
    return appointment


def _booked(appointment: Appointment, *, actor, ip_address) -> None:
    audit.record(
        action=AuditEntry.Action.CREATED,
        records=[appointment],
        actor=actor,
        ip_address=ip_address,
    )
    send_appointment_emails_task.enqueue(appointment_id=appointment.pk)


def available_slots(
    *,
    location: Location,
    treatment: Treatment,
    first_day: datetime.date,
    last_day: datetime.date,
    provider: Provider | None = None,
) -> list[availability.Slot]:
    """Free start times for `treatment` at `location` between two local days,
    for one provider or any, loaded from the calendar in five queries whatever
    its size; the rules themselves are booking.availability.free_slots."""
    zone = location.zone
    first = datetime.datetime.combine(first_day, datetime.time.min, zone)
    last = datetime.datetime.combine(
        last_day + datetime.timedelta(days=1), datetime.time.min, zone
    )
    opening_hours = _weekly(
        location.opening_hours.values_list("weekday", "opens", "closes")
    )
    closures = set(
        location.closures.filter(date__range=(first_day, last_day)).values_list(
            "date", flat=True
        )
    )
    schedules = ProviderSchedule.objects.filter(
        location=location,
        provider__is_active=True,
        provider__locations=location,
        provider__treatments=treatment,
    )
    if provider is not None:
        schedules = schedules.filter(provider=provider)
    weekly_by_provider: dict[int, list] = {}
    for provider_id, weekday, starts, ends in schedules.values_list(
        "provider_id", "weekday", "starts", "ends"
    ):
        weekly_by_provider.setdefault(provider_id, []).append((weekday, starts, ends))
    rooms = None
    if treatment.room_kind_id is not None:
        rooms = list(
            Room.objects.filter(
                location=location, kind_id=treatment.room_kind_id, is_active=True
            ).values_list("pk", flat=True)
        )
    # Time off and everything already in the calendar, in one query.
    blocked = TimeOff.objects.filter(
        provider__in=weekly_by_provider, starts_at__lt=last, ends_at__gt=first
    ).values_list(
        "provider_id",
        models.Value(None, models.BigIntegerField()),
        "starts_at",
        "ends_at",
        models.Value(True),
    )
    blocked = blocked.union(
        Appointment.objects.blocking(first, last)
        .filter(Q(provider__in=weekly_by_provider) | Q(room__in=rooms or []))
        .values_list(
            "provider_id", "room_id", "starts_at", "blocked_until", models.Value(False)
        ),
        all=True,
    )
    time_off: dict[int, list] = {}
    provider_busy: dict[int, list] = {}
    room_busy: dict[int, list] = {}
    for provider_id, room_id, starts_at, ends_at, is_time_off in blocked:
        if is_time_off:
            time_off.setdefault(provider_id, []).append((starts_at, ends_at))
            continue
        provider_busy.setdefault(provider_id, []).append((starts_at, ends_at))
        if room_id is not None:
            room_busy.setdefault(room_id, []).append((starts_at, ends_at))
    return availability.free_slots(
        time_zone=zone,
        opening_hours=opening_hours,
        closures=closures,
        providers=[
            availability.ProviderCalendar(
                provider_id=provider_id,
                weekly_hours=_weekly(hours),
                time_off=time_off.get(provider_id, ()),
                busy=provider_busy.get(provider_id, ()),
            )
            for provider_id, hours in sorted(weekly_by_provider.items())
        ],
        rooms=None
        if rooms is None
        else [
            availability.RoomCalendar(room_id=room_id, busy=room_busy.get(room_id, ()))
            for room_id in rooms
        ],
        duration=datetime.timedelta(minutes=treatment.duration_minutes),
        buffer_after=datetime.timedelta(minutes=treatment.buffer_after_minutes),
        first_day=first_day,
        last_day=last_day,
        now=timezone.now(),
        minimum_notice=datetime.timedelta(minutes=treatment.minimum_notice_minutes),
        horizon=datetime.timedelta(days=treatment.booking_horizon_days),
    )


def _weekly(rows) -> dict[int, list[tuple[datetime.time, datetime.time]]]:
    weekly: dict[int, list] = {}
    for weekday, starts, ends in rows:
        weekly.setdefault(weekday, []).append((starts, ends))
    return weekly


def providers_in_order(
    slot: availability.Slot, location: Location, preferred_id: int | None = None
) -> list[int]:
    """The slot's free providers in the order to try them: the preferred one
    if free, then the one with the fewest bookings that day first."""
    if preferred_id in slot.provider_ids:
        first = preferred_id
    elif len(slot.provider_ids) > 1:
        day = slot.starts_at.astimezone(location.zone).date()
        first = availability.choose_provider(
            slot, bookings_that_day(location=location, day=day)
        )
    else:
        first = None
    return sorted(slot.provider_ids, key=lambda pk: pk != first)


def take_slot(slot: availability.Slot, provider_ids: list[int], write):
    """Return write(provider, room) for the first of the slot's providers (in
    the order given) and free rooms the database lets it have; SlotTaken if
    another patient just took every one."""
    providers = Provider.objects.in_bulk(provider_ids)
    # Every free room is worth a try: another patient may just have taken one.
    rooms = list(Room.objects.filter(pk__in=slot.room_ids)) or [None]
    for provider_id in provider_ids:
        for room in rooms:
            try:
                return write(providers[provider_id], room)
            except SlotTaken:
                continue
    raise SlotTaken


def treatment_location(treatment: Treatment) -> Location | None:
    """Where a treatment is booked online: the first active location with a
    provider who performs it (one location today; the model allows several)."""
    return (
        Location.objects.active()
        .filter(providers__treatments=treatment, providers__is_active=True)
        .order_by("name", "pk")
        .first()
    )


def bookings_that_day(*, location: Location, day: datetime.date) -> dict[int, int]:
    """Provider id -> appointments (and live holds) at `location` on a local day,
    for availability.choose_provider ("any provider": the least booked)."""
    zone = location.zone
    start = datetime.datetime.combine(day, datetime.time.min, zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, zone
    )
    return dict(
        Appointment.objects.blocking(start, end)
        .filter(location=location)
        .values_list("provider_id")
        .annotate(count=models.Count("pk"))
        .order_by()
    )


def calendar_version() -> int:
    """The number PostgreSQL raises with every change that can free or take a
    time (see CalendarVersion and migration 0013): one primary-key read."""
    table = CalendarVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0
