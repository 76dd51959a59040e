import datetime
import logging
import threading
import time
from types import SimpleNamespace

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking import emails
from booking.emails import retry_delay
from booking.models import AppointmentRequest
from booking.tasks import send_request_emails
from tests.booking.factories import AppointmentRequestFactory, form_data

pytestmark = pytest.mark.django_db

CANARY = {
    "first_name": "Zelda",
    "last_name": "Canarywood",
    "email": "zelda.canary@example.com",
    "phone": "(217) 544-0199",
}


def book(client, treatment):
    response = client.post("/book/request/", form_data(treatment=treatment, **CANARY))
    assert response.status_code == 302
    return AppointmentRequest.objects.get()


def test_patient_and_clinic_get_one_email_each_without_phi_in_subjects(
    client,
    treatment,
    mailoutbox,
    run_worker,
    settings,
):
    appointment_request = book(client, treatment)
    assert mailoutbox == []  # nothing is sent inside the request
    run_worker()
    assert len(mailoutbox) == 2
    clinic, patient = mailoutbox  # the front desk hears first
    assert patient.to == [CANARY["email"]]
    assert clinic.to == [settings.CLINIC_INBOX_EMAIL]
    assert appointment_request.reference in clinic.subject
    assert f"/admin/booking/appointmentrequest/{appointment_request.pk}/change/" in (
        clinic.body
    )
    for message in mailoutbox:
        for value in (*CANARY.values(), "+12175440199", treatment.name):
            assert value not in message.subject
        assert "\n" not in message.subject
    for value in (*CANARY.values(), "+12175440199", treatment.name):
        assert value not in clinic.body
    assert treatment.name not in patient.body  # no medical details by email
    appointment_request.refresh_from_db()
    assert appointment_request.patient_email_sent_at is not None
    assert appointment_request.clinic_email_sent_at is not None


def test_duplicate_tasks_send_each_email_once(
    client, treatment, mailoutbox, run_worker
):
    appointment_request = book(client, treatment)
    send_request_emails.enqueue(request_id=appointment_request.pk)
    send_request_emails.enqueue(request_id=appointment_request.pk)
    run_worker()
    assert len(mailoutbox) == 2
    call_command("send_pending_booking_emails", "--older-than-minutes=0")
    run_worker()
    assert len(mailoutbox) == 2


def test_mail_server_down_then_back_sends_once_it_returns(
    client,
    treatment,
    mailoutbox,
    run_worker,
    mail_down,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    appointment_request = book(client, treatment)
    # The patient saw the confirmation while mail is down.
    page = client.get("/book/done/")
    assert page.status_code == 200
    assert appointment_request.reference in page.content.decode()

    run_worker()
    assert mailoutbox == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {
        "request_id": appointment_request.pk,
        "attempt": 2,
    }
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)

    # Still down a minute later: the next retry waits longer.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1, seconds=5)):
        run_worker()
    assert mailoutbox == []
    assert (
        DBTaskResult.objects.get(status="READY").args_kwargs["kwargs"]["attempt"] == 3
    )

    mail_down.start()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        run_worker()
    assert len(mailoutbox) == 2
    assert not DBTaskResult.objects.filter(status="READY").exists()

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=5)):
        call_command("send_pending_booking_emails")
        run_worker()
    assert len(mailoutbox) == 2

    logged = caplog.text
    assert "failed (ConnectionRefusedError)" in logged
    for value in (*CANARY.values(), "+12175440199"):
        assert value not in logged


def test_retry_backoff_grows_is_capped_and_gives_up(settings):
    settings.BOOKING_EMAIL_RETRY_SECONDS = 60
    settings.BOOKING_EMAIL_MAX_ATTEMPTS = 10
    delays = [retry_delay(attempt).total_seconds() for attempt in range(1, 10)]
    assert delays[:4] == [60, 120, 240, 480]
    assert max(delays) == 3600
    assert retry_delay(10) is None


def test_gives_up_after_max_attempts_and_the_sweep_recovers(
    treatment, mailoutbox, run_worker, mail_down
):
    mail_down.settings.BOOKING_EMAIL_MAX_ATTEMPTS = 2
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    send_request_emails.enqueue(request_id=appointment_request.pk)
    run_worker()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        run_worker()
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    assert not DBTaskResult.objects.filter(status="READY").exists()

    mail_down.start()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=30)):
        call_command("send_pending_booking_emails")
        run_worker()
    assert len(mailoutbox) == 2


