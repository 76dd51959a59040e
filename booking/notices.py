"""Telling the patient (and, for the patient's own changes, the clinic) that an
appointment moved or was cancelled: each message once, through booking.outbox,
keyed by the audit entry of the change."""

from booking import emails, outbox
from booking.models import Appointment, OutgoingMessage

PATIENT_MESSAGES = {
    "cancelled": emails.appointment_cancelled,
    "moved": emails.appointment_moved,
}


def send_change_notices(
    *, appointment_id: int, change: str, change_id: int, tell_clinic: bool
) -> None:
    """Send the patient's email about one change, and the clinic's if asked;
    each at most once. Raises the first mail error after trying both."""
    errors = []
    recipients = [("patient", PATIENT_MESSAGES[change])]
    if tell_clinic:
        recipients.append(
            (
                "clinic",
                lambda appointment: emails.appointment_changed_clinic_notice(
                    appointment, change
                ),
            )
        )
    for recipient, build in recipients:
        try:
            outbox.deliver_once(
                key=f"{change}-{recipient}:{appointment_id}:{change_id}",
                channel=OutgoingMessage.Channel.EMAIL,
                appointment_id=appointment_id,
                send=lambda build=build: _send_current(appointment_id, change, build),
            )
        except OSError as error:  # smtplib.SMTPException and socket errors
            errors.append(error)
    if errors:
        raise errors[0]


def _send_current(appointment_id: int, change: str, build):
    """Build from the appointment as it is now (its newest time)."""
    appointment = Appointment.objects.select_related(
        "location", "treatment", "provider"
    ).get(pk=appointment_id)
    # A new time is news only while the appointment is still booked.
    if change == "moved" and appointment.status != Appointment.Status.BOOKED:
        return outbox.NOTHING_TO_SEND
    build(appointment).send()
    return True
