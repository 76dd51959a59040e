"""The back office: requests, the clinic's calendar, appointments, the audit
trail."""

from booking.admin import appointments, audit, calendar, requests, waitlist  # noqa: F401
