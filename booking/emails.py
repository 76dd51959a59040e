"""Booking emails: what each message says, sending each exactly once, and the
retry policy while the mail server is down. The task in booking/tasks.py runs
them; nothing here is called inside a web request.

Neither message carries what the patient typed: the clinic's says only "a new
request" with an admin link, and the patient's is the clinic's own fixed text
with the reference, so the form cannot be used to mail arbitrary text to
strangers. (How many acknowledgments one address gets is limited when the
request is stored, see booking.services.)
"""

import datetime
import logging
import time
from collections.abc import Callable

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import (
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, AppointmentRequest, AuditEntry

MAX_RETRY_DELAY = datetime.timedelta(hours=1)
# How long a write that must not be lost (the sent stamp once the mail server
# took the message, the release of a claim) is retried while the database is
# away. Past it the claim is left to expire: the email then goes a second time
# (after a sent one) or CLAIM_LEASE late (after a failed one).
DATABASE_WAIT = datetime.timedelta(minutes=2)
# A claim older than this belongs to a worker that died mid-send. Read once:
# a deployment setting (see its comment in settings), not one to change live.
CLAIM_LEASE = datetime.timedelta(seconds=settings.BOOKING_EMAIL_CLAIM_LEASE_SECONDS)
MAX_DATABASE_PAUSE = 5.0
# What psycopg raises when the server is gone (stopped, restarted, cut off).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


class EmailDeliveryFailed(Exception):
    """Raised, without the SMTP error (it may quote addresses), after the last try."""


def retry_delay(attempt: int) -> datetime.timedelta | None:
    """How long to wait before trying again after `attempt` failed, or None to
    give up (after BOOKING_EMAIL_MAX_ATTEMPTS; the sweep command takes over).

    Exponential backoff: base, 2×base, 4×base… capped at an hour.
    """
    if attempt >= settings.BOOKING_EMAIL_MAX_ATTEMPTS:
        return None
    base = datetime.timedelta(seconds=settings.BOOKING_EMAIL_RETRY_SECONDS)
    return min(base * 2 ** (attempt - 1), MAX_RETRY_DELAY)


def patient_acknowledgment(appointment_request: AppointmentRequest) -> EmailMessage:
    body = render_to_string(
        "booking/email/patient_acknowledgment.txt",
        {"appointment_request": appointment_request, "clinic": settings.CLINIC},
    )
    return EmailMessage(
        subject=f"{settings.CLINIC['name']}: we received your appointment request",
        body=body,
        to=[appointment_request.email],
    )


def clinic_notification(appointment_request: AppointmentRequest) -> EmailMessage:
    return _front_desk_message(
        appointment_request,
        "booking/email/clinic_notification.txt",
        f"New appointment request {appointment_request.reference}",
    )


def _front_desk_message(record, template: str, subject: str, **context) -> EmailMessage:
    """ "Something new arrived, here is its page in the back office": no patient
    details, so the inbox and the mail relay never hold any."""
    opts = record._meta
    admin_path = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]
    )
    body = render_to_string(
        template,
        {
            "record": record,
            "admin_url": settings.SITE_URL.rstrip("/") + admin_path,
            **context,
        },
    )
    return EmailMessage(subject=subject, body=body, to=[settings.CLINIC_INBOX_EMAIL])


def manage_url(appointment: Appointment) -> str:
    """The patient's own link to see, move or cancel their appointment."""
    path = reverse("booking:manage", args=[appointment.manage_token])
    return settings.SITE_URL.rstrip("/") + path


def patient_context(appointment: Appointment) -> dict:
    """What every email to a patient about their appointment may show."""
    return {
        "appointment": appointment,
        "local_start": appointment.starts_at.astimezone(appointment.location.zone),
        "manage_url": manage_url(appointment),
        "clinic": settings.CLINIC,
    }


