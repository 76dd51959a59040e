"""Appointment reminders (booking.reminders) on a real calendar with a frozen
clock: due or not, exactly once (twice swept, two workers, a killed worker),
cancelled and moved appointments, texts and their quiet hours, the second
reminder; and the periodic task and command that run them."""

import datetime
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from smtplib import SMTPRecipientsRefused
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection
from django_tasks_db.models import DBTaskResult

from booking import checks, frontdesk, outbox, reminders, sms
from booking.emails import CLAIM_LEASE
from booking.models import Appointment, AppointmentRequest, OutgoingMessage
from booking.periodic import SweepFailed, send_due_messages
from booking.scheduling import appointment_book
from tests.booking import test_scheduling
from tests.booking.factories import queued
from tests.booking.test_scheduling import NINE_AM, PATIENT

calendar = test_scheduling.calendar

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
BOOKED_AT = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)
# NINE_AM is Monday 7 December 2026, 09:00 in New York; its reminder is due
# on Sunday at 09:00 there.
REMINDER_AT = NINE_AM - 24 * HOUR


@pytest.fixture(autouse=True)
def _reminder_settings(settings, mailoutbox):
    settings.BOOKING_REMINDER_HOURS = 24
    settings.BOOKING_SECOND_REMINDER_HOURS = 0
    settings.BOOKING_SMS_QUIET_HOURS = "21:00-08:00"
    settings.SITE_URL = "https://spa.example.com"
    settings.SMS_BACKEND = "booking.sms.MemoryBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def book(calendar, *, at=NINE_AM, booked_at=BOOKED_AT, **patient) -> Appointment:
    with time_machine.travel(booked_at, tick=False):
        return appointment_book(
            location=calendar["location"],
            treatment=calendar["treatment"],
            provider=calendar["ana"],
            room=None,
            starts_at=at,
            created_by=None,
            **PATIENT | patient,
        )


def sweep(at: datetime.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return reminders.send_due_reminders()


def reminders_sent(mailoutbox) -> list:
    """The reminder emails, leaving out any confirmation a worker sent."""
    return [m for m in mailoutbox if "reminder of your appointment" in m.subject]


# --- when -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sweep_at", "sent"),
    [
        (REMINDER_AT - MINUTE, 0),  # not due yet
        (REMINDER_AT, 1),  # due
        (NINE_AM - MINUTE, 1),  # a late sweep still reminds
        (NINE_AM, 0),  # started
        (NINE_AM + HOUR, 0),
    ],
)
def test_a_reminder_is_due_from_its_moment_until_the_start(
    calendar, mailoutbox, sweep_at, sent
):
    book(calendar)
    assert sweep(sweep_at) == sent
    assert len(reminders_sent(mailoutbox)) == sent


@pytest.mark.django_db
def test_the_reminder_email_says_what_where_when_and_how_to_change_it(
    calendar, mailoutbox
):
    appointment = book(calendar)
    sweep(REMINDER_AT)
    (message,) = mailoutbox
    assert message.to == ["maria@example.com"]
    assert "Monday, December 7" in message.subject
    assert "\n" not in message.subject
    assert "Hello Maria," in message.body
    assert calendar["treatment"].name in message.body
    assert "Monday, December 7, 2026 at 9:00 AM (EST)" in message.body
    assert "Springfield, 120 Garden Street" in message.body
    assert "(555) 555-0142" in message.body
    assert (
        f"https://spa.example.com/book/manage/{appointment.manage_token}/"
        in message.body
    )
    assert PATIENT["last_name"] not in message.body
    assert PATIENT["phone"] not in message.body


@pytest.mark.django_db
def test_an_appointment_booked_after_its_reminder_moment_gets_none(
    calendar, mailoutbox
):
    """The confirmation has just said when."""
    book(calendar, booked_at=NINE_AM - 10 * HOUR)
    assert sweep(NINE_AM - 9 * HOUR) == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_booked_long_before_its_reminder_moment_it_gets_one(calendar, mailoutbox):
    book(calendar, booked_at=REMINDER_AT - MINUTE)
    assert sweep(REMINDER_AT) == 1


# --- exactly once ---------------------------------------------------------------


