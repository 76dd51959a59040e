"""Appointment reminders: which are due now, and sending each exactly once.

The periodic task (booking.periodic) calls send_due_reminders() every few
minutes. Each reminder is one message per channel, sent through
booking.outbox.deliver_once under a key naming its kind, channel, appointment
and start time ("reminder-24h-sms:41:2026-12-07T14:00:00+00:00"): a moved
appointment has a new key, so it is reminded of its new time; a cancelled one
is found no more.

When a reminder goes out, for each of BOOKING_REMINDER_HOURS and (above 0)
BOOKING_SECOND_REMINDER_HOURS before a booked appointment:

- From its moment until the next reminder's moment, or the start. A sweep that
  comes late (the worker was down) sends only the latest reminder due, never
  two at once, and nothing once the appointment has started.
- Only if the appointment had its time before that moment. Booked 10 hours
  ahead, the confirmation has just said when; a 24-hour reminder minutes later
  would only repeat it. The same holds for a move, whose "new time" email
  says when: the time was given by the last audit entry that created the
  appointment or changed its start (or, without one, when the row was made).
- A text message is not sent inside BOOKING_SMS_QUIET_HOURS, read in the
  location's time zone; it goes at the first sweep after the quiet window ends,
  unless by then the appointment has started (or the next reminder is due).
"""

import datetime
import functools
import logging
import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from booking import outbox
from booking.emails import patient_context, patient_message
from booking.models import (
    Appointment,
    AppointmentRequest,
    AuditEntry,
    OutgoingMessage,
)
from booking.sms import send_sms

logger = logging.getLogger(__name__)
EMAIL, SMS = OutgoingMessage.Channel.EMAIL, OutgoingMessage.Channel.SMS
QUIET_HOURS = re.compile(r"(\d\d:\d\d)\s*-\s*(\d\d:\d\d)")


@functools.cache
def parse_quiet_hours(value: str) -> tuple[datetime.time, datetime.time] | None:
    """The (start, end) of a quiet window written "HH:MM-HH:MM" (it may cross
    midnight), or None for an empty value: no quiet hours.

    Raises ValueError, saying what is wrong, for anything else.
    """
    if not value.strip():
        return None
    bad_value = ValueError(
        f"BOOKING_SMS_QUIET_HOURS is {value!r}; write it as HH:MM-HH:MM, "
        "e.g. 21:00-08:00, or leave it empty for none."
    )
    match = QUIET_HOURS.fullmatch(value.strip())
    if match is None:
        raise bad_value
    try:
        start, end = map(datetime.time.fromisoformat, match.groups())
    except ValueError:  # an hour such as 25:00
        raise bad_value from None
    if start == end:
        raise ValueError(
            f"BOOKING_SMS_QUIET_HOURS is {value!r}, a window of no length; "
            "leave it empty for no quiet hours."
        )
    return start, end


