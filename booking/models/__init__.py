"""Booking's models: treatments and appointment requests (requests.py), the
clinic's calendar with its appointments (calendar.py), the waitlist
(waitlist.py) and messages sent once (messages.py)."""

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
    new_manage_token,
)
from booking.models.messages import OutgoingMessage
from booking.models.requests import (
    TIME_OF_DAY_WINDOWS,
    AppointmentRequest,
    AppointmentRequestQuerySet,
    AppointmentRequestStatus,
    AuditEntry,
    RateLimitCounter,
    Treatment,
    TreatmentQuerySet,
)
from booking.models.waitlist import WaitlistEntry, new_waitlist_token

__all__ = [
    "TIME_OF_DAY_WINDOWS",
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
    "OutgoingMessage",
    "WaitlistEntry",
    "new_manage_token",
    "new_waitlist_token",
]
