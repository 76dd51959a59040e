"""What a patient changes themselves, from the manage link in their
confirmation: cancel, or move to another free time, up to a cut-off before the
appointment (BOOKING_CANCELLATION_CUTOFF_HOURS); later, they call.

Both go through booking.frontdesk's writes, so a patient's change is audited
(as done by the patient), frees the old time for the waitlist and is told to
the patient and the clinic exactly like a front-desk change.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import frontdesk
from booking.availability import Slot
from booking.models import Appointment
from booking.scheduling import providers_in_order, take_slot

CANCELLED_ONLINE = _("Cancelled online by the patient.")


class CannotChangeOnline(Exception):
    """Past the cut-off or no longer booked (or, to move it, its treatment is
    no longer booked online): the patient calls instead."""


def can_change(appointment: Appointment) -> bool:
    """Whether the patient may still cancel it online."""
    return (
        appointment.status == Appointment.Status.BOOKED
        and timezone.now() < appointment.change_deadline
    )


def can_move(appointment: Appointment) -> bool:
    """Whether the patient may still move it online: as for cancelling, and
    only while the clinic still books its treatment online."""
    treatment = appointment.treatment
    return (
        can_change(appointment) and treatment.is_active and treatment.is_bookable_online
    )


def _locked_changeable(appointment: Appointment) -> Appointment:
    """The row, locked until the transaction ends, if the patient may still
    change it; the check is made under the lock so a concurrent move cannot
    slip the appointment inside the cut-off unseen."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not can_change(current):
        raise CannotChangeOnline
    return current


def appointment_cancel_by_patient(
    *, appointment: Appointment, ip_address: str | None
) -> Appointment:
    """Cancel before the cut-off; CannotChangeOnline after it."""
    with transaction.atomic():
        current = _locked_changeable(appointment)
        return frontdesk.appointment_set_status(
            appointment=current,
            status=Appointment.Status.CANCELLED,
            reason=CANCELLED_ONLINE,
            cancelled_by="patient",
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
    (booking.frontdesk.appointment_move). CannotChangeOnline past the cut-off;
    SlotTaken, with nothing changed, if every provider and room free then was
    taken meanwhile.
    """
    with transaction.atomic():
        current = _locked_changeable(appointment)
        if not can_move(current):
            raise CannotChangeOnline
        return take_slot(
            slot,
            providers_in_order(slot, current.location, current.provider_id),
            lambda provider, room: frontdesk.appointment_move(
                appointment=current,
                starts_at=slot.starts_at,
                provider=provider,
                room=room,
                actor=None,
                ip_address=ip_address,
                by_patient=True,
            ),
        )
