import re
import time

import pytest
from playwright.sync_api import expect

from booking.models import AppointmentRequest
from tests.booking.factories import TreatmentFactory, UserFactory, next_open_day

# Groups a flush removes come back through the autouse _staff_groups fixture.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_patient_books_on_a_phone_and_front_desk_schedules_it(
    live_server, phone_page, sign_in_to_admin
):
    page = phone_page
    TreatmentFactory(
        name="Botox Cosmetic",
        slug="botox",
        summary="Softens expression lines.",
        areas_treated="Frown lines",
        results_appear="In 3–7 days",
        results_last="About 3–4 months",
    )
    UserFactory(username="frontdesk", password=PASSWORD, groups=["Front desk"])

    page.goto(live_server.url + "/treatments/")
    page.get_by_role("link", name="Botox Cosmetic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Botox Cosmetic")
    page.get_by_role("link", name="Book this treatment").click()
    page.wait_for_url(re.compile(r"/book/request/\?treatment=botox$"))
    loaded = time.monotonic()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment")
    assert page.get_by_label("Treatment").input_value() == "botox"

    page.get_by_label("First name").fill("Zoë <script>alert(1)</script>")
    page.get_by_label("Last name").fill("O'Brien")
    page.get_by_role("textbox", name="Email").fill("zoe@example.com")
    page.get_by_label("Mobile phone").fill("217 544 0123")
    page.get_by_label("Preferred date").fill(next_open_day().isoformat())
    page.get_by_label("Morning (9–12)").check()
    page.get_by_label("New patient").check()
    page.get_by_label("Text message").check()
    page.get_by_label("I agree that the clinic may contact me").check()
    # A person takes a few seconds over a form; do not trip the fill-time check.
    page.wait_for_timeout(max(0, 3500 - (time.monotonic() - loaded) * 1000))
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, we have your request"
    )
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.first_name == "Zoë <script>alert(1)</script>"
    assert appointment_request.source_path == "/treatments/botox/"
    expect(page.locator(".reference strong")).to_have_text(
        appointment_request.reference
    )
    assert "zoe" not in page.url and "2175440123" not in page.url

    sign_in_to_admin(page, "frontdesk", PASSWORD)
    expect(page.locator(".booking-today")).to_contain_text("1 new requests")
    page.get_by_role("link", name="Appointment requests").first.click()
    page.locator("#result_list").get_by_role(
        "link", name=appointment_request.reference
    ).click()
    page.get_by_label("Status").select_option("scheduled")
    page.locator("#id_scheduled_for_0").fill(next_open_day().isoformat())
    page.locator("#id_scheduled_for_1").fill("10:30")
    page.get_by_label("Staff notes").fill("Texted, booked for 10:30")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.locator("#result_list").get_by_role(
        "link", name=appointment_request.reference
    ).click()
    history = page.locator(".booking-history")
    expect(history).to_contain_text("new → scheduled")
    expect(history).to_contain_text("frontdesk")
    appointment_request.refresh_from_db()
    assert appointment_request.status == "scheduled"
    assert page.dialogs == []  # the hostile name never ran as script


def test_booking_errors_are_summarised_focused_and_keep_the_input(
    live_server, phone_page
):
    page = phone_page
    page.goto(live_server.url + "/book/request/")
    page.get_by_role("textbox", name="Email").fill("not-an-email")
    page.get_by_role("button", name="Send request").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please enter your first name.")
    expect(page.get_by_role("textbox", name="Email")).to_have_value("not-an-email")
    assert not AppointmentRequest.objects.exists()
