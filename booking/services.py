"""Writes with side effects for booking: a patient's submission, staff changes,
status moves, exports and retention. Every write of patient data is audited
through booking.audit; emails are queued as tasks (booking.tasks)."""

import datetime
import secrets
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from booking import audit, ratelimit
from booking.models import AppointmentRequest, AuditEntry
from booking.tasks import send_request_emails as send_request_emails_task

# No 0/O, 1/I/L: the code is read aloud on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# Anonymising requests younger than this would erase work in progress.
MIN_RETENTION_DAYS = 30
ACKNOWLEDGMENT_WINDOW = datetime.timedelta(days=1)
REFERENCE_UNIQUE = "booking_appointmentrequest_reference_key"
FORM_TOKEN_UNIQUE = "booking_appointmentrequest_form_token_key"


class AlreadySubmitted(Exception):
    """This form was sent before with different details (back, edit, resend).

    The earlier request is kept as it was; the patient is told, so a corrected
    email or phone number is never silently dropped.
    """

    def __init__(self, appointment_request: AppointmentRequest):
        super().__init__(appointment_request.reference)
        self.appointment_request = appointment_request


def generate_reference() -> str:
    return "MS-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


def _same_details(appointment_request: AppointmentRequest, patient: dict) -> bool:
    """True if the stored request holds exactly these patient details."""
    for name, value in patient.items():
        field = AppointmentRequest._meta.get_field(name)
        stored = getattr(appointment_request, field.attname)
        if field.is_relation:
            value = getattr(value, "pk", value)
        elif name == "email":
            stored, value = stored.lower(), value.lower()
        if stored != value:
            return False
    return True


def _replayed(replay: AppointmentRequest, patient: dict) -> AppointmentRequest:
    """This form's stored request, if sent again with the same details."""
    if _same_details(replay, patient):
        return replay
    raise AlreadySubmitted(replay)


class _Conflict(Exception):
    """A concurrent post stored this reference, or this form, first."""


def appointment_request_submit(
    *,
    client_ip: str | None,
    form_token: uuid.UUID,
    source_path: str = "",
    source_article=None,
    **patient,
) -> AppointmentRequest:
    """Store a patient's request once, and queue its emails; return the request.

    In one transaction, in this order:
    1. replay: this form's token was stored before. The same details return that
       request (double click, refresh); different ones raise AlreadySubmitted.
    2. rate limit: over BOOKING_RATE_LIMIT posts from this client in the window
       raises RateLimited (a replay never counts, so it never hits the limit).
    3. duplicate: the identical request sent again under a new token within
       AppointmentRequest.DUPLICATE_WINDOW returns the earlier one (that new
       token is not stored, so its own replays are checked as duplicates too).
    4. create, audited, its emails queued; the acknowledgment is withheld once
       the address has had BOOKING_ACKNOWLEDGMENTS_PER_DAY today.

    Concurrent posts of one form (a double click): the first to store its row
    wins. The others wait for it (at the client's rate-limit counter, or at the
    unique form token), are rolled back whole, so nothing they counted stays
    counted, and find its row as their replay: when the INSERT conflicts, by
    starting again; when the count they made took the client over the limit,
    by looking the token up once more.

    `patient` is exactly AppointmentRequest.PATIENT_FIELDS.
    """
    if set(patient) != set(AppointmentRequest.PATIENT_FIELDS):
        raise TypeError(f"expected the fields {AppointmentRequest.PATIENT_FIELDS}")
    for _attempt in range(5):
        try:
            return _submit(
                reference=generate_reference(),
                client_ip=client_ip,
                form_token=form_token,
                source_path=source_path,
                source_article=source_article,
                patient=patient,
            )
        except _Conflict:
            # Rolled back whole, so nothing was counted twice: with another
            # code, or finding the other post's row as this form's replay.
            continue
        except ratelimit.RateLimited:
            replay = AppointmentRequest.objects.filter(form_token=form_token).first()
            if replay is None:
                raise
            return _replayed(replay, patient)
    raise RuntimeError("Could not allocate a unique booking reference.")