def patient_message(
    appointment: Appointment,
    template: str,
    subject: str,
    *,
    calendar: str | None = None,
    **context,
) -> EmailMessage:
    """An email to the patient about their appointment: the clinic's name in
    the subject, the template given patient_context(), and optionally the
    appointment as a calendar file named `calendar`."""
    message = EmailMessage(
        subject=f"{settings.CLINIC['name']}: {subject}",
        body=render_to_string(template, patient_context(appointment) | context),
        to=[appointment.email],
    )
    if calendar:
        message.attach(calendar, calendar_file(appointment), "text/calendar")
    return message


def appointment_confirmation(appointment: Appointment) -> EmailMessage:
    return patient_message(
        appointment,
        "booking/email/appointment_confirmation.txt",
        "your appointment is booked",
        calendar="appointment.ics",
    )


def appointment_clinic_notification(appointment: Appointment) -> EmailMessage:
    return _front_desk_message(
        appointment,
        "booking/email/appointment_clinic_notification.txt",
        f"New appointment {appointment.reference}",
    )


def appointment_cancelled(appointment: Appointment) -> EmailMessage:
    # The calendar file cancels the event, where the patient's app can.
    return patient_message(
        appointment,
        "booking/email/appointment_cancelled.txt",
        "your appointment is cancelled",
        calendar="cancellation.ics",
        book_url=settings.SITE_URL.rstrip("/") + reverse("booking:start"),
    )


def appointment_moved(appointment: Appointment) -> EmailMessage:
    return patient_message(
        appointment,
        "booking/email/appointment_moved.txt",
        "your appointment has a new time",
        calendar="appointment.ics",
    )


def appointment_changed_clinic_notice(
    appointment: Appointment, change: str
) -> EmailMessage:
    return _front_desk_message(
        appointment,
        "booking/email/appointment_changed_clinic.txt",
        f"Appointment {appointment.reference} {change} by the patient",
        change=change,
    )


def calendar_file(appointment: Appointment) -> bytes:
    """The appointment as an iCalendar event, times in UTC."""
    location = appointment.location
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//medspa//appointments//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"{appointment.reference}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", timezone.now())
    # Same UID, higher SEQUENCE: calendar apps replace the old event when it
    # moves or is cancelled; every change is one audit entry.
    event.add(
        "sequence",
        appointment.audit_entries.filter(action=AuditEntry.Action.CHANGED).count(),
    )
    if appointment.status == Appointment.Status.CANCELLED:
        calendar.add("method", "CANCEL")
        event.add("status", "CANCELLED")
    event.add("dtstart", appointment.starts_at.astimezone(datetime.UTC))
    event.add("dtend", appointment.ends_at.astimezone(datetime.UTC))
    event.add("summary", f"{appointment.treatment.name} at {location.name}")
    event.add(
        "location",
        ", ".join(
            part for part in (location.street, location.city, location.region) if part
        ),
    )
    event.add("description", f"Reference {appointment.reference}")
    calendar.add_component(event)
    return calendar.to_ical()


# An appointment's emails go while it is booked: not for a time only held, nor
# one cancelled (or already attended) before a delayed email could go.
STILL_BOOKED = Q(status=Appointment.Status.BOOKED)
# (model, kind) -> (message builder, extra condition for sending at all)
MESSAGES = {
    (AppointmentRequest, "clinic"): (clinic_notification, Q()),
    (AppointmentRequest, "patient"): (
        patient_acknowledgment,
        Q(patient_email_withheld=False),
    ),
    (Appointment, "clinic"): (appointment_clinic_notification, STILL_BOOKED),
    (Appointment, "confirmation"): (appointment_confirmation, STILL_BOOKED),
}
# Rows whose personal details were erased get no more email.
NOT_ANONYMISED = {
    AppointmentRequest: Q(anonymized_at__isnull=True),
    Appointment: Q(),
}


def due(kind: str, now: datetime.datetime) -> Q:
    """One kind of email not sent yet and nobody sending it (no claim, or one
    older than CLAIM_LEASE)."""
    claimed = f"{kind}_email_claimed_at"
    return Q(**{f"{kind}_email_sent_at__isnull": True}) & (
        Q(**{f"{claimed}__isnull": True}) | Q(**{f"{claimed}__lt": now - CLAIM_LEASE})
    )


