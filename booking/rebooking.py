"""The "time to rebook?" email: one, when a treatment usually wears off, only
to patients who gave the separate marketing consent, with a one-click
unsubscribe (RFC 8058) that withdraws that consent for their address.

The periodic task (booking.periodic) calls send_due_rebooking_emails().
"""

import datetime
import functools
import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking import audit, outbox
from booking.models import Appointment, AuditEntry, OutgoingMessage

logger = logging.getLogger(__name__)

# An appointment whose rebooking moment passed longer ago than this gets no
# email: when the feature is switched on, a treatment's interval is set or
# shortened, or the worker was down, patients seen months ago would otherwise
# hear from the clinic out of the blue, all at once.
LATEST = datetime.timedelta(days=30)
ATTENDED = (Appointment.Status.COMPLETED, Appointment.Status.CHECKED_IN)
UNSUBSCRIBE_SALT = "booking.unsubscribe"


def due_for_rebooking(now: datetime.datetime):
    """Attended appointments, with marketing consent, whose treatment's
    rebooking moment has come (and not long ago), and whose patient has
    neither booked that treatment again nor had it since."""
    same_patient_and_treatment = Appointment.objects.filter(
        email__iexact=OuterRef("email"), treatment=OuterRef("treatment")
    )
    booked_again = same_patient_and_treatment.filter(
        status=Appointment.Status.BOOKED, starts_at__gt=now
    )
    had_it_since = same_patient_and_treatment.filter(
        status__in=ATTENDED, starts_at__gt=OuterRef("starts_at")
    )
    return (
        Appointment.objects.filter(
            status__in=ATTENDED,
            treatment__rebook_after_days__isnull=False,
            marketing_consent_at__isnull=False,
        )
        .annotate(
            rebook_at=ExpressionWrapper(
                F("starts_at")
                + F("treatment__rebook_after_days") * datetime.timedelta(days=1),
                output_field=DateTimeField(),
            )
        )
        .filter(rebook_at__lte=now, rebook_at__gt=now - LATEST)
        .exclude(Exists(booked_again))
        .exclude(Exists(had_it_since))
    )


def send_due_rebooking_emails() -> int:
    """Send each "time to rebook?" email due now, once; how many were sent.

    As with reminders, one failure of any kind does not keep the others from
    going; the first error is raised afterwards.
    """
    already_sent = OutgoingMessage.objects.filter(
        appointment=OuterRef("pk"), key__startswith="rebook:", sent_at__isnull=False
    )
    due = due_for_rebooking(timezone.now()).exclude(Exists(already_sent))
    sent, errors = 0, []
    for appointment in due.only("pk"):
        try:
            sent += outbox.deliver_once(
                key=f"rebook:{appointment.pk}",
                channel=OutgoingMessage.Channel.EMAIL,
                appointment_id=appointment.pk,
                send=functools.partial(_send_rebooking_email, appointment.pk),
            )
        except Exception as error:
            # The id and the class only: the message may quote the address.
            logger.warning(
                "Rebooking email for appointment id=%s failed (%s)",
                appointment.pk,
                type(error).__name__,
            )
            errors.append(error)
    if errors:
        raise errors[0]
    return sent


def _send_rebooking_email(appointment_id: int) -> bool | None:
    """Send it unless, since the sweep, the patient unsubscribed or booked."""
    appointment = (
        due_for_rebooking(timezone.now())
        .select_related("treatment")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return outbox.NOTHING_TO_SEND
    rebooking_email(appointment).send()
    return None


def unsubscribe_token(appointment: Appointment) -> str:
    """The secret in an unsubscribe link: the appointment's id, signed, with
    no timestamp, so an old email's link still works.

    Not the address: a signed value is only encoded, and the link ends up in
    access logs and mail scanners.
    """
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(appointment.pk))


def appointment_from_unsubscribe_token(token: str) -> Appointment | None:
    """The appointment an unsubscribe token was made for; None if the token
    is forged or the appointment no longer exists."""
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not pk.isdigit():  # signed for this salt, but not by unsubscribe_token()
        return None
    return Appointment.objects.filter(pk=int(pk)).first()


def unsubscribe_url(appointment: Appointment) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "booking:unsubscribe", args=[unsubscribe_token(appointment)]
    )


def rebooking_email(appointment: Appointment) -> EmailMessage:
    unsubscribe = unsubscribe_url(appointment)
    treatment = appointment.treatment
    body = render_to_string(
        "booking/email/rebook_reminder.txt",
        {
            "appointment": appointment,
            "treatment_url": settings.SITE_URL.rstrip("/")
            + treatment.get_absolute_url(),
            "unsubscribe_url": unsubscribe,
            "clinic": settings.CLINIC,
        },
    )
    return EmailMessage(
        subject=f"{settings.CLINIC['name']}: time to book your next visit?",
        body=body,
        to=[appointment.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def marketing_consent_withdraw(*, email: str) -> int:
    """Withdraw the rebooking-email consent on every appointment of this
    address (any letter case), audited as done by the patient; how many
    appointments had it."""
    with transaction.atomic():
        appointments = list(
            Appointment.objects.select_for_update()
            .filter(email__iexact=email, marketing_consent_at__isnull=False)
            .order_by("pk")
        )
        for appointment in appointments:
            appointment.marketing_consent_at = None
        # The diffs are taken against the rows as read, so before saving.
        audit.record(
            action=AuditEntry.Action.CHANGED, records=appointments, by_patient=True
        )
        Appointment.objects.bulk_update(appointments, ["marketing_consent_at"])
    return len(appointments)
