"""The audit trail: one entry point for every read or write of patient data.

Each entry says who (a staff user, or nobody for the patient and the system),
when, what, from which address and, for changes, which fields went from what to
what. Private free-text fields are recorded only as "changed", so the trail
itself never holds what staff wrote about a patient.
"""

from collections.abc import Iterable

from django.db import models

from booking.models import Appointment, AppointmentRequest, AuditEntry

# What identifies a patient, and what staff write about them: recorded only as
# "changed", so anonymising a request leaves nothing of it in the trail.
PRIVATE_FIELDS = frozenset(
    {"staff_notes", "cancellation_reason", *AppointmentRequest.PERSONAL_FIELDS}
)
# Stamped by the system on every save; a change to them is not news.
BOOKKEEPING_FIELDS = frozenset(
    {
        "updated_at",
        "handled_by",
        "patient_email_claimed_at",
        "patient_email_sent_at",
        "clinic_email_claimed_at",
        "clinic_email_sent_at",
        "confirmation_email_claimed_at",
        "confirmation_email_sent_at",
        "cancelled_at",
    }
)
# Which AuditEntry field points at each kind of record.
SUBJECT_FIELDS = {AppointmentRequest: "appointment_request", Appointment: "appointment"}


def changes_since_load(record: models.Model) -> dict:
    """Return {field: [old, new]} for what changed since the row was read
    (private fields as "changed"); empty for a row that was never loaded."""
    loaded = getattr(record, "loaded_values", {})
    changes = {}
    for field in record._meta.concrete_fields:
        if field.name in BOOKKEEPING_FIELDS or field.attname not in loaded:
            continue
        old, new = loaded[field.attname], getattr(record, field.attname)
        if old == new:
            continue
        if field.name in PRIVATE_FIELDS:
            changes[field.name] = "changed"
        else:
            changes[field.name] = [_text(old), _text(new)]
    return changes


def _text(value) -> str:
    return "" if value is None else str(value)


def record(
    *,
    action: str,
    records: Iterable[AppointmentRequest | Appointment],
    actor=None,
    ip_address: str | None = None,
    details: dict | None = None,
    by_patient: bool = False,
) -> list[AuditEntry]:
    """Append one entry per request or appointment, in one INSERT.

    A CHANGED entry records each record's own diff since it was read (none is
    written for a record that did not change); other actions record
    `details`, e.g. the retention period or the size of an export.
    `by_patient` marks what the patient did themselves (their manage link).
    Holds get no entry (see _is_hold).
    """
    entries = []
    for record in records:
        if _is_hold(record):
            continue
        if action == AuditEntry.Action.CHANGED:
            changes = changes_since_load(record)
            if not changes:
                continue
        else:
            changes = details or {}
        entries.append(
            AuditEntry(
                **{SUBJECT_FIELDS[type(record)]: record},
                action=action,
                actor=actor,
                ip_address=ip_address,
                changes=changes,
                by_patient=by_patient,
            )
        )
    return AuditEntry.objects.bulk_create(entries)


def record_search(
    *,
    list_name: str,
    listed: list[AppointmentRequest | Appointment],
    results: int,
    actor,
    ip_address: str | None,
) -> None:
    """Note what a staff search showed: one entry per record on the page it
    listed, with the number of matches, or one entry with no record when
    nothing matched.

    The search term itself is never kept: a name, email or phone number is
    the very thing the trail must not hold, and even hashed it is found again
    by trying names or the few billion phone numbers.
    """
    details = {"list": list_name, "results": results}
    if listed:
        record(
            action=AuditEntry.Action.SEARCHED,
            records=listed,
            actor=actor,
            ip_address=ip_address,
            details=details,
        )
    else:
        AuditEntry.objects.create(
            action=AuditEntry.Action.SEARCHED,
            actor=actor,
            ip_address=ip_address,
            changes=details,
        )


def record_page_view(
    *,
    subject: AppointmentRequest | Appointment,
    page: str,
    actor,
    ip_address: str | None,
) -> None:
    """Note that a staff member opened an admin page, other than the record's
    own, that shows its patient details (its history, booking a time for it)."""
    record(
        action=AuditEntry.Action.VIEWED,
        records=[subject],
        actor=actor,
        ip_address=ip_address,
        details={"page": page},
    )


def _is_hold(subject: AppointmentRequest | Appointment) -> bool:
    """A patient's temporary hold on a time, before they give any details.

    Lapsed holds are deleted when someone wants their time, and an audit
    entry (append-only, its appointment protected) would make that deletion
    fail: the time could never be booked online again.
    """
    return (
        isinstance(subject, Appointment) and subject.status == Appointment.Status.HELD
    )
