"""The back office: requests, the clinic's calendar, appointments."""

from booking.admin import appointments, calendar, requests, waitlist  # noqa: F401