@pytest.mark.django_db
def test_sweeping_twice_sends_once(calendar, mailoutbox):
    appointment = book(calendar, contact_method="text")
    assert sweep(REMINDER_AT) == 2  # an email and a text
    assert sweep(REMINDER_AT + 5 * MINUTE) == 0
    assert len(mailoutbox) == 1
    assert len(sms.outbox) == 1
    starts = "2026-12-07T14:00:00+00:00"
    assert set(
        OutgoingMessage.objects.filter(sent_at__isnull=False).values_list(
            "key", "appointment"
        )
    ) == {
        (f"reminder-24h-email:{appointment.pk}:{starts}", appointment.pk),
        (f"reminder-24h-sms:{appointment.pk}:{starts}", appointment.pk),
    }


@pytest.mark.django_db(transaction=True)
def test_eight_workers_sweeping_at_once_send_each_reminder_once(calendar, mailoutbox):
    book(calendar, contact_method="text")
    barrier = threading.Barrier(8)

    def worker(_):
        try:
            barrier.wait(timeout=30)
            return reminders.send_due_reminders()
        finally:
            connection.close()

    with time_machine.travel(REMINDER_AT, tick=False):
        with ThreadPoolExecutor(max_workers=8) as pool:
            sent = list(pool.map(worker, range(8)))
    assert sorted(sent) == [0] * 6 + [1] * 2 or sorted(sent) == [0] * 7 + [2]
    assert len(reminders_sent(mailoutbox)) == 1
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_killed_worker_is_taken_over_after_the_lease(
    calendar, mailoutbox
):
    appointment = book(calendar)
    OutgoingMessage.objects.create(
        key=reminders.reminder_key(appointment, 24, "email"),
        channel="email",
        appointment=appointment,
        claimed_at=REMINDER_AT - CLAIM_LEASE - MINUTE,
    )
    assert sweep(REMINDER_AT) == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_fresh_claim_is_left_to_its_worker_until_the_lease_ends(calendar, mailoutbox):
    appointment = book(calendar)
    OutgoingMessage.objects.create(
        key=reminders.reminder_key(appointment, 24, "email"),
        channel="email",
        appointment=appointment,
        claimed_at=REMINDER_AT,
    )
    assert sweep(REMINDER_AT + MINUTE) == 0
    assert mailoutbox == []
    assert sweep(REMINDER_AT + CLAIM_LEASE + MINUTE) == 1  # it died after all
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_at_the_next_sweep(
    calendar, mailoutbox, mail_server
):
    book(calendar)
    mail_server.stop()
    with pytest.raises(OSError):
        sweep(REMINDER_AT)
    mail_server.start()
    assert sweep(REMINDER_AT + 5 * MINUTE) == 1
    assert len(mailoutbox) == 1


class BrokenSmsBackend:
    """Fails with a ValueError (no OSError) quoting the number, as urllib
    did for an empty SMS_API_URL."""

    def send(self, message):
        raise ValueError(f"cannot send to {message.to}")


@pytest.mark.django_db
def test_a_failure_of_any_kind_does_not_stop_the_other_reminders(
    calendar, mailoutbox, settings, caplog
):
    settings.SMS_BACKEND = f"{__name__}.BrokenSmsBackend"
    book(calendar, contact_method="text")
    # An hour later, so after the failing text in the sweep's order.
    later = book(
        calendar, at=NINE_AM + HOUR, contact_method="email", email="jo@example.com"
    )
    with pytest.raises(ValueError):
        sweep(REMINDER_AT + HOUR)
    assert [m.to for m in reminders_sent(mailoutbox)] == [
        ["maria@example.com"],
        ["jo@example.com"],
    ]
    assert "ValueError" in caplog.text
    assert PATIENT["phone"] not in caplog.text
    assert OutgoingMessage.objects.get(
        appointment=later, channel=OutgoingMessage.Channel.EMAIL
    ).sent_at
    # The failed text is tried again at the next sweep.
    settings.SMS_BACKEND = "booking.sms.MemoryBackend"
    assert sweep(REMINDER_AT + HOUR + 5 * MINUTE) == 1
    assert [text.to for text in sms.outbox] == [PATIENT["phone"]]