@transaction.atomic
def _submit(
    *, reference, client_ip, form_token, source_path, source_article, patient
) -> AppointmentRequest:
    # One query finds both this form's row (a replay) and any duplicate.
    earlier = list(
        AppointmentRequest.objects.submitted_before(
            form_token=form_token, email=patient["email"]
        )
    )
    replay = next((r for r in earlier if r.form_token == form_token), None)
    if replay is not None:
        return _replayed(replay, patient)

    client = client_ip or "unknown"
    resent_since = timezone.now() - AppointmentRequest.DUPLICATE_WINDOW
    for candidate in earlier:
        if candidate.created_at >= resent_since and _same_details(candidate, patient):
            ratelimit.spend(scope="post", subject=client)
            return candidate  # the same request, sent again from a new form

    (acknowledgments,) = ratelimit.spend(
        scope="post",
        subject=client,
        also=(
            ratelimit.Event(
                "acknowledgment",
                patient["email"].lower(),
                int(ACKNOWLEDGMENT_WINDOW.total_seconds()),
            ),
        ),
    )
    appointment_request = AppointmentRequest(
        reference=reference,
        form_token=form_token,
        source_path=source_path,
        source_article=source_article,
        patient_email_withheld=acknowledgments
        > settings.BOOKING_ACKNOWLEDGMENTS_PER_DAY,
        **patient,
    )
    # Field rules only: the database enforces uniqueness, the check constraints
    # and the foreign keys (given here as instances) itself, and asking it
    # first would cost a query or three per booking.
    appointment_request.full_clean(
        exclude=["treatment", "source_article"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        appointment_request.save(force_insert=True)
    except IntegrityError as error:
        _raise_for_violation(error)
    audit.record(action=AuditEntry.Action.CREATED, records=[appointment_request])
    send_request_emails_task.enqueue(request_id=appointment_request.pk)
    return appointment_request


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL refused a write for, if any."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def _raise_for_violation(error: IntegrityError):
    """Turn a constraint the database refused into what the caller can act on."""
    name = violated_constraint(error)
    if name in (REFERENCE_UNIQUE, FORM_TOKEN_UNIQUE):
        raise _Conflict from error
    for constraint in AppointmentRequest._meta.constraints:
        if constraint.name == name:
            raise ValidationError(constraint.get_violation_error_message()) from error
    raise error


def appointment_request_update(
    *, appointment_request: AppointmentRequest, actor, ip_address: str | None
) -> AppointmentRequest:
    """Save a staff edit (validated, including its status move) and audit the diff."""
    appointment_request.handled_by = actor
    # The fields staff may edit and the request's invariants; the patient's own
    # details were validated when they were submitted.
    appointment_request.clean()
    appointment_request.validate_constraints()
    with transaction.atomic():
        # The diff is taken against the row as read, so before saving.
        audit.record(
            action=AuditEntry.Action.CHANGED,
            records=[appointment_request],
            actor=actor,
            ip_address=ip_address,
        )
        appointment_request.save()
    return appointment_request


def appointment_request_set_status(
    *,
    appointment_requests: QuerySet[AppointmentRequest],
    status: str,
    actor,
    ip_address: str | None,
) -> list[AppointmentRequest]:
    """Move requests to `status` (an admin action); return those that moved.

    All or nothing: if the lifecycle forbids the move for any of them, raise
    ValidationError naming it, and change none.
    """
    moved = []
    with transaction.atomic():
        for appointment_request in appointment_requests.select_for_update(
            of=("self",)
        ).order_by("pk"):
            if appointment_request.status == status:
                continue
            try:
                appointment_request.check_transition(status)
            except ValidationError as error:
                raise ValidationError(
                    f"{appointment_request.reference}: "
                    + " ".join(error.message_dict["status"]),
                    code="invalid_transition",
                ) from None
            appointment_request.status = status
            appointment_request.handled_by = actor
            moved.append(appointment_request)
        # The diffs are taken against the rows as read, so before saving.
        audit.record(
            action=AuditEntry.Action.CHANGED,
            records=moved,
            actor=actor,
            ip_address=ip_address,
        )
        for appointment_request in moved:
            appointment_request.save(
                update_fields=["status", "handled_by", "updated_at"]
            )
    return moved


def appointment_request_record_view(
    *, appointment_request: AppointmentRequest, actor, ip_address: str | None
) -> None:
    """Note that a staff member opened a request's patient details."""
    audit.record(
        action=AuditEntry.Action.VIEWED,
        records=[appointment_request],
        actor=actor,
        ip_address=ip_address,
    )


def appointment_requests_record_export(
    *,
    appointment_requests: Iterable[AppointmentRequest],
    actor,
    ip_address: str | None,
) -> None:
    """Note on each exported request who took its data out, and when."""
    appointment_requests = list(appointment_requests)
    audit.record(
        action=AuditEntry.Action.EXPORTED,
        records=appointment_requests,
        actor=actor,
        ip_address=ip_address,
        details={"rows": len(appointment_requests)},
    )


def appointment_requests_anonymize_expired(*, days: int) -> int:
    """Erase the personal fields of closed requests older than `days`; return
    how many. Refuses a period under MIN_RETENTION_DAYS, which would erase
    requests still being worked (a mistyped 0 would erase everything)."""
    if days < MIN_RETENTION_DAYS:
        raise ValueError(
            f"The retention period must be at least {MIN_RETENTION_DAYS} days."
        )
    erased = dict.fromkeys(AppointmentRequest.PERSONAL_FIELDS, "")
    with transaction.atomic():
        expired = list(
            AppointmentRequest.objects.expired(days=days).select_for_update().only("pk")
        )
        AppointmentRequest.objects.filter(pk__in=[r.pk for r in expired]).update(
            **erased,
            staff_notes="",
            source_path="",
            anonymized_at=timezone.now(),
        )
        audit.record(
            action=AuditEntry.Action.ANONYMIZED,
            records=expired,
            details={"retention_days": days},
        )
    return len(expired)
