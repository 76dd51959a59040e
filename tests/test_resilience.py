"""Riding out a database outage and a dead task worker (issue 11; SECURITY-REVIEW
#5, #6, #17). The whole of it, with a real outage, is tests/test_fault_drill.py."""

import datetime
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking import emails
from booking.models import AppointmentRequest
from booking.periodic import send_due_messages
from booking.tasks import send_request_emails
from tests.booking.conftest import run_worker  # noqa: F401 (a fixture)
from tests.booking.factories import AppointmentRequestFactory, form_data

pytestmark = pytest.mark.django_db


def queued(*, waited: float, run_after_waited: float | None = None) -> DBTaskResult:
    """An email task that was queued `waited` seconds ago (for later, if
    `run_after_waited` says how long ago its run_after passed)."""
    now = timezone.now()
    run_after = None
    if run_after_waited is not None:
        run_after = now - datetime.timedelta(seconds=run_after_waited)
    result = send_request_emails.using(run_after=run_after).enqueue(request_id=1)
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=now - datetime.timedelta(seconds=waited)
    )
    return DBTaskResult.objects.get(pk=result.id)


def left_running(result: DBTaskResult, *, seconds_ago: float) -> None:
    """As a worker leaves a task it claimed and then died."""
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="RUNNING",
        started_at=timezone.now() - datetime.timedelta(seconds=seconds_ago),
        worker_ids=["a-worker-that-died"],
    )


# --- /healthz and the task queue ---------------------------------------------


def test_healthz_is_ok_while_ready_tasks_wait_less_than_the_limit(client, settings):
    settings.HEALTHZ_MAX_TASK_WAIT_SECONDS = 300
    queued(waited=200)
    # An email retry queued an hour ago for a minute ago has waited a minute.
    queued(waited=3600, run_after_waited=60)
    # One queued for later is not waiting yet.
    send_request_emails.using(
        run_after=timezone.now() + datetime.timedelta(hours=1)
    ).enqueue(request_id=2)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_a_ready_task_waited_too_long(client, settings):
    settings.HEALTHZ_MAX_TASK_WAIT_SECONDS = 300
    settings.TASK_STUCK_AFTER_SECONDS = 900
    queued(waited=400)
    left_running(queued(waited=2000), seconds_ago=1000)
    left_running(queued(waited=20), seconds_ago=10)  # only slow
    response = client.get("/healthz")
    assert response.status_code == 503
    tasks = response.json()["tasks"]
    assert 400 <= tasks["oldest_ready_seconds"] < 410
    assert tasks["stale_running"] == 1


def test_healthz_counts_an_email_retry_from_when_it_became_due(client, settings):
    settings.HEALTHZ_MAX_TASK_WAIT_SECONDS = 300
    queued(waited=3600, run_after_waited=400)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert 400 <= response.json()["tasks"]["oldest_ready_seconds"] < 410


# --- A task a dead worker left RUNNING ------------------------------------------


def test_a_task_a_dead_worker_left_running_is_run_again_and_emails_once(
    settings,
    mailoutbox,
    run_worker,  # noqa: F811
):
    settings.TASK_STUCK_AFTER_SECONDS = 900
    appointment_request = AppointmentRequestFactory()
    result = send_request_emails.enqueue(request_id=appointment_request.pk)
    left_running(DBTaskResult.objects.get(pk=result.id), seconds_ago=901)
    run_worker()
    assert mailoutbox == []  # nothing else would ever run it

    send_due_messages.call()
    run_worker()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [settings.CLINIC_INBOX_EMAIL, appointment_request.email]
    )
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"

    # Run again after all (say its worker was only slow): nothing goes twice.
    left_running(DBTaskResult.objects.get(pk=result.id), seconds_ago=901)
    send_due_messages.call()
    run_worker()
    assert len(mailoutbox) == 2


