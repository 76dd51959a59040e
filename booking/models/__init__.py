"""Booking's models: treatments and appointment requests (requests.py), and the
clinic's calendar with its appointments (calendar.py)."""

from booking.models.calendar import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    CalendarVersion,
    Closure,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
    TimeOff,
    Weekday,
)
from booking.models.requests import (
    AppointmentRequest,
    AppointmentRequestQuerySet,
    AppointmentRequestStatus,
    AuditEntry,
    RateLimitCounter,
    Treatment,
    TreatmentQuerySet,
)

__all__ = [
    "ACTIVE_STATUSES",
    "Appointment",
    "AppointmentStatus",
    "CalendarVersion",
    "Closure",
    "Location",
    "OpeningHours",
    "Provider",
    "ProviderSchedule",
    "Room",
    "RoomKind",
    "TimeOff",
    "Weekday",
    "AppointmentRequest",
    "AppointmentRequestQuerySet",
    "AppointmentRequestStatus",
    "AuditEntry",
    "RateLimitCounter",
    "Treatment",
    "TreatmentQuerySet",
]
