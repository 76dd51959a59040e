"""The periodic sweep queues the emails of bookings whose own task was never
queued (rows written without the site's services) or was lost, with a frozen
clock; never those a task or a claim is already on, nor ones that gave up."""

import datetime

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from booking.models import Appointment, AppointmentRequest
from booking.periodic import requeue_unsent_booking_emails, send_due_messages
from booking.scheduling import appointment_book
from booking.tasks import send_request_emails
from tests.booking import test_scheduling
from tests.booking.factories import AppointmentRequestFactory
from tests.booking.test_scheduling import NINE_AM, PATIENT

pytestmark = pytest.mark.django_db

calendar = test_scheduling.calendar

STORED_AT = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)
GRACE = 120 * SECOND


@pytest.fixture(autouse=True)
def _grace(settings):
    settings.BOOKING_EMAIL_GRACE_SECONDS = 120


def stored(**fields) -> AppointmentRequest:
    """A request stored at STORED_AT whose emails task was never queued
    (written directly, as an import or a shell would)."""
    with time_machine.travel(STORED_AT, tick=False):
        return AppointmentRequestFactory(**fields)


def sweep(after: datetime.timedelta) -> int:
    with time_machine.travel(STORED_AT + after, tick=False):
        return requeue_unsent_booking_emails()


def queued_ids() -> list[int]:
    return sorted(
        result.args_kwargs["kwargs"].get("request_id")
        or result.args_kwargs["kwargs"]["appointment_id"]
        for result in DBTaskResult.objects.filter(status="READY")
    )


def test_a_request_whose_task_was_never_queued_gets_its_emails_after_the_grace(
    mailoutbox, run_worker, settings
):
    appointment_request = stored()
    assert sweep(GRACE - SECOND) == 0  # its task may still be on its way
    assert sweep(GRACE + SECOND) == 1
    with time_machine.travel(STORED_AT + GRACE + 2 * SECOND):
        run_worker()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [settings.CLINIC_INBOX_EMAIL, appointment_request.email]
    )
    assert sweep(GRACE * 10) == 0  # sent: nothing more


def test_the_periodic_task_runs_it():
    appointment_request = stored()
    with time_machine.travel(STORED_AT + GRACE + SECOND, tick=False):
        send_due_messages.call()
    assert queued_ids() == [appointment_request.pk]


def test_sweeping_again_while_its_task_waits_or_runs_queues_nothing_more(
    mail_down, run_worker
):
    appointment_request = stored()
    assert sweep(GRACE + SECOND) == 1
    assert sweep(GRACE + 2 * SECOND) == 0  # queued
    with time_machine.travel(STORED_AT + GRACE + 3 * SECOND):
        run_worker()  # the mail server is down: a retry waits for later
    assert sweep(GRACE + 4 * SECOND) == 0
    DBTaskResult.objects.update(status="RUNNING")
    assert sweep(GRACE + 5 * SECOND) == 0
    assert queued_ids() == []
    assert DBTaskResult.objects.count() == 2  # the first and its retry
    assert AppointmentRequest.objects.with_unsent_emails().get() == (
        appointment_request
    )


def test_an_email_being_sent_is_left_to_its_claim_until_the_lease_ends():
    appointment_request = stored(
        patient_email_sent_at=STORED_AT, clinic_email_claimed_at=STORED_AT
    )
    assert sweep(GRACE + SECOND) == 0
    assert sweep(datetime.timedelta(minutes=11)) == 1
    assert queued_ids() == [appointment_request.pk]


def test_a_task_that_gave_up_is_not_restarted(mail_down, run_worker):
    mail_down.settings.BOOKING_EMAIL_MAX_ATTEMPTS = 1
    appointment_request = stored()
    with time_machine.travel(STORED_AT, tick=False):
        send_request_emails.enqueue(request_id=appointment_request.pk)
        run_worker()
    assert DBTaskResult.objects.get().status == "FAILED"
    assert sweep(GRACE + SECOND) == 0


def test_a_task_that_failed_on_the_database_is_replaced():
    appointment_request = stored()
    with time_machine.travel(STORED_AT, tick=False):
        send_request_emails.enqueue(request_id=appointment_request.pk)
    DBTaskResult.objects.update(
        status="FAILED", exception_class_path="django.db.utils.OperationalError"
    )
    assert sweep(GRACE + SECOND) == 1
    assert queued_ids() == [appointment_request.pk]


def test_requests_with_nothing_to_send_or_from_yesterday_are_left_alone():
    stored(patient_email_withheld=True, clinic_email_sent_at=STORED_AT)
    stored(anonymized_at=STORED_AT)
    stored(patient_email_sent_at=STORED_AT, clinic_email_sent_at=STORED_AT)
    assert sweep(GRACE + SECOND) == 0
    stored()
    assert sweep(datetime.timedelta(days=1, seconds=1)) == 0


def book(calendar, provider="ana", **fields) -> Appointment:
    with time_machine.travel(STORED_AT, tick=False):
        return appointment_book(
            location=calendar["location"],
            treatment=calendar["treatment"],
            provider=calendar[provider],
            room=None,
            starts_at=NINE_AM,
            created_by=None,
            **PATIENT | fields,
        )


def test_a_booked_appointment_whose_task_is_gone_gets_its_emails(
    calendar, mailoutbox, run_worker, settings
):
    appointment = book(calendar)
    DBTaskResult.objects.all().delete()  # lost: say, the queue cleared by hand
    with time_machine.travel(STORED_AT, tick=False):
        test_scheduling.hold(calendar, provider="ben")  # no emails for a hold
    assert sweep(GRACE + SECOND) == 1
    assert queued_ids() == [appointment.pk]
    with time_machine.travel(STORED_AT + GRACE + 2 * SECOND):
        run_worker()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [settings.CLINIC_INBOX_EMAIL, appointment.email]
    )