def unsent(model) -> QuerySet:
    """The requests or appointments with an email that is due (see due())."""
    now = timezone.now()
    any_due = Q()
    for (message_model, kind), (_, condition) in MESSAGES.items():
        if message_model is model:
            any_due |= condition & due(kind, now)
    return model.objects.filter(any_due, NOT_ANONYMISED[model])


def send_once(model, pk: int, kind: str) -> bool:
    """Send one kind of email for a request or appointment unless it was sent;
    True if sent now.

    One short transaction claims the email and builds the message from the row
    it locked, and commits: a worker claiming it at the same moment waits, then
    finds it claimed (FOR NO KEY UPDATE, so rows being added that point at it,
    such as an audit entry, do not hold it up). Then the mail server is called
    with no transaction or row lock open, then the sent stamp is set. So
    concurrent workers never both send, a slow mail server blocks nobody, and
    a worker killed mid-send leaves a claim that expires after CLAIM_LEASE.
    The database going away leaves no claim behind: the stamp after a send,
    and the release after a failure, wait for it to come back (up to
    DATABASE_WAIT).
    """
    build, condition = MESSAGES[model, kind]
    sent_field, claimed_field = f"{kind}_email_sent_at", f"{kind}_email_claimed_at"
    claimed_at = timezone.now()
    claimable = model.objects.filter(
        condition, due(kind, claimed_at), NOT_ANONYMISED[model], pk=pk
    ).select_for_update(no_key=True)
    mine = model.objects.filter(pk=pk, **{claimed_field: claimed_at})

    def release() -> None:
        mine.update(**{claimed_field: None})  # let the retry claim it again

    try:
        with transaction.atomic():
            record = claimable.first()
            if record is None:
                return False  # sent already, being sent, withheld or anonymised
            model.objects.filter(pk=pk).update(**{claimed_field: claimed_at})
            message = build(record)
    except DATABASE_UNAVAILABLE:
        # The COMMIT may have reached the server with only its answer lost.
        until_database_answers(release, f"release the {kind} email claim")
        raise
    try:
        message.send()
    except BaseException:
        until_database_answers(release, f"release the {kind} email claim")
        raise
    # The mail server has it: a lost stamp would send it again.
    until_database_answers(
        lambda: mine.update(**{sent_field: timezone.now(), claimed_field: None}),
        f"record the {kind} email as sent",
    )
    return True


def until_database_answers(write: Callable[[], object], what: str) -> None:
    """Run write(), trying again with a growing pause while the database is
    unreachable, for up to DATABASE_WAIT; then raise its error."""
    deadline = time.monotonic() + DATABASE_WAIT.total_seconds()
    pause = 0.5
    while True:
        try:
            write()
            return
        except DATABASE_UNAVAILABLE as error:
            if time.monotonic() + pause > deadline:
                logger.error(
                    "Could not %s: the database did not answer (%s)",
                    what,
                    type(error).__name__,
                )
                raise
            logger.warning(
                "Could not %s (%s); trying again in %.1f s",
                what,
                type(error).__name__,
                pause,
            )
            time.sleep(pause)
            pause = min(pause * 2, MAX_DATABASE_PAUSE)
            # A connection the server dropped stays broken: open a new one.
            if connection.connection is not None and not connection.is_usable():
                connection.close()


def send_all(model, pk: int) -> None:
    """Send every email of a request or appointment, each once.

    Each is tried even if another fails (a patient address the server refuses
    must not keep the front desk from hearing about it); the first error is
    raised afterwards so the caller can retry what is left.
    """
    errors = []
    for message_model, kind in MESSAGES:
        if message_model is not model:
            continue
        try:
            send_once(model, pk, kind)
        except OSError as error:  # smtplib.SMTPException and socket errors
            errors.append(error)
    if errors:
        raise errors[0]


def appointment_request_send_emails(*, request_id: int) -> None:
    """Send the clinic notification and the patient acknowledgment, each once."""
    send_all(AppointmentRequest, request_id)


def appointment_send_emails(*, appointment_id: int) -> None:
    """Send the clinic notification and the patient's confirmation, each once."""
    send_all(Appointment, appointment_id)
