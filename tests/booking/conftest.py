import pytest

from tests.booking.factories import UserFactory


@pytest.fixture
def front_desk_user(db):
    return UserFactory(username="frontdesk", groups=["Front desk"])


@pytest.fixture
def front_desk_client(client, front_desk_user):
    client.force_login(front_desk_user)
    return client


@pytest.fixture
def run_worker(monkeypatch):
    """Run the real db_worker loop in batch mode until no task is ready."""
    from django_tasks_db.management.commands import db_worker

    # The worker recycles connections between tasks, which would end the test's
    # transaction; the test database connection stays healthy anyway.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        db_worker.Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()

    return run


class MailServer:
    """Stops and starts the (test) mail server by swapping the mail backend."""

    def __init__(self, settings):
        self.settings = settings

    def stop(self) -> None:
        self.settings.MAILERS = {
            "default": {"BACKEND": "tests.booking.mail.UnreachableBackend"}
        }

    def start(self) -> None:
        self.settings.MAILERS = {
            "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        }


@pytest.fixture
def mail_server(settings, mailoutbox):
    return MailServer(settings)


@pytest.fixture
def mail_down(mail_server):
    """The mail server refuses connections until mail_down.start()."""
    mail_server.stop()
    return mail_server
