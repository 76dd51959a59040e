"""The clinic's own 400, 403 and CSRF-failure pages (SECURITY-REVIEW #20):
what happened, in words a patient can act on, the phone number and a way on."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.views.defaults import permission_denied
from playwright.sync_api import expect

from booking.models import AppointmentRequest
from tests.booking.factories import form_data
from tests.test_quality import html_errors, nu_checker_errors

pytestmark = pytest.mark.django_db
PHONE = '<a href="tel:+15555550142">(555) 555-0142</a>'


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


def test_a_booking_refused_by_the_csrf_check_says_why_and_how_to_go_on(
    strict_client, treatment
):
    strict_client.get("/book/request/")  # the form and its CSRF cookie
    token = strict_client.cookies["csrftoken"].value
    # Cleared while the page was open (or never stored: cookies blocked).
    del strict_client.cookies["csrftoken"]
    response = strict_client.post(
        "/book/request/", form_data(treatment, csrfmiddlewaretoken=token)
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Your form could not be sent</h1>" in html
    assert "Nothing was saved." in html
    assert "blocks cookies for this site, or cleared them" in html
    assert "Back button (what you typed is usually still there)" in html
    assert '<a href="/book/request/">open the form again</a>' in html
    assert PHONE in html
    assert "CSRF" not in html
    assert not AppointmentRequest.objects.exists()
    assert html_errors(html) == []


def test_a_post_without_a_token_gets_the_same_page(strict_client):
    strict_client.get("/book/request/")
    response = strict_client.post("/book/request/", form_data())
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()


def test_permission_denied_is_the_clinics_page(rf):
    request = rf.get("/somewhere/")
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>This page is not available to you</h1>" in html
    assert PHONE in html
    assert '<a href="/">Home page</a>' in html
    assert html_errors(html) == []


def test_a_bad_request_is_the_clinics_page_even_for_a_host_we_do_not_serve(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>We could not read that request</h1>" in html
    assert PHONE in html
    assert '<a href="/">home page</a>' in html
    assert "evil.example" not in html
    assert html_errors(html) == []


def test_the_error_pages_are_valid_html(strict_client, client, rf, tmp_path):
    pages = {
        "csrf": strict_client.post("/book/request/", form_data()),
        "403": permission_denied(rf.get("/"), PermissionDenied()),
        "400": client.get("/", HTTP_HOST="evil.example"),
    }
    errors = nu_checker_errors(
        {name: response.content.decode() for name, response in pages.items()},
        tmp_path,
    )
    assert errors == [], "\n".join(errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_from_the_csrf_page_still_shows_what_the_patient_typed(live_server, page):
    """What the page promises: the browser's Back button keeps the typing."""
    page.goto(live_server.url + "/book/request/")
    page.get_by_label("First name").fill("Zoë")
    page.get_by_label("Mobile phone").fill("217 544 0123")
    page.context.clear_cookies()  # cleared while the page was open
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your form could not be sent"
    )
    page.go_back()
    expect(page.get_by_label("First name")).to_have_value("Zoë")
    expect(page.get_by_label("Mobile phone")).to_have_value("217 544 0123")
