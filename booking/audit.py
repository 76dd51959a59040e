"""The audit trail: one entry point for every read or write of patient data.

Each entry says who (a staff user, or nobody for the patient and the system),
when, what, from which address and, for changes, which fields went from what to
what. Private free-text fields are recorded only as "changed", so the trail
itself never holds what staff wrote about a patient.
"""

from collections.abc import Iterable

from booking.models import AppointmentRequest, AuditEntry

# What identifies a patient, and what staff write about them: recorded only as
# "changed", so anonymising a request leaves nothing of it in the trail.
PRIVATE_FIELDS = frozenset({"staff_notes", *AppointmentRequest.PERSONAL_FIELDS})
# Stamped by the system on every save; a change to them is not news.
BOOKKEEPING_FIELDS = frozenset(
    {
        "updated_at",
        "handled_by",
        "patient_email_claimed_at",
        "patient_email_sent_at",
        "clinic_email_claimed_at",
        "clinic_email_sent_at",
    }
)


def changes_since_load(appointment_request: AppointmentRequest) -> dict:
    """Return {field: [old, new]} for what changed since the row was read
    (private fields as "changed"); empty for a row that was never loaded."""
    loaded = getattr(appointment_request, "loaded_values", {})
    changes = {}
    for field in AppointmentRequest._meta.concrete_fields:
        if field.name in BOOKKEEPING_FIELDS or field.attname not in loaded:
            continue
        old, new = loaded[field.attname], getattr(appointment_request, field.attname)
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
    appointment_requests: Iterable[AppointmentRequest],
    actor=None,
    ip_address: str | None = None,
    details: dict | None = None,
) -> list[AuditEntry]:
    """Append one entry per request, in one INSERT.

    A CHANGED entry records each request's own diff since it was read (none
    is written for a request that did not change); other actions record
    `details`, e.g. the retention period or the size of an export.
    """
    entries = []
    for appointment_request in appointment_requests:
        if action == AuditEntry.Action.CHANGED:
            changes = changes_since_load(appointment_request)
            if not changes:
                continue
        else:
            changes = details or {}
        entries.append(
            AuditEntry(
                appointment_request=appointment_request,
                action=action,
                actor=actor,
                ip_address=ip_address,
                changes=changes,
            )
        )
    return AuditEntry.objects.bulk_create(entries)