def is_quiet(moment: datetime.datetime, zone: datetime.tzinfo) -> bool:
    """True if `moment`, as a clock in `zone` reads it, is inside the quiet
    hours for text messages."""
    window = parse_quiet_hours(settings.BOOKING_SMS_QUIET_HOURS)
    if window is None:
        return False
    start, end = window
    local = moment.astimezone(zone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight


def reminder_hours() -> list[int]:
    """How many hours before the start each reminder goes, earliest first."""
    hours = {settings.BOOKING_REMINDER_HOURS}
    if settings.BOOKING_SECOND_REMINDER_HOURS > 0:
        hours.add(settings.BOOKING_SECOND_REMINDER_HOURS)
    return sorted(hours, reverse=True)


def channels(appointment: Appointment) -> list[str]:
    """Email always; a text message too for a patient who chose texts."""
    if (
        appointment.contact_method == AppointmentRequest.ContactMethod.TEXT
        and appointment.phone
    ):
        return [EMAIL, SMS]
    return [EMAIL]


def reminder_key(appointment: Appointment, hours: int, channel: str) -> str:
    starts_at = appointment.starts_at.astimezone(datetime.UTC).isoformat()
    return f"reminder-{hours}h-{channel}:{appointment.pk}:{starts_at}"


def upcoming_appointments(now: datetime.datetime):
    """Booked appointments a reminder may be due for, each annotated with
    `time_given_at`: when it was booked at, or moved to, its current time."""
    time_given = (
        AuditEntry.objects.filter(appointment=OuterRef("pk"))
        .filter(
            Q(action=AuditEntry.Action.CREATED)
            | Q(action=AuditEntry.Action.CHANGED, changes__has_key="starts_at")
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(hours=max(reminder_hours())),
        )
        .select_related("location", "treatment")
        .annotate(time_given_at=Coalesce(Subquery(time_given), "created_at"))
    )


def due_reminders(
    appointment: Appointment, now: datetime.datetime
) -> list[tuple[int, str]]:
    """(hours, channel) of each of this appointment's reminders due at `now`
    (see the module's docstring)."""
    hours_list = reminder_hours()
    moments = [appointment.starts_at - datetime.timedelta(hours=h) for h in hours_list]
    window_ends = [*moments[1:], appointment.starts_at]
    due = []
    for hours, moment, window_end in zip(hours_list, moments, window_ends, strict=True):
        if not moment <= now < window_end or appointment.time_given_at >= moment:
            continue
        for channel in channels(appointment):
            if channel == SMS and is_quiet(now, appointment.location.zone):
                continue
            due.append((hours, channel))
    return due


def send_due_reminders() -> int:
    """Send every reminder due now that was not sent yet; how many were sent.

    A failure to send one, of any kind (the mail server or SMS provider is
    down, the SMS settings are wrong, a template is broken), does not keep the
    others from going; the first error is raised afterwards, and the next
    sweep tries the failed one again.
    """
    now = timezone.now()
    appointments = list(upcoming_appointments(now))
    sent_keys = set(
        OutgoingMessage.objects.filter(
            appointment__in=appointments, sent_at__isnull=False
        ).values_list("key", flat=True)
    )
    sent, errors = 0, []
    for appointment in appointments:
        for hours, channel in due_reminders(appointment, now):
            key = reminder_key(appointment, hours, channel)
            if key in sent_keys:
                continue
            try:
                sent += outbox.deliver_once(
                    key=key,
                    channel=channel,
                    appointment_id=appointment.pk,
                    send=functools.partial(
                        _send_reminder, appointment.pk, appointment.starts_at, channel
                    ),
                )
            except Exception as error:
                # Ids and the class only: the message may quote an address.
                logger.warning(
                    "Reminder %s for appointment id=%s failed (%s)",
                    channel,
                    appointment.pk,
                    type(error).__name__,
                )
                errors.append(error)
    if errors:
        raise errors[0]
    return sent


def _send_reminder(
    appointment_id: int, starts_at: datetime.datetime, channel: str
) -> bool | None:
    """Send one reminder, unless the appointment was cancelled or moved (or
    the patient stopped texts) since the sweep read it."""
    appointment = (
        Appointment.objects.select_related("location", "treatment")
        .filter(pk=appointment_id, status=Appointment.Status.BOOKED)
        .first()
    )
    if (
        appointment is None
        or appointment.starts_at != starts_at
        or channel not in channels(appointment)
    ):
        return outbox.NOTHING_TO_SEND
    if channel == SMS:
        send_sms(appointment.phone, reminder_text(appointment))
    else:
        reminder_email(appointment).send()
    return None


def reminder_email(appointment: Appointment) -> EmailMessage:
    local_start = appointment.starts_at.astimezone(appointment.location.zone)
    day = dateformat.format(local_start, "l, F j")
    return patient_message(
        appointment,
        "booking/email/appointment_reminder.txt",
        f"reminder of your appointment on {day}",
    )


def reminder_text(appointment: Appointment) -> str:
    """The text message: first name, time, clinic and link only, since a
    phone's lock screen shows it to anyone nearby."""
    return render_to_string(
        "booking/sms/appointment_reminder.txt", patient_context(appointment)
    ).strip()
