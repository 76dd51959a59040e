"""Telling the patient (and, for the patient's own changes, the clinic) that an
appointment moved or was cancelled: each message once, through booking.outbox,
keyed by the audit entry of the change. The periodic sweep sends what a task
gave up on (resend_unsent_change_notices)."""

import datetime

from django.utils import timezone

from booking import emails, outbox
from booking.models import Appointment, AuditEntry, OutgoingMessage

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


# The sweep leaves younger changes to their own task and its retries, and
# gives up on changes older than a couple of days: news that late is no news.
RESEND_AFTER = datetime.timedelta(minutes=15)
RESEND_WITHIN = datetime.timedelta(days=2)


def change_of(entry: AuditEntry) -> str | None:
    """The change an audit entry records that the patient is told about, as
    booking.frontdesk tells it: a cancellation or a new start time."""
    if entry.changes.get("status", [None, None])[1] == Appointment.Status.CANCELLED:
        return "cancelled"
    if "starts_at" in entry.changes:
        return "moved"
    return None


def resend_unsent_change_notices() -> int:
    """Send the change notices whose task gave up (the mail server was down
    for hours) or died with its worker; how many changes were told now.

    Run by the periodic sweep; each message still goes at most once.
    """
    now = timezone.now()
    entries = AuditEntry.objects.filter(
        appointment__isnull=False,
        action=AuditEntry.Action.CHANGED,
        created_at__range=(now - RESEND_WITHIN, now - RESEND_AFTER),
    ).select_related("appointment")
    sent = set(
        OutgoingMessage.objects.filter(
            created_at__gte=now - RESEND_WITHIN - RESEND_AFTER, sent_at__isnull=False
        ).values_list("key", flat=True)
    )
    told, errors = 0, []
    for entry in entries:
        change = change_of(entry)
        if change is None or (
            change == "moved" and entry.appointment.status != Appointment.Status.BOOKED
        ):
            continue
        recipients = ["patient", "clinic"] if entry.by_patient else ["patient"]
        keys = {
            f"{change}-{recipient}:{entry.appointment_id}:{entry.pk}"
            for recipient in recipients
        }
        if keys <= sent:
            continue
        try:
            send_change_notices(
                appointment_id=entry.appointment_id,
                change=change,
                change_id=entry.pk,
                tell_clinic=entry.by_patient,
            )
        except OSError as error:
            errors.append(error)
            continue
        told += 1
    if errors:
        raise errors[0]
    return told