def test_an_email_task_that_loses_the_database_is_retried_later_not_failed(
    monkeypatch,
    mailoutbox,
    run_worker,  # noqa: F811
):
    appointment_request = AppointmentRequestFactory()
    outage = [OperationalError("server closed the connection unexpectedly")]
    send_all = emails.send_all

    def send_all_once_the_database_is_back(model, pk):
        if outage:
            raise outage.pop()
        send_all(model, pk)

    monkeypatch.setattr(emails, "send_all", send_all_once_the_database_is_back)
    result = send_request_emails.enqueue(request_id=appointment_request.pk)
    run_worker()
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {
        "request_id": appointment_request.pk,
        "attempt": 2,
    }
    assert retry.run_after > timezone.now()
    with time_machine.travel(retry.run_after + datetime.timedelta(seconds=1)):
        run_worker()
    assert len(mailoutbox) == 2


def test_a_task_running_for_less_than_the_limit_is_left_to_its_worker(settings):
    settings.TASK_STUCK_AFTER_SECONDS = 900
    result = queued(waited=0)
    left_running(result, seconds_ago=899)
    send_due_messages.call()
    assert DBTaskResult.objects.get(pk=result.pk).status == "RUNNING"


# --- The database down: 503 with Retry-After, never 500 ----------------------


def database_down():
    """Every query fails as it does once PostgreSQL has gone away."""
    error = OperationalError('connection to server on socket "…" failed')
    return mock.patch.object(connection, "cursor", side_effect=error)


def assert_unavailable_page(response, settings) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "We will be back in a moment" in html
    assert settings.CLINIC["name"] in html
    assert f'href="tel:{settings.CLINIC["phone"]}"' in html


@pytest.mark.parametrize("path", ["/", "/treatments/", "/book/request/"])
def test_pages_answer_503_with_retry_after_while_the_database_is_down(
    client, settings, path
):
    client.raise_request_exception = False
    with database_down():
        response = client.get(path)
    assert_unavailable_page(response, settings)


def test_a_booking_sent_while_the_database_is_down_is_not_acknowledged(
    client, settings
):
    client.raise_request_exception = False
    with database_down():
        response = client.post("/book/request/", form_data(email="late@example.com"))
    assert_unavailable_page(response, settings)
    assert not AppointmentRequest.objects.exists()


def test_a_signed_in_visitor_gets_503_when_the_session_cannot_be_read(
    client, settings, admin_user
):
    client.force_login(admin_user)
    client.raise_request_exception = False
    with database_down():
        response = client.get(f"/{settings.ADMIN_URL}")
    assert_unavailable_page(response, settings)


def failing_middleware(get_response):
    def middleware(request):
        raise OperationalError("the database system is shutting down")

    return middleware


def test_a_database_error_raised_in_a_middleware_gets_503(client, settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:1],
        "tests.test_resilience.failing_middleware",
        *settings.MIDDLEWARE[1:],
    ]
    client.raise_request_exception = False
    assert_unavailable_page(client.get("/"), settings)


def test_other_errors_still_get_the_500_page(client, settings):
    client.raise_request_exception = False
    settings.ROOT_URLCONF = "tests.urls_failing"
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Retry-After" not in response


# --- The supervisor gunicorn runs the worker under ---------------------------


def test_a_supervised_command_that_exits_is_started_again_and_logged(tmp_path):
    runs = tmp_path / "runs"
    script = f"open('{runs}', 'a').write('x'); raise SystemExit(3)"
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "medspa.supervise",
            shlex.join([sys.executable, "-c", script]),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Started at once, then 1 s after it exited, then 2 s after that.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
        runs.exists() and runs.read_text() == "xxx"
    ):
        time.sleep(0.1)
    supervisor.send_signal(signal.SIGTERM)
    _, log = supervisor.communicate(timeout=15)
    assert supervisor.returncode == 0
    assert runs.read_text() == "xxx"
    assert "exited with code 3; starting it again in 1 s" in log
    assert "exited with code 3; starting it again in 2 s" in log
