"""A new staff member's first sign-in in a real browser: password, setting up
an authenticator app, recovery codes, then signing in again with a fresh code."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.booking.factories import AppointmentRequestFactory, UserFactory
from tests.test_quality import assert_accessible, watch_csp
from tests.two_factor import code_for_secret

# Groups a flush removes come back through the autouse _staff_groups fixture.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def sign_in_with_password(page, live_server):
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("newdesk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_new_staff_member_sets_up_two_step_sign_in(live_server, page):
    UserFactory(username="newdesk", groups=["Front desk"])
    AppointmentRequestFactory(first_name="Ottoline")
    violations = watch_csp(page)

    page.goto(live_server.url + reverse("admin:login"))
    assert_accessible(page, violations)
    sign_in_with_password(page, live_server)

    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    assert_accessible(page, violations)
    secret = page.locator(".two-factor-secret").inner_text()
    page.get_by_label("Code").fill(code_for_secret(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".two-factor-recovery-codes li")
    expect(codes).to_have_count(10)
    assert_accessible(page, violations)
    page.get_by_role("link", name="Continue to the back office").click()
    expect(page.locator(".booking-today")).to_contain_text("1 new requests")
    page.get_by_role("button", name="Log out").click()

    # Thirty seconds on, the app shows a new code: the first one was used.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=30)):
        sign_in_with_password(page, live_server)
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        assert_accessible(page, violations)
        page.get_by_label("Code").fill(code_for_secret(secret))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))
        page.get_by_role("link", name="Appointment requests").first.click()
        expect(page.locator("#result_list")).to_contain_text("Ottoline")


def test_a_staff_member_adds_a_passkey_and_signs_in_with_it(
    live_server, page, settings, sign_in_to_admin
):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    UserFactory(username="newdesk", groups=["Front desk"])
    AppointmentRequestFactory(first_name="Ottoline")
    violations = watch_csp(page)
    # This device's fingerprint reader, as Chromium's virtual authenticator.
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    sign_in_to_admin(page, "newdesk", PASSWORD)
    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_role("heading", name="Passkeys")).to_be_visible()
    expect(page.get_by_text("You have no passkey yet.")).to_be_visible()
    assert_accessible(page, violations)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator(".two-factor-passkeys li")).to_have_count(1)
    assert_accessible(page, violations)
    page.get_by_role("button", name="Log out").click()

    sign_in_with_password(page, live_server)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    passkey = page.get_by_role("button", name="Use a passkey")
    expect(passkey).to_be_visible()
    assert_accessible(page, violations)
    passkey.click()
    expect(page.locator(".booking-today")).to_contain_text("1 new requests")
    assert_accessible(page, violations)
    assert WebAuthnCredential.objects.get(user__username="newdesk").last_used_at
