"""Writes to booked appointments: move one, move it along its lifecycle
(check in, complete, no-show, cancel), and book a time for an appointment
request. The front desk makes them from the admin; a patient's own move or
cancellation (booking.patient_changes) goes through the same two functions.

Each write is one transaction and one audit entry (actor and address). As in
booking.scheduling, no check here decides whether a time is free: the
exclusion constraints on Appointment do, and an overlap comes back as
SlotTaken with the row as it was. A time freed by a move or cancellation is
offered to the waitlist, and the patient (and, for their own changes, the
clinic) is told, once the transaction commits.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import audit, scheduling, waitlist
from booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentRequest,
    AuditEntry,
    Location,
    Provider,
    Room,
)
from booking.services import appointment_request_update
from booking.tasks import send_change_notices

# What the front desk may mark by hand; "held" and "booked" come only from
# booking.scheduling.
STAFF_STATUSES = (
    Appointment.Status.CHECKED_IN,
    Appointment.Status.COMPLETED,
    Appointment.Status.NO_SHOW,
    Appointment.Status.CANCELLED,
)


def appointment_move(
    *,
    appointment: Appointment,
    starts_at: datetime.datetime,
    provider: Provider,
    room: Room | None,
    actor,
    ip_address: str | None,
    by_patient: bool = False,
) -> Appointment:
    """Move a booked appointment to another time, provider or room; return it
    as stored.

    The new time is taken and the old one released by one UPDATE of the same
    row, so the appointment never holds both and never neither. Raises
    SlotTaken (the row unchanged) if the provider or room is busy then, and
    ValidationError for an appointment that is no longer booked or a room at
    another location.
    """
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    with transaction.atomic():
        moving = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if moving.status != Appointment.Status.BOOKED:
            raise ValidationError(
                _("%(reference)s is %(status)s: only a booked appointment can move.")
                % {
                    "reference": moving.reference,
                    "status": moving.get_status_display().lower(),
                },
                code="not_movable",
            )
        if room is not None and room.location_id != moving.location_id:
            raise ValidationError(
                _("%(room)s is not at %(location)s.")
                % {"room": room.name, "location": moving.location},
                code="room_elsewhere",
            )
        treatment = moving.treatment
        if starts_at != moving.starts_at:
            waitlist.time_freed(moving)
        moving.starts_at = starts_at
        moving.ends_at = starts_at + datetime.timedelta(
            minutes=treatment.duration_minutes
        )
        moving.blocked_until = moving.ends_at + datetime.timedelta(
            minutes=treatment.buffer_after_minutes
        )
        moving.provider = provider
        moving.room = room
        # The diff is taken against the row as read, so before saving.
        entries = audit.record(
            action=AuditEntry.Action.CHANGED,
            records=[moving],
            actor=actor,
            ip_address=ip_address,
            by_patient=by_patient,
        )
        if entries and "starts_at" in entries[0].changes:
            _tell(moving, "moved", entries[0], by_patient=by_patient)
        scheduling.save_in_calendar(
            moving,
            update_fields=[
                "starts_at",
                "ends_at",
                "blocked_until",
                "provider",
                "room",
                "updated_at",
            ],
        )
    return moving


def appointment_set_status(
    *,
    appointment: Appointment,
    status: str,
    actor,
    ip_address: str | None,
    reason: str = "",
    cancelled_by: str = "clinic",
    by_patient: bool = False,
) -> Appointment:
    """Check in, complete, mark no-show or cancel (with a reason, and who
    asked: "patient" or "clinic") an appointment, as Appointment.TRANSITIONS
    allow; return it as stored. A patient's cancellation after the online
    cut-off is recorded as late (it shows on their record); the clinic's
    never is.

    A cancelled or no-show appointment no longer occupies its time, so the
    same UPDATE frees it for someone else.
    """
    if status not in STAFF_STATUSES:
        raise ValidationError(
            _("The front desk cannot mark an appointment %(status)s.")
            % {"status": status},
            code="invalid_status",
        )
    reason = reason.strip()
    if status == Appointment.Status.CANCELLED and not reason:
        raise ValidationError(
            {"reason": _("Say why the appointment is cancelled.")}, code="required"
        )
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        try:
            current.check_transition(status)
        except ValidationError as error:
            raise ValidationError(
                f"{current.reference}: " + " ".join(error.message_dict["status"]),
                code="invalid_transition",
            ) from None
        if status == current.status:
            return current
        current.status = status
        if status == Appointment.Status.CANCELLED:
            current.cancellation_reason = Appointment._meta.get_field(
                "cancellation_reason"
            ).clean(reason, current)
            current.cancelled_at = timezone.now()
            current.cancelled_by = cancelled_by
            current.late_cancellation = (
                cancelled_by == "patient"
                and current.cancelled_at > current.change_deadline
            )
            if current.starts_at > current.cancelled_at:
                waitlist.time_freed(current)
        (entry,) = audit.record(
            action=AuditEntry.Action.CHANGED,
            records=[current],
            actor=actor,
            ip_address=ip_address,
            by_patient=by_patient,
        )
        if status == Appointment.Status.CANCELLED:
            _tell(current, "cancelled", entry, by_patient=by_patient)
        current.save(
            update_fields=[
                "status",
                "cancellation_reason",
                "cancelled_at",
                "cancelled_by",
                "late_cancellation",
                "updated_at",
            ]
        )
    return current


def _tell(appointment: Appointment, change: str, entry: AuditEntry, *, by_patient):
    """Email the patient about a move or cancellation (and the clinic, when the
    patient made it) once the transaction commits (the task is queued in it:
    booking.tasks); the audit entry's id keys the messages, so each change is
    told once however often the task runs."""
    send_change_notices.enqueue(
        appointment_id=appointment.pk,
        change=change,
        change_id=entry.pk,
        tell_clinic=by_patient,
    )


def appointment_from_request(
    *,
    appointment_request: AppointmentRequest,
    location: Location,
    provider: Provider,
    room: Room | None,
    starts_at: datetime.datetime,
    actor,
    ip_address: str | None,
) -> Appointment:
    """Book a time for a patient's request: the appointment carries the
    request's details and points back at it, and the request is marked
    scheduled for that time, in one transaction, both audited.

    Raises SlotTaken if the time is taken (nothing changes), ValidationError
    for a request without a treatment, anonymised, already booked, or whose
    status cannot move to scheduled.
    """
    if appointment_request.treatment_id is None:
        raise ValidationError(
            _(
                "%(reference)s names no treatment: set one (or book a "
                "consultation) before booking a time."
            )
            % {"reference": appointment_request.reference},
            code="no_treatment",
        )
    with transaction.atomic():
        current = (
            AppointmentRequest.objects.select_for_update(of=("self",))
            .select_related("treatment")
            .get(pk=appointment_request.pk)
        )
        if current.is_frozen():
            raise ValidationError(
                _("%(reference)s was anonymised; it cannot be booked.")
                % {"reference": current.reference},
                code="frozen",
            )
        booked = (
            current.appointments.filter(status__in=ACTIVE_STATUSES)
            .values_list("reference", flat=True)
            .first()
        )
        if booked is not None:
            raise ValidationError(
                _("%(reference)s already has appointment %(appointment)s: move it.")
                % {"reference": current.reference, "appointment": booked},
                code="already_booked",
            )
        current.check_transition(AppointmentRequest.Status.SCHEDULED)
        appointment = scheduling.appointment_book(
            location=location,
            treatment=current.treatment,
            provider=provider,
            room=room,
            starts_at=starts_at,
            created_by=actor,
            ip_address=ip_address,
            appointment_request=current,
            **{field: getattr(current, field) for field in Appointment.PATIENT_FIELDS},
        )
        current.status = AppointmentRequest.Status.SCHEDULED
        current.scheduled_for = starts_at
        appointment_request_update(
            appointment_request=current, actor=actor, ip_address=ip_address
        )
    return appointment


def appointment_record_view(
    *, appointment: Appointment, actor, ip_address: str | None
) -> None:
    """Note that a staff member opened an appointment's patient details."""
    audit.record(
        action=AuditEntry.Action.VIEWED,
        records=[appointment],
        actor=actor,
        ip_address=ip_address,
    )
