"""What a patient changes themselves, from the manage link in their
confirmation: cancel, or move to another free time, up to a cut-off before the
appointment (BOOKING_CANCELLATION_CUTOFF_HOURS); later, they call.

Both go through booking.frontdesk's writes, so a patient's change is audited
(as done by the patient), frees the old time for the waitlist and is told to
the patient and the clinic exactly like a front-desk change.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import frontdesk
from booking.availability import Slot, choose_provider
from booking.models import Appointment, Provider, Room
from booking.scheduling import SlotTaken, bookings_that_day

CANCELLED_ONLINE = _("Cancelled online by the patient.")


class TooLateToChange(Exception):
    """The appointment starts within the cut-off (or is no longer booked)."""


def change_deadline(appointment: Appointment) -> datetime.datetime:
    """Until when the patient may cancel or move it online."""
    cutoff = datetime.timedelta(hours=settings.BOOKING_CANCELLATION_CUTOFF_HOURS)
    return appointment.starts_at - cutoff


def can_change(appointment: Appointment) -> bool:
    return (
        appointment.status == Appointment.Status.BOOKED
        and timezone.now() < change_deadline(appointment)
    )


def _locked_changeable(appointment: Appointment) -> Appointment:
    """The row, locked until the transaction ends, if the patient may still
    change it; the check is made under the lock so a concurrent move cannot
    slip the appointment inside the cut-off unseen."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not can_change(current):
        raise TooLateToChange
    return current


def appointment_cancel_by_patient(
    *, appointment: Appointment, ip_address: str | None
) -> Appointment:
    """Cancel before the cut-off; TooLateToChange after it."""
    with transaction.atomic():
        current = _locked_changeable(appointment)
        return frontdesk.appointment_set_status(
            appointment=current,
            status=Appointment.Status.CANCELLED,
            reason=CANCELLED_ONLINE,
            actor=None,
            ip_address=ip_address,
            by_patient=True,
        )


def appointment_reschedule_by_patient(
    *, appointment: Appointment, slot: Slot, ip_address: str | None
) -> Appointment:
    """Move the appointment to a free time (a Slot from
    scheduling.available_slots for its treatment and location), keeping its
    provider when they are free then, otherwise with the free provider who has
    the fewest bookings that day.

    The new time is taken and the old released by one UPDATE of the row
    (booking.frontdesk.appointment_move). TooLateToChange past the cut-off;
    SlotTaken, with nothing changed, if every provider and room free then was
    taken meanwhile.
    """
    with transaction.atomic():
        current = _locked_changeable(appointment)
        candidates = list(slot.provider_ids)
        if current.provider_id in candidates:
            first = current.provider_id
        else:
            day = slot.starts_at.astimezone(current.location.zone).date()
            first = choose_provider(
                slot, bookings_that_day(location=current.location, day=day)
            )
        candidates.sort(key=lambda pk: pk != first)
        providers = Provider.objects.in_bulk(candidates)
        rooms = list(Room.objects.filter(pk__in=slot.room_ids)) or [None]
        for provider_id in candidates:
            for room in rooms:
                try:
                    return frontdesk.appointment_move(
                        appointment=current,
                        starts_at=slot.starts_at,
                        provider=providers[provider_id],
                        room=room,
                        actor=None,
                        ip_address=ip_address,
                        by_patient=True,
                    )
                except SlotTaken:
                    continue
        raise SlotTaken