# --- cancelled and moved --------------------------------------------------------


@pytest.mark.django_db
def test_a_cancelled_appointment_gets_no_reminder(calendar, mailoutbox):
    appointment = book(calendar, contact_method="text")
    with time_machine.travel(REMINDER_AT - HOUR, tick=False):
        frontdesk.appointment_set_status(
            appointment=appointment,
            status=Appointment.Status.CANCELLED,
            actor=None,
            ip_address=None,
            reason="Feeling unwell",
        )
    assert sweep(REMINDER_AT) == 0
    assert mailoutbox == []
    assert sms.outbox == []


@pytest.mark.django_db
def test_cancelled_between_the_sweep_reading_it_and_sending_nothing_goes(
    calendar, mailoutbox, monkeypatch
):
    appointment = book(calendar)
    deliver_once = outbox.deliver_once

    def cancel_first(**kwargs):
        Appointment.objects.filter(pk=appointment.pk).update(
            status=Appointment.Status.CANCELLED, cancelled_at=REMINDER_AT
        )
        return deliver_once(**kwargs)

    monkeypatch.setattr(outbox, "deliver_once", cancel_first)
    assert sweep(REMINDER_AT) == 0
    assert mailoutbox == []
    assert not OutgoingMessage.objects.exists()  # the claim was dropped


@pytest.mark.django_db
def test_a_moved_appointment_is_reminded_of_its_new_time(calendar, mailoutbox):
    appointment = book(calendar)
    assert sweep(REMINDER_AT) == 1
    tuesday = NINE_AM + 24 * HOUR
    with time_machine.travel(REMINDER_AT + HOUR, tick=False):
        frontdesk.appointment_move(
            appointment=appointment,
            starts_at=tuesday,
            provider=calendar["ana"],
            room=None,
            actor=None,
            ip_address=None,
        )
    assert sweep(tuesday - 24 * HOUR - MINUTE) == 0
    assert sweep(tuesday - 24 * HOUR) == 1
    first, second = mailoutbox
    assert "Monday, December 7, 2026 at 9:00 AM" in first.body
    assert "Tuesday, December 8, 2026 at 9:00 AM" in second.body


@pytest.mark.django_db
def test_moved_after_its_new_reminder_moment_it_gets_none(calendar, mailoutbox):
    """The "new time" email has just said when."""
    appointment = book(calendar)
    with time_machine.travel(REMINDER_AT + 6 * HOUR, tick=False):
        frontdesk.appointment_move(
            appointment=appointment,
            starts_at=NINE_AM + HOUR,  # now 19 hours ahead
            provider=calendar["ana"],
            room=None,
            actor=None,
            ip_address=None,
        )
    assert sweep(REMINDER_AT + 7 * HOUR) == 0
    assert mailoutbox == []


# --- text messages --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("contact_method", "texts"),
    [
        (AppointmentRequest.ContactMethod.TEXT, 1),
        (AppointmentRequest.ContactMethod.EMAIL, 0),
        (AppointmentRequest.ContactMethod.CALL, 0),
    ],
)
def test_a_text_goes_only_to_patients_who_chose_texts(
    calendar, mailoutbox, contact_method, texts
):
    book(calendar, contact_method=contact_method)
    sweep(REMINDER_AT)
    assert len(mailoutbox) == 1  # the email always
    assert len(sms.outbox) == texts


@pytest.mark.django_db
def test_the_text_holds_first_name_time_clinic_and_link_only(
    calendar, mailoutbox, settings
):
    appointment = book(calendar, contact_method="text", message="About my scar")
    sweep(REMINDER_AT)
    (text,) = sms.outbox
    assert text.to == PATIENT["phone"]
    link = f"https://spa.example.com/book/manage/{appointment.manage_token}/"
    assert text.body == (
        f"Maria, reminder: {settings.CLINIC['name']}, Mon Dec 7 at 9:00 AM. "
        f"Manage: {link}"
    )
    # One segment: at most 160 characters of the GSM alphabet.
    assert len(text.body) <= 160
    assert text.body.isascii()


