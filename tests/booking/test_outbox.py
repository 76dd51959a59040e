"""booking.outbox.deliver_once: one send per key, settled by PostgreSQL."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone

from booking import emails
from booking.emails import CLAIM_LEASE
from booking.models import OutgoingMessage
from booking.outbox import NOTHING_TO_SEND, deliver_once
from tests.booking.test_emails import DatabaseAway


class Sender:
    def __init__(self, result=True, error=None, pause=0.0):
        self.calls = 0
        self.result, self.error, self.pause = result, error, pause

    def __call__(self):
        self.calls += 1
        time.sleep(self.pause)
        if self.error:
            raise self.error
        return self.result


def deliver(key="reminder:1", send=None):
    return deliver_once(key=key, channel="email", send=send or Sender())


@pytest.mark.django_db
def test_a_key_is_sent_once_and_stamped():
    send = Sender()
    assert deliver(send=send) is True
    assert deliver(send=send) is False
    assert send.calls == 1
    message = OutgoingMessage.objects.get()
    assert message.sent_at is not None and message.claimed_at is None
    assert deliver(key="reminder:2", send=send) is True  # another key is news


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_for_a_retry():
    with pytest.raises(ConnectionRefusedError):
        deliver(send=Sender(error=ConnectionRefusedError()))
    assert OutgoingMessage.objects.get().claimed_at is None
    retry = Sender()
    assert deliver(send=retry) is True and retry.calls == 1


# Autocommit, as in the worker: a test's own transaction would be spoilt by
# the first failed query.
@pytest.mark.django_db(transaction=True)
def test_a_sent_message_is_stamped_once_the_database_answers_again(monkeypatch):
    """The database goes just after the provider took the message: the stamp
    waits for it (the old code left the message unstamped, to go again once
    the claim lapsed)."""
    monkeypatch.setattr(
        emails, "time", SimpleNamespace(monotonic=time.monotonic, sleep=lambda s: None)
    )
    send = Sender()
    away = DatabaseAway(fail_at=10**9)

    def sent_then_away():
        result = send()
        away.fail_at = away.queries + 1  # the next two queries fail
        away.outage = 1
        return result

    with connection.execute_wrapper(away):
        assert deliver(send=sent_then_away) is True
    with time_machine.travel(timezone.now() + CLAIM_LEASE * 1.1):
        assert deliver(send=send) is False
    assert send.calls == 1
    assert OutgoingMessage.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_claim_whose_answer_was_lost_is_released(monkeypatch):
    """The claim's INSERT reached the server and only its answer was lost: the
    retry sends at once, not after CLAIM_LEASE."""
    monkeypatch.setattr(
        emails, "time", SimpleNamespace(monotonic=time.monotonic, sleep=lambda s: None)
    )

    def answer_lost(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().startswith("INSERT"):
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with connection.execute_wrapper(answer_lost), pytest.raises(OperationalError):
        deliver()
    assert OutgoingMessage.objects.get().claimed_at is None
    send = Sender()
    assert deliver(send=send) is True and send.calls == 1


@pytest.mark.django_db
def test_nothing_to_send_frees_the_key():
    assert deliver(send=Sender(result=NOTHING_TO_SEND)) is False
    assert not OutgoingMessage.objects.exists()
    assert deliver() is True


@pytest.mark.django_db
def test_a_dead_workers_claim_is_taken_over_after_the_lease_only():
    OutgoingMessage.objects.create(
        key="reminder:1", channel="email", claimed_at=timezone.now()
    )
    send = Sender()
    assert deliver(send=send) is False  # a live claim: someone is sending
    with time_machine.travel(timezone.now() + CLAIM_LEASE + CLAIM_LEASE / 10):
        assert deliver(send=send) is True
    assert send.calls == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once():
    send = Sender(pause=0.3)
    barrier = threading.Barrier(2)

    def worker(_):
        try:
            barrier.wait(timeout=30)
            return deliver(send=send)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(worker, range(2)))
    assert results == [False, True]
    assert send.calls == 1
