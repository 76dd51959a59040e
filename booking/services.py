"""Writes with side effects for booking: creating requests, staff changes with
their audit trail, the per-client rate limit, emails and retention."""

import datetime
import logging
import secrets
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from booking.models import AppointmentRequest, AuditEntry, RateLimitCounter, Treatment

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: the code is read aloud on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# A patient who goes back and sends the same details again under a new form token.
DUPLICATE_WINDOW = datetime.timedelta(minutes=30)


def generate_reference() -> str:
    return "MS-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


def audit_record(
    *,
    action: str,
    appointment_request: AppointmentRequest | None = None,
    appointment_request_id: int | None = None,
    actor=None,
    ip_address: str | None = None,
    changes: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail."""
    if appointment_request is not None:
        appointment_request_id = appointment_request.pk
    return AuditEntry.objects.create(
        action=action,
        appointment_request_id=appointment_request_id,
        actor=actor,
        ip_address=ip_address or None,
        changes=changes or {},
    )


def appointment_requests_record_export(
    *, appointment_requests: list[AppointmentRequest], actor, ip_address: str | None
) -> None:
    """Note on each exported request who took its data out, and when."""
    AuditEntry.objects.bulk_create(
        AuditEntry(
            appointment_request=appointment_request,
            actor=actor,
            action=AuditEntry.Action.EXPORTED,
            ip_address=ip_address or None,
            changes={"rows": len(appointment_requests)},
        )
        for appointment_request in appointment_requests
    )


def appointment_request_create(
    *,
    form_token: uuid.UUID,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    treatment: Treatment | None,
    preferred_date: datetime.date,
    preferred_time: str,
    patient_type: str,
    contact_method: str,
    message: str = "",
    consent: bool,
    source_path: str = "",
    source_article=None,
) -> AppointmentRequest:
    """Store a patient's request once per form token, then queue its emails.

    A replayed token (double click, refresh, concurrent resubmits) returns the row
    the first submission created, so the patient sees the same confirmation.
    """
    existing = AppointmentRequest.objects.filter(form_token=form_token).first()
    if existing is not None:
        return existing
    duplicate = (
        # Only a request identical in everything the patient typed counts, so a
        # second, different request with the same contact details is never lost.
        AppointmentRequest.objects.filter(
            first_name=first_name,
            last_name=last_name,
            email__iexact=email,
            phone=phone,
            treatment=treatment,
            preferred_date=preferred_date,
            preferred_time=preferred_time,
            patient_type=patient_type,
            contact_method=contact_method,
            message=message,
            status=AppointmentRequest.Status.NEW,
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("created_at")
        .first()
    )
    if duplicate is not None:
        return duplicate

    fields = {
        "form_token": form_token,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "treatment": treatment,
        "preferred_date": preferred_date,
        "preferred_time": preferred_time,
        "patient_type": patient_type,
        "contact_method": contact_method,
        "message": message,
        "consent": consent,
        "source_path": source_path,
    }
    if source_article is not None:
        fields["source_article"] = source_article
    for _attempt in range(5):
        appointment_request = AppointmentRequest(
            reference=generate_reference(), **fields
        )
        # Uniqueness is left to the database, which also settles concurrent posts.
        appointment_request.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                appointment_request.save(force_insert=True)
                audit_record(
                    action=AuditEntry.Action.CREATED,
                    appointment_request=appointment_request,
                )
        except IntegrityError:
            existing = AppointmentRequest.objects.filter(form_token=form_token).first()
            if existing is not None:
                return existing
            continue  # reference collision: draw another code
        _enqueue_emails(appointment_request.pk)
        return appointment_request
    raise RuntimeError("Could not allocate a unique booking reference.")


def _enqueue_emails(request_id: int) -> None:
    from booking.tasks import send_request_emails

    # robust: a queue hiccup must not turn a saved booking into an error page;
    # `manage.py send_pending_booking_emails` picks up anything left unsent.
    transaction.on_commit(
        lambda: send_request_emails.enqueue(request_id=request_id), robust=True
    )


def appointment_request_update(
    *,
    appointment_request: AppointmentRequest,
    changes: dict,
    actor,
    ip_address: str | None,
) -> AppointmentRequest:
    """Save a staff edit made in the admin and record what changed."""
    # The admin form has validated the staff fields and their constraints.
    with transaction.atomic():
        appointment_request.save()
        if changes:
            audit_record(
                action=AuditEntry.Action.CHANGED,
                appointment_request=appointment_request,
                actor=actor,
                ip_address=ip_address,
                changes=changes,
            )
    return appointment_request


def appointment_request_set_status(
    *,
    appointment_requests,
    status: str,
    actor,
    ip_address: str | None,
) -> int:
    """Move requests to a new status (an admin action); return how many changed."""
    changed = 0
    with transaction.atomic():
        for appointment_request in appointment_requests.select_for_update(of=("self",)):
            if appointment_request.status == status:
                continue
            previous = appointment_request.status
            appointment_request.status = status
            appointment_request.handled_by = actor
            appointment_request.save(
                update_fields=["status", "handled_by", "updated_at"]
            )
            audit_record(
                action=AuditEntry.Action.CHANGED,
                appointment_request=appointment_request,
                actor=actor,
                ip_address=ip_address,
                changes={"status": [previous, status]},
            )
            changed += 1
    return changed


def rate_limit_exceeded(*, client_ip: str) -> bool:
    """Count one booking attempt for this client; True once over the limit."""
    window = settings.BOOKING_RATE_LIMIT_WINDOW
    now = int(timezone.now().timestamp())
    window_start = datetime.datetime.fromtimestamp(now - now % window, tz=datetime.UTC)
    key = salted_hmac("booking.ratelimit", client_ip, algorithm="sha256").hexdigest()
    table = RateLimitCounter._meta.db_table
    # One statement, so concurrent posts from one client cannot both read "4".
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (key, window_start) "
            f"DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, window_start],
        )
        (count,) = cursor.fetchone()
    return count > settings.BOOKING_RATE_LIMIT


def _send_once(request_id: int, sent_field: str, build) -> None:
    with transaction.atomic():
        appointment_request = (
            AppointmentRequest.objects.select_for_update()
            .filter(pk=request_id, anonymized_at__isnull=True)
            .first()
        )
        if appointment_request is None or getattr(appointment_request, sent_field):
            return
        build(appointment_request).send()
        setattr(appointment_request, sent_field, timezone.now())
        appointment_request.save(update_fields=[sent_field])


def _patient_message(appointment_request: AppointmentRequest) -> EmailMessage:
    body = render_to_string(
        "booking/email/patient_acknowledgment.txt",
        {"appointment_request": appointment_request, "clinic": settings.CLINIC},
    )
    return EmailMessage(
        subject=f"{settings.CLINIC['name']}: we received your appointment request",
        body=body,
        to=[appointment_request.email],
    )


def _clinic_message(appointment_request: AppointmentRequest) -> EmailMessage:
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


def appointment_request_send_emails(*, request_id: int) -> None:
    """Send the clinic notification and the patient acknowledgment, each once.

    Each is tried even if the other fails (a patient address the server refuses
    must not keep the front desk from hearing about the request); the first
    error is raised afterwards so the caller can retry what is left.
    """
    errors = []
    for sent_field, build in (
        ("clinic_email_sent_at", _clinic_message),
        ("patient_email_sent_at", _patient_message),
    ):
        try:
            _send_once(request_id, sent_field, build)
        except OSError as error:
            errors.append(error)
    if errors:
        raise errors[0]


def appointment_requests_anonymize_expired(*, days: int) -> int:
    """Strip patient data from requests older than the retention period."""
    now = timezone.now()
    with transaction.atomic():
        expired = list(
            AppointmentRequest.objects.expired(days=days)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        AppointmentRequest.objects.filter(pk__in=expired).update(
            first_name="",
            last_name="",
            email="",
            phone="",
            message="",
            staff_notes="",
            source_path="",
            anonymized_at=now,
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                appointment_request_id=pk,
                action=AuditEntry.Action.ANONYMIZED,
                changes={"retention_days": days},
                created_at=now,
            )
            for pk in expired
        )
        RateLimitCounter.objects.filter(
            window_start__lt=now - datetime.timedelta(days=1)
        ).delete()
    return len(expired)