# Sunday 06 December in New York: 09:00 is 14:00 UTC, 08:00 is 13:00 UTC.
SUNDAY_SEVEN_AM = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.UTC)
SUNDAY_EIGHT_AM = datetime.datetime(2026, 12, 6, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_text_due_in_the_quiet_hours_waits_for_their_end(calendar, mailoutbox):
    # Monday 07:00 in New York: reminded on Sunday at 07:00, inside 21:00-08:00.
    book(calendar, at=SUNDAY_SEVEN_AM + 24 * HOUR, contact_method="text")
    assert sweep(SUNDAY_SEVEN_AM) == 1
    assert len(mailoutbox) == 1  # email is not held back
    assert sms.outbox == []
    assert sweep(SUNDAY_EIGHT_AM - MINUTE) == 0
    assert sweep(SUNDAY_EIGHT_AM) == 1
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_a_text_whose_quiet_hours_end_after_the_start_is_never_sent(
    calendar, mailoutbox, settings
):
    settings.BOOKING_REMINDER_HOURS = 2
    # Sunday 07:30 in New York, reminded at 05:30, in the quiet hours.
    starts_at = SUNDAY_EIGHT_AM - 30 * MINUTE
    book(calendar, at=starts_at, contact_method="text")
    assert sweep(starts_at - 2 * HOUR) == 1  # the email
    assert sweep(starts_at - MINUTE) == 0
    assert sweep(SUNDAY_EIGHT_AM) == 0
    assert sms.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("time_zone", "texts"), [("America/New_York", 1), ("America/Los_Angeles", 0)]
)
def test_quiet_hours_are_read_in_the_locations_time_zone(
    calendar, mailoutbox, time_zone, texts
):
    """Sunday 09:00 in New York is 06:00 in Los Angeles: night there."""
    location = calendar["location"]
    location.time_zone = time_zone
    location.save()
    book(calendar, contact_method="text")
    sweep(REMINDER_AT)
    assert len(sms.outbox) == texts


@pytest.mark.parametrize(
    ("window", "local_time", "quiet"),
    [
        ("21:00-08:00", "21:00", True),
        ("21:00-08:00", "23:59", True),
        ("21:00-08:00", "00:00", True),
        ("21:00-08:00", "07:59", True),
        ("21:00-08:00", "08:00", False),
        ("21:00-08:00", "20:59", False),
        ("12:00-13:30", "12:00", True),
        ("12:00-13:30", "13:30", False),
        ("12:00-13:30", "11:59", False),
        ("", "03:00", False),
    ],
)
def test_quiet_hours_may_cross_midnight(settings, window, local_time, quiet):
    settings.BOOKING_SMS_QUIET_HOURS = window
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    moment = datetime.datetime.combine(
        datetime.date(2026, 12, 6), datetime.time.fromisoformat(local_time), zone
    )
    assert reminders.is_quiet(moment.astimezone(datetime.UTC), zone) is quiet


@pytest.mark.parametrize(
    "value", ["21-08", "21:00", "21:00-8:00", "25:00-08:00", "9pm-8am", "08:00-08:00"]
)
def test_a_bad_quiet_window_is_refused_by_a_system_check(settings, value):
    settings.BOOKING_SMS_QUIET_HOURS = value
    with pytest.raises(ValueError, match="BOOKING_SMS_QUIET_HOURS"):
        reminders.parse_quiet_hours(value)
    assert [error.id for error in checks.sms_quiet_hours_check(None)] == [
        "booking.E002"
    ]


def test_a_good_quiet_window_passes_the_system_check(settings):
    settings.BOOKING_SMS_QUIET_HOURS = "22:00 - 07:30"
    assert checks.sms_quiet_hours_check(None) == []
    assert reminders.parse_quiet_hours("22:00 - 07:30") == (
        datetime.time(22),
        datetime.time(7, 30),
    )


# --- the second reminder --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("second_hours", "emails"), [(2, 2), (0, 1)])
def test_the_second_reminder_goes_only_when_set(
    calendar, mailoutbox, settings, second_hours, emails
):
    settings.BOOKING_SECOND_REMINDER_HOURS = second_hours
    book(calendar)
    sweep(REMINDER_AT)
    sweep(NINE_AM - 2 * HOUR)
    sweep(NINE_AM - MINUTE)
    assert len(mailoutbox) == emails


