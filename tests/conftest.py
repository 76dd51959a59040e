import os
import re
from importlib import import_module

import pytest
from django.core.cache import caches
from django.test import Client

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to
# run next to one unless told that this single-threaded test use is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path, monkeypatch):
    from booking.views import cached
    from medspa import page_cache

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests edit and look at once; the tenth of a second each process may keep
    # the site version is tested on its own (tests/blog/test_cache.py,
    # tests/booking/test_views.py).
    monkeypatch.setattr(page_cache, "VERSION_SECONDS", 0)
    monkeypatch.setattr(cached, "VERSION_SECONDS", 0)
    # Per-process caches outlive each test's database rollback.
    caches["fragments"].clear()
    caches["times"].clear()
    caches["pages"].clear()
    caches["searches"].clear()
    caches["cards"].clear()
    caches["forms"].clear()


def migration_groups() -> dict[str, list[str]]:
    """The staff groups the data migrations make, read from their own constants."""
    blog = import_module("blog.migrations.0003_content_editors_group")
    booking = import_module("booking.migrations.0004_front_desk_group")
    appointments = import_module(
        "booking.migrations.0009_front_desk_appointment_permissions"
    )
    waitlist = import_module("booking.migrations.0015_front_desk_waitlist_permissions")
    reviews = import_module("blog.migrations.0007_review_groups_and_content_hash")
    managers = import_module("booking.migrations.0020_managers_group")
    front_desk = [
        f"{app_label}.{codename}"
        for app_label, codename in booking.PERMISSIONS
        + appointments.PERMISSIONS
        + waitlist.PERMISSIONS
    ]
    return {
        blog.GROUP: [
            f"blog.{action}_{model}" for model in blog.MODELS for action in blog.ACTIONS
        ]
        + reviews.EDITOR_PERMISSIONS,
        reviews.MEDICAL_REVIEWERS: reviews.REVIEWER_PERMISSIONS,
        booking.FRONT_DESK: [
            permission
            for permission in front_desk
            if permission not in managers.MOVED_FROM_FRONT_DESK
        ],
        managers.MANAGERS: managers.PERMISSIONS,
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
    from django.db.models import Count

    from medspa.groups import create_group_with_permissions

    # A group a later migration extended may exist with only that part (made
    # by it after a flush), so compare sizes, not just names.
    present = dict(
        Group.objects.annotate(size=Count("permissions")).values_list("name", "size")
    )
    for name, permissions in migration_groups().items():
        if present.get(name, 0) < len(permissions):
            create_group_with_permissions(apps, name, *permissions)


class VerifiedClient(Client):
    """A test client whose force_login also passes the admin's second factor
    (a confirmed authenticator app, as if its code had been entered), so tests
    about what staff can do reach the admin. Tests of the sign-in itself use a
    plain django.test.Client."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if user.is_staff:
            from django_otp import DEVICE_ID_SESSION_KEY

            from tests.two_factor import confirmed_app

            session = self.session
            session[DEVICE_ID_SESSION_KEY] = confirmed_app(user).persistent_id
            session.save()


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def admin_client(db, admin_user):
    client = VerifiedClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def sign_in_to_admin(live_server):
    """Sign a staff member into the admin in the browser, both steps: the
    password, then a code from an authenticator app set up for them."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from playwright.sync_api import expect

    from tests.two_factor import code_for, confirmed_app

    def sign_in(page, username: str, password: str) -> None:
        user = get_user_model().objects.get_by_natural_key(username)
        app = confirmed_app(user)
        page.goto(live_server.url + reverse("admin:login"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code").fill(code_for(app))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(r"^(?!.*/two-factor/)"))

    return sign_in


@pytest.fixture
def content_editors_group(_staff_groups):
    from django.contrib.auth.models import Group

    return Group.objects.get(name="Content editors")


@pytest.fixture
def treatment(db):
    from tests.booking.factories import TreatmentFactory

    return TreatmentFactory(name="Botox Cosmetic", slug="botox")


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright; never skipped."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
