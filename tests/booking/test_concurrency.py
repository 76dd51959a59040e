import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from booking.models import AppointmentRequest
from tests.booking.factories import TreatmentFactory, form_data

pytestmark = pytest.mark.django_db(transaction=True)
REFERENCE = re.compile(r"Your reference: <strong>(MS-[0-9A-Z]{5})</strong>")


def submit_all(payloads):
    """POST every payload at the same moment, each from its own thread,
    browser session and database connection."""
    barrier = threading.Barrier(len(payloads))

    def submit(data):
        client = Client()
        try:
            barrier.wait(timeout=30)
            response = client.post("/book/request/", data)
            reference = None
            if response.status_code == 302:
                # Parsed from the HTML: the test client's captured template
                # contexts are shared between threads.
                page = client.get(response.url).content.decode()
                reference = REFERENCE.search(page).group(1)
            return response.status_code, reference
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(submit, payloads))


def test_fifty_concurrent_distinct_requests_are_all_stored(settings):
    settings.BOOKING_RATE_LIMIT = 1000
    treatment = TreatmentFactory(slug="botox")
    payloads = [
        form_data(treatment=treatment, email=f"patient{n}@example.com")
        for n in range(50)
    ]
    results = submit_all(payloads)
    assert [status for status, _ in results] == [302] * 50
    references = {reference for _, reference in results}
    assert len(references) == 50
    assert AppointmentRequest.objects.count() == 50
    assert set(AppointmentRequest.objects.values_list("reference", flat=True)) == (
        references
    )
    assert DBTaskResult.objects.count() == 50  # one email task per request


def test_ten_concurrent_submissions_of_one_form_are_stored_once(settings):
    settings.BOOKING_RATE_LIMIT = 1000
    data = form_data()
    results = submit_all([data] * 10)
    assert [status for status, _ in results] == [302] * 10
    assert len({reference for _, reference in results}) == 1
    assert AppointmentRequest.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_double_click_at_the_rate_limit_is_answered_as_one_stored_request(settings):
    """The copies wait for the first at the client's counter and count past the
    limit; each is rolled back and answered as the first one's replay, not
    refused (which the patient would see, though the request was stored)."""
    settings.BOOKING_RATE_LIMIT = 1
    results = submit_all([form_data()] * 4)
    assert [status for status, _ in results] == [302] * 4
    assert len({reference for _, reference in results}) == 1
    assert AppointmentRequest.objects.count() == 1


def test_concurrent_posts_from_one_client_stop_exactly_at_the_rate_limit(settings):
    settings.BOOKING_RATE_LIMIT = 5
    payloads = [form_data(email=f"burst{n}@example.com") for n in range(20)]
    results = submit_all(payloads)
    statuses = sorted(status for status, _ in results)
    assert statuses == [302] * 5 + [429] * 15
    assert AppointmentRequest.objects.count() == 5


def test_concurrent_requests_to_one_address_get_only_the_daily_acknowledgments(
    settings,
):
    settings.BOOKING_RATE_LIMIT = 1000
    settings.BOOKING_ACKNOWLEDGMENTS_PER_DAY = 3
    payloads = [form_data(first_name=f"Name{n}") for n in range(12)]
    results = submit_all(payloads)
    assert [status for status, _ in results] == [302] * 12
    acknowledged = AppointmentRequest.objects.filter(patient_email_withheld=False)
    assert acknowledged.count() == 3
    assert AppointmentRequest.objects.count() == 12


def test_concurrent_workers_send_each_email_once(settings):
    from django.core import mail

    from booking import emails
    from tests.booking.factories import AppointmentRequestFactory

    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    mail.outbox = []
    appointment_request = AppointmentRequestFactory(treatment=TreatmentFactory())
    barrier = threading.Barrier(8)

    def send():
        try:
            barrier.wait(timeout=30)
            emails.appointment_request_send_emails(request_id=appointment_request.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: send(), range(8)))
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [settings.CLINIC_INBOX_EMAIL, appointment_request.email]
    )