@pytest.mark.django_db
def test_a_late_sweep_sends_only_the_latest_reminder_due(
    calendar, mailoutbox, settings
):
    settings.BOOKING_SECOND_REMINDER_HOURS = 2
    book(calendar)
    assert sweep(NINE_AM - HOUR) == 1  # both due: the 24-hour one is stale
    assert OutgoingMessage.objects.get().key.startswith("reminder-2h-email:")


@pytest.mark.django_db
def test_booked_between_the_two_moments_only_the_second_goes(
    calendar, mailoutbox, settings
):
    settings.BOOKING_SECOND_REMINDER_HOURS = 2
    book(calendar, booked_at=NINE_AM - 10 * HOUR)
    assert sweep(NINE_AM - 9 * HOUR) == 0
    assert sweep(NINE_AM - 2 * HOUR) == 1


# --- the periodic task and its command ------------------------------------------


@pytest.mark.django_db
def test_the_periodic_task_sends_due_reminders_on_the_real_worker(
    calendar, mailoutbox, run_worker
):
    book(calendar, contact_method="text")
    with time_machine.travel(REMINDER_AT, tick=False):
        send_due_messages.enqueue()
        run_worker()
    result = DBTaskResult.objects.get(task_path="booking.periodic.send_due_messages")
    assert result.status == "SUCCESSFUL", result.traceback
    assert result.return_value == {
        "reminders": 2,
        "rebooking emails": 0,
        "change notices": 0,
        "expired waitlist entries": 0,
    }
    assert len(reminders_sent(mailoutbox)) == 1
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_every_part_of_the_periodic_task_runs_when_one_fails(
    calendar, monkeypatch, mailoutbox
):
    ran = []

    def fails():
        raise SMTPRecipientsRefused({"maria@example.com": (550, b"No such user")})

    monkeypatch.setattr(reminders, "send_due_reminders", fails)
    monkeypatch.setattr(
        "booking.rebooking.send_due_rebooking_emails", lambda: ran.append("rebook")
    )
    monkeypatch.setattr(
        "booking.notices.resend_unsent_change_notices", lambda: ran.append("notices")
    )
    monkeypatch.setattr(
        "booking.waitlist.expire_entries", lambda: ran.append("waitlist")
    )
    with pytest.raises(SweepFailed) as raised:
        send_due_messages.call()
    assert ran == ["rebook", "notices", "waitlist"]
    assert str(raised.value) == "reminders (SMTPRecipientsRefused)"
    # The worker stores and logs the traceback: no address in it.
    assert "maria@" not in "".join(traceback.format_exception(raised.value))


@pytest.mark.django_db
def test_the_command_queues_the_sweep_once(calendar, mailoutbox, run_worker):
    book(calendar)
    with time_machine.travel(REMINDER_AT, tick=False):
        call_command("queue_periodic_tasks")
        assert len(queued(send_due_messages)) == 1
        run_worker()
    assert len(reminders_sent(mailoutbox)) == 1


@pytest.mark.django_db
def test_the_command_keeps_queueing_every_interval_through_a_database_error(
    monkeypatch, caplog
):
    from booking.management.commands import queue_periodic_tasks

    enqueue, sleeps = send_due_messages.enqueue, []

    def database_down_once():
        if len(sleeps) == 1:
            raise OperationalError("the server closed the connection")
        return enqueue()

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt  # Ctrl-C: the loop stops quietly

    monkeypatch.setattr(
        queue_periodic_tasks,
        "send_due_messages",
        SimpleNamespace(enqueue=database_down_once),  # a Task is frozen
    )
    monkeypatch.setattr(queue_periodic_tasks.time, "sleep", sleep)
    monkeypatch.setattr(queue_periodic_tasks, "close_old_connections", lambda: None)
    call_command("queue_periodic_tasks", "--every", "300")
    assert sleeps == [300, 300, 300]
    assert DBTaskResult.objects.ready().count() == 2  # the first and third round
    assert "OperationalError" in caplog.text
