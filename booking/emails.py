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

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentRequest

# A claim older than this belongs to a worker that died mid-send; well above
# the SMTP timeout, so a slow but live send is never duplicated.
CLAIM_LEASE = datetime.timedelta(minutes=10)
MAX_RETRY_DELAY = datetime.timedelta(hours=1)


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
    admin_path = reverse(
        "admin:booking_appointmentrequest_change", args=[appointment_request.pk]
    )
    body = render_to_string(
        "booking/email/clinic_notification.txt",
        {
            "appointment_request": appointment_request,
            "admin_url": settings.SITE_URL.rstrip("/") + admin_path,
        },
    )
    return EmailMessage(
        subject=f"New appointment request {appointment_request.reference}",
        body=body,
        to=[settings.CLINIC_INBOX_EMAIL],
    )


# kind -> (message builder, extra condition for sending at all)
MESSAGES = {
    "clinic": (clinic_notification, Q()),
    "patient": (patient_acknowledgment, Q(patient_email_withheld=False)),
}


def send_once(request_id: int, kind: str) -> bool:
    """Send one kind of email for a request unless it was sent; True if sent now.

    A single UPDATE claims the email (committed at once), then the mail server is
    called with no transaction or row lock open, then the sent stamp is set. So
    concurrent workers never both send, a slow mail server blocks nobody, and a
    worker killed mid-send leaves a claim that expires after CLAIM_LEASE.
    """
    build, condition = MESSAGES[kind]
    sent_field, claimed_field = f"{kind}_email_sent_at", f"{kind}_email_claimed_at"
    now = timezone.now()
    claimable = AppointmentRequest.objects.filter(
        condition,
        pk=request_id,
        anonymized_at__isnull=True,
        **{f"{sent_field}__isnull": True},
    ).filter(
        Q(**{f"{claimed_field}__isnull": True})
        | Q(**{f"{claimed_field}__lt": now - CLAIM_LEASE})
    )
    if not claimable.update(**{claimed_field: now}):
        return False  # sent already, being sent, withheld or anonymised
    mine = AppointmentRequest.objects.filter(pk=request_id, **{claimed_field: now})
    try:
        build(AppointmentRequest.objects.get(pk=request_id)).send()
    except BaseException:
        mine.update(**{claimed_field: None})  # let the retry claim it again
        raise
    mine.update(**{sent_field: timezone.now(), claimed_field: None})
    return True


def appointment_request_send_emails(*, request_id: int) -> None:
    """Send the clinic notification and the patient acknowledgment, each once.

    Each is tried even if the other fails (a patient address the server refuses
    must not keep the front desk from hearing about the request); the first
    error is raised afterwards so the caller can retry what is left.
    """
    errors = []
    for kind in MESSAGES:
        try:
            send_once(request_id, kind)
        except OSError as error:  # smtplib.SMTPException and socket errors
            errors.append(error)
    if errors:
        raise errors[0]