def test_clinic_email_retried_alone_when_only_it_failed(
    treatment, mailoutbox, run_worker, settings
):
    appointment_request = AppointmentRequestFactory(
        treatment=treatment, patient_email_sent_at=timezone.now()
    )
    send_request_emails.enqueue(request_id=appointment_request.pk)
    run_worker()
    assert [message.to for message in mailoutbox] == [[settings.CLINIC_INBOX_EMAIL]]


def test_a_refused_patient_address_does_not_hold_up_the_clinic_email(
    treatment, mailoutbox, run_worker, settings, caplog
):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.booking.mail.RefusesPatientsBackend"}
    }
    settings.BOOKING_EMAIL_MAX_ATTEMPTS = 1
    appointment_request = AppointmentRequestFactory(
        treatment=treatment, email="bounce.canary@example.com"
    )
    send_request_emails.enqueue(request_id=appointment_request.pk)
    run_worker()
    assert [message.to for message in mailoutbox] == [[settings.CLINIC_INBOX_EMAIL]]
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "bounce.canary" not in str(failed.traceback)
    assert "bounce.canary" not in caplog.text


def test_the_acknowledgment_carries_none_of_the_typed_text(
    client, treatment, mailoutbox, run_worker
):
    lure = "Sam. Pay your deposit at https://evil.example/pay"
    response = client.post(
        "/book/request/",
        form_data(treatment=treatment, first_name=lure, last_name="X\nBcc: y"),
    )
    assert response.status_code == 302
    run_worker()
    patient = next(m for m in mailoutbox if m.to == ["maria@example.com"])
    assert patient.body.startswith("Hello,\n")
    for text in ("evil.example", "Sam", "Bcc"):
        assert text not in patient.body
        assert text not in patient.subject


def test_a_withheld_acknowledgment_is_never_sent_but_the_clinic_hears(
    treatment, mailoutbox, run_worker, settings
):
    appointment_request = AppointmentRequestFactory(
        treatment=treatment, patient_email_withheld=True
    )
    send_request_emails.enqueue(request_id=appointment_request.pk)
    run_worker()
    assert [message.to for message in mailoutbox] == [[settings.CLINIC_INBOX_EMAIL]]
    # Nothing is left "unsent" for the sweep to queue again and again.
    assert not AppointmentRequest.objects.with_unsent_emails().exists()


class ChecksRowIsUnlocked(BaseEmailBackend):
    """A mail server that, while "talking SMTP", checks from another database
    connection that the request's row can be locked: nothing holds it."""

    seen = []

    def send_messages(self, email_messages):
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            row = other.execute(
                "SELECT id FROM booking_appointmentrequest "
                "ORDER BY id DESC LIMIT 1 FOR UPDATE NOWAIT"
            ).fetchone()
        self.seen.append(row)
        return len(email_messages)


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_called_with_no_row_lock_held(treatment, settings):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.booking.test_emails.ChecksRowIsUnlocked"}
    }
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    ChecksRowIsUnlocked.seen.clear()
    emails.appointment_request_send_emails(request_id=appointment_request.pk)
    # Both sends happened, and the other connection locked the row each time
    # (FOR UPDATE NOWAIT raises LockNotAvailable if anyone holds it).
    assert ChecksRowIsUnlocked.seen == [(appointment_request.pk,)] * 2
    appointment_request.refresh_from_db()
    assert appointment_request.clinic_email_sent_at is not None
    assert appointment_request.patient_email_claimed_at is None


def test_a_claim_left_by_a_dead_worker_expires_and_the_email_goes_once(
    treatment, mailoutbox
):
    appointment_request = AppointmentRequestFactory(
        treatment=treatment,
        patient_email_sent_at=timezone.now(),
        clinic_email_claimed_at=timezone.now(),  # a worker is sending right now
    )
    assert (
        emails.send_once(AppointmentRequest, appointment_request.pk, "clinic") is False
    )
    assert mailoutbox == []
    with time_machine.travel(timezone.now() + emails.CLAIM_LEASE * 1.1):
        assert (
            emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
            is True
        )
        assert (
            emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
            is False
        )
    assert len(mailoutbox) == 1


