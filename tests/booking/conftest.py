import importlib

import pytest

from tests.booking.factories import TreatmentFactory, UserFactory

# Groups created by data migrations, and the function that creates each.
GROUP_MIGRATIONS = {
    "Front desk": ("booking", "0004_front_desk_group", "create_front_desk"),
    "Content editors": ("blog", "0003_content_editors_group", "create_group"),
}


@pytest.fixture(autouse=True)
def _staff_groups(request):
    """Restore the migration-made groups a transactional test's flush removed.

    With --reuse-db, a flush in an earlier run would otherwise leave them missing
    for every later run, since applied migrations never run again.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps
    from django.contrib.auth.models import Group

    present = set(Group.objects.values_list("name", flat=True))
    for name, (app_label, migration, function) in GROUP_MIGRATIONS.items():
        if name in present:
            continue
        module = importlib.import_module(f"{app_label}.migrations.{migration}")
        app_config = apps.get_app_config(app_label)
        models_module = app_config.models_module
        try:
            getattr(module, function)(apps, None)
        finally:
            app_config.models_module = models_module


@pytest.fixture
def treatment(db):
    return TreatmentFactory(name="Botox Cosmetic", slug="botox")


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


@pytest.fixture
def mail_down(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.booking.mail.UnreachableBackend"}}
    return settings


def restore_mail(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
