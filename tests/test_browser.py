import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_an_appointment_button_leads_to_booking_form(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Request an appointment").first.click()
    page.wait_for_url(live_server.url + "/book/request/")
    assert page.get_by_role("heading", level=1).inner_text() == "Request an appointment"