class DatabaseAway:
    """An execute wrapper: the database fails the `fail_at`th query (counting
    from 1) and, as a server does when it is gone, the `outage` queries after
    it too."""

    def __init__(self, fail_at: int, outage: int = 0):
        self.fail_at, self.outage, self.queries = fail_at, outage, 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        if self.fail_at <= self.queries <= self.fail_at + self.outage:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


# Autocommit, as in the worker: a test's own transaction would be spoilt by
# the first failed query.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fail_at", range(1, 9))
def test_whichever_query_the_database_drops_the_email_goes_once_and_at_once(
    treatment, mailoutbox, monkeypatch, fail_at
):
    # Dropped between claim and send, the old code left a claim that kept the
    # email back for CLAIM_LEASE; dropped after the send, it left the email
    # unstamped, so it went again once the claim expired.
    monkeypatch.setattr(
        emails, "time", SimpleNamespace(monotonic=time.monotonic, sleep=lambda s: None)
    )
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    with connection.execute_wrapper(DatabaseAway(fail_at, outage=2)):
        try:
            emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
        except OperationalError:
            assert mailoutbox == []  # failed before the mail server was called
    # The task's retry, at once: not a claim to wait out, nothing twice.
    emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
    assert len(mailoutbox) == 1
    with time_machine.travel(timezone.now() + emails.CLAIM_LEASE * 1.1):
        emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
    assert len(mailoutbox) == 1
    appointment_request.refresh_from_db()
    assert appointment_request.clinic_email_sent_at is not None
    assert appointment_request.clinic_email_claimed_at is None


@pytest.mark.django_db(transaction=True)
def test_a_row_another_transaction_points_at_is_still_emailed(treatment, mailoutbox):
    """Adding a row that refers to the request (an audit entry as staff open
    it) takes a KEY SHARE lock on it; the claim must not take that for a
    worker sending it and skip the email."""
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    locked, done = threading.Event(), threading.Event()

    def staff_opening_it():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {AppointmentRequest._meta.db_table} "
                "WHERE id = %s FOR KEY SHARE",
                [appointment_request.pk],
            )
            locked.set()
            done.wait(timeout=10)
        connection.close()

    staff = threading.Thread(target=staff_opening_it)
    staff.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        sent = emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
    finally:
        done.set()
        staff.join()
    assert sent is True
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_sent_stamp_waits_for_the_database_then_gives_up_logged(
    treatment, mailoutbox, monkeypatch, caplog
):
    pauses = []
    ten_seconds_each_time = iter(range(0, 10_000, 10))
    monkeypatch.setattr(
        emails,
        "time",
        SimpleNamespace(
            monotonic=lambda: next(ten_seconds_each_time), sleep=pauses.append
        ),
    )
    appointment_request = AppointmentRequestFactory(treatment=treatment)

    def away_once_sent(execute, sql, params, many, context):
        if mailoutbox:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(away_once_sent), pytest.raises(OperationalError):
        emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
    assert len(mailoutbox) == 1
    # Tried for DATABASE_WAIT with a growing, capped pause, then logged.
    assert pauses[:4] == [0.5, 1.0, 2.0, 4.0] and max(pauses) == 5.0
    assert 10 * len(pauses) <= emails.DATABASE_WAIT.total_seconds()
    assert "Could not record the clinic email as sent" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_claim_whose_commit_answer_was_lost_is_released(
    treatment, mailoutbox, monkeypatch
):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    database = connections["default"]
    commit, answers_lost = type(database)._commit, [True]

    def commit_then_lose_the_answer(self):
        commit(self)
        if answers_lost:
            answers_lost.pop()
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(type(database), "_commit", commit_then_lose_the_answer)
    with pytest.raises(OperationalError):
        emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
    appointment_request.refresh_from_db()
    assert appointment_request.clinic_email_claimed_at is None
    # So the retry sends it now, not CLAIM_LEASE later.
    assert emails.send_once(AppointmentRequest, appointment_request.pk, "clinic")
    assert len(mailoutbox) == 1
